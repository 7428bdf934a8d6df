#include "sink/dispatcher.h"

#include <fmt/format.h>
#include <pthread.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdio>
#include <fstream>
#include <map>
#include <thread>

#include "core/logging.h"
#include "net/tls.h"
#include "net/url.h"
#include "sink/call_ledger.h"
#include "sink/internal/ws_destination.h"

namespace aicc::sink {
namespace asio = boost::asio;

using internal::Destination;
using internal::DestinationName;

struct Dispatcher::Impl : internal::DeliveryState, std::enable_shared_from_this<Impl> {
  Impl(asio::any_io_executor ex, DispatcherOptions o, core::MetricsRegistry* m)
      : DeliveryState(std::move(ex), std::move(o)), fsync_timer(strand) {
    static core::MetricsRegistry unused;
    metrics = m ? m : &unused;
    events_total =
        &metrics->GetCounter("aicc_sink_events_total", "Events accepted into the journal");
    rejected_total =
        &metrics->GetCounter("aicc_sink_events_rejected_total",
                             "Events refused (journal full under `block`, or too many pending)");
    unconfigured_dropped =
        &metrics->GetCounter("aicc_sink_events_dropped_total", internal::kDroppedHelp,
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

  core::Counter* events_total = nullptr;
  core::Counter* rejected_total = nullptr;
  // Drops for cursors of URLs no longer configured (they still hold the
  // journal until the bound skips them).
  core::Counter* unconfigured_dropped = nullptr;
  core::Gauge* journal_bytes_gauge = nullptr;
  core::Counter* journal_full_total = nullptr;
  core::RateLimitedLog full_log{std::chrono::seconds(5)};
  // Per destination name: drops not logged yet, and when the next line may go.
  struct DropLog {
    std::uint64_t pending = 0;
    std::chrono::steady_clock::time_point next{};
  };
  std::map<std::string, DropLog> drop_logs;
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
  // Kept only for records some destination has still to send (and the last
  // window's worth, whose write may be confirmed before its sender looks its
  // time up): memory follows the backlog, not the run's length.
  append_times.emplace_back(*index, std::chrono::steady_clock::now());
  const std::uint64_t min_cursor = journal->MinCursor();
  const std::uint64_t needed_from =
      min_cursor - std::min<std::uint64_t>(min_cursor, options.window);
  while (!append_times.empty() &&
         (append_times.front().first < needed_from || append_times.size() > 100000)) {
    append_times.pop_front();
  }
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

struct Dispatcher::OwnThread {
  asio::io_context io{1};
  std::thread thread;
};

Dispatcher::Dispatcher(std::shared_ptr<Impl> impl, std::unique_ptr<OwnThread> thread)
    : thread_(std::move(thread)), impl_(std::move(impl)) {
  if (!thread_) return;
  thread_->thread = std::thread([io = &thread_->io] {
    ::pthread_setname_np(::pthread_self(), "aicc-sink");
    // Runs until the destructor stops it; the destinations' loops keep it
    // busy until then.
    auto work = asio::make_work_guard(*io);
    io->run();
  });
}

boost::system::result<std::unique_ptr<Dispatcher>, SinkError> Dispatcher::Create(
    asio::any_io_executor executor, DispatcherOptions options, core::MetricsRegistry* metrics) {
  std::unique_ptr<OwnThread> own;
  if (options.own_thread) {
    own = std::make_unique<OwnThread>();
    executor = own->io.get_executor();
  }
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
        internal::MakeWsDestination(impl.get(), url, ep, ep.tls() ? tls : nullptr));
    impl->destinations.back()->Wake();  // the backlog gauge from the start
  }
  return std::unique_ptr<Dispatcher>(new Dispatcher(std::move(impl), std::move(own)));
}

Dispatcher::~Dispatcher() {
  impl_->stopped = true;
  // After everything already posted (appends included), on the strand.
  asio::post(impl_->strand, [impl = impl_, io = thread_ ? &thread_->io : nullptr] {
    for (auto& d : impl->destinations) d->Stop();
    impl->fsync_timer.cancel();
    // A reconnect wait can last reconnect_max: do not wait for it. The
    // io_context's destruction releases what is left.
    if (io) io->stop();
  });
  if (!thread_) return;
  if (thread_->thread.get_id() == std::this_thread::get_id()) {
    thread_->thread.detach();  // destroyed from its own callback: it ends by itself
  } else {
    thread_->thread.join();
  }
}

void Dispatcher::Start() {
  asio::post(impl_->strand, [impl = impl_] {
    if (impl->started.exchange(true)) return;
    for (auto& d : impl->destinations) d->Start(impl);
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
