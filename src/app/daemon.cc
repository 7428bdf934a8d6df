#include "app/daemon.h"

#include <fmt/format.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#ifdef AICC_HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include <unistd.h>

#include <atomic>
#include <csignal>
#include <thread>
#include <vector>

#include "app/commands.h"
#include "app/health_server.h"
#include "app/module_options.h"
#include "ari/controller.h"
#include "core/ids.h"
#include "core/logging.h"
#include "net/url.h"
#include "vad/shedding.h"
#include "vad/silero.h"

namespace aicc::app {
namespace asio = boost::asio;

namespace {

void Notify(const char* state) {
#ifdef AICC_HAVE_SYSTEMD
  sd_notify(0, state);
#else
  (void)state;
#endif
}

// The systemd watchdog interval (WatchdogSec=), or zero when not supervised.
std::chrono::microseconds WatchdogInterval() {
#ifdef AICC_HAVE_SYSTEMD
  uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) > 0) return std::chrono::microseconds(usec);
#endif
  return std::chrono::microseconds(0);
}

bool IsLoopbackHost(std::string_view host) {
  if (host == "localhost") return true;
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(std::string(host), ec);
  return !ec && address.is_loopback();
}

// Call control → the pipeline: the controller reports each call and its RTP
// sources before media flows; the registry posts onto its strand, so this
// adapter never blocks the controller.
//
// Across restarts: a call the controller takes over (adopted) continues in
// the registry with the same call_id (the journal's record); a call the
// controller keeps at shutdown (ari.on_shutdown = keep_calls, end reason
// "shutdown") is suspended, not ended, so the next process continues it; the
// first reconcile with Asterisk closes the calls an earlier process left open
// that nobody took over (end_reason "recovered").
class RegistryObserver final : public ari::CallObserver {
 public:
  RegistryObserver(pipeline::CallRegistry& registry, const ari::ControllerOptions& options)
      : registry_(registry), keep_calls_(options.on_shutdown == ari::ShutdownPolicy::kKeepCalls) {}
  void OnCallStarted(const ari::CallInfo& call) override {
    registry_.StartCall({.call_id = call.call_id,
                         .channel_id = call.channel_id,
                         .customer_number = call.customer_number,
                         .agent_id = call.agent_id,
                         .origin = call.answered_at,
                         .adopted = call.adopted});
  }
  void OnMediaSource(const std::string& call_id, core::Speaker speaker,
                     const asio::ip::udp::endpoint& source) override {
    registry_.AddMediaSource(call_id, speaker, source);
  }
  void OnAgentChanged(const std::string& call_id, const std::string& agent_id) override {
    registry_.SetAgent(call_id, agent_id);
  }
  void OnCallEnded(const std::string& call_id, std::string_view end_reason) override {
    // "shutdown" under keep_calls: the call goes on in Asterisk without us.
    if (keep_calls_ && end_reason == "shutdown") {
      registry_.SuspendCall(call_id);
      return;
    }
    registry_.EndCall(call_id, std::string(end_reason));
  }
  void OnReconciled() override {
    // The controller reports every re-adopted call (OnCallStarted) before
    // OnReconciled, from the same strand; both post to the registry's
    // strand, so the takeovers are in before this closes the carried-over
    // rest. Later reconciles find nothing left.
    registry_.CloseCarriedOver("recovered", std::chrono::milliseconds(0));
  }
  void OnAnalysisUnavailable(const std::string& call_id, std::string_view why) override {
    // The controller has logged and counted it; the call's events still
    // flow for the speaker that has media.
    core::Logger("app")->debug("call={} analysis unavailable: {}", core::ShortId(call_id), why);
  }

 private:
  pipeline::CallRegistry& registry_;
  const bool keep_calls_;
};

}  // namespace

struct Daemon::Impl {
  Impl(core::Config c, DaemonMode m) : config(std::move(c)), mode(std::move(m)) {}

  core::Config config;
  DaemonMode mode;
  asio::io_context io;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  core::MetricsRegistry metrics;
  std::shared_ptr<const core::Clock> clock = core::MakeSystemClock();

  std::shared_ptr<const vad::VadEngine> vad_engine;
  // Load shedding (Silero only): the engine the pipeline uses, and its guard.
  std::shared_ptr<vad::SheddingEngine> shedding;
  std::optional<vad::OverloadGuard> overload_guard;
  std::uint64_t kernel_drops_seen = 0;
  struct SheddingMetrics {
    core::Gauge* silero_streams = nullptr;
    core::Gauge* energy_streams = nullptr;
    core::Gauge* budget = nullptr;
    core::Counter* to_energy = nullptr;
    core::Counter* to_silero = nullptr;
    vad::SheddingEngine::Counts reported;
  } shedding_metrics;
  std::unique_ptr<stt::Recognizer> recognizer;
  std::unique_ptr<turn::Detector> detector;
  std::unique_ptr<sink::Dispatcher> dispatcher;
  std::unique_ptr<pipeline::CallRegistry> registry;
  std::unique_ptr<rtp::Receiver> receiver;
  std::unique_ptr<RegistryObserver> call_observer;
  std::unique_ptr<ari::CallController> controller;
  // ari.on_shutdown = keep_calls: calls live at SIGTERM are suspended, not ended.
  bool keep_calls = false;
  std::unique_ptr<HealthServer> health;
  std::unique_ptr<asio::signal_set> signals;
  std::unique_ptr<asio::steady_timer> stop_deadline;
  std::unique_ptr<asio::steady_timer> lag_timer;
  core::Gauge* loop_lag = nullptr;
  // Pinged from the loop-lag timer, so a wedged event loop stops the pings
  // and systemd restarts the service.
  std::chrono::microseconds watchdog_interval{0};
  std::chrono::steady_clock::time_point last_watchdog_ping;
  std::atomic<bool> stopping{false};
  std::atomic<int> exit_code{0};
  std::string summary;

  void OnSignal(int signo);
  void MeasureLoopLag(std::chrono::steady_clock::time_point due);
  void GuardAgainstOverload();
  void GracefulStop();
  void FinishStop(int code);
  Readiness CheckReady() const;
};

Daemon::Daemon(core::Config config, DaemonMode mode)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(mode))) {}

Daemon::~Daemon() {
  if (impl_->work) {
    impl_->io.stop();
  }
}

boost::system::result<void, std::string> Daemon::Start() {
  Impl& d = *impl_;
  const core::Config& cfg = d.config;
  auto log = core::Logger("app");
  const bool pipeline_only = d.mode.pipeline_only || !cfg.GetBool("ari.enabled");

  // VAD: Silero by default; a missing or bad model falls back to energy with
  // one clear warning (visible in the summary, `aicc version` and metrics).
  auto vad_options = VadEngineOptionsFrom(cfg);
  auto engine = vad::VadEngine::Create(vad_options);
  if (!engine && vad_options.engine != "energy") {
    log->warn("Silero VAD unavailable ({}); falling back to the energy VAD",
              engine.error().message);
    vad_options.engine = "energy";
    engine = vad::VadEngine::Create(vad_options);
  }
  if (!engine) return "vad: " + engine.error().message;
  d.vad_engine = *engine;
  if (d.vad_engine->Name() == "silero") {
    // Silero is most of a call's CPU; the energy VAD is the cheap way to keep
    // every packet when the machine runs short (docs/vad.md, load shedding).
    const auto cap = static_cast<std::size_t>(cfg.GetInt("vad.max_silero_streams"));
    vad::OverloadGuardOptions guard;
    guard.max_primary = cap > 0 ? cap : vad::SheddingEngine::kUnlimited;
    guard.adaptive = cfg.GetBool("vad.shed_on_overload");
    d.shedding = std::make_shared<vad::SheddingEngine>(
        d.vad_engine, vad::MakeEnergyEngine(vad_options.energy_threshold), guard.max_primary);
    d.overload_guard.emplace(guard);
    d.vad_engine = d.shedding;
    auto& sm = d.shedding_metrics;
    sm.silero_streams = &d.metrics.GetGauge("aicc_vad_streams", "Live streams by the VAD running",
                                            {{"engine", "silero"}});
    sm.energy_streams = &d.metrics.GetGauge("aicc_vad_streams", "Live streams by the VAD running",
                                            {{"engine", "energy"}});
    sm.budget = &d.metrics.GetGauge(
        "aicc_vad_silero_budget",
        "Most streams allowed on Silero now (-1: no limit); below the streams when shedding");
    sm.to_energy = &d.metrics.GetCounter(
        "aicc_vad_shed_total", "Streams moved to (or started on) the energy VAD by load shedding");
    sm.to_silero = &d.metrics.GetCounter("aicc_vad_unshed_total",
                                         "Streams moved back to Silero after load shedding");
    sm.budget->Set(cap > 0 ? static_cast<double>(cap) : -1.0);
  }
  d.metrics
      .GetGauge("aicc_vad_engine_info", "VAD engine in use",
                {{"engine", std::string(d.vad_engine->Name())}})
      .Set(1);

  auto recognizer = stt::MakeRecognizer(SttOptionsFrom(cfg), &d.metrics);
  if (!recognizer) return "stt: " + recognizer.error();
  d.recognizer = std::move(*recognizer);
  d.detector = std::make_unique<turn::Detector>(TurnOptionsFrom(cfg));

  auto dispatcher = sink::Dispatcher::Create(d.io.get_executor(), SinkOptionsFrom(cfg), &d.metrics);
  if (!dispatcher) return dispatcher.error().message;
  d.dispatcher = std::move(*dispatcher);

  pipeline::PipelineDeps deps;
  deps.vad_engine = d.vad_engine;
  deps.recognizer = d.recognizer.get();
  deps.detector = d.detector.get();
  deps.clock = d.clock.get();
  deps.metrics = &d.metrics;
  deps.emit = [this](const events::Event& e) {
    if (auto r = impl_->dispatcher->Submit(e); !r) {
      core::Logger("sink")->error("event {} not accepted: {}", e.event_id, r.error().message);
    }
    if (impl_->mode.on_event) impl_->mode.on_event(e);
  };
  d.registry = std::make_unique<pipeline::CallRegistry>(d.io.get_executor(), std::move(deps),
                                                        PipelineOptionsFrom(cfg, pipeline_only));
  d.receiver = std::make_unique<rtp::Receiver>(d.registry->executor(), ReceiverOptionsFrom(cfg),
                                               *d.registry, &d.metrics);
  d.registry->AttachReceiver(d.receiver.get());
  // Calls an earlier process left open, before any call can start. In
  // pipeline-only mode nothing can take them over (RTP carries no call id):
  // they are closed now, so a stream still flowing becomes a new call only
  // after the old one's metadata_end. In ARI mode the first reconcile closes
  // them (RegistryObserver::OnReconciled),
  // however long Asterisk takes to be reachable: closing a call that is then
  // taken over would break "one metadata_end per call"; closing late only
  // delays it.
  const auto& carried = d.dispatcher->OpenCalls();
  d.registry->CarryOver(carried);
  if (!carried.empty()) {
    log->info("{} calls left open by an earlier aicc: {}", carried.size(),
              pipeline_only ? "closing them (end_reason recovered)"
                            : "continued when call control takes them over, closed "
                              "(recovered) after the first reconcile with Asterisk otherwise");
  }
  if (pipeline_only) d.registry->CloseCarriedOver("recovered");
  if (auto r = d.receiver->Start(); !r) return "media: " + r.error();

  if (!pipeline_only) {
    auto ari_options = AriOptionsFrom(cfg, CustomerEndpoint().port(), AgentEndpoint().port());
    if (!ari_options) return ari_options.error();
    if (auto url = net::ParseEndpoint(ari_options->url); url && !IsLoopbackHost(url->host)) {
      log->warn(
          "ari.url {} is not on loopback: ARI's password and call control cross the "
          "network in clear text; keep it on a private network (docs/security.md)",
          url->Redacted());
    }
    d.keep_calls = ari_options->on_shutdown == ari::ShutdownPolicy::kKeepCalls;
    d.call_observer = std::make_unique<RegistryObserver>(*d.registry, *ari_options);
    d.controller = std::make_unique<ari::CallController>(
        d.io.get_executor(), std::move(*ari_options), *d.call_observer, &d.metrics);
    if (auto r = d.controller->Start(); !r) return r.error();
  }

  d.health = std::make_unique<HealthServer>(d.io.get_executor(), d.metrics,
                                            [this] { return impl_->CheckReady(); });
  if (auto r = d.health->Start(cfg.GetString("http.listen")); !r) return r.error();
  if (!d.health->LocalEndpoint().address().is_loopback()) {
    log->warn(
        "http.listen {} is not on loopback: /metrics and /readyz are reachable from the "
        "network (docs/security.md)",
        HttpEndpoint());
  }

  d.dispatcher->Start();

  if (d.mode.handle_signals) {
    d.signals = std::make_unique<asio::signal_set>(d.io, SIGINT, SIGTERM, SIGHUP);
    struct Waiter {
      Impl* d;
      void operator()(const boost::system::error_code& ec, int signo) const {
        if (ec) return;
        d->OnSignal(signo);
        d->signals->async_wait(*this);
      }
    };
    d.signals->async_wait(Waiter{&d});
  }

  const auto sinks = cfg.GetList("sink.urls");
  d.summary = fmt::format(
      "aicc {} ready: ari={} vad={} stt={} sinks={}{}{} media=customer:{} agent:{} http={}",
      kVersion,
      pipeline_only ? "off (pipeline-only)"
                    : fmt::format("{} app={} routing={}",
                                  net::ParseEndpoint(cfg.GetString("ari.url"))->Redacted(),
                                  cfg.GetString("ari.app"), cfg.GetString("ari.routing")),
      d.vad_engine->Name() == "silero" ? fmt::format("silero({})", vad::SileroKernel())
                                       : std::string(d.vad_engine->Name()),
      d.recognizer->Name(), sinks.size(), cfg.GetBool("sink.stdout") ? "+stdout" : "",
      cfg.GetString("sink.jsonl_path").empty() ? "" : "+jsonl", CustomerEndpoint().port(),
      AgentEndpoint().port(), HttpEndpoint());
  log->info("{}", d.summary);
  d.work.emplace(d.io.get_executor());
  d.loop_lag = &d.metrics.GetGauge("aicc_event_loop_lag_seconds",
                                   "How late a 100 ms timer fired last (event-loop saturation)");
  d.lag_timer = std::make_unique<asio::steady_timer>(d.io);
  d.watchdog_interval = WatchdogInterval();
  if (d.watchdog_interval.count() > 0) {
    log->info(
        "systemd watchdog: pinging every {} ms",
        std::chrono::duration_cast<std::chrono::milliseconds>(d.watchdog_interval / 2).count());
  }
  d.MeasureLoopLag(std::chrono::steady_clock::now() + std::chrono::milliseconds(100));
  return {};
}

void Daemon::Impl::MeasureLoopLag(std::chrono::steady_clock::time_point due) {
  lag_timer->expires_at(due);
  lag_timer->async_wait([this, due](boost::system::error_code ec) {
    if (ec) return;
    const auto now = std::chrono::steady_clock::now();
    loop_lag->Set(std::chrono::duration<double>(now - due).count());
    GuardAgainstOverload();
    if (watchdog_interval.count() > 0 && now - last_watchdog_ping >= watchdog_interval / 2) {
      last_watchdog_ping = now;
      Notify("WATCHDOG=1");
    }
    MeasureLoopLag(now + std::chrono::milliseconds(100));
  });
}

void Daemon::Impl::GuardAgainstOverload() {
  if (!shedding || !receiver) return;
  const auto pressure = receiver->TakePressure();
  const auto before = shedding->counts();
  const bool was_shedding = overload_guard->shedding();
  const std::size_t budget =
      overload_guard->Update({pressure.kernel_drops - kernel_drops_seen, pressure.peak_queue_ratio,
                              before.primary, before.primary + before.fallback});
  kernel_drops_seen = pressure.kernel_drops;
  shedding->SetBudget(budget);
  const bool unlimited = budget == vad::SheddingEngine::kUnlimited;
  if (overload_guard->shedding() != was_shedding) {
    auto log = core::Logger("vad");
    if (overload_guard->shedding()) {
      log->warn(
          "overload: the media path is falling behind ({} RTP datagrams or frames dropped so far, "
          "{} of them queued for a call; receive queue or call backlog {:.0f}% full); moving "
          "streams from Silero to the energy VAD: at most {} of {} on Silero",
          pressure.kernel_drops, pressure.backlog_drops, pressure.peak_queue_ratio * 100, budget,
          before.primary + before.fallback);
    } else {
      log->info("overload over: streams move back to Silero (limit {})",
                unlimited ? std::string("none") : std::to_string(budget));
    }
  }
  auto& sm = shedding_metrics;
  const auto now = shedding->counts();
  sm.silero_streams->Set(static_cast<double>(now.primary));
  sm.energy_streams->Set(static_cast<double>(now.fallback));
  sm.budget->Set(unlimited ? -1.0 : static_cast<double>(budget));
  sm.to_energy->Increment(now.to_fallback - sm.reported.to_fallback);
  sm.to_silero->Increment(now.to_primary - sm.reported.to_primary);
  sm.reported = now;
}

void Daemon::Impl::OnSignal(int signo) {
  auto log = core::Logger("app");
  if (signo == SIGHUP) {
    if (!mode.reload_config) return;
    try {
      // Re-read the same sources; only what is safe to change live is applied.
      const core::Config fresh = mode.reload_config();
      core::SetupLogging(fresh.GetString("log.level"), fresh.GetBool("log.debug"));
      log->info("SIGHUP: reloaded the log level ({})", fresh.GetString("log.level"));
      if (auto r = recognizer->ReloadPhrases(fresh.GetList("stt.phrases"),
                                             fresh.GetString("stt.phrases_path"));
          !r) {
        log->error("SIGHUP: keeping the phrase hints: {}", r.error());
      }
      if (controller) {
        auto priority = ari::ParseAgentPriority(fresh.GetList("ari.agent_priority"));
        if (!priority) {
          log->error("SIGHUP: keeping the agent pool: {}", priority.error());
        } else {
          controller->ReloadAgents(fresh.GetList("ari.agents"), std::move(*priority));
        }
      }
    } catch (const std::exception& e) {
      log->error("SIGHUP: reload failed, keeping the running settings: {}", e.what());
    }
    return;
  }
  if (stopping.exchange(true)) {
    log->warn("second signal: exiting now");
    std::_Exit(130);
  }
  log->info("{}: stopping (a second signal exits at once)",
            signo == SIGTERM ? "SIGTERM" : "SIGINT");
  GracefulStop();
}

void Daemon::Impl::GracefulStop() {
  Notify("STOPPING=1");
  stop_deadline = std::make_unique<asio::steady_timer>(
      io, std::chrono::seconds(config.GetInt("http.shutdown_timeout_sec")));
  stop_deadline->async_wait([this](boost::system::error_code ec) {
    if (ec) return;
    core::Logger("app")->error("graceful stop did not finish in {} s; exiting",
                               config.GetInt("http.shutdown_timeout_sec"));
    FinishStop(1);
  });
  auto after_calls = [this] {
    asio::post(io, [this] {
      receiver->Stop();
      dispatcher->Stop([this] { asio::post(io, [this] { FinishStop(0); }); });
    });
  };
  if (controller) {
    // Call control first: no new calls, aicc's helpers torn down, every
    // call ended ("shutdown") in the registry — or, under keep_calls,
    // suspended: it goes on in Asterisk and the next process continues it.
    // Then the pipeline drains.
    const auto exit = keep_calls ? pipeline::CallExit::kSuspend : pipeline::CallExit::kEnd;
    controller->Stop([this, after_calls, exit] {
      asio::post(io,
                 [this, after_calls, exit] { registry->Shutdown(exit, "shutdown", after_calls); });
    });
    return;
  }
  registry->Shutdown(pipeline::CallExit::kEnd, "shutdown", after_calls);
}

void Daemon::Impl::FinishStop(int code) {
  exit_code = code;
  if (stop_deadline) stop_deadline->cancel();
  if (lag_timer) lag_timer->cancel();
  if (health) health->Stop();
  if (signals) {
    boost::system::error_code ec;
    signals->cancel(ec);
  }
  work.reset();
  io.stop();
}

Readiness Daemon::Impl::CheckReady() const {
  Readiness r{true, ""};
  if (controller) {
    const bool connected = controller->Connected();
    r.ready &= connected;
    r.detail += fmt::format("ari: {} ({} calls)\n", connected ? "connected" : "not connected",
                            controller->ActiveCalls());
  } else {
    r.detail += "ari: off (pipeline-only)\n";
  }
  r.detail += "media: bound\n";
  if (recognizer) {
    // Turns still flow while speech-to-text fails, but without text: say so.
    const stt::RecognizerHealth stt_health = recognizer->Health();
    r.ready &= stt_health.state != stt::RecognizerHealth::State::kFailing;
    r.detail += fmt::format("stt: {} {}\n", recognizer->Name(), stt_health.detail);
  }
  const bool sink_ok = dispatcher && dispatcher->Ready();
  r.ready &= sink_ok;
  r.detail += fmt::format("journal: {} bytes{}\n", dispatcher ? dispatcher->JournalBytes() : 0,
                          sink_ok ? "" : " (at its bound or not started)");
  if (stopping) {
    r.ready = false;
    r.detail += "stopping\n";
  }
  return r;
}

int Daemon::RunUntilStopped() {
  Impl& d = *impl_;
  Notify("READY=1");
  const unsigned workers = std::max(2u, std::thread::hardware_concurrency());
  std::vector<std::thread> threads;
  for (unsigned i = 1; i < workers; ++i) threads.emplace_back([&d] { d.io.run(); });
  d.io.run();
  for (auto& t : threads) t.join();
  return d.exit_code;
}

void Daemon::RequestStop() {
  asio::post(impl_->io, [this] {
    if (!impl_->stopping.exchange(true)) impl_->GracefulStop();
  });
}

asio::ip::udp::endpoint Daemon::CustomerEndpoint() const {
  return impl_->receiver->LocalEndpoint(rtp::PortRole::kCustomer);
}
asio::ip::udp::endpoint Daemon::AgentEndpoint() const {
  return impl_->receiver->LocalEndpoint(rtp::PortRole::kAgent);
}
std::string Daemon::HttpEndpoint() const {
  const auto ep = impl_->health->LocalEndpoint();
  return fmt::format("{}:{}", ep.address().to_string(), ep.port());
}
const core::MetricsRegistry& Daemon::metrics() const { return impl_->metrics; }
std::string Daemon::Summary() const { return impl_->summary; }
std::size_t Daemon::ActiveCalls() const {
  return impl_->registry ? impl_->registry->ActiveCalls() : 0;
}

}  // namespace aicc::app
