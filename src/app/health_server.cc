#include "app/health_server.h"

#include <atomic>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cerrno>
#include <chrono>

#include "core/logging.h"
#include "net/listener.h"
#include "net/url.h"

namespace aicc::app {
namespace beast = boost::beast;
namespace http = beast::http;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

// One keep-alive HTTP/1.1 connection; requests are answered in order.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, const core::MetricsRegistry& metrics,
          std::function<Readiness()> readiness, net::Listener::Slot slot)
      : stream_(std::move(socket)),
        metrics_(metrics),
        readiness_(std::move(readiness)),
        slot_(std::move(slot)) {}

  void Run() { Read(); }

 private:
  void Read() {
    request_ = {};
    stream_.expires_after(std::chrono::seconds(30));
    http::async_read(stream_, buffer_, request_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) {
                       if (ec) return self->Close();
                       self->Respond();
                     });
  }

  void Respond() {
    auto res = std::make_shared<http::response<http::string_body>>();
    res->version(request_.version());
    res->keep_alive(request_.keep_alive());
    res->set(http::field::server, "aicc");
    const std::string_view target = request_.target();
    const std::string_view path = target.substr(0, target.find('?'));
    if (request_.method() != http::verb::get && request_.method() != http::verb::head) {
      res->result(http::status::method_not_allowed);
      res->set(http::field::content_type, "text/plain");
      res->body() = "method not allowed\n";
    } else if (path == "/healthz") {
      res->result(http::status::ok);
      res->set(http::field::content_type, "text/plain");
      res->body() = "ok\n";
    } else if (path == "/readyz") {
      const Readiness r = readiness_();
      res->result(r.ready ? http::status::ok : http::status::service_unavailable);
      res->set(http::field::content_type, "text/plain");
      res->body() = (r.ready ? "ready\n" : "not ready\n") + r.detail;
    } else if (path == "/metrics") {
      res->result(http::status::ok);
      res->set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
      res->body() = metrics_.RenderPrometheus();
    } else {
      res->result(http::status::not_found);
      res->set(http::field::content_type, "text/plain");
      res->body() = "not found: try /healthz, /readyz, /metrics\n";
    }
    if (request_.method() == http::verb::head) {
      res->content_length(res->body().size());
      res->body().clear();
    } else {
      res->prepare_payload();
    }
    http::async_write(stream_, *res,
                      [self = shared_from_this(), res](beast::error_code ec, std::size_t) {
                        if (ec || !res->keep_alive()) return self->Close();
                        self->Read();
                      });
  }

  void Close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
  const core::MetricsRegistry& metrics_;
  std::function<Readiness()> readiness_;
  net::Listener::Slot slot_;  // a place under the listener's cap while alive
};

}  // namespace

struct HealthServer::Impl {
  Impl(asio::any_io_executor ex, const core::MetricsRegistry& m, std::function<Readiness()> r,
       std::size_t max)
      : executor(std::move(ex)), metrics(m), readiness(std::move(r)), max_connections(max) {}

  asio::any_io_executor executor;
  const core::MetricsRegistry& metrics;
  std::function<Readiness()> readiness;
  const std::size_t max_connections;
  std::shared_ptr<net::Listener> listener;
};

HealthServer::HealthServer(asio::any_io_executor ex, const core::MetricsRegistry& metrics,
                           std::function<Readiness()> readiness, std::size_t max_connections)
    : impl_(std::make_shared<Impl>(ex, metrics, std::move(readiness), max_connections)) {}

HealthServer::~HealthServer() { Stop(); }

boost::system::result<void, std::string> HealthServer::Start(const std::string& host_port) {
  const auto parsed = net::ParseHostPort(host_port);
  if (!parsed) return "http.listen: " + parsed.error().message;
  auto listener = net::Listener::Open(impl_->executor, *parsed,
                                      {.name = "http", .max_connections = impl_->max_connections});
  if (!listener) return "http.listen: " + listener.error();
  impl_->listener = *listener;
  if (!impl_->listener->local_endpoint().address().is_loopback()) {
    core::Logger("app")->warn(
        "metrics/health endpoint listens on {} beyond loopback; restrict it with a firewall",
        host_port);
  }
  // The callback holds the parts it needs, not the server.
  impl_->listener->Start([&metrics = impl_->metrics, readiness = impl_->readiness](
                             tcp::socket socket, net::Listener::Slot slot) {
    std::make_shared<Session>(std::move(socket), metrics, readiness, std::move(slot))->Run();
  });
  return {};
}

void HealthServer::Stop() {
  if (impl_->listener) impl_->listener->Stop();
}

tcp::endpoint HealthServer::LocalEndpoint() const {
  return impl_->listener ? impl_->listener->local_endpoint() : tcp::endpoint{};
}

}  // namespace aicc::app
