// The aicc service: builds every part from the configuration, runs the event
// loop on one worker per core, and handles signals. `aicc run` and
// `aicc demo` both use it.
//
// Usage:
//   Daemon daemon(config, DaemonMode{.pipeline_only = true});
//   auto started = daemon.Start();          // validates + binds; error text names the setting
//   daemon.RunUntilStopped();               // returns the exit code
//
// Threading: Start/RunUntilStopped from the main thread; RequestStop and the
// accessors from any thread.
#pragma once

#include <boost/asio/ip/udp.hpp>
#include <boost/system/result.hpp>
#include <functional>
#include <memory>
#include <string>

#include "core/config.h"
#include "core/metrics.h"
#include "events/event.h"

namespace aicc::app {

struct DaemonMode {
  bool pipeline_only = false;  // --no-ari
  bool handle_signals = true;
  // Extra event observer (the demo prints events as the pipeline emits them).
  std::function<void(const events::Event&)> on_event;
  // Re-reads the configuration's sources for SIGHUP (log levels, phrase
  // hints, agent pool are applied; the rest needs a restart).
  std::function<core::Config()> reload_config;
};

class Daemon {
 public:
  Daemon(core::Config config, DaemonMode mode);
  ~Daemon();

  // Builds and starts everything; nothing is left running on error.
  boost::system::result<void, std::string> Start();
  // Runs until a stop (signal or RequestStop) has finished; returns the exit code.
  int RunUntilStopped();
  // Graceful stop: no new calls, end calls with `shutdown`, flush, exit.
  void RequestStop();

  boost::asio::ip::udp::endpoint CustomerEndpoint() const;
  boost::asio::ip::udp::endpoint AgentEndpoint() const;
  std::string HttpEndpoint() const;
  const core::MetricsRegistry& metrics() const;
  // One line: what is enabled (ARI, VAD engine, STT engine and model, sinks, ports).
  std::string Summary() const;
  std::size_t ActiveCalls() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace aicc::app
