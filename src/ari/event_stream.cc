#include "ari/event_stream.h"

#include <fmt/format.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include "ari/rest_client.h"
#include "core/logging.h"
#include "net/backoff.h"
#include "net/connect.h"
#include "net/websocket.h"

namespace aicc::ari {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using asio::awaitable;
using asio::use_awaitable;
using tcp = asio::ip::tcp;

namespace {
constexpr auto kAsTuple = asio::as_tuple(use_awaitable);

}  // namespace

std::string EventsUrl(const net::Endpoint& ari, std::string_view app) {
  std::string prefix = ari.target;
  const auto q = prefix.find('?');
  if (q != std::string::npos) prefix.resize(q);
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  const std::string host =
      ari.host.find(':') != std::string::npos ? "[" + ari.host + "]" : ari.host;
  return fmt::format("{}://{}:{}{}/events?app={}&subscribeAll=false", ari.tls() ? "wss" : "ws",
                     host, ari.port, prefix, PercentEncode(app));
}

struct EventStream::Impl : std::enable_shared_from_this<Impl> {
  using Ws = websocket::stream<beast::tcp_stream>;

  Impl(asio::any_io_executor ex, EventStreamOptions o, EventStreamHandlers h,
       core::MetricsRegistry* m)
      : strand(std::move(ex)),
        options(std::move(o)),
        handlers(std::move(h)),
        backoff(options.reconnect_min, options.reconnect_max),
        timer(strand) {
    static core::MetricsRegistry unused;
    core::MetricsRegistry& reg = m ? *m : unused;
    connected_gauge = &reg.GetGauge("aicc_ari_connected", "1 while the ARI events WebSocket is up");
    reconnects =
        &reg.GetCounter("aicc_ari_reconnects_total", "ARI events WebSocket connections lost");
    frames = &reg.GetCounter("aicc_ari_event_frames_total", "ARI event frames received");
  }

  static awaitable<void> Run(std::shared_ptr<Impl> self);
  awaitable<std::string> Session();

  asio::any_io_executor strand;  // the owner's strand
  EventStreamOptions options;
  EventStreamHandlers handlers;
  net::Backoff backoff;
  asio::steady_timer timer;
  std::shared_ptr<Ws> ws;  // the live connection, for Stop
  bool stopping = false;
  bool started = false;
  std::atomic<bool> connected{false};
  std::chrono::steady_clock::time_point connected_at;
  core::RateLimitedLog fail_log{std::chrono::seconds(10)};
  core::Gauge* connected_gauge = nullptr;
  core::Counter* reconnects = nullptr;
  core::Counter* frames = nullptr;
};

awaitable<std::string> EventStream::Impl::Session() {
  if (stopping) co_return "stopped";
  auto stream = std::make_shared<Ws>(strand);
  ws = stream;
  auto& tcp_layer = beast::get_lowest_layer(*stream);
  const auto peer = co_await net::ConnectTcp(
      tcp_layer, options.endpoint, std::chrono::steady_clock::now() + options.connect_timeout);
  if (!peer) co_return "connect: " + peer.error().message();
  tcp_layer.expires_never();

  stream->read_message_max(options.max_frame_bytes);
  net::WebSocketClientOptions ws_options{.handshake_timeout = options.connect_timeout,
                                         .idle_timeout = options.idle_timeout,
                                         .authorization = {}};
  if (!options.username.empty())
    ws_options.authorization = BasicAuthorization(options.username, options.password);
  if (auto failed = co_await net::HandshakeWebSocket(*stream, options.endpoint, ws_options)) {
    if (failed->http_status == 401) {
      co_return fmt::format("ARI refused the credentials of user '{}' (401)", options.username);
    }
    if (failed->http_status != 0) {
      co_return fmt::format("handshake: HTTP {} {}", failed->http_status, failed->reason);
    }
    co_return "handshake: " + failed->code.message();
  }
  if (stopping) co_return "stopped";
  connected = true;
  connected_gauge->Set(1);
  connected_at = std::chrono::steady_clock::now();
  core::Logger("ari")->info("events connected: {}", options.endpoint.Redacted());
  if (handlers.on_connected) handlers.on_connected();

  beast::flat_buffer buffer;
  for (;;) {
    buffer.clear();
    auto [ec, n] = co_await stream->async_read(buffer, kAsTuple);
    if (ec) co_return ec == websocket::error::closed ? "closed by Asterisk" : ec.message();
    frames->Increment();
    if (!stream->got_text() || stopping) continue;
    if (handlers.on_message) handlers.on_message(beast::buffers_to_string(buffer.data()));
  }
}

awaitable<void> EventStream::Impl::Run(std::shared_ptr<Impl> self) {
  auto log = core::Logger("ari");
  while (!self->stopping) {
    const std::string why = co_await self->Session();
    self->ws.reset();
    const bool was_connected = self->connected.exchange(false);
    if (was_connected) {
      self->backoff.ConnectionEnded(std::chrono::steady_clock::now() - self->connected_at);
    }
    self->connected_gauge->Set(0);
    if (was_connected && self->handlers.on_disconnected) self->handlers.on_disconnected(why);
    if (self->stopping) break;
    self->reconnects->Increment();
    const auto delay = self->backoff.Next();
    if (was_connected || self->fail_log.ShouldLog()) {
      log->warn("events {}: {}; reconnecting in {} ms", self->options.endpoint.Redacted(), why,
                delay.count());
    }
    self->timer.expires_after(delay);
    co_await self->timer.async_wait(kAsTuple);
  }
  if (self->handlers.on_stopped) self->handlers.on_stopped();
  // Drop the callbacks: they may hold the owner.
  self->handlers = {};
}

EventStream::EventStream(asio::any_io_executor executor, EventStreamOptions options,
                         EventStreamHandlers handlers, core::MetricsRegistry* metrics)
    : impl_(std::make_shared<Impl>(std::move(executor), std::move(options), std::move(handlers),
                                   metrics)) {}

EventStream::~EventStream() { Stop(); }

void EventStream::Start() {
  asio::post(impl_->strand, [impl = impl_] {
    if (impl->started || impl->stopping) return;
    impl->started = true;
    asio::co_spawn(impl->strand, Impl::Run(impl), asio::detached);
  });
}

void EventStream::Stop() {
  asio::post(impl_->strand, [impl = impl_] {
    if (impl->stopping) return;
    impl->stopping = true;
    impl->timer.cancel();
    if (impl->ws) {
      boost::system::error_code ignored;
      beast::get_lowest_layer(*impl->ws).socket().close(ignored);
      beast::get_lowest_layer(*impl->ws).cancel();
    }
    if (!impl->started) {
      if (impl->handlers.on_stopped) impl->handlers.on_stopped();
      impl->handlers = {};
    }
  });
}

bool EventStream::Connected() const { return impl_->connected.load(); }

}  // namespace aicc::ari
