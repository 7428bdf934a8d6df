// The WebSocket destination: one backend's connection, sending from its
// journal cursor, confirmations, reconnects.
#include "sink/internal/ws_destination.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <unordered_map>

#include "core/logging.h"
#include "net/backoff.h"
#include "net/connect.h"
#include "net/websocket.h"
#include "sink/jwt.h"

namespace aicc::sink::internal {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using asio::awaitable;
using asio::use_awaitable;

namespace {

std::string EventIdOf(const std::string& json) {
  // Every journaled event has "event_id":"<uuid>"; find it without a full parse.
  const auto key = json.find("\"event_id\":\"");
  if (key == std::string::npos) return {};
  const auto start = key + 12;
  const auto end = json.find('"', start);
  return end == std::string::npos ? std::string() : json.substr(start, end - start);
}

// The journal index in a pong payload (decimal digits, as we ping); nullopt
// for anything else, or a number too large to be one.
std::optional<std::uint64_t> ParseMark(std::string_view payload) {
  if (payload.empty() || payload.size() > 19) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : payload) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return v;
}

// Events not yet taken; never wraps, whatever the cursor says.
std::uint64_t SafeBacklog(std::uint64_t next_index, std::uint64_t cursor) {
  return next_index > cursor ? next_index - cursor : 0;
}

// Per connection, shared with the stream's control callback: what was
// written on it (one past the last index) and what its pongs confirmed.
struct Confirmation {
  std::uint64_t sent_end = 0;
  std::uint64_t confirmed = 0;
  bool logged = false;  // an ignored ack was logged on this connection
};

// One backend: connects, sends from its cursor, reconnects forever.
class WsDestination final : public Destination, public std::enable_shared_from_this<WsDestination> {
 public:
  WsDestination(DeliveryState* owner, std::string url, net::Endpoint endpoint,
                std::shared_ptr<asio::ssl::context> tls)
      : owner_(owner),
        url_(std::move(url)),
        endpoint_(std::move(endpoint)),
        name_(DestinationName(url_)),
        tls_(std::move(tls)),
        wake_(owner_->strand),
        backoff_(owner_->options.reconnect_min, owner_->options.reconnect_max) {
    const core::Labels labels = {{"destination", endpoint_.Redacted()}};
    connected_gauge_ = &owner_->metrics->GetGauge("aicc_sink_connected",
                                                  "1 when the backend is connected", labels);
    backlog_gauge_ = &owner_->metrics->GetGauge("aicc_sink_backlog",
                                                "Events the backend has not taken yet", labels);
    sent_total_ =
        &owner_->metrics->GetCounter("aicc_sink_sent_total", "Events sent to the backend", labels);
    reconnects_ = &owner_->metrics->GetCounter(
        "aicc_sink_reconnects_total", "Connection attempts that failed or dropped", labels);
    dropped_ = &owner_->metrics->GetCounter("aicc_sink_events_dropped_total", kDroppedHelp, labels);
    acks_ignored_ = &owner_->metrics->GetCounter(
        "aicc_sink_acks_ignored_total",
        "Pongs and acks from the backend that confirmed nothing sent on the connection (ignored)",
        labels);
  }

  const std::string& name() const override { return name_; }
  bool connected() const override { return connected_; }
  std::uint64_t backlog() const override { return backlog_; }

  void Start(std::shared_ptr<void> keep_alive) override {
    // The coroutine keeps the dispatcher's state alive while it runs; the
    // destination itself only points at it (no ownership cycle).
    asio::co_spawn(owner_->strand, Run(shared_from_this(), std::move(keep_alive)), asio::detached);
  }
  void Wake() override {
    UpdateBacklog();
    wake_.cancel();
  }
  std::string redacted_url() const override { return endpoint_.Redacted(); }
  void CountDropped(std::uint64_t records) override {
    dropped_->Increment(records);
    UpdateBacklog();
  }
  void Stop() override {
    stopping_ = true;
    wake_.cancel();
    if (close_) close_();
  }

 private:
  static awaitable<void> Run(std::shared_ptr<WsDestination> self,
                             std::shared_ptr<void> keep_alive) {
    (void)keep_alive;
    auto log = core::Logger("sink");
    while (!self->stopping_) {
      std::string why;
      try {
        if (self->endpoint_.tls()) {
          co_await self->Serve<websocket::stream<beast::ssl_stream<beast::tcp_stream>>>();
        } else {
          co_await self->Serve<websocket::stream<beast::tcp_stream>>();
        }
      } catch (const boost::system::system_error& e) {
        why = e.code().message();
        if (e.code().category() == asio::error::get_ssl_category() ||
            std::string(e.code().category().name()) == "asio.ssl.stream") {
          why = "TLS: " + why;
        }
      } catch (const std::exception& e) {
        why = e.what();
      }
      self->SetConnected(false);
      self->close_ = nullptr;
      if (self->connected_at_) {
        self->backoff_.ConnectionEnded(std::chrono::steady_clock::now() - *self->connected_at_,
                                       self->progressed_);
      }
      self->connected_at_.reset();
      // A backend that drops connections after a few events must still see
      // progress: without a confirmation on this connection, send smaller
      // batches (each followed by its confirming ping) next time.
      if (!self->progressed_) self->batch_limit_ = std::max<std::size_t>(1, self->batch_limit_ / 2);
      if (self->stopping_) break;
      self->reconnects_->Increment();
      const auto delay = self->backoff_.Next();
      if (self->failure_log_.ShouldLog()) {
        log->warn("backend {}: {}; retrying in {} ms (backlog {})", self->endpoint_.Redacted(), why,
                  delay.count(), self->BacklogNow());
      }
      asio::steady_timer t(self->owner_->strand, delay);
      boost::system::error_code ec;
      co_await t.async_wait(asio::redirect_error(use_awaitable, ec));
    }
  }

  template <typename WsStream>
  awaitable<void> Serve() {
    auto ex = co_await asio::this_coro::executor;
    // Shared with the reader coroutine, which may finish after Serve.
    std::shared_ptr<WsStream> ws;
    if constexpr (std::is_same_v<WsStream, websocket::stream<beast::tcp_stream>>) {
      ws = std::make_shared<WsStream>(ex);
    } else {
      ws = std::make_shared<WsStream>(ex, *tls_);
    }
    auto& tcp_layer = beast::get_lowest_layer(*ws);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    if (auto peer = co_await net::ConnectTcp(tcp_layer, endpoint_, deadline); !peer) {
      throw boost::system::system_error(peer.error());
    }
    if constexpr (!std::is_same_v<WsStream, websocket::stream<beast::tcp_stream>>) {
      if (auto ec = co_await net::HandshakeTls(ws->next_layer(), endpoint_.host, deadline)) {
        throw boost::system::system_error(ec);
      }
    }
    tcp_layer.expires_never();
    // Pings keep idle proxies from cutting the connection; a peer silent
    // for twice the interval is dead.
    net::WebSocketClientOptions ws_options{.handshake_timeout = std::chrono::seconds(10),
                                           .idle_timeout = owner_->options.ping_interval,
                                           .authorization = {}};
    if (!owner_->options.jwt.secret.empty()) {
      if (!token_ || token_->expires - std::chrono::system_clock::now() < std::chrono::minutes(5)) {
        auto t = MakeToken(owner_->options.jwt, std::chrono::system_clock::now());
        if (!t) throw std::runtime_error("JWT: " + t.error().message);
        token_ = *t;
      }
      ws_options.authorization = "Bearer " + token_->value;
    }
    if (auto failed = co_await net::HandshakeWebSocket(*ws, endpoint_, ws_options)) {
      throw boost::system::system_error(failed->code);
    }
    ws->text(true);
    SetConnected(true);
    connected_at_ = std::chrono::steady_clock::now();
    core::Logger("sink")->info("backend {} connected", endpoint_.Redacted());

    WsStream* raw = ws.get();
    auto dead = std::make_shared<bool>(false);
    close_ = [ws, dead] {
      *dead = true;
      beast::get_lowest_layer(*ws).cancel();
    };
    // The reader takes acks (or just pongs/close frames) concurrently with
    // the writer; one read and one write in flight at most.
    auto self = shared_from_this();
    const bool ack = owner_->options.ack;
    // Without application acks, an event counts as taken once the backend
    // has read it: we ping after each batch with the batch's end index, and
    // the pong (sent by the peer's WebSocket layer after it read every frame
    // before the ping) confirms it. Events written into a connection that
    // dies before its pong are sent again. RFC 6455 allows unsolicited
    // pongs, so a pong confirms only within what this connection was sent.
    auto confirm = std::make_shared<Confirmation>();
    // Weak: the stream (which stores this callback) must not own us.
    std::weak_ptr<WsDestination> weak_self = self;
    ws->control_callback(
        [weak_self, confirm](websocket::frame_type kind, beast::string_view payload) {
          // Empty pongs answer Beast's own keep-alive pings.
          if (kind != websocket::frame_type::pong || payload.empty()) return;
          auto me = weak_self.lock();
          if (!me) return;
          const auto v = ParseMark(payload);
          if (!v || !me->AcceptableAck(*v, confirm->sent_end)) {
            me->IgnoreAck(*confirm, "pong", std::string(payload.substr(0, 32)));
            return;
          }
          if (*v > confirm->confirmed) confirm->confirmed = *v;
          me->wake_.cancel();
        });
    std::uint64_t next_to_send = owner_->journal->Cursor(name_);
    progressed_ = false;
    inflight_.clear();
    acked_.clear();
    ack_confirmation_ = confirm;
    asio::co_spawn(
        ex,
        [self, ws, ack]() -> awaitable<void> {
          beast::flat_buffer buffer;
          for (;;) {
            buffer.clear();
            co_await ws->async_read(buffer, use_awaitable);
            if (!ack) continue;
            const auto j =
                nlohmann::json::parse(beast::buffers_to_string(buffer.data()), nullptr, false);
            if (j.is_object() && j.contains("ack") && j["ack"].is_string())
              self->OnAck(j["ack"].get<std::string>());
          }
        },
        [self, dead](std::exception_ptr) {
          // The connection is gone: wake the writer so it notices.
          *dead = true;
          self->wake_.cancel();
        });

    try {
      while (!stopping_ && !*dead) {
        if (!ack && confirm->confirmed > owner_->journal->Cursor(name_)) {
          Advance(confirm->confirmed);
          batch_limit_ = std::min<std::size_t>(64, batch_limit_ * 2);
          progressed_ = true;
        }
        const std::size_t window = owner_->options.window;
        const std::uint64_t cursor = owner_->journal->Cursor(name_);
        const std::uint64_t unconfirmed = next_to_send > cursor ? next_to_send - cursor : 0;
        const std::size_t room =
            ack ? window - std::min(window, inflight_.size())
                : static_cast<std::size_t>(window - std::min<std::uint64_t>(window, unconfirmed));
        auto batch =
            room ? owner_->journal->Read(next_to_send, std::min<std::size_t>(room, batch_limit_))
                 : decltype(owner_->journal->Read(0, 0)){};
        if (batch.empty()) {
          wake_.expires_at(asio::steady_timer::time_point::max());
          boost::system::error_code ec;
          co_await wake_.async_wait(asio::redirect_error(use_awaitable, ec));
          continue;
        }
        if (batch.front().first > next_to_send)
          next_to_send = batch.front().first;  // dropped at the bound
        for (auto& [index, json] : batch) {
          if (ack) inflight_.emplace(EventIdOf(json), index);
          co_await raw->async_write(asio::buffer(json), use_awaitable);
          sent_total_->Increment();
          ObserveLatency(index);
          next_to_send = index + 1;
          confirm->sent_end = next_to_send;
        }
        if (!ack) {
          const std::string mark = std::to_string(next_to_send);
          co_await raw->async_ping(websocket::ping_data(mark.c_str()), use_awaitable);
        }
      }
    } catch (...) {
      close_ = nullptr;
      beast::get_lowest_layer(*raw).cancel();
      throw;
    }
    close_ = nullptr;
    boost::system::error_code ec;
    beast::get_lowest_layer(*raw).expires_after(std::chrono::seconds(2));
    co_await raw->async_close(websocket::close_code::going_away,
                              asio::redirect_error(use_awaitable, ec));
    throw std::runtime_error("stopped");
  }

  // A pong mark is one past the last event it confirms: acceptable only
  // when it moves the cursor forward and not past what was sent.
  bool AcceptableAck(std::uint64_t mark, std::uint64_t sent_end) const {
    return mark > owner_->journal->Cursor(name_) && mark <= sent_end;
  }

  // Counted always, logged once per connection.
  template <typename C>
  void IgnoreAck(C& confirmation, std::string_view kind, const std::string& what) {
    acks_ignored_->Increment();
    if (confirmation.logged) return;
    confirmation.logged = true;
    core::Logger("sink")->warn(
        "backend {}: ignoring a {} that confirms nothing sent on this connection ('{}'; cursor "
        "{}, sent up to {}); further ones on this connection are only counted "
        "(aicc_sink_acks_ignored_total)",
        endpoint_.Redacted(), kind, what, owner_->journal->Cursor(name_), confirmation.sent_end);
  }

  void OnAck(const std::string& event_id) {
    auto it = inflight_.find(event_id);
    if (it == inflight_.end()) {
      if (ack_confirmation_) IgnoreAck(*ack_confirmation_, "ack", event_id.substr(0, 40));
      return;
    }
    acked_.insert(it->second);
    inflight_.erase(it);
    std::uint64_t cursor = owner_->journal->Cursor(name_);
    const std::uint64_t before = cursor;
    while (acked_.count(cursor)) acked_.erase(cursor++);
    // Acks for events the bound already dropped must not stall the cursor.
    while (!acked_.empty() && *acked_.begin() < cursor) acked_.erase(acked_.begin());
    if (cursor != before) {
      owner_->journal->SetCursor(name_, cursor);
      UpdateBacklog();
      progressed_ = true;
    }
    wake_.cancel();
  }

  void Advance(std::uint64_t next) {
    if (next > owner_->journal->Cursor(name_)) owner_->journal->SetCursor(name_, next);
    UpdateBacklog();
  }

  std::uint64_t BacklogNow() const {
    return SafeBacklog(owner_->journal->NextIndex(), owner_->journal->Cursor(name_));
  }
  void UpdateBacklog() {
    backlog_ = BacklogNow();
    backlog_gauge_->Set(static_cast<double>(backlog_.load()));
  }

  void ObserveLatency(std::uint64_t index) {
    // Indexes go up along the deque: a binary search, not a walk of the
    // whole backlog per event sent.
    const auto& times = owner_->append_times;
    auto it = std::lower_bound(times.begin(), times.end(), index,
                               [](const auto& entry, std::uint64_t i) { return entry.first < i; });
    if (it == times.end() || it->first != index) return;
    owner_->latency->Observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - it->second).count());
  }

  void SetConnected(bool c) {
    connected_ = c;
    owner_->journal->SetConnected(name_, c);
    connected_gauge_->Set(c ? 1 : 0);
  }

  DeliveryState* owner_;  // kept alive by the running coroutine
  std::string url_;
  net::Endpoint endpoint_;
  std::string name_;
  std::shared_ptr<asio::ssl::context> tls_;
  asio::steady_timer wake_;
  net::Backoff backoff_;
  std::optional<Token> token_;
  std::function<void()> close_;
  std::atomic<bool> connected_{false};
  std::atomic<std::uint64_t> backlog_{0};  // published for Dispatcher::Backlog()
  std::optional<std::chrono::steady_clock::time_point> connected_at_;
  bool stopping_ = false;
  std::size_t batch_limit_ = 64;
  bool progressed_ = false;
  std::unordered_map<std::string, std::uint64_t> inflight_;
  std::shared_ptr<Confirmation> ack_confirmation_;  // the current connection's
  std::set<std::uint64_t> acked_;
  core::Gauge* connected_gauge_ = nullptr;
  core::Gauge* backlog_gauge_ = nullptr;
  core::Counter* sent_total_ = nullptr;
  core::Counter* reconnects_ = nullptr;
  core::Counter* acks_ignored_ = nullptr;
  core::Counter* dropped_ = nullptr;
  core::RateLimitedLog failure_log_{std::chrono::seconds(10)};
};

}  // namespace

// A destination's name on disk (its cursor file): stable for a URL.
std::string DestinationName(const std::string& url) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : url) h = (h ^ c) * 1099511628211ull;
  return fmt::format("ws-{:016x}", h);
}

std::shared_ptr<Destination> MakeWsDestination(DeliveryState* owner, std::string url,
                                               net::Endpoint endpoint,
                                               std::shared_ptr<asio::ssl::context> tls) {
  return std::make_shared<WsDestination>(owner, std::move(url), std::move(endpoint),
                                         std::move(tls));
}

}  // namespace aicc::sink::internal
