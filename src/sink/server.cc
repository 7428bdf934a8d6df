#include "sink/server.h"

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <nlohmann/json.hpp>

#include "core/logging.h"
#include "net/listener.h"
#include "net/tls.h"
#include "sink/jwt.h"

namespace aicc::sink {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using asio::awaitable;
using asio::use_awaitable;

struct SinkServer::Impl : std::enable_shared_from_this<Impl> {
  Impl(asio::any_io_executor ex, SinkServerOptions o, OnMessage cb)
      : strand(asio::make_strand(ex)), options(std::move(o)), on_message(std::move(cb)) {}

  // `slot` keeps the connection's place under the listener's cap.
  template <typename WsStream>
  static awaitable<void> Session(std::shared_ptr<Impl> self, std::shared_ptr<WsStream> ws,
                                 net::Listener::Slot slot) {
    (void)slot;
    auto& lowest = beast::get_lowest_layer(*ws);
    if constexpr (!std::is_same_v<WsStream, websocket::stream<beast::tcp_stream>>) {
      lowest.expires_after(std::chrono::seconds(10));
      co_await ws->next_layer().async_handshake(asio::ssl::stream_base::server, use_awaitable);
    }
    beast::flat_buffer buffer;
    http::request<http::string_body> req;
    lowest.expires_after(std::chrono::seconds(10));
    co_await http::async_read(ws->next_layer(), buffer, req, use_awaitable);
    lowest.expires_never();
    if (!websocket::is_upgrade(req)) co_return;
    if (!self->options.jwt_secret.empty()) {
      std::string auth(req[http::field::authorization]);
      std::string why = "missing bearer token";
      bool ok = false;
      if (auth.rfind("Bearer ", 0) == 0) {
        auto v =
            VerifyToken(auth.substr(7), self->options.jwt_secret, std::chrono::system_clock::now());
        ok = v.has_value();
        if (!ok) why = v.error().message;
      }
      if (!ok) {
        ++self->stats.rejected_auth;
        core::Logger("sink")->warn("sink server: rejected a client: {}", why);
        http::response<http::string_body> res{http::status::unauthorized, req.version()};
        res.set(http::field::content_type, "text/plain");
        res.body() = why + "\n";
        res.prepare_payload();
        co_await http::async_write(ws->next_layer(), res, use_awaitable);
        co_return;
      }
    }
    websocket::stream_base::timeout timeouts =
        websocket::stream_base::timeout::suggested(beast::role_type::server);
    ws->set_option(timeouts);
    co_await ws->async_accept(req, use_awaitable);
    ws->text(true);
    std::int64_t received = 0;
    for (;;) {
      beast::flat_buffer msg;
      co_await ws->async_read(msg, use_awaitable);
      ++received;
      ++self->stats.messages;
      const std::string json = beast::buffers_to_string(msg.data());
      if (self->on_message) self->on_message(json);
      if (self->options.ack) {
        const auto j = nlohmann::json::parse(json, nullptr, false);
        if (j.is_object() && j.contains("event_id") && j["event_id"].is_string()) {
          const std::string reply = nlohmann::json{{"ack", j["event_id"]}}.dump();
          co_await ws->async_write(asio::buffer(reply), use_awaitable);
        }
      }
      if (self->options.close_after > 0 && received >= self->options.close_after) {
        boost::system::error_code ec;
        co_await ws->async_close(websocket::close_code::try_again_later,
                                 asio::redirect_error(use_awaitable, ec));
        co_return;
      }
      if (self->options.stall_after > 0 && received >= self->options.stall_after) {
        // Stop reading: the client's writes back up (a hung backend).
        asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::hours(24));
        boost::system::error_code ec;
        co_await t.async_wait(asio::redirect_error(use_awaitable, ec));
        co_return;
      }
    }
  }

  void Serve(tcp::socket socket, net::Listener::Slot slot) {
    ++stats.connections;
    if (options.refuse) {
      boost::system::error_code ec;
      socket.close(ec);
      return;
    }
    boost::system::error_code ec;
    socket.set_option(tcp::no_delay(true), ec);  // acks are small
    auto ex = socket.get_executor();
    auto on_done = [](std::exception_ptr) {};
    if (tls) {
      using Ws = websocket::stream<beast::ssl_stream<beast::tcp_stream>>;
      auto ws = std::make_shared<Ws>(beast::tcp_stream(std::move(socket)), *tls);
      asio::co_spawn(ex, Session<Ws>(shared_from_this(), ws, std::move(slot)), on_done);
    } else {
      using Ws = websocket::stream<beast::tcp_stream>;
      auto ws = std::make_shared<Ws>(beast::tcp_stream(std::move(socket)));
      asio::co_spawn(ex, Session<Ws>(shared_from_this(), ws, std::move(slot)), on_done);
    }
  }

  asio::strand<asio::any_io_executor> strand;
  std::shared_ptr<net::Listener> listener;
  SinkServerOptions options;
  OnMessage on_message;
  std::shared_ptr<asio::ssl::context> tls;
  struct {
    std::atomic<std::uint64_t> messages{0};
    std::atomic<std::uint64_t> connections{0};
    std::atomic<std::uint64_t> rejected_auth{0};
  } stats;
};

SinkServer::SinkServer(asio::any_io_executor executor, SinkServerOptions options,
                       OnMessage on_message)
    : impl_(std::make_shared<Impl>(executor, std::move(options), std::move(on_message))) {}

SinkServer::~SinkServer() { Stop(); }

boost::system::result<std::uint16_t, std::string> SinkServer::Start(const std::string& address,
                                                                    std::uint16_t port) {
  if (!impl_->options.tls_cert.empty() || !impl_->options.tls_key.empty()) {
    auto ctx = net::MakeServerTlsContext(impl_->options.tls_cert, impl_->options.tls_key);
    if (!ctx) return ctx.error();
    impl_->tls = *ctx;
  }
  if (impl_->listener) impl_->listener->Stop();
  // A debugging and test tool: many clients at once are fine, but not
  // unbounded.
  auto listener =
      net::Listener::Open(impl_->strand.get_inner_executor(), net::HostPort{address, port},
                          {.name = "sink server", .max_connections = 1024});
  if (!listener) return listener.error();
  impl_->listener = *listener;
  impl_->listener->Start(
      [weak = std::weak_ptr<Impl>(impl_)](tcp::socket socket, net::Listener::Slot slot) {
        if (auto self = weak.lock()) self->Serve(std::move(socket), std::move(slot));
      });
  return impl_->listener->local_endpoint().port();
}

void SinkServer::Stop() {
  if (impl_->listener) impl_->listener->Stop();
}

SinkServerStats SinkServer::stats() const {
  return {impl_->stats.messages.load(), impl_->stats.connections.load(),
          impl_->stats.rejected_auth.load()};
}

}  // namespace aicc::sink
