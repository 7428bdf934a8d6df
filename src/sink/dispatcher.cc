#include "sink/dispatcher.h"

#include <fmt/format.h>

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
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <cstdio>
#include <deque>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <unordered_map>

#include "core/logging.h"
#include "net/backoff.h"
#include "net/tls.h"
#include "net/url.h"
#include "sink/call_ledger.h"

namespace aicc::sink {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using asio::awaitable;
using asio::use_awaitable;

namespace {

// A destination's name on disk (its cursor file): stable for a URL.
std::string DestinationName(const std::string& url) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : url) h = (h ^ c) * 1099511628211ull;
  return fmt::format("ws-{:016x}", h);
}

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

constexpr const char* kDroppedHelp =
    "Events a backend had not taken when the journal bound removed them (drop_oldest)";

// Per connection, shared with the stream's control callback: what was
// written on it (one past the last index) and what its pongs confirmed.
struct Confirmation {
  std::uint64_t sent_end = 0;
  std::uint64_t confirmed = 0;
  bool logged = false;  // an ignored ack was logged on this connection
};

}  // namespace

struct Dispatcher::Impl : std::enable_shared_from_this<Impl> {
  class Destination;

  Impl(asio::any_io_executor ex, DispatcherOptions o, core::MetricsRegistry* m)
      : strand(asio::make_strand(ex)), options(std::move(o)), fsync_timer(strand) {
    static core::MetricsRegistry unused;
    metrics = m ? m : &unused;
    events_total =
        &metrics->GetCounter("aicc_sink_events_total", "Events accepted into the journal");
    rejected_total =
        &metrics->GetCounter("aicc_sink_events_rejected_total",
                             "Events refused (journal full under `block`, or too many pending)");
    unconfigured_dropped = &metrics->GetCounter("aicc_sink_events_dropped_total", kDroppedHelp,
                                                {{"destination", "unconfigured"}});
    journal_bytes_gauge =
        &metrics->GetGauge("aicc_sink_journal_bytes", "Bytes in the event journal");
    journal_full_total =
        &metrics->GetCounter("aicc_sink_journal_full_total", "Times the journal reached its bound");
    latency = &metrics->GetHistogram("aicc_sink_delivery_latency_seconds",
                                     "From journal append to the send completing on a backend",
                                     core::LatencyBuckets());
  }

  // `event` (when given) is recorded in the call ledger before the journal.
  void Append(std::string json, const events::Event* event);
  void RecordDrop(const Drop& drop);
  void NotifyAll();
  void Drain(std::chrono::steady_clock::time_point deadline,
             std::shared_ptr<asio::steady_timer> timer, std::function<void()> done);
  void ScheduleFsync();

  asio::strand<asio::any_io_executor> strand;
  DispatcherOptions options;
  core::MetricsRegistry* metrics = nullptr;
  std::unique_ptr<Journal> journal;
  std::unique_ptr<CallLedger> ledger;
  RecoveryReport recovery;
  std::vector<std::shared_ptr<Destination>> destinations;
  std::unique_ptr<std::ofstream> jsonl;
  asio::steady_timer fsync_timer;
  std::atomic<std::size_t> pending{0};
  std::atomic<std::uint64_t> journal_bytes{0};
  std::atomic<bool> full{false};
  std::atomic<bool> stopped{false};
  std::atomic<bool> started{false};
  // Append times of recent records, for the delivery latency.
  std::deque<std::pair<std::uint64_t, std::chrono::steady_clock::time_point>> append_times;

  core::Counter* events_total = nullptr;
  core::Counter* rejected_total = nullptr;
  // Drops for cursors of URLs no longer configured (they still hold the
  // journal until the bound skips them).
  core::Counter* unconfigured_dropped = nullptr;
  core::Gauge* journal_bytes_gauge = nullptr;
  core::Counter* journal_full_total = nullptr;
  core::Histogram* latency = nullptr;
  core::RateLimitedLog full_log{std::chrono::seconds(5)};
  // Per destination name: drops not logged yet, and when the next line may go.
  struct DropLog {
    std::uint64_t pending = 0;
    std::chrono::steady_clock::time_point next{};
  };
  std::map<std::string, DropLog> drop_logs;
};

// One backend: connects, sends from its cursor, reconnects forever.
class Dispatcher::Impl::Destination : public std::enable_shared_from_this<Destination> {
 public:
  Destination(std::shared_ptr<Impl> owner, std::string url, net::Endpoint endpoint,
              std::shared_ptr<asio::ssl::context> tls)
      : owner_(owner.get()),
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

  const std::string& name() const { return name_; }
  bool connected() const { return connected_; }
  // Any thread: published by the strand after each change.
  std::uint64_t backlog() const { return backlog_; }

  void Start() {
    // The coroutine keeps the dispatcher's state alive while it runs; the
    // destination itself only points at it (no ownership cycle).
    asio::co_spawn(owner_->strand, Run(shared_from_this(), owner_->shared_from_this()),
                   asio::detached);
  }
  void Wake() {
    UpdateBacklog();
    wake_.cancel();
  }
  std::string redacted_url() const { return endpoint_.Redacted(); }
  void CountDropped(std::uint64_t records) {
    dropped_->Increment(records);
    UpdateBacklog();
  }
  void Stop() {
    stopping_ = true;
    wake_.cancel();
    if (close_) close_();
  }

 private:
  static awaitable<void> Run(std::shared_ptr<Destination> self, std::shared_ptr<Impl> keep_alive) {
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
    tcp::resolver resolver(ex);
    const auto results = co_await resolver.async_resolve(
        endpoint_.host, std::to_string(endpoint_.port), use_awaitable);
    // Shared with the reader coroutine, which may finish after Serve.
    std::shared_ptr<WsStream> ws;
    if constexpr (std::is_same_v<WsStream, websocket::stream<beast::tcp_stream>>) {
      ws = std::make_shared<WsStream>(ex);
    } else {
      ws = std::make_shared<WsStream>(ex, *tls_);
    }
    auto& tcp_layer = beast::get_lowest_layer(*ws);
    tcp_layer.expires_after(std::chrono::seconds(10));
    co_await tcp_layer.async_connect(results, use_awaitable);
    // Events are small and latency matters: no Nagle delay.
    tcp_layer.socket().set_option(tcp::no_delay(true));
    if constexpr (!std::is_same_v<WsStream, websocket::stream<beast::tcp_stream>>) {
      // SNI and host name verification.
      if (!SSL_set_tlsext_host_name(ws->next_layer().native_handle(), endpoint_.host.c_str())) {
        throw std::runtime_error("cannot set TLS SNI");
      }
      ws->next_layer().set_verify_callback(asio::ssl::host_name_verification(endpoint_.host));
      co_await ws->next_layer().async_handshake(asio::ssl::stream_base::client, use_awaitable);
    }
    tcp_layer.expires_never();
    // Pings keep idle proxies from cutting the connection; a peer silent
    // for twice the interval is dead.
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = std::chrono::seconds(10);
    timeouts.idle_timeout = owner_->options.ping_interval;
    timeouts.keep_alive_pings = true;
    ws->set_option(timeouts);
    std::string authorization;
    if (!owner_->options.jwt.secret.empty()) {
      if (!token_ || token_->expires - std::chrono::system_clock::now() < std::chrono::minutes(5)) {
        auto t = MakeToken(owner_->options.jwt, std::chrono::system_clock::now());
        if (!t) throw std::runtime_error("JWT: " + t.error().message);
        token_ = *t;
      }
      authorization = "Bearer " + token_->value;
    }
    ws->set_option(websocket::stream_base::decorator([authorization](websocket::request_type& req) {
      req.set(beast::http::field::user_agent, "aicc");
      if (!authorization.empty()) req.set(beast::http::field::authorization, authorization);
    }));
    std::string host = endpoint_.host + ":" + std::to_string(endpoint_.port);
    co_await ws->async_handshake(host, endpoint_.target, use_awaitable);
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
    std::weak_ptr<Destination> weak_self = self;
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
    for (const auto& [i, t] : owner_->append_times) {
      if (i == index) {
        owner_->latency->Observe(
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count());
        return;
      }
      if (i > index) return;
    }
  }

  void SetConnected(bool c) {
    connected_ = c;
    owner_->journal->SetConnected(name_, c);
    connected_gauge_->Set(c ? 1 : 0);
  }

  Impl* owner_;  // kept alive by the running coroutine
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

void Dispatcher::Impl::Append(std::string json, const events::Event* event) {
  --pending;
  std::vector<Drop> drops;
  // The ledger first: a crash in between costs a seq, never reuses one.
  std::optional<events::CallProgress> before;
  if (event) before = ledger->Record(*event);
  auto index = journal->Append(json, &drops);
  if (!index && before) ledger->Revert(std::move(*before), *event);
  for (const auto& drop : drops) RecordDrop(drop);
  if (!index) {
    rejected_total->Increment();
    journal_full_total->Increment();
    full = true;
    if (full_log.ShouldLog()) {
      core::Logger("sink")->error("event not journaled: {} ({} more suppressed)",
                                  index.error().message, full_log.Suppressed());
    }
    return;
  }
  full = journal->Full();
  events_total->Increment();
  append_times.emplace_back(*index, std::chrono::steady_clock::now());
  while (append_times.size() > 100000) append_times.pop_front();
  journal_bytes = journal->Bytes();
  journal_bytes_gauge->Set(static_cast<double>(journal_bytes.load()));
  if (options.stdout_output) {
    std::fwrite(json.data(), 1, json.size(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
  }
  if (jsonl) {
    *jsonl << json << '\n';
    jsonl->flush();
  }
  NotifyAll();
}

void Dispatcher::Impl::RecordDrop(const Drop& drop) {
  std::string who = "a backend no longer configured";
  bool connected = false;
  core::Counter* counter = unconfigured_dropped;
  DropLog& log = drop_logs[drop.destination];
  for (auto& d : destinations) {
    if (d->name() != drop.destination) continue;
    who = d->redacted_url();
    connected = d->connected();
    counter = nullptr;
    d->CountDropped(drop.records);
  }
  if (counter) counter->Increment(drop.records);
  log.pending += drop.records;
  // One line per backend and 10 s: at the bound this happens per segment.
  const auto now = std::chrono::steady_clock::now();
  if (now < log.next) return;
  log.next = now + std::chrono::seconds(10);
  core::Logger("sink")->error(
      "journal at its bound ({} bytes; up to {} while a connected backend catches up): {} ({}) "
      "skipped ahead past {} events it had not taken (drop_oldest; counted in "
      "aicc_sink_events_dropped_total)",
      options.journal.max_bytes, journal->CeilingBytes(), who,
      connected ? "connected, behind by more than the ceiling" : "not connected", log.pending);
  log.pending = 0;
}

void Dispatcher::Impl::NotifyAll() {
  for (auto& d : destinations) d->Wake();
}

void Dispatcher::Impl::ScheduleFsync() {
  fsync_timer.expires_after(options.fsync_interval);
  fsync_timer.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (ec || self->stopped) return;
    self->journal->Sync();
    self->ledger->Sync();
    self->journal_bytes = self->journal->Bytes();
    self->journal_bytes_gauge->Set(static_cast<double>(self->journal_bytes.load()));
    self->ScheduleFsync();
  });
}

boost::system::result<std::unique_ptr<Dispatcher>, SinkError> Dispatcher::Create(
    asio::any_io_executor executor, DispatcherOptions options, core::MetricsRegistry* metrics) {
  std::vector<std::pair<std::string, net::Endpoint>> endpoints;
  std::shared_ptr<asio::ssl::context> tls;
  for (const auto& url : options.urls) {
    auto ep = net::ParseEndpoint(url);
    if (!ep) {
      return SinkError{"invalid setting sink.urls: '" + net::RedactUrl(url) +
                       "': " + ep.error().message};
    }
    if (ep->scheme != "ws" && ep->scheme != "wss") {
      return SinkError{"invalid setting sink.urls: '" + net::RedactUrl(url) +
                       "': scheme must be ws or wss"};
    }
    if (ep->tls() && !tls) {
      auto ctx = net::MakeClientTlsContext(options.tls_verify, options.ca_file);
      if (!ctx) return SinkError{"sink.ca_file / TLS: " + ctx.error()};
      tls = *ctx;
    }
    endpoints.emplace_back(url, *ep);
  }
  if (!options.jwt.secret.empty()) {
    if (auto t = MakeToken(options.jwt, std::chrono::system_clock::now()); !t) {
      return SinkError{"WS_AUTH_* settings: " + t.error().message};
    }
  }
  auto impl = std::make_shared<Impl>(executor, std::move(options), metrics);
  auto journal = Journal::Open(impl->options.journal, &impl->recovery);
  if (!journal) return SinkError{"sink.journal_dir: " + journal.error().message};
  impl->journal = std::move(*journal);
  if (impl->recovery.cursors_reset) {
    core::Logger("sink")->warn(
        "journal recovery: {} destination cursors pointed past the journal's end (a bogus "
        "acknowledgement saved by an older aicc); they restart from the oldest retained event",
        impl->recovery.cursors_reset);
  }
  auto ledger = CallLedger::Open(impl->options.journal.directory, impl->options.journal.fsync);
  if (!ledger) return SinkError{"sink.journal_dir: " + ledger.error().message};
  impl->ledger = std::move(*ledger);
  impl->journal_bytes = impl->journal->Bytes();
  if (impl->recovery.truncated_bytes) {
    core::Logger("sink")->warn("journal recovery: removed a torn tail of {} bytes; {} events kept",
                               impl->recovery.truncated_bytes, impl->recovery.records);
  }
  if (!impl->options.jsonl_path.empty()) {
    impl->jsonl = std::make_unique<std::ofstream>(impl->options.jsonl_path, std::ios::app);
    if (!*impl->jsonl) return SinkError{"sink.jsonl_path: cannot open " + impl->options.jsonl_path};
  }
  for (auto& [url, ep] : endpoints) {
    // Registered before anything is submitted, so "now" is the journal's
    // end as this aicc found it: events of this run (recovered calls'
    // metadata_end included) reach the new backend.
    impl->journal->RegisterDestination(DestinationName(url),
                                       impl->options.new_backend_start == NewBackendStart::kNow
                                           ? impl->journal->NextIndex()
                                           : impl->journal->FirstIndex());
    impl->destinations.push_back(
        std::make_shared<Impl::Destination>(impl, url, ep, ep.tls() ? tls : nullptr));
    impl->destinations.back()->Wake();  // the backlog gauge from the start
  }
  return std::unique_ptr<Dispatcher>(new Dispatcher(std::move(impl)));
}

Dispatcher::~Dispatcher() {
  impl_->stopped = true;
  asio::post(impl_->strand, [impl = impl_] {
    for (auto& d : impl->destinations) d->Stop();
    impl->fsync_timer.cancel();
  });
}

void Dispatcher::Start() {
  asio::post(impl_->strand, [impl = impl_] {
    if (impl->started.exchange(true)) return;
    for (auto& d : impl->destinations) d->Start();
    if (impl->options.journal.fsync == FsyncPolicy::kInterval) impl->ScheduleFsync();
  });
}

boost::system::result<void, SinkError> Dispatcher::Submit(const events::Event& event) {
  return SubmitImpl(events::ToJson(event), std::make_unique<events::Event>(event));
}

boost::system::result<void, SinkError> Dispatcher::SubmitJson(std::string json) {
  return SubmitImpl(std::move(json), nullptr);
}

boost::system::result<void, SinkError> Dispatcher::SubmitImpl(
    std::string json, std::unique_ptr<events::Event> event) {
  if (impl_->stopped) return SinkError{"dispatcher stopped"};
  if (impl_->full && impl_->options.journal.full_policy == FullPolicy::kBlock) {
    impl_->rejected_total->Increment();
    return SinkError{"journal full (sink.journal_max_bytes) under the block policy"};
  }
  if (impl_->pending.fetch_add(1) >= impl_->options.max_pending) {
    --impl_->pending;
    impl_->rejected_total->Increment();
    return SinkError{"too many events waiting to be journaled"};
  }
  asio::post(impl_->strand,
             [impl = impl_, json = std::move(json), event = std::move(event)]() mutable {
               impl->Append(std::move(json), event.get());
             });
  return {};
}

void Dispatcher::Stop(std::function<void()> done) {
  asio::post(impl_->strand, [impl = impl_, done = std::move(done)]() mutable {
    // Everything submitted before Stop is already queued ahead of this.
    impl->stopped = true;
    impl->journal->Sync();
    impl->ledger->Sync();
    if (impl->jsonl) impl->jsonl->flush();
    // Give connected backends a moment to take what is left (the last
    // metadata_end of each call); what they do not take stays journaled and
    // is sent after the restart.
    impl->Drain(std::chrono::steady_clock::now() + impl->options.drain_timeout,
                std::make_shared<asio::steady_timer>(impl->strand), std::move(done));
  });
}

void Dispatcher::Impl::Drain(std::chrono::steady_clock::time_point deadline,
                             std::shared_ptr<asio::steady_timer> timer,
                             std::function<void()> done) {
  bool drained = true;
  for (auto& d : destinations) {
    if (d->connected() && journal->Cursor(d->name()) < journal->NextIndex()) drained = false;
  }
  if (drained || std::chrono::steady_clock::now() >= deadline) {
    fsync_timer.cancel();
    for (auto& d : destinations) d->Stop();
    if (done) done();
    return;
  }
  timer->expires_after(std::chrono::milliseconds(20));
  timer->async_wait([self = shared_from_this(), deadline, timer,
                     done = std::move(done)](boost::system::error_code) mutable {
    self->Drain(deadline, timer, std::move(done));
  });
}

bool Dispatcher::Ready() const { return impl_->started && !impl_->full; }
std::uint64_t Dispatcher::JournalBytes() const { return impl_->journal_bytes; }
std::size_t Dispatcher::Connected() const {
  std::size_t n = 0;
  for (const auto& d : impl_->destinations) n += d->connected();
  return n;
}
std::uint64_t Dispatcher::Backlog() const {
  std::uint64_t worst = 0;
  for (const auto& d : impl_->destinations) worst = std::max(worst, d->backlog());
  return worst;
}
const RecoveryReport& Dispatcher::recovery() const { return impl_->recovery; }
const std::vector<events::CallProgress>& Dispatcher::OpenCalls() const {
  return impl_->ledger->open_at_start();
}

}  // namespace aicc::sink
