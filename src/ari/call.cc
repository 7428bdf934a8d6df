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
// Beyond the ring timeout Asterisk enforces itself, before aicc gives up on
// an originated agent leg that never reported back.
constexpr std::chrono::seconds kDialGrace{5};
// A helper that vanished during the call (someone hung it up) is rebuilt
// at most this many times per speaker.
constexpr int kMaxRebuilds = 2;

std::string HostPort(const std::string& host, std::uint16_t port) {
  if (host.find(':') != std::string::npos && !host.starts_with('[')) {
    return fmt::format("[{}]:{}", host, port);
  }
  return fmt::format("{}:{}", host, port);
}

// "sip:customer@10.0.0.5:5060;transport=udp" (inside <> or not) → "10.0.0.5".
std::string HostOfSipUri(std::string_view v) {
  if (const auto lt = v.find('<'); lt != std::string_view::npos) {
    v = v.substr(lt + 1);
    v = v.substr(0, v.find('>'));
  }
  const auto at = v.find('@');
  if (at == std::string_view::npos) {
    const auto colon = v.find(':');  // sip:host
    if (colon == std::string_view::npos) return {};
    v = v.substr(colon + 1);
  } else {
    v = v.substr(at + 1);
  }
  if (v.starts_with('[')) return std::string(v.substr(1, v.find(']') - 1));
  return std::string(v.substr(0, v.find_first_of(":;>")));
}

// "10.0.0.5:5060" / "[::1]:5060" → the host.
std::string HostOfAddress(std::string_view v) {
  if (v.starts_with('[')) return std::string(v.substr(1, v.find(']') - 1));
  if (std::count(v.begin(), v.end(), ':') == 1) return std::string(v.substr(0, v.find(':')));
  return std::string(v);
}

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

// --- routing = ari ------------------------------------------------------

awaitable<void> Call::RunRouted() {
  const ControllerOptions& o = ctx_.options;
  const std::string customer_path = "/channels/" + PercentEncode(customer_.id);
  Announce("");
  auto answer = co_await Ari(Method::kPost, customer_path + "/answer");
  answered_at_ = std::chrono::system_clock::now();
  if (auto& r = answer; !r) {
    if (r.error().NotFound()) {
      Status(customer_.id).gone = true;
    } else {
      log_->warn("{} answer failed: {}", tag_, r.error().Describe());
    }
  }

  const std::vector<std::string> keys = co_await CallerKeys();
  const auto wait_deadline = Clock::now() + o.agent_wait;
  std::set<std::string> tried;
  int attempt = 0;
  while (!Ended() && agent_.empty()) {
    std::optional<std::string> candidate = co_await ReserveAgent(keys, tried);
    if (candidate && !main_bridge_ready_ && !co_await CreateMainBridge()) {
      ctx_.agents->Release(*candidate, call_id_);
      candidate.reset();
    }
    if (!candidate) {
      // Nobody free (or everyone tried): wait and try the pool again.
      tried.clear();
      if (Clock::now() >= wait_deadline || Ended()) break;
      if (!moh_) {
        Query q;
        if (!o.moh_class.empty()) q.emplace_back("mohClass", o.moh_class);
        auto r = co_await Ari(Method::kPost, customer_path + "/moh", std::move(q));
        moh_ = static_cast<bool>(r);
        if (moh_) {
          log_->info("{} no free agent: music on hold (up to {} s)", tag_,
                     std::chrono::duration_cast<std::chrono::seconds>(o.agent_wait).count());
        } else if (r.error().NotFound()) {
          Status(customer_.id).gone = true;
        } else {
          log_->warn("{} music on hold failed: {}", tag_, r.error().Describe());
        }
      }
      co_await WaitFor([this] { return Ended(); },
                       std::min(Clock::now() + o.agent_retry, wait_deadline));
      continue;
    }
    const DialOutcome outcome = co_await DialAgent(*candidate, ++attempt);
    if (outcome.answered) {
      if (moh_) {
        co_await Ari(Method::kDelete, customer_path + "/moh");
        moh_ = false;
      }
      Query add_query{{"channel", outcome.channel_id}};
      auto add =
          co_await Ari(Method::kPost, "/bridges/" + PercentEncode(main_bridge_id_) + "/addChannel",
                       std::move(add_query));
      if (add) {
        agent_ = *candidate;
        agent_channel_ = outcome.channel_id;
        agent_id_ = AgentPool::AgentId(agent_);
        break;
      }
      log_->warn("{} cannot bridge agent {}: {}", tag_, *candidate, add.error().Describe());
      co_await DeleteChannel(outcome.channel_id);
    }
    ctx_.agents->Release(*candidate, call_id_);
    tried.insert(*candidate);
  }

  if (agent_.empty()) {
    if (CustomerGone()) {
      log_->info("{} caller hung up before an agent answered", tag_);
      co_await Finish("hangup", {});
    } else if (shutdown_) {
      const bool hang = *shutdown_ == ShutdownPolicy::kHangup;
      co_await Finish("shutdown", {.hang_up_customer = hang, .continue_customer = !hang});
    } else {
      ctx_.metrics.agent_unavailable->Increment();
      log_->warn("{} no agent answered within {} s: hanging up", tag_,
                 std::chrono::duration_cast<std::chrono::seconds>(o.agent_wait).count());
      co_await Finish("agent_unavailable", {.hang_up_customer = true});
    }
    co_return;
  }

  log_->info("{} connected to agent {}", tag_, agent_id_);
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

awaitable<std::vector<std::string>> Call::CallerKeys() {
  std::vector<std::string> keys;
  if (ctx_.options.priority.empty()) co_return keys;
  // The caller's SIP host: the From URI's host, then the address the call
  // came from; the caller number also works as a key.
  const std::string path = "/channels/" + PercentEncode(customer_.id) + "/variable";
  static constexpr std::array<const char*, 2> kVariables{"PJSIP_HEADER(read,From)",
                                                         "CHANNEL(pjsip,remote_addr)"};
  for (const char* variable : kVariables) {
    Query q{{"variable", variable}};
    auto r = co_await Ari(Method::kGet, path, std::move(q), 1);
    if (!r) continue;
    auto v = ParseVariableValue(r->body);
    if (!v || v->empty()) continue;
    std::string host = variable[0] == 'P' ? HostOfSipUri(*v) : HostOfAddress(*v);
    if (!host.empty()) keys.push_back(std::move(host));
  }
  if (!customer_.caller.number.empty()) keys.push_back(customer_.caller.number);
  co_return keys;
}

awaitable<std::optional<std::string>> Call::ReserveAgent(const std::vector<std::string>& keys,
                                                         const std::set<std::string>& tried) {
  for (const std::string& agent : ctx_.agents->Candidates(keys, tried)) {
    if (Ended()) break;
    const std::string endpoint = AgentPool::DialEndpoint(agent);
    const auto slash = endpoint.find('/');
    auto r = co_await Ari(Method::kGet, "/endpoints/" + PercentEncode(endpoint.substr(0, slash)) +
                                            "/" + PercentEncode(endpoint.substr(slash + 1)));
    if (!r) {
      log_->debug("{} agent {}: {}", tag_, agent, r.error().Describe());
      continue;
    }
    auto state = ParseEndpointState(r->body);
    if (!state || state->state != "online") continue;
    if (ctx_.agents->TryReserve(agent, call_id_)) co_return agent;
  }
  co_return std::nullopt;
}

awaitable<bool> Call::CreateMainBridge() {
  const std::string bridge_path = "/bridges/" + PercentEncode(main_bridge_id_);
  for (int i = 0; i < 2 && !Ended(); ++i) {
    // Our own id: a create whose answer was lost is undone by id before
    // the next try.
    Query create{{"type", "mixing"}, {"bridgeId", main_bridge_id_}, {"name", main_bridge_id_}};
    auto r = co_await Ari(Method::kPost, "/bridges", std::move(create), 1);
    main_bridge_ready_ = true;  // from here Finish destroys it
    if (r && !Ended()) {
      Query add_query{{"channel", customer_.id}};
      auto add = co_await Ari(Method::kPost, bridge_path + "/addChannel", std::move(add_query));
      if (add) co_return true;
      if (add.error().status == 422 || add.error().NotFound()) {
        // 422: the customer is no longer in aicc's application.
        log_->info("{} customer left before bridging: {}", tag_, add.error().Describe());
      } else {
        log_->warn("{} cannot bridge the customer: {}", tag_, add.error().Describe());
      }
    } else if (!r) {
      log_->warn("{} cannot create the call bridge: {}", tag_, r.error().Describe());
    }
    co_await DeleteBridge(main_bridge_id_);
    main_bridge_ready_ = false;
    gone_bridges_.erase(main_bridge_id_);
  }
  co_return false;
}

awaitable<Call::DialOutcome> Call::DialAgent(const std::string& agent, int attempt) {
  const ControllerOptions& o = ctx_.options;
  DialOutcome out;
  out.channel_id = HelperId(call_id_, AgentRole(attempt));
  const std::string id = out.channel_id;
  Status(id);
  dialing_channel_ = id;
  const auto ring_seconds =
      std::max<long long>(1, std::chrono::ceil<std::chrono::seconds>(o.agent_dial_timeout).count());
  Query q{{"endpoint", AgentPool::DialEndpoint(agent)},
          {"app", o.app},
          {"appArgs", "aicc-agent," + call_id_},
          {"timeout", std::to_string(ring_seconds)},
          {"channelId", id}};
  if (!customer_.caller.number.empty()) q.emplace_back("callerId", customer_.caller.number);
  log_->info("{} ringing agent {}", tag_, agent);
  // Not retried: a retry could ring the agent twice. The next agent is tried.
  auto r = co_await Ari(Method::kPost, "/channels", std::move(q), 1);
  if (!r) {
    log_->warn("{} cannot ring agent {}: {}", tag_, agent, r.error().Describe());
    ctx_.metrics.agent_not_answered->Increment();
    co_await DeleteChannel(id);  // it exists if only the answer was lost
    dialing_channel_.clear();
    co_return out;
  }
  const auto deadline = Clock::now() + o.agent_dial_timeout + kDialGrace;
  co_await WaitFor(
      [this, &id] {
        const ChannelStatus& s = Status(id);
        return s.in_stasis || s.gone || Ended();
      },
      deadline);
  const ChannelStatus& s = Status(id);
  if (s.in_stasis && !s.gone && !Ended()) {
    out.answered = true;
    ctx_.metrics.agent_answered->Increment();
  } else {
    ctx_.metrics.agent_not_answered->Increment();
    log_->info("{} agent {} did not answer ({})", tag_, agent,
               !s.dialstatus.empty() ? s.dialstatus
               : Ended()             ? std::string("call ended")
                                     : std::string("no answer"));
    if (!s.gone) co_await DeleteChannel(id);
  }
  dialing_channel_.clear();
  co_return out;
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

awaitable<void> Call::RunAdopted() {
  ctx_.metrics.calls_adopted->Increment();
  main_bridge_id_ = adoption_->main_bridge_id;
  main_bridge_ready_ = true;
  stale_channels_ = adoption_->stale_channels;
  stale_bridges_ = adoption_->stale_bridges;
  if (adoption_->agent_channel) {
    agent_channel_ = adoption_->agent_channel->id;
    agent_id_ = ResourceOfChannelName(adoption_->agent_channel->name);
    agent_ = agent_id_;
    Status(agent_channel_).in_stasis = true;
    if (!agent_.empty()) ctx_.agents->ForceReserve(agent_, call_id_);
  }
  log_->info("{} re-adopted call on {} (agent {})", tag_, customer_.id,
             agent_id_.empty() ? "gone" : agent_id_);
  for (const auto& id : std::exchange(stale_channels_, {})) co_await DeleteChannel(id);
  for (const auto& id : std::exchange(stale_bridges_, {})) co_await DeleteBridge(id);
  if (agent_channel_.empty()) {
    co_await Finish("hangup", {.hang_up_customer = true});
    co_return;
  }
  NotifyStarted();
  co_await SetUpAnalysis(chains_[0]);
  co_await SetUpAnalysis(chains_[1]);
  co_await Monitor();
  if (shutdown_ && !CustomerGone() && !AgentGone()) {
    const bool hang = *shutdown_ == ShutdownPolicy::kHangup;
    co_await Finish("shutdown",
                    {.hang_up_customer = hang, .hang_up_agent = hang, .keep_main_bridge = !hang});
  } else {
    co_await Finish("hangup", {.hang_up_customer = true, .hang_up_agent = true});
  }
}

// --- analysis: snoop → bridge ← ExternalMedia ---------------------------

awaitable<void> Call::SetUpAnalysis(Chain& c) {
  std::string why;
  for (int i = 0; i < 2 && !Ended(); ++i) {
    auto failed = co_await BuildChain(c);
    if (!failed) co_return;
    why = *failed;
    ctx_.metrics.chain_failures->Increment();
    log_->warn("{} spk={} analysis set-up failed (try {}): {}", tag_, core::ToString(c.speaker),
               i + 1, why);
    co_await RollbackChain(c);
  }
  if (Ended()) co_return;
  c.unavailable = true;
  ctx_.metrics.analysis_unavailable->Increment();
  log_->error("{} spk={} continuing without analysis: {}", tag_, core::ToString(c.speaker), why);
  ctx_.observer->OnAnalysisUnavailable(call_id_,
                                       fmt::format("{}: {}", core::ToString(c.speaker), why));
}

awaitable<std::optional<std::string>> Call::BuildChain(Chain& c) {
  const ControllerOptions& o = ctx_.options;
  ++c.attempt;
  c.snoop_id = HelperId(call_id_, SnoopRole(c.spy, c.attempt));
  c.bridge_id = HelperId(call_id_, BridgeRole(c.spy, c.attempt));
  c.media_id = HelperId(call_id_, MediaRole(c.spy, c.attempt));
  Status(c.snoop_id);
  Status(c.media_id);

  c.snoop_tried = true;
  Query snoop_query{{"app", o.app},
                    {"spy", c.spy},
                    {"whisper", "none"},
                    {"snoopId", c.snoop_id},
                    {"appArgs", "aicc-snoop"}};
  auto snoop = co_await Ari(Method::kPost, "/channels/" + PercentEncode(customer_.id) + "/snoop",
                            std::move(snoop_query), 1);
  if (!snoop) {
    if (snoop.error().NotFound()) Status(customer_.id).gone = true;
    co_return "snoop: " + snoop.error().Describe();
  }
  if (Ended()) co_return std::string("call ended");

  c.bridge_tried = true;
  Query bridge_query{{"type", "mixing"}, {"bridgeId", c.bridge_id}, {"name", c.bridge_id}};
  auto bridge = co_await Ari(Method::kPost, "/bridges", std::move(bridge_query), 1);
  if (!bridge) co_return "bridge: " + bridge.error().Describe();
  if (Ended()) co_return std::string("call ended");

  c.media_tried = true;
  const std::uint16_t port = c.speaker == core::Speaker::kCustomer ? o.customer_port : o.agent_port;
  Query media_query{{"app", o.app},        {"external_host", HostPort(o.external_host, port)},
                    {"format", o.format},  {"encapsulation", "rtp"},
                    {"transport", "udp"},  {"connection_type", "client"},
                    {"direction", "both"}, {"channelId", c.media_id}};
  auto media = co_await Ari(Method::kPost, "/channels/externalMedia", std::move(media_query), 1);
  if (!media) co_return "externalMedia: " + media.error().Describe();

  // Where Asterisk sends this stream's RTP from: in the answer, else asked.
  std::string address, port_text;
  if (auto ch = ParseChannel(media->body)) {
    address = ch->Var("UNICASTRTP_LOCAL_ADDRESS").value_or("");
    port_text = ch->Var("UNICASTRTP_LOCAL_PORT").value_or("");
  }
  const std::array<std::pair<const char*, std::string*>, 2> variables{
      std::pair{"UNICASTRTP_LOCAL_ADDRESS", &address},
      std::pair{"UNICASTRTP_LOCAL_PORT", &port_text}};
  for (const auto& [name, value] : variables) {
    if (!value->empty()) continue;
    Query q{{"variable", name}};
    auto r = co_await Ari(Method::kGet, "/channels/" + PercentEncode(c.media_id) + "/variable",
                          std::move(q));
    if (!r) co_return fmt::format("{}: {}", name, r.error().Describe());
    auto v = ParseVariableValue(r->body);
    if (!v) co_return fmt::format("{}: {}", name, v.error().message);
    *value = *v;
  }
  boost::system::error_code ec;
  auto ip = asio::ip::make_address(address, ec);
  if (ec) co_return fmt::format("UNICASTRTP_LOCAL_ADDRESS '{}' is not an address", address);
  if (ip.is_unspecified()) {
    // Asterisk bound to any address: its packets come from the address
    // aicc reaches it on.
    auto peer = asio::ip::make_address(ctx_.rest->PeerAddress(), ec);
    if (!ec) ip = peer;
  }
  unsigned source_port = 0;
  const auto [ptr, perr] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), source_port);
  if (perr != std::errc() || ptr != port_text.data() + port_text.size() || source_port == 0 ||
      source_port > 65535) {
    co_return fmt::format("UNICASTRTP_LOCAL_PORT '{}' is not a port", port_text);
  }
  if (Ended()) co_return std::string("call ended");
  const asio::ip::udp::endpoint source(ip, static_cast<std::uint16_t>(source_port));
  // Before the channel joins its bridge, i.e. before media flows.
  ctx_.observer->OnMediaSource(call_id_, c.speaker, source);

  Query add_query{{"channel", c.snoop_id + "," + c.media_id}};
  auto add = co_await Ari(Method::kPost, "/bridges/" + PercentEncode(c.bridge_id) + "/addChannel",
                          std::move(add_query));
  if (!add) co_return "addChannel: " + add.error().Describe();
  c.live = true;
  log_->info("{} spk={} analysis up: RTP from {}:{} to {}", tag_, core::ToString(c.speaker),
             source.address().to_string(), source.port(), HostPort(o.external_host, port));
  co_return std::nullopt;
}

awaitable<void> Call::RollbackChain(Chain& c) {
  c.live = false;
  // Reverse order of creation; each step is idempotent (404 = done).
  if (c.media_tried && !Status(c.media_id).gone) co_await DeleteChannel(c.media_id);
  if (c.bridge_tried && !gone_bridges_.contains(c.bridge_id)) co_await DeleteBridge(c.bridge_id);
  if (c.snoop_tried && !Status(c.snoop_id).gone) co_await DeleteChannel(c.snoop_id);
  c.media_tried = c.bridge_tried = c.snoop_tried = false;
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
