#include "app/health_server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <thread>

namespace aicc::app {
namespace {
namespace asio = boost::asio;
namespace http = boost::beast::http;

struct Response {
  int status;
  std::string content_type;
  std::string body;
};

// A plain blocking client on its own io_context: the server runs on another.
Response Get(const asio::ip::tcp::endpoint& ep, const std::string& target) {
  asio::io_context io;
  boost::beast::tcp_stream stream(io);
  stream.connect(ep);
  http::request<http::empty_body> req{http::verb::get, target, 11};
  req.set(http::field::host, "127.0.0.1");
  http::write(stream, req);
  boost::beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(stream, buffer, res);
  return {static_cast<int>(res.result_int()), std::string(res[http::field::content_type]),
          res.body()};
}

class HealthServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    metrics_.GetCounter("aicc_test_total", "A test counter").Increment(7);
    server_ = std::make_unique<HealthServer>(io_.get_executor(), metrics_, [this] {
      return Readiness{ready_.load(), ready_ ? "ari: connected\n" : "ari: disconnected\n"};
    });
    auto started = server_->Start("127.0.0.1:0");
    ASSERT_TRUE(started) << started.error();
    thread_ = std::thread([this] { io_.run(); });
  }
  void TearDown() override {
    server_->Stop();
    io_.stop();
    thread_.join();
  }

  asio::io_context io_;
  core::MetricsRegistry metrics_;
  std::atomic<bool> ready_{false};
  std::unique_ptr<HealthServer> server_;
  std::thread thread_;
};

TEST_F(HealthServerTest, ServesHealthReadinessAndMetrics) {
  const auto ep = server_->LocalEndpoint();
  ASSERT_NE(ep.port(), 0);
  EXPECT_EQ(Get(ep, "/healthz").status, 200);

  auto not_ready = Get(ep, "/readyz");
  EXPECT_EQ(not_ready.status, 503);
  EXPECT_NE(not_ready.body.find("ari: disconnected"), std::string::npos);
  ready_ = true;
  EXPECT_EQ(Get(ep, "/readyz").status, 200);

  auto metrics = Get(ep, "/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_EQ(metrics.content_type, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(metrics.body.find("aicc_test_total 7\n"), std::string::npos);

  EXPECT_EQ(Get(ep, "/nope").status, 404);
}

TEST(HealthServerStartTest, BadAddressIsAClearError) {
  asio::io_context io;
  core::MetricsRegistry metrics;
  HealthServer server(io.get_executor(), metrics, [] { return Readiness{true, ""}; });
  auto r = server.Start("not-an-ip:9100");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("http.listen"), std::string::npos);
}

// Issue 18: 127.0.0.1:99999 listened on 34463 (the port wrapped around).
TEST(HealthServerStartTest, PortOutOfRangeIsRefusedNotWrapped) {
  asio::io_context io;
  core::MetricsRegistry metrics;
  for (const char* listen : {"127.0.0.1:99999", "127.0.0.1:65536", "127.0.0.1:-1"}) {
    SCOPED_TRACE(listen);
    HealthServer server(io.get_executor(), metrics, [] { return Readiness{true, ""}; });
    auto r = server.Start(listen);
    ASSERT_FALSE(r) << "listening on port " << server.LocalEndpoint().port();
    EXPECT_NE(r.error().find("http.listen"), std::string::npos) << r.error();
    EXPECT_NE(r.error().find("[0, 65535]"), std::string::npos) << r.error();
  }
}

}  // namespace
}  // namespace aicc::app
