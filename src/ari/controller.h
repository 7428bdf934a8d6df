// Call control over Asterisk ARI: aicc's Stasis application.
//
// For every call that enters the Stasis application (`ari.app`) the
// controller gives the call a UUID, POSTs CALL_STARTED, and then either
//   routing = ari:      answers, picks a registered free agent (priority map,
//                       then round robin; music on hold and retries while none
//                       is free, up to ari.agent_wait_sec), bridges customer
//                       and agent, or
//   routing = dialplan: continues the call in the dialplan and learns the
//                       agent from the Dial event,
// and sets up the dual snoop: spy=in (customer's voice) and spy=out (agent's
// voice, as the customer hears it) on the customer channel, each in its own
// mixing bridge with an ExternalMedia channel sending RTP to
// external_host:customer_port / :agent_port. The RTP source of each
// ExternalMedia channel (UNICASTRTP_LOCAL_ADDRESS/PORT) is handed to the
// observer before that channel joins its bridge, so the pipeline knows
// (call, speaker) before the first packet. See docs/asterisk.md.
//
// Usage:
//   ari::CallController controller(io.get_executor(), options, observer, &metrics);
//   if (auto r = controller.Start(); !r) fail(r.error());   // options are checked here
//   ...
//   controller.ReloadAgents(agents, priority);              // SIGHUP
//   controller.Stop([&] { done(); });                       // SIGTERM
//
// Threading: one strand for the controller (events, the call table), one
// strand per call running that call's coroutine; REST I/O on the client's
// strand. Observer methods are called from those strands and must not block.
// Public methods are thread-safe. Failures of aicc never hurt the call: a
// failed step is rolled back in reverse order and the call goes on (without
// analysis when the snoops cannot be set up).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/system/result.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/metrics.h"
#include "core/speaker.h"

namespace aicc::ari {

struct CallInfo {
  std::string call_id;     // aicc's UUID
  std::string channel_id;  // the customer's channel
  std::string customer_number;
  std::optional<std::string> agent_id;  // "agent01"; nullopt when not (yet) known
  // When the call was answered (routing = ari) or entered aicc's application
  // (routing = dialplan): the origin of the call's timeline (turn
  // start_time/end_time). nullopt for a call re-adopted after a restart,
  // whose origin is the one the first process used (the journal has it).
  std::optional<std::chrono::system_clock::time_point> answered_at;
  // True when a restarted aicc took over a call that an earlier process
  // started: its metadata_start was already sent and its seq goes on.
  bool adopted = false;
};

// Implemented by the pipeline. Called from the controller's strands;
// implementations post and never block. For one call the order is
// OnCallStarted, then any of OnMediaSource / OnAgentChanged /
// OnAnalysisUnavailable, then OnCallEnded exactly once.
class CallObserver {
 public:
  virtual ~CallObserver() = default;
  // Before any media source of the call is registered.
  virtual void OnCallStarted(const CallInfo& call) = 0;
  // The address Asterisk sends `speaker`'s RTP from; called BEFORE the
  // ExternalMedia channel is added to its bridge (before media flows). A
  // rebuilt analysis chain reports its new source the same way.
  virtual void OnMediaSource(const std::string& call_id, core::Speaker speaker,
                             const boost::asio::ip::udp::endpoint& asterisk_source) = 0;
  virtual void OnAgentChanged(const std::string& call_id, const std::string& agent_id) = 0;
  // "hangup", "agent_unavailable", "shutdown".
  virtual void OnCallEnded(const std::string& call_id, std::string_view end_reason) = 0;
  // Snoop/ExternalMedia failed twice: the call goes on without analysis.
  virtual void OnAnalysisUnavailable(const std::string& call_id, std::string_view why) = 0;
  // After each successful reconcile with Asterisk (the first one follows the
  // first connect): every call aicc can re-adopt has had OnCallStarted by
  // now, so calls an earlier process left open and nobody adopted are over.
  virtual void OnReconciled() {}
};

enum class Routing { kAri, kDialplan };
enum class ShutdownPolicy { kKeepCalls, kHangup };

struct ControllerOptions {
  std::string url = "http://127.0.0.1:8088/ari";  // ari.url (ARI_URL)
  std::string username;                           // ari.username
  std::string password;                           // ari.password (never logged)
  std::string app = "linphone-handler";           // ari.app (APP_NAME)
  std::string external_host = "127.0.0.1";        // ari.external_host (EXTERNAL_HOST)
  std::uint16_t customer_port = 12345;            // media.customer_port: the bound port
  std::uint16_t agent_port = 12346;               // media.agent_port: the bound port
  std::string format = "ulaw";                    // ari.format: ulaw | alaw | slin16
  Routing routing = Routing::kAri;
  std::vector<std::string> agents;              // ari.agents
  std::map<std::string, std::string> priority;  // ari.agent_priority: caller key → agent
  std::chrono::milliseconds agent_dial_timeout{30000};
  std::chrono::milliseconds agent_wait{60000};
  std::chrono::milliseconds agent_retry{3000};
  std::string moh_class;         // empty: Asterisk's default class
  std::string call_started_url;  // empty: no CALL_STARTED notice
  std::chrono::milliseconds request_timeout{5000};
  ShutdownPolicy on_shutdown = ShutdownPolicy::kKeepCalls;
  std::size_t max_calls = 5000;  // more calls at once are continued in the dialplan
  std::size_t max_http_connections = 16;
  std::chrono::milliseconds reconnect_min{500};
  std::chrono::milliseconds reconnect_max{30000};
};

// What the settings table cannot check: URLs, the ports, names. The message
// names the setting, the value and what is allowed; nullopt when fine.
std::optional<std::string> ValidateOptions(const ControllerOptions& options);

// `host=agent` items (ari.agent_priority) → map; the error names the item.
boost::system::result<std::map<std::string, std::string>, std::string> ParseAgentPriority(
    const std::vector<std::string>& items);

class CallController {
 public:
  CallController(boost::asio::any_io_executor executor, ControllerOptions options,
                 CallObserver& observer, core::MetricsRegistry* metrics = nullptr);
  ~CallController();
  CallController(const CallController&) = delete;
  CallController& operator=(const CallController&) = delete;

  // Validates the options and connects (in the background; reconnects
  // forever). The error names the bad setting.
  boost::system::result<void, std::string> Start();

  // Stops taking calls (closes the events connection, so Asterisk's Stasis()
  // fails over to the dialplan), tears down aicc's helpers of every call,
  // hangs up or keeps the calls (on_shutdown), reports OnCallEnded
  // ("shutdown"), then calls `done` (from a controller strand). Bounded by a
  // few request timeouts.
  void Stop(std::function<void()> done);

  // True while the events WebSocket is connected.
  bool Connected() const;
  std::size_t ActiveCalls() const;

  // New agent pool and priority map for the calls that pick an agent from
  // now on (SIGHUP).
  void ReloadAgents(std::vector<std::string> agents, std::map<std::string, std::string> priority);

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace aicc::ari
