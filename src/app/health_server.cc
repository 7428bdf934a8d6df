#include "app/health_server.h"

#include <atomic>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cerrno>
#include <chrono>

#include "core/logging.h"
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
          std::function<Readiness()> readiness, std::shared_ptr<std::atomic<std::size_t>> open)
      : stream_(std::move(socket)),
        metrics_(metrics),
        readiness_(std::move(readiness)),
        open_(std::move(open)) {}
  ~Session() { open_->fetch_sub(1, std::memory_order_relaxed); }

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
  std::shared_ptr<std::atomic<std::size_t>> open_;  // sessions alive, for the cap
};

// Out of descriptors (or kernel memory) the listening socket stays readable
// and every accept fails at once: without a pause the loop spins a core.
bool IsResourceShortage(const beast::error_code& ec) {
  return ec == boost::system::errc::too_many_files_open ||
         ec == boost::system::errc::too_many_files_open_in_system ||
         ec == boost::system::errc::no_buffer_space || ec == boost::system::errc::not_enough_memory;
}
constexpr std::chrono::milliseconds kAcceptPause{100};

}  // namespace

struct HealthServer::Impl : std::enable_shared_from_this<Impl> {
  Impl(asio::any_io_executor ex, const core::MetricsRegistry& m, std::function<Readiness()> r,
       std::size_t max)
      : executor(asio::make_strand(ex)),
        acceptor(executor),
        pause_timer(executor),
        metrics(m),
        readiness(std::move(r)),
        max_connections(max) {}

  void Accept() {
    acceptor.async_accept(
        asio::make_strand(executor.get_inner_executor()),
        [self = shared_from_this()](beast::error_code ec, tcp::socket s) {
          if (ec == asio::error::operation_aborted || !self->acceptor.is_open()) {
            return;
          }
          if (ec) return self->AcceptFailed(ec);
          if (self->open->load(std::memory_order_relaxed) >= self->max_connections) {
            // Over the cap: closed unanswered (a client holding idle
            // connections loses them to the 30 s read timeout).
            if (self->cap_log.ShouldLog()) {
              core::Logger("app")->warn(
                  "http: {} connections open, the most allowed; closing new ones ({} more "
                  "suppressed)",
                  self->max_connections, self->cap_log.Suppressed());
            }
            beast::error_code ignored;
            s.close(ignored);
          } else {
            self->open->fetch_add(1, std::memory_order_relaxed);
            std::make_shared<Session>(std::move(s), self->metrics, self->readiness, self->open)
                ->Run();
          }
          self->Accept();
        });
  }

  void AcceptFailed(const beast::error_code& ec) {
    if (accept_log.ShouldLog()) {
      core::Logger("app")->error("http: accept failed: {} ({} more suppressed){}", ec.message(),
                                 accept_log.Suppressed(),
                                 IsResourceShortage(ec) ? "; pausing accepts for 100 ms" : "");
    }
    if (!IsResourceShortage(ec)) return Accept();  // e.g. the peer reset it: next one
    pause_timer.expires_after(kAcceptPause);
    pause_timer.async_wait([self = shared_from_this()](beast::error_code wait_ec) {
      if (wait_ec || !self->acceptor.is_open()) return;
      self->Accept();
    });
  }

  asio::strand<asio::any_io_executor> executor;
  tcp::acceptor acceptor;
  asio::steady_timer pause_timer;
  const core::MetricsRegistry& metrics;
  std::function<Readiness()> readiness;
  const std::size_t max_connections;
  std::shared_ptr<std::atomic<std::size_t>> open = std::make_shared<std::atomic<std::size_t>>(0);
  core::RateLimitedLog accept_log{std::chrono::seconds(10)};
  core::RateLimitedLog cap_log{std::chrono::seconds(10)};
};

HealthServer::HealthServer(asio::any_io_executor ex, const core::MetricsRegistry& metrics,
                           std::function<Readiness()> readiness, std::size_t max_connections)
    : impl_(std::make_shared<Impl>(ex, metrics, std::move(readiness), max_connections)) {}

HealthServer::~HealthServer() { Stop(); }

boost::system::result<void, std::string> HealthServer::Start(const std::string& host_port) {
  const auto parsed = net::ParseHostPort(host_port);
  if (!parsed) return "http.listen: " + parsed.error().message;
  const std::string& host = parsed->host;
  const std::uint16_t port = parsed->port;
  beast::error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  if (ec) return "http.listen: '" + host + "' is not an IP address";
  const tcp::endpoint ep(address, port);
  auto& acceptor = impl_->acceptor;
  acceptor.open(ep.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(ep, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return "http.listen: cannot listen on " + host_port + ": " + ec.message();
  if (!address.is_loopback()) {
    core::Logger("app")->warn(
        "metrics/health endpoint listens on {} beyond loopback; restrict it with a firewall",
        host_port);
  }
  asio::dispatch(impl_->executor, [impl = impl_] { impl->Accept(); });
  return {};
}

void HealthServer::Stop() {
  asio::dispatch(impl_->executor, [impl = impl_] {
    beast::error_code ec;
    impl->acceptor.close(ec);
    impl->pause_timer.cancel();
  });
}

tcp::endpoint HealthServer::LocalEndpoint() const {
  beast::error_code ec;
  return impl_->acceptor.local_endpoint(ec);
}

}  // namespace aicc::app
