// net::Listener on loopback: the cap, the slot that frees a place, errors.
// Descriptor exhaustion (the accept pause) is tested through the health
// server in tests/app/health_server_limits_test.cc.
#include "net/listener.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

namespace aicc::net {
namespace {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

class ListenerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    thread_ = std::thread([this] { io_.run(); });
  }
  void TearDown() override {
    if (listener_) listener_->Stop();
    {
      std::lock_guard lock(mutex_);
      held_.clear();
    }
    work_.reset();
    io_.stop();
    thread_.join();
  }
  // Each accepted connection is answered with one byte and held (with its
  // slot) until Release.
  void Listen(std::size_t cap) {
    auto l = Listener::Open(io_.get_executor(), {"127.0.0.1", 0},
                            {.name = "test", .max_connections = cap});
    ASSERT_TRUE(l) << l.error();
    listener_ = *l;
    listener_->Start([this](tcp::socket s, Listener::Slot slot) {
      boost::system::error_code ec;
      asio::write(s, asio::buffer("+", 1), ec);
      std::lock_guard lock(mutex_);
      held_.emplace_back(std::move(s), std::move(slot));
    });
  }
  void ReleaseAll() {
    std::lock_guard lock(mutex_);
    held_.clear();
  }
  // Connects; true when the server answered (accepted under the cap), false
  // when it closed the connection unanswered.
  bool Answered(tcp::socket& s) {
    s.connect({asio::ip::make_address("127.0.0.1"), listener_->local_endpoint().port()});
    char c = 0;
    boost::system::error_code ec;
    asio::read(s, asio::buffer(&c, 1), ec);
    return !ec && c == '+';
  }

  asio::io_context io_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_{
      io_.get_executor()};
  std::thread thread_;
  std::shared_ptr<Listener> listener_;
  std::mutex mutex_;
  std::vector<std::pair<tcp::socket, Listener::Slot>> held_;
};

TEST_F(ListenerTest, CapsOpenConnectionsAndASlotFreesAPlace) {
  Listen(3);
  asio::io_context client;
  std::vector<tcp::socket> clients;
  for (int i = 0; i < 3; ++i) {
    clients.emplace_back(client);
    EXPECT_TRUE(Answered(clients.back())) << i;
  }
  EXPECT_EQ(listener_->open_connections(), 3u);
  tcp::socket extra(client);
  EXPECT_FALSE(Answered(extra)) << "a fourth connection was accepted";
  ReleaseAll();  // the sessions end: their slots go
  EXPECT_EQ(listener_->open_connections(), 0u);
  tcp::socket again(client);
  EXPECT_TRUE(Answered(again));
}

TEST_F(ListenerTest, StopClosesTheListeningSocket) {
  Listen(8);
  const auto port = listener_->local_endpoint().port();
  listener_->Stop();
  // Stop runs on the listener's strand.
  for (int i = 0; i < 100; ++i) {
    asio::io_context client;
    tcp::socket s(client);
    boost::system::error_code ec;
    s.connect({asio::ip::make_address("127.0.0.1"), port}, ec);
    if (ec == asio::error::connection_refused) return;
    std::this_thread::sleep_for(10ms);
  }
  FAIL() << "still listening after Stop";
}

TEST(ListenerOpenTest, ErrorsNameTheAddress) {
  asio::io_context io;
  auto bad = Listener::Open(io.get_executor(), {"not-an-ip", 80}, {});
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().find("not-an-ip"), std::string::npos);
  auto first = Listener::Open(io.get_executor(), {"127.0.0.1", 0}, {});
  ASSERT_TRUE(first);
  const auto port = (*first)->local_endpoint().port();
  ASSERT_NE(port, 0);
  // SO_REUSEADDR does not let two listeners share a port on Linux.
  auto second = Listener::Open(io.get_executor(), {"127.0.0.1", port}, {});
  ASSERT_FALSE(second);
  EXPECT_NE(second.error().find("127.0.0.1:" + std::to_string(port)), std::string::npos)
      << second.error();
}

}  // namespace
}  // namespace aicc::net
