#include "ari/internal/call.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <charconv>

#include "ari/ids.h"
#include "core/ids.h"

namespace aicc::ari::internal {
namespace asio = boost::asio;
using asio::awaitable;
using asio::use_awaitable;

namespace {

constexpr auto kAsTuple = asio::as_tuple(use_awaitable);
// A helper that vanished during the call (someone hung it up) is rebuilt
// at most this many times per speaker.
constexpr int kMaxRebuilds = 2;

}  // namespace

Call::Call(asio::any_io_executor io, CallContext& context, std::string call_id, Channel customer,
           std::optional<Adoption> adoption)
    : strand_(asio::make_strand(io)),
      keep_alive_(context.owner.lock()),
      ctx_(context),
      call_id_(std::move(call_id)),
      customer_(std::move(customer)),
      adoption_(std::move(adoption)),
      log_(core::Logger("ari")),
      tag_(fmt::format("call={}", core::ShortId(call_id_))),
      wake_(strand_) {
  chains_[0].speaker = core::Speaker::kCustomer;
  chains_[0].spy = "in";
  chains_[1].speaker = core::Speaker::kAgent;
  chains_[1].spy = "out";
  main_bridge_id_ = HelperId(call_id_, kMainBridgeRole);
  Status(customer_.id).in_stasis = customer_.StasisApp() == ctx_.options.app;
}

void Call::Start() { asio::co_spawn(strand_, Run(shared_from_this()), asio::detached); }

awaitable<void> Call::Run(std::shared_ptr<Call> self) {
  try {
    if (self->adoption_) {
      co_await self->RunAdopted();
    } else if (self->ctx_.options.routing == Routing::kAri) {
      co_await self->RunRouted();
    } else {
      co_await self->RunDialplan();
    }
  } catch (const std::exception& e) {
    // The flow reports errors as values; this only keeps a bug (or
    // bad_alloc) from escaping into Asio. Reconcile cleans up what is left.
    self->log_->error("{} call flow failed: {}", self->tag_, e.what());
    self->NotifyEnded("error");
  }
  self->ctx_.on_finished(self->call_id_);
}

// --- events -------------------------------------------------------------

void Call::OnEvent(const Event& e) {
  const std::string* id = e.channel ? &e.channel->id : nullptr;
  switch (e.type) {
    case EventType::kStasisStart:
      if (id) Status(*id).in_stasis = true;
      break;
    case EventType::kStasisEnd:
      if (id) {
        Status(*id).in_stasis = false;
        if (*id == customer_.id && !continued_) customer_left_stasis_ = true;
        // The agent left aicc's application: it is no longer on the call.
        if (*id == agent_channel_) Status(*id).gone = true;
      }
      break;
    case EventType::kChannelDestroyed:
    case EventType::kChannelHangupRequest:
      if (id) Status(*id).gone = true;
      break;
    case EventType::kDial:
      if (e.peer) {
        Status(e.peer->id).dialstatus = e.dialstatus;
        // routing = dialplan: the dialplan's Dial() tells who the agent is.
        if (ctx_.options.routing == Routing::kDialplan && e.caller &&
            e.caller->id == customer_.id && e.dialstatus == "ANSWER") {
          std::string agent = ResourceOfChannelName(e.peer->name);
          if (agent.empty()) agent = e.dialstring;
          if (!agent.empty() && agent != agent_id_) {
            agent_id_ = agent;
            log_->info("{} agent {} answered (dialplan)", tag_, agent_id_);
            if (started_notified_ && !ended_notified_) {
              ctx_.observer->OnAgentChanged(call_id_, agent_id_);
            }
          }
        }
      }
      break;
    case EventType::kBridgeDestroyed:
      if (e.bridge) gone_bridges_.insert(e.bridge->id);
      break;
    default:
      break;
  }
  Wake();
}

void Call::OnSnapshot(const Snapshot& s) {
  // What went away while aicc was not listening.
  for (auto& [id, st] : status_) {
    const auto it = s.channels.find(id);
    if (it == s.channels.end()) {
      st.gone = true;
      continue;
    }
    const bool in_app = it->second.StasisApp() == ctx_.options.app;
    if (id == customer_.id && !continued_ && !in_app && ctx_.options.routing == Routing::kAri) {
      customer_left_stasis_ = true;
    }
    // An agent leg answered while the events were down.
    if (in_app && it->second.state == "Up") st.in_stasis = true;
  }
  for (const Chain& c : chains_) {
    if (c.live && !s.bridges.contains(c.bridge_id)) gone_bridges_.insert(c.bridge_id);
  }
  // aicc's own helpers of this call that the flow no longer uses (a
  // rollback whose DELETE failed, an earlier attempt).
  auto in_use = [this](const std::string& id) {
    if (id == agent_channel_ || id == dialing_channel_ || id == main_bridge_id_) return true;
    for (const Chain& c : chains_) {
      if ((c.snoop_tried && id == c.snoop_id) || (c.bridge_tried && id == c.bridge_id) ||
          (c.media_tried && id == c.media_id)) {
        return true;
      }
    }
    return false;
  };
  for (const auto& [id, ch] : s.channels) {
    if (CallIdOfHelper(id) == call_id_ && !in_use(id)) stale_channels_.push_back(id);
  }
  for (const auto& [id, br] : s.bridges) {
    if (CallIdOfHelper(id) == call_id_ && !in_use(id)) stale_bridges_.push_back(id);
  }
  Wake();
}

void Call::OnShutdown(ShutdownPolicy policy) {
  shutdown_ = policy;
  Wake();
}

void Call::Wake() { wake_.cancel(); }

awaitable<bool> Call::WaitFor(const std::function<bool()>& done, Clock::time_point deadline) {
  while (!done()) {
    if (Clock::now() >= deadline) co_return false;
    wake_.expires_at(deadline);
    co_await wake_.async_wait(kAsTuple);
  }
  co_return true;
}

const Call::ChannelStatus* Call::FindStatus(const std::string& id) const {
  const auto it = status_.find(id);
  return it == status_.end() ? nullptr : &it->second;
}

bool Call::CustomerGone() const {
  const auto* s = FindStatus(customer_.id);
  if (s && s->gone) return true;
  return ctx_.options.routing == Routing::kAri && customer_left_stasis_;
}

bool Call::AgentGone() const {
  if (agent_channel_.empty()) return false;
  const auto* s = FindStatus(agent_channel_);
  return s && s->gone;
}

bool Call::ChainBroken(const Chain& c) const {
  if (!c.live) return false;
  const auto* snoop = FindStatus(c.snoop_id);
  const auto* media = FindStatus(c.media_id);
  return (snoop && snoop->gone) || (media && media->gone) || gone_bridges_.contains(c.bridge_id);
}

std::string Call::CustomerNumber() const {
  return customer_.caller.number.empty() ? std::string("unknown") : customer_.caller.number;
}

void Call::Announce(std::string_view mode) {
  log_->info("{} new call on {} from {}{}", tag_, customer_.id,
             core::MaskNumber(customer_.caller.number), mode);
  ctx_.notifier->Notify(call_id_, CustomerNumber());
}

void Call::NotifyStarted() {
  if (started_notified_) return;
  started_notified_ = true;
  CallInfo info;
  info.call_id = call_id_;
  info.channel_id = customer_.id;
  info.customer_number = CustomerNumber();
  if (!agent_id_.empty()) info.agent_id = agent_id_;
  if (!adoption_) info.answered_at = answered_at_;
  info.adopted = adoption_.has_value();
  ctx_.observer->OnCallStarted(info);
}

void Call::NotifyEnded(std::string_view reason) {
  if (ended_notified_) return;
  NotifyStarted();
  ended_notified_ = true;
  ctx_.observer->OnCallEnded(call_id_, reason);
}

// --- requests -----------------------------------------------------------

awaitable<RestResult> Call::Ari(Method method, std::string path, Query query, int tries) {
  RestResult r = RestError{};
  for (int i = 0; i < tries; ++i) {
    r = co_await ctx_.rest->Request(method, path, query);
    if (r || !r.error().Transient()) break;
    if (i + 1 < tries) log_->debug("{} retrying: {}", tag_, r.error().Describe());
  }
  co_return r;
}

awaitable<bool> Call::DeleteChannel(const std::string& id) {
  auto r = co_await Ari(Method::kDelete, "/channels/" + PercentEncode(id));
  if (r || r.error().NotFound()) {
    Status(id).gone = true;
    co_return true;
  }
  log_->warn("{} cannot hang up {}: {}", tag_, id, r.error().Describe());
  failed_channel_deletes_.push_back(id);
  co_return false;
}

awaitable<bool> Call::DeleteBridge(const std::string& id) {
  auto r = co_await Ari(Method::kDelete, "/bridges/" + PercentEncode(id));
  if (r || r.error().NotFound()) {
    gone_bridges_.insert(id);
    co_return true;
  }
  log_->warn("{} cannot destroy bridge {}: {}", tag_, id, r.error().Describe());
  failed_bridge_deletes_.push_back(id);
  co_return false;
}
// --- routing = dialplan -------------------------------------------------

awaitable<void> Call::RunDialplan() {
  const ControllerOptions& o = ctx_.options;
  const std::string customer_path = "/channels/" + PercentEncode(customer_.id);
  Announce(" (dialplan routing)");
  answered_at_ = std::chrono::system_clock::now();
  NotifyStarted();
  co_await SetUpAnalysis(chains_[0]);
  co_await SetUpAnalysis(chains_[1]);
  if (!Ended()) {
    // Keep receiving the customer's events after it leaves Stasis (its
    // hang-up, the Dial that tells the agent).
    Query sub_query{{"eventSource", "channel:" + customer_.id}};
    auto sub =
        co_await Ari(Method::kPost, "/applications/" + PercentEncode(o.app) + "/subscription",
                     std::move(sub_query));
    if (!sub) {
      log_->warn(
          "{} cannot subscribe to the customer channel ({}); its end is then learned from "
          "the snoops",
          tag_, sub.error().Describe());
    }
    continued_ = true;  // its StasisEnd may arrive before the answer
    auto cont = co_await Ari(Method::kPost, customer_path + "/continue");
    if (!cont) {
      if (cont.error().NotFound()) {
        Status(customer_.id).gone = true;
      } else {
        log_->error("{} cannot continue the call in the dialplan: {}", tag_,
                    cont.error().Describe());
      }
    }
  }
  co_await Monitor();
  if (shutdown_ && !CustomerGone()) {
    const bool hang = *shutdown_ == ShutdownPolicy::kHangup;
    co_await Finish("shutdown", {.hang_up_customer = hang, .continue_customer = !continued_});
  } else {
    co_await Finish("hangup", {});
  }
}

// --- re-adoption after a restart ----------------------------------------

void Call::AnnounceAdopted() {
  main_bridge_id_ = adoption_->main_bridge_id;
  main_bridge_ready_ = true;
  stale_channels_ = adoption_->stale_channels;
  stale_bridges_ = adoption_->stale_bridges;
  if (adoption_->agent_channel) {
    agent_channel_ = adoption_->agent_channel->id;
    agent_id_ = ResourceOfChannelName(adoption_->agent_channel->name);
    agent_ = agent_id_;
    Status(agent_channel_).in_stasis = true;
  }
  NotifyStarted();
}

awaitable<void> Call::RunAdopted() {
  ctx_.metrics.calls_adopted->Increment();
  if (!agent_.empty()) ctx_.agents->ForceReserve(agent_, call_id_);
  log_->info("{} re-adopted call on {} (agent {})", tag_, customer_.id,
             agent_id_.empty() ? "gone" : agent_id_);
  for (const auto& id : std::exchange(stale_channels_, {})) co_await DeleteChannel(id);
  for (const auto& id : std::exchange(stale_bridges_, {})) co_await DeleteBridge(id);
  if (agent_channel_.empty()) {
    co_await Finish("hangup", {.hang_up_customer = true});
    co_return;
  }
  co_await RunConnected();
}

// Customer and agent share the main bridge (routed or re-adopted): analyse
// both until either side hangs up, then end the call.
awaitable<void> Call::RunConnected() {
  NotifyStarted();
  co_await SetUpAnalysis(chains_[0]);
  co_await SetUpAnalysis(chains_[1]);
  co_await Monitor();
  if (shutdown_ && !CustomerGone() && !AgentGone()) {
    const bool hang = *shutdown_ == ShutdownPolicy::kHangup;
    co_await Finish("shutdown",
                    {.hang_up_customer = hang, .hang_up_agent = hang, .keep_main_bridge = !hang});
  } else {
    // Either side hung up: the other one goes too (the old system's rule).
    co_await Finish("hangup", {.hang_up_customer = true, .hang_up_agent = true});
  }
}
// --- the call is up -----------------------------------------------------

awaitable<void> Call::Monitor() {
  for (;;) {
    co_await WaitFor(
        [this] {
          return Ended() || AgentGone() || ChainBroken(chains_[0]) || ChainBroken(chains_[1]) ||
                 !stale_channels_.empty() || !stale_bridges_.empty();
        },
        Clock::time_point::max());
    if (Ended() || AgentGone()) co_return;
    for (const auto& id : std::exchange(stale_channels_, {})) {
      if (co_await DeleteChannel(id)) ctx_.metrics.orphans_destroyed->Increment();
    }
    for (const auto& id : std::exchange(stale_bridges_, {})) {
      if (co_await DeleteBridge(id)) ctx_.metrics.orphans_destroyed->Increment();
    }
    for (Chain& c : chains_) {
      if (!ChainBroken(c) || Ended()) continue;
      log_->warn("{} spk={} an analysis helper went away", tag_, core::ToString(c.speaker));
      co_await RollbackChain(c);
      // A snoop dies with its target: is the customer still there?
      auto r = co_await Ari(Method::kGet, "/channels/" + PercentEncode(customer_.id));
      if (!r && r.error().NotFound()) Status(customer_.id).gone = true;
      if (Ended() || AgentGone()) co_return;
      if (c.rebuilds++ < kMaxRebuilds) {
        co_await SetUpAnalysis(c);
      } else if (!c.unavailable) {
        c.unavailable = true;
        ctx_.metrics.analysis_unavailable->Increment();
        ctx_.observer->OnAnalysisUnavailable(
            call_id_,
            fmt::format("{}: analysis helpers keep disappearing", core::ToString(c.speaker)));
      }
    }
  }
}

awaitable<void> Call::Finish(std::string reason, FinishPlan plan) {
  const std::string customer_path = "/channels/" + PercentEncode(customer_.id);
  // aicc's helpers first, in reverse order of creation.
  co_await RollbackChain(chains_[1]);
  co_await RollbackChain(chains_[0]);
  for (const auto& id : std::exchange(stale_channels_, {})) co_await DeleteChannel(id);
  for (const auto& id : std::exchange(stale_bridges_, {})) co_await DeleteBridge(id);
  if (moh_ && !CustomerGone() && !plan.hang_up_customer) {
    co_await Ari(Method::kDelete, customer_path + "/moh");
  }
  moh_ = false;
  if (plan.hang_up_agent && !agent_channel_.empty() && !AgentGone()) {
    co_await DeleteChannel(agent_channel_);
  }
  if (plan.continue_customer && !CustomerGone()) {
    if (auto r = co_await Ari(Method::kPost, customer_path + "/continue"); !r) {
      log_->warn("{} cannot continue the call in the dialplan: {}", tag_, r.error().Describe());
    }
  }
  if (plan.hang_up_customer && !CustomerGone()) co_await DeleteChannel(customer_.id);
  // Not skipped when a BridgeDestroyed was seen: the main bridge's id is
  // reused when its creation is retried, so that event may be about the
  // first try. A 404 counts as done.
  if (main_bridge_ready_ && !plan.keep_main_bridge) co_await DeleteBridge(main_bridge_id_);
  if (!agent_.empty()) ctx_.agents->Release(agent_, call_id_);
  log_->info("{} ended: {}", tag_, reason);
  NotifyEnded(reason);

  // Deletes that failed get a few more tries, spaced out; whatever is still
  // left is an orphan the next reconcile destroys.
  asio::steady_timer pause(strand_);
  for (int i = 0; i < 3 && (!failed_channel_deletes_.empty() || !failed_bridge_deletes_.empty());
       ++i) {
    pause.expires_after(std::chrono::milliseconds(500) * (1 << i));
    co_await pause.async_wait(kAsTuple);
    auto channels = std::exchange(failed_channel_deletes_, {});
    auto bridges = std::exchange(failed_bridge_deletes_, {});
    for (const auto& id : channels) co_await DeleteChannel(id);
    for (const auto& id : bridges) co_await DeleteBridge(id);
  }
  const std::size_t left = failed_channel_deletes_.size() + failed_bridge_deletes_.size();
  if (left > 0) {
    ctx_.metrics.helpers_left->Increment(left);
    log_->error("{} {} helper(s) could not be destroyed; the next reconcile will", tag_, left);
  }
}

}  // namespace aicc::ari::internal
