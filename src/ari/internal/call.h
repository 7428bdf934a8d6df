// One call under aicc's control: its state and the coroutine that runs its
// flow (routing, dual snoop, monitoring, teardown) on the call's strand.
// Included only by the ari module.
//
// Threading: everything runs on strand(). The controller posts events,
// snapshots and the shutdown request onto it; the coroutine reacts to them
// through Wake(). REST requests run on the client's strand and resume here.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "ari/agent_pool.h"
#include "ari/controller.h"
#include "ari/internal/notifier.h"
#include "ari/model.h"
#include "ari/rest_client.h"
#include "core/logging.h"

namespace aicc::ari::internal {

struct ControllerMetrics {
  core::Counter* calls_total = nullptr;
  core::Gauge* calls_active = nullptr;
  core::Counter* calls_adopted = nullptr;
  core::Counter* calls_rejected = nullptr;
  core::Counter* agent_unavailable = nullptr;
  core::Counter* agent_answered = nullptr;
  core::Counter* agent_not_answered = nullptr;
  core::Counter* analysis_unavailable = nullptr;
  core::Counter* chain_failures = nullptr;
  core::Counter* helpers_left = nullptr;  // deletes that failed for good (reconcile cleans up)
  core::Counter* events_total = nullptr;
  core::Counter* events_malformed = nullptr;
  core::Counter* orphans_destroyed = nullptr;
};

// What every call shares; owned by the controller, outlives every call.
struct CallContext {
  ControllerOptions options;
  RestClient* rest = nullptr;
  AgentPool* agents = nullptr;
  CallObserver* observer = nullptr;
  Notifier* notifier = nullptr;
  ControllerMetrics metrics;
  // This process's tag in the ids of the helpers it makes (ids.h).
  std::string incarnation;
  // The controller's state; every call keeps it alive until it finishes.
  std::weak_ptr<void> owner;
  // Posted by the call when its coroutine has finished (any thread).
  std::function<void(const std::string& call_id)> on_finished;
};

// Asterisk's state at one moment (GET /channels, GET /bridges).
struct Snapshot {
  std::unordered_map<std::string, Channel> channels;
  std::unordered_map<std::string, Bridge> bridges;
};

// A call found alive in Asterisk after aicc lost its state (restart).
struct Adoption {
  std::string main_bridge_id;
  std::optional<Channel> agent_channel;
  std::vector<std::string> stale_channels;  // aicc's helpers of the call to destroy
  std::vector<std::string> stale_bridges;
};

class Call : public std::enable_shared_from_this<Call> {
 public:
  Call(boost::asio::any_io_executor io, CallContext& context, std::string call_id, Channel customer,
       std::optional<Adoption> adoption);

  const std::string& id() const { return call_id_; }
  const std::string& customer_channel() const { return customer_.id; }
  boost::asio::strand<boost::asio::any_io_executor>& strand() { return strand_; }

  // A re-adopted call only, before Start() and on the controller's strand:
  // takes over the adoption's state and reports OnCallStarted at once, so
  // that it precedes the reconcile's OnReconciled (controller.h).
  void AnnounceAdopted();
  // Starts the flow's coroutine.
  void Start();
  // On strand(): an event about one of the call's channels or bridges.
  void OnEvent(const Event& event);
  // On strand(): Asterisk's state after a reconnect.
  void OnSnapshot(const Snapshot& snapshot);
  // On strand(): aicc is stopping.
  void OnShutdown(ShutdownPolicy policy);

 private:
  struct ChannelStatus {
    bool in_stasis = false;
    bool gone = false;
    std::string dialstatus;
  };
  struct Chain {
    core::Speaker speaker = core::Speaker::kCustomer;
    const char* spy = "in";
    int attempt = 0;
    int rebuilds = 0;
    std::string snoop_id, bridge_id, media_id;
    bool snoop_tried = false, bridge_tried = false, media_tried = false;
    bool live = false;
    bool unavailable = false;
  };
  // What Finish does besides destroying the analysis helpers.
  struct FinishPlan {
    bool hang_up_customer = false;
    bool hang_up_agent = false;
    bool continue_customer = false;  // hand the customer back to the dialplan
    bool keep_main_bridge = false;   // shutdown with keep_calls: the call stays up
  };
  struct DialOutcome {
    bool answered = false;
    std::string channel_id;
  };
  using Clock = std::chrono::steady_clock;

  static boost::asio::awaitable<void> Run(std::shared_ptr<Call> self);
  boost::asio::awaitable<void> RunRouted();
  boost::asio::awaitable<void> RunDialplan();
  boost::asio::awaitable<void> RunAdopted();
  boost::asio::awaitable<void> RunConnected();

  boost::asio::awaitable<std::vector<std::string>> CallerKeys();
  boost::asio::awaitable<std::optional<std::string>> ReserveAgent(
      const std::vector<std::string>& caller_keys, const std::set<std::string>& tried);
  boost::asio::awaitable<bool> CreateMainBridge();
  boost::asio::awaitable<DialOutcome> DialAgent(const std::string& agent, int attempt);
  boost::asio::awaitable<void> SetUpAnalysis(Chain& chain);
  boost::asio::awaitable<std::optional<std::string>> BuildChain(Chain& chain);
  boost::asio::awaitable<void> RollbackChain(Chain& chain);
  boost::asio::awaitable<void> Monitor();
  boost::asio::awaitable<void> Finish(std::string reason, FinishPlan plan);

  // One request; `tries` = 2 retries a transient failure once.
  boost::asio::awaitable<RestResult> Ari(Method method, std::string path, Query query = {},
                                         int tries = 2);
  // DELETE that treats 404 as done; failures are remembered for Finish.
  boost::asio::awaitable<bool> DeleteChannel(const std::string& id);
  boost::asio::awaitable<bool> DeleteBridge(const std::string& id);

  // Waits until `done()` or `deadline`; false on deadline.
  boost::asio::awaitable<bool> WaitFor(const std::function<bool()>& done,
                                       Clock::time_point deadline);
  void Wake();

  bool CustomerGone() const;
  bool AgentGone() const;
  bool Ended() const { return CustomerGone() || shutdown_.has_value(); }
  bool ChainBroken(const Chain& chain) const;
  ChannelStatus& Status(const std::string& id) { return status_[id]; }
  const ChannelStatus* FindStatus(const std::string& id) const;
  // The caller's number, or "unknown" (the old system's placeholder).
  std::string CustomerNumber() const;
  // Logs the new call and POSTs CALL_STARTED; `mode` is appended to the log.
  void Announce(std::string_view mode);
  void NotifyStarted();
  void NotifyEnded(std::string_view reason);

  boost::asio::strand<boost::asio::any_io_executor> strand_;
  std::shared_ptr<void> keep_alive_;  // the owner of ctx_
  CallContext& ctx_;
  const std::string call_id_;
  Channel customer_;
  std::optional<Adoption> adoption_;
  std::shared_ptr<spdlog::logger> log_;
  std::string tag_;  // "call=<id8>" for log lines
  boost::asio::steady_timer wake_;

  std::unordered_map<std::string, ChannelStatus> status_;
  std::set<std::string> gone_bridges_;
  bool customer_left_stasis_ = false;
  bool continued_ = false;  // routing = dialplan: the customer left Stasis on purpose
  std::optional<ShutdownPolicy> shutdown_;

  std::string main_bridge_id_;
  bool main_bridge_ready_ = false;
  std::string agent_;  // pool name of the connected agent
  std::string agent_id_;
  std::string agent_channel_;
  std::string dialing_channel_;  // the agent leg ringing now
  bool moh_ = false;
  Chain chains_[2];
  std::vector<std::string> stale_channels_;  // to destroy (from a snapshot)
  std::vector<std::string> stale_bridges_;
  std::vector<std::string> failed_channel_deletes_;
  std::vector<std::string> failed_bridge_deletes_;
  bool started_notified_ = false;
  // The origin of the call's timeline (CallInfo::answered_at).
  std::chrono::system_clock::time_point answered_at_ = std::chrono::system_clock::now();
  bool ended_notified_ = false;
};

}  // namespace aicc::ari::internal
