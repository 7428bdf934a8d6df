// routing = ari: answer, pick a free agent, ring it, bridge it (Call's
// routing half; the flow itself is in call.cc).
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <charconv>

#include "ari/ids.h"
#include "ari/internal/call.h"

namespace aicc::ari::internal {
namespace asio = boost::asio;
using asio::awaitable;
using asio::use_awaitable;

namespace {

constexpr auto kAsTuple = asio::as_tuple(use_awaitable);
// Beyond the ring timeout Asterisk enforces itself, before aicc gives up on
// an originated agent leg that never reported back.
constexpr std::chrono::seconds kDialGrace{5};

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
  co_await RunConnected();
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
  // Agents Asterisk reports "offline" are the last resort, tried only when
  // no online agent is free. After an Asterisk restart that kept its astdb,
  // registered phones come back as NonQualified contacts and their endpoint
  // reads "offline" until the next qualify (up to qualify_frequency), yet
  // they ring normally; an agent that really has no contact fails at the
  // originate at once and the next one is tried.
  std::vector<std::string> offline;
  for (const std::string& agent : ctx_.agents->Candidates(keys, tried)) {
    if (Ended()) co_return std::nullopt;
    const std::string endpoint = AgentPool::DialEndpoint(agent);
    const auto slash = endpoint.find('/');
    auto r = co_await Ari(Method::kGet, "/endpoints/" + PercentEncode(endpoint.substr(0, slash)) +
                                            "/" + PercentEncode(endpoint.substr(slash + 1)));
    if (!r) {
      log_->debug("{} agent {}: {}", tag_, agent, r.error().Describe());
      continue;
    }
    auto state = ParseEndpointState(r->body);
    if (!state) continue;
    if (state->state == "offline") {
      offline.push_back(agent);
      continue;
    }
    if (state->state != "online") continue;
    if (ctx_.agents->TryReserve(agent, call_id_)) co_return agent;
  }
  for (const std::string& agent : offline) {
    if (Ended()) break;
    if (ctx_.agents->TryReserve(agent, call_id_)) {
      log_->info("{} no online agent free: trying {}, which Asterisk reports offline", tag_, agent);
      co_return agent;
    }
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
  out.channel_id = HelperId(call_id_, AgentRole(ctx_.incarnation, attempt));
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
  if (!customer_.caller.number.empty()) {
    // Name and number both: Asterisk reads a bare callerId that is not all
    // digits as a display name (the agent would see the number "asterisk").
    std::string number = customer_.caller.number;
    std::erase_if(number, [](char ch) { return ch == '"' || ch == '<' || ch == '>'; });
    q.emplace_back("callerId", fmt::format("\"{}\" <{}>", number, number));
  }
  log_->info("{} ringing agent {}", tag_, agent);
  // Not retried: a retry could ring the agent twice. The next agent is tried.
  auto r = co_await Ari(Method::kPost, "/channels", std::move(q), 1);
  if (!r) {
    // Asterisk answers 500 "Allocation failed" when the endpoint has no
    // registered contact (a phone that is off), which an operator should
    // read as that, not as an Asterisk fault.
    log_->warn("{} cannot ring agent {}: {}{}", tag_, agent, r.error().Describe(),
               r.error().status == 500 ? " (is the agent's phone registered?)" : "");
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

}  // namespace aicc::ari::internal
