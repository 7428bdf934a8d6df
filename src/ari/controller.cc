#include "ari/controller.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cctype>
#include <unordered_map>
#include <unordered_set>

#include "ari/event_stream.h"
#include "ari/ids.h"
#include "ari/internal/call.h"
#include "core/ids.h"
#include "net/backoff.h"
#include "net/url.h"

namespace aicc::ari {
namespace asio = boost::asio;
using asio::awaitable;
using asio::use_awaitable;
using internal::Call;
using internal::Snapshot;

namespace {

bool IsResourceName(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' ||
          c == '+' || c == '@')) {
      return false;
    }
  }
  return true;
}

bool IsIpv6(const std::string& host) {
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  return !ec && address.is_v6();
}

}  // namespace

std::optional<std::string> ValidateOptions(const ControllerOptions& o) {
  auto url = net::ParseEndpoint(o.url);
  if (!url) {
    return fmt::format("ari.url = '{}': {} (an http:// URL such as http://127.0.0.1:8088/ari)",
                       net::RedactUrl(o.url), url.error().message);
  }
  if (url->scheme != "http") {
    return fmt::format(
        "ari.url = '{}': only http:// is supported (Asterisk's ARI is usually on loopback or a "
        "private network; put a TLS proxy in front otherwise)",
        url->Redacted());
  }
  if (url->target.find('?') != std::string::npos) {
    return fmt::format("ari.url = '{}': no query string allowed", url->Redacted());
  }
  if (o.app.empty() || o.app.find_first_of(" ,/?&#") != std::string::npos) {
    return fmt::format("ari.app = '{}': a Stasis application name (no spaces, commas or /)", o.app);
  }
  if (o.external_host.empty() || o.external_host.find_first_of(" /?#") != std::string::npos ||
      (o.external_host.find(':') != std::string::npos && !IsIpv6(o.external_host))) {
    return fmt::format(
        "ari.external_host = '{}': the host or address Asterisk sends RTP to, without a port",
        o.external_host);
  }
  if (o.customer_port == 0 || o.agent_port == 0) {
    return std::string(
        "media.customer_port / media.agent_port: ARI mode needs the bound ports (not 0)");
  }
  if (o.customer_port == o.agent_port) {
    return fmt::format("media.customer_port and media.agent_port are both {}: they must differ",
                       o.customer_port);
  }
  if (o.format != "ulaw" && o.format != "alaw" && o.format != "slin16") {
    return fmt::format("ari.format = '{}': one of ulaw, alaw, slin16", o.format);
  }
  if (o.routing == Routing::kAri && o.agents.empty() && o.priority.empty()) {
    return std::string("ari.agents is empty: routing = ari needs at least one agent");
  }
  for (const auto& a : o.agents) {
    const auto slash = a.find('/');
    const std::string_view resource =
        slash == std::string::npos ? std::string_view(a) : std::string_view(a).substr(slash + 1);
    if (!IsResourceName(resource) || (slash != std::string::npos && slash == 0)) {
      return fmt::format("ari.agents: '{}' is not an endpoint name (agent01 or PJSIP/agent01)", a);
    }
  }
  for (const auto& [key, agent] : o.priority) {
    if (key.empty() || !IsResourceName(AgentPool::AgentId(agent))) {
      return fmt::format("ari.agent_priority: '{}={}' must be host=agent", key, agent);
    }
  }
  if (o.agent_retry.count() <= 0 || o.agent_dial_timeout.count() <= 0 ||
      o.request_timeout.count() <= 0) {
    return std::string("ari: timeouts must be positive");
  }
  if (!o.call_started_url.empty()) {
    auto notice = net::ParseEndpoint(o.call_started_url);
    if (!notice || notice->scheme != "http") {
      return fmt::format("ari.call_started_url = '{}': an http:// URL (or empty for none)",
                         notice ? notice->Redacted() : o.call_started_url);
    }
  }
  if (o.max_calls == 0) return std::string("ari: max_calls must be at least 1");
  return std::nullopt;
}

boost::system::result<std::map<std::string, std::string>, std::string> ParseAgentPriority(
    const std::vector<std::string>& items) {
  std::map<std::string, std::string> out;
  for (const auto& item : items) {
    const auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 >= item.size()) {
      return fmt::format("ari.agent_priority: '{}' is not host=agent", item);
    }
    std::string key = item.substr(0, eq);
    std::string agent = item.substr(eq + 1);
    if (!out.emplace(key, agent).second) {
      return fmt::format("ari.agent_priority: '{}' is given twice", key);
    }
  }
  return out;
}

struct CallController::Impl : std::enable_shared_from_this<Impl> {
  Impl(asio::any_io_executor ex, ControllerOptions o, CallObserver& obs, core::MetricsRegistry* m)
      : io(ex),
        strand(asio::make_strand(ex)),
        agents(AgentPoolConfig{o.agents, o.priority}),
        stop_timer(strand),
        reconcile_timer(strand) {
    static core::MetricsRegistry unused;
    metrics = m ? m : &unused;
    ctx.options = std::move(o);
    ctx.incarnation = NewIncarnation();
    ctx.observer = &obs;
    ctx.agents = &agents;
    auto& mt = ctx.metrics;
    mt.calls_total = &metrics->GetCounter("aicc_ari_calls_total", "Calls that entered Stasis");
    mt.calls_active = &metrics->GetGauge("aicc_ari_calls_active", "Calls under ARI control");
    mt.calls_adopted = &metrics->GetCounter("aicc_ari_calls_adopted_total",
                                            "Calls re-adopted from Asterisk's state");
    mt.calls_rejected = &metrics->GetCounter(
        "aicc_ari_calls_rejected_total",
        "Calls handed back to the dialplan (ari max_calls reached, or shutting down)");
    mt.agent_unavailable = &metrics->GetCounter("aicc_ari_agent_unavailable_total",
                                                "Calls hung up after waiting for a free agent");
    const std::string attempts_help = "Agent legs rung, by outcome";
    mt.agent_answered = &metrics->GetCounter("aicc_ari_agent_attempts_total", attempts_help,
                                             {{"outcome", "answered"}});
    mt.agent_not_answered = &metrics->GetCounter("aicc_ari_agent_attempts_total", attempts_help,
                                                 {{"outcome", "not_answered"}});
    mt.analysis_unavailable = &metrics->GetCounter(
        "aicc_ari_analysis_unavailable_total",
        "Speakers of calls that go on without analysis (snoop/ExternalMedia failed twice)");
    mt.chain_failures = &metrics->GetCounter("aicc_ari_analysis_setup_failures_total",
                                             "Failed snoop/bridge/ExternalMedia set-ups");
    mt.helpers_left =
        &metrics->GetCounter("aicc_ari_helpers_left_total",
                             "aicc helpers whose DELETE kept failing (left to reconcile)");
    mt.events_total = &metrics->GetCounter("aicc_ari_events_total", "ARI events handled");
    mt.events_malformed = &metrics->GetCounter("aicc_ari_events_malformed_total",
                                               "ARI event frames that were not valid events");
    mt.orphans_destroyed = &metrics->GetCounter(
        "aicc_ari_orphans_destroyed_total", "aicc helpers and bridges destroyed after their call");
  }

  void OnConnected();
  void OnMessage(std::string text);
  void Dispatch(std::shared_ptr<const Event> event);
  std::string RouteOf(const Event& e) const;
  void NewCall(const Channel& customer, std::optional<internal::Adoption> adoption,
               std::string call_id);
  void OnCallFinished(const std::string& call_id);
  void HandBack(const Channel& channel, const char* why);
  void DestroyOrphan(const std::string& id, bool bridge);
  static awaitable<void> Reconcile(std::shared_ptr<Impl> self);
  void RetryReconcile(const std::string& why);
  void ApplySnapshot(const Snapshot& snapshot, std::uint64_t calls_before);
  void MaybeFinishStop();

  asio::any_io_executor io;
  asio::strand<asio::any_io_executor> strand;
  core::MetricsRegistry* metrics = nullptr;
  internal::CallContext ctx;
  AgentPool agents;
  std::unique_ptr<RestClient> rest;
  std::unique_ptr<internal::Notifier> notifier;
  std::unique_ptr<EventStream> events;

  // On strand.
  struct Entry {
    std::shared_ptr<Call> call;
    std::uint64_t seq = 0;  // creation order, to skip calls newer than a snapshot
  };
  std::unordered_map<std::string, Entry> calls;              // call id → call
  std::unordered_map<std::string, std::string> by_customer;  // customer channel → call id
  std::unordered_set<std::string> deleting;                  // orphans being destroyed
  std::uint64_t next_seq = 0;
  bool reconciling = false;
  bool reconcile_again = false;
  std::atomic<bool> started{false};
  bool stopping = false;
  bool events_stopped = false;
  std::function<void()> stop_done;
  asio::steady_timer stop_timer;
  // A failed reconcile is retried while the events stay connected: waiting
  // for the next reconnect could leave missed calls waiting in Stasis.
  asio::steady_timer reconcile_timer;
  net::Backoff reconcile_backoff{std::chrono::milliseconds(500), std::chrono::seconds(30)};
  std::atomic<std::size_t> active{0};
  core::RateLimitedLog malformed_log{std::chrono::seconds(5)};
};

void CallController::Impl::OnMessage(std::string text) {
  auto parsed = ParseEvent(text);
  if (!parsed) {
    ctx.metrics.events_malformed->Increment();
    if (malformed_log.ShouldLog()) {
      core::Logger("ari")->warn("ignoring an event frame: {} ({} more suppressed)",
                                parsed.error().message, malformed_log.Suppressed());
    }
    return;
  }
  ctx.metrics.events_total->Increment();
  Dispatch(std::make_shared<const Event>(std::move(*parsed)));
}

std::string CallController::Impl::RouteOf(const Event& e) const {
  auto by_id = [this](const std::string& id) -> std::string {
    if (auto cid = CallIdOfHelper(id)) return std::string(*cid);
    if (auto it = by_customer.find(id); it != by_customer.end()) return it->second;
    return {};
  };
  std::string id;
  if (e.type == EventType::kDial) {
    if (e.peer) id = by_id(e.peer->id);
    if (id.empty() && e.caller) id = by_id(e.caller->id);
  } else if (e.channel) {
    id = by_id(e.channel->id);
  }
  if (id.empty() && e.bridge && e.type == EventType::kBridgeDestroyed) {
    if (auto cid = CallIdOfHelper(e.bridge->id)) id = std::string(*cid);
  }
  return id;
}

void CallController::Impl::Dispatch(std::shared_ptr<const Event> e) {
  if (!e->application.empty() && e->application != ctx.options.app) return;
  const std::string call_id = RouteOf(*e);
  if (!call_id.empty()) {
    if (auto it = calls.find(call_id); it != calls.end()) {
      auto call = it->second.call;
      asio::post(call->strand(), [call, e] { call->OnEvent(*e); });
    } else if (e->type == EventType::kStasisStart && e->channel && CallIdOfHelper(e->channel->id)) {
      // A helper of a call that is over (its creation raced the end).
      DestroyOrphan(e->channel->id, false);
    }
    return;
  }
  if (e->type != EventType::kStasisStart || !e->channel) return;
  const Channel& ch = *e->channel;
  // Helpers that are not aicc's by id (other tools, the old system).
  if (IsHelperChannelName(ch.name)) return;
  if (!e->args.empty() && e->args.front().starts_with("aicc-")) return;
  if (stopping) {
    HandBack(ch, "shutting down");
    return;
  }
  if (calls.size() >= ctx.options.max_calls) {
    HandBack(ch, "too many calls");
    return;
  }
  NewCall(ch, std::nullopt, core::NewUuid());
}

void CallController::Impl::NewCall(const Channel& customer,
                                   std::optional<internal::Adoption> adoption,
                                   std::string call_id) {
  const bool adopted = adoption.has_value();
  auto call = std::make_shared<Call>(io, ctx, call_id, customer, std::move(adoption));
  calls[call_id] = Entry{call, next_seq++};
  by_customer[customer.id] = call_id;
  active = calls.size();
  ctx.metrics.calls_total->Increment();
  ctx.metrics.calls_active->Set(static_cast<double>(calls.size()));
  if (adopted) call->AnnounceAdopted();
  call->Start();
}

void CallController::Impl::OnCallFinished(const std::string& call_id) {
  const auto it = calls.find(call_id);
  if (it == calls.end()) return;
  by_customer.erase(it->second.call->customer_channel());
  calls.erase(it);
  active = calls.size();
  ctx.metrics.calls_active->Set(static_cast<double>(calls.size()));
  MaybeFinishStop();
}

void CallController::Impl::HandBack(const Channel& channel, const char* why) {
  ctx.metrics.calls_rejected->Increment();
  core::Logger("ari")->warn("channel {} handed back to the dialplan: {}", channel.id, why);
  asio::co_spawn(
      strand,
      [self = shared_from_this(), id = channel.id]() -> awaitable<void> {
        co_await self->rest->Request(Method::kPost, "/channels/" + PercentEncode(id) + "/continue");
      },
      asio::detached);
}

void CallController::Impl::DestroyOrphan(const std::string& id, bool bridge) {
  if (!deleting.insert(id).second) return;
  asio::co_spawn(
      strand,
      [self = shared_from_this(), id, bridge]() -> awaitable<void> {
        const std::string path = (bridge ? "/bridges/" : "/channels/") + PercentEncode(id);
        auto r = co_await self->rest->Request(Method::kDelete, path);
        if (r || r.error().NotFound()) {
          self->ctx.metrics.orphans_destroyed->Increment();
          core::Logger("ari")->info("destroyed orphan {} {}", bridge ? "bridge" : "channel", id);
        } else {
          core::Logger("ari")->warn("cannot destroy orphan {}: {}", id, r.error().Describe());
        }
        self->deleting.erase(id);
      },
      asio::detached);
}

void CallController::Impl::OnConnected() {
  if (stopping) return;
  reconcile_timer.cancel();
  if (reconciling) {
    reconcile_again = true;
    return;
  }
  reconciling = true;
  asio::co_spawn(strand, Reconcile(shared_from_this()), asio::detached);
}

awaitable<void> CallController::Impl::Reconcile(std::shared_ptr<Impl> self) {
  auto log = core::Logger("ari");
  do {
    self->reconcile_again = false;
    // Calls created from here on are newer than the snapshot.
    const std::uint64_t calls_before = self->next_seq;
    auto channels = co_await self->rest->Request(Method::kGet, "/channels");
    auto bridges = co_await self->rest->Request(Method::kGet, "/bridges");
    if (self->stopping) break;
    if (!channels || !bridges) {
      self->RetryReconcile("cannot list Asterisk's state (" +
                           (!channels ? channels.error() : bridges.error()).Describe() + ")");
      break;
    }
    auto channel_list = ParseChannelList(channels->body);
    auto bridge_list = ParseBridgeList(bridges->body);
    if (!channel_list || !bridge_list) {
      self->RetryReconcile(!channel_list ? channel_list.error().message
                                         : bridge_list.error().message);
      break;
    }
    self->reconcile_backoff.Reset();
    Snapshot snapshot;
    for (auto& c : *channel_list) snapshot.channels.emplace(c.id, std::move(c));
    for (auto& b : *bridge_list) snapshot.bridges.emplace(b.id, std::move(b));
    self->ApplySnapshot(snapshot, calls_before);
    if (!self->reconcile_again) self->ctx.observer->OnReconciled();
  } while (self->reconcile_again && !self->stopping);
  self->reconciling = false;
}

void CallController::Impl::RetryReconcile(const std::string& why) {
  if (stopping) return;
  const auto delay = std::max(reconcile_backoff.Next(), std::chrono::milliseconds(100));
  core::Logger("ari")->warn("reconcile: {}; retrying in {} ms", why, delay.count());
  reconcile_timer.expires_after(delay);
  reconcile_timer.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (ec || self->stopping || !self->events || !self->events->Connected()) return;
    self->OnConnected();
  });
}

void CallController::Impl::ApplySnapshot(const Snapshot& s, std::uint64_t calls_before) {
  auto log = core::Logger("ari");
  const std::string& app = ctx.options.app;
  // 1. Calls aicc knows: each checks what is still there.
  auto shared = std::make_shared<const Snapshot>(s);
  std::size_t known = 0;
  for (auto& [id, entry] : calls) {
    if (entry.seq >= calls_before) continue;
    ++known;
    auto call = entry.call;
    asio::post(call->strand(), [call, shared] { call->OnSnapshot(*shared); });
  }
  // 2. Calls aicc does not know but that are up in Asterisk: a main bridge
  // of aicc's with the customer in it (aicc restarted). Re-adopt them.
  std::size_t adopted = 0, orphans = 0, found = 0;
  std::unordered_set<std::string> adopted_calls;
  for (const auto& [bridge_id, bridge] : s.bridges) {
    const auto cid = CallIdOfHelper(bridge_id);
    if (!cid || RoleOfHelper(bridge_id) != kMainBridgeRole) continue;
    const std::string call_id(*cid);
    if (calls.contains(call_id)) continue;
    const Channel* customer = nullptr;
    const Channel* agent = nullptr;
    for (const auto& ch_id : bridge.channels) {
      const auto it = s.channels.find(ch_id);
      if (it == s.channels.end()) continue;
      if (CallIdOfHelper(ch_id) == call_id) {
        if (RoleOfHelper(ch_id)->starts_with("agent-")) agent = &it->second;
      } else if (!CallIdOfHelper(ch_id) && !by_customer.contains(ch_id)) {
        customer = &it->second;
      }
    }
    if (!customer || stopping || calls.size() >= ctx.options.max_calls) continue;
    internal::Adoption adoption;
    adoption.main_bridge_id = bridge_id;
    if (agent) adoption.agent_channel = *agent;
    for (const auto& [id, ch] : s.channels) {
      if (CallIdOfHelper(id) == call_id && (!agent || id != agent->id)) {
        adoption.stale_channels.push_back(id);
      }
    }
    for (const auto& [id, br] : s.bridges) {
      if (CallIdOfHelper(id) == call_id && id != bridge_id) adoption.stale_bridges.push_back(id);
    }
    adopted_calls.insert(call_id);
    NewCall(*customer, std::move(adoption), call_id);
    ++adopted;
  }
  // 3. aicc's helpers and bridges whose call is gone: orphans.
  for (const auto& [id, ch] : s.channels) {
    const auto cid = CallIdOfHelper(id);
    if (cid && !calls.contains(std::string(*cid))) {
      DestroyOrphan(id, false);
      ++orphans;
    }
  }
  for (const auto& [id, br] : s.bridges) {
    const auto cid = CallIdOfHelper(id);
    if (cid && !calls.contains(std::string(*cid))) {
      DestroyOrphan(id, true);
      ++orphans;
    }
  }
  // 4. Channels waiting in aicc's application whose StasisStart was missed.
  if (!stopping) {
    std::unordered_set<std::string> bridged;
    for (const auto& [id, br] : s.bridges) bridged.insert(br.channels.begin(), br.channels.end());
    for (const auto& [id, ch] : s.channels) {
      if (ch.StasisApp() != app || CallIdOfHelper(id) || by_customer.contains(id) ||
          bridged.contains(id) || IsHelperChannelName(ch.name)) {
        continue;
      }
      if (calls.size() >= ctx.options.max_calls) break;
      NewCall(ch, std::nullopt, core::NewUuid());
      ++found;
    }
  }
  log->info(
      "reconciled with Asterisk: {} channels, {} bridges; {} calls checked, {} re-adopted, "
      "{} waiting calls taken, {} orphans destroyed",
      s.channels.size(), s.bridges.size(), known, adopted, found, orphans);
}

void CallController::Impl::MaybeFinishStop() {
  if (!stopping || !calls.empty() || !events_stopped || !stop_done) return;
  stop_timer.cancel();
  if (notifier) notifier->Close();
  if (rest) rest->Close();
  auto done = std::move(stop_done);
  stop_done = nullptr;
  done();
}

CallController::CallController(asio::any_io_executor executor, ControllerOptions options,
                               CallObserver& observer, core::MetricsRegistry* metrics)
    : impl_(std::make_shared<Impl>(std::move(executor), std::move(options), observer, metrics)) {}

CallController::~CallController() {
  // Stop() should have run; make sure nothing calls back into the owner.
  if (impl_->events) impl_->events->Stop();
  if (impl_->rest) impl_->rest->Close();
}

boost::system::result<void, std::string> CallController::Start() {
  Impl& d = *impl_;
  if (d.started) return std::string("ari: already started");
  const ControllerOptions& o = d.ctx.options;
  if (auto bad = ValidateOptions(o)) return *bad;
  auto endpoint = net::ParseEndpoint(o.url);
  RestClientOptions ro;
  ro.endpoint = *endpoint;
  ro.endpoint.user.clear();
  ro.endpoint.password.clear();
  // Credentials in the URL work too; ari.username/password win.
  ro.username = !o.username.empty() ? o.username : endpoint->user;
  ro.password = !o.username.empty() ? o.password : endpoint->password;
  ro.timeout = o.request_timeout;
  ro.max_connections = o.max_http_connections;
  d.rest = std::make_unique<RestClient>(d.io, ro, d.metrics);
  d.ctx.rest = d.rest.get();
  d.notifier =
      std::make_unique<internal::Notifier>(d.io, o.call_started_url, o.request_timeout, d.metrics);
  d.ctx.notifier = d.notifier.get();
  d.ctx.owner = impl_;
  std::weak_ptr<Impl> weak = impl_;
  d.ctx.on_finished = [weak](const std::string& call_id) {
    if (auto self = weak.lock()) {
      asio::post(self->strand, [self, call_id] { self->OnCallFinished(call_id); });
    }
  };

  EventStreamOptions eo;
  auto ws = net::ParseEndpoint(EventsUrl(ro.endpoint, o.app));
  if (!ws) return "ari.url: cannot derive the events URL: " + ws.error().message;
  eo.endpoint = *ws;
  eo.username = ro.username;
  eo.password = ro.password;
  eo.connect_timeout = o.request_timeout;
  eo.reconnect_min = o.reconnect_min;
  eo.reconnect_max = o.reconnect_max;
  EventStreamHandlers h;
  h.on_connected = [weak] {
    if (auto self = weak.lock()) self->OnConnected();
  };
  h.on_disconnected = [weak](std::string_view why) {
    if (auto self = weak.lock(); !self || self->stopping) return;  // Stop() closed it
    core::Logger("ari")->warn(
        "events connection lost ({}); calls go on in Asterisk, reconciling on reconnect", why);
  };
  h.on_message = [weak](std::string text) {
    if (auto self = weak.lock()) self->OnMessage(std::move(text));
  };
  h.on_stopped = [weak] {
    if (auto self = weak.lock()) {
      self->events_stopped = true;
      self->MaybeFinishStop();
    }
  };
  d.events = std::make_unique<EventStream>(d.strand, std::move(eo), std::move(h), d.metrics);
  d.started = true;
  core::Logger("ari")->info("ARI {} app={} routing={} user={} agents={}", ro.endpoint.Redacted(),
                            o.app, o.routing == Routing::kAri ? "ari" : "dialplan",
                            ro.username.empty() ? "(none)" : ro.username, o.agents.size());
  d.events->Start();
  return {};
}

void CallController::Stop(std::function<void()> done) {
  asio::post(impl_->strand, [self = impl_, done = std::move(done)]() mutable {
    if (!self->started) {
      if (done) done();
      return;
    }
    if (self->stopping) return;
    self->stopping = true;
    self->reconcile_timer.cancel();
    self->stop_done = done ? std::move(done) : [] {};
    // First stop taking calls: with the app's WebSocket gone, Stasis() in
    // the dialplan fails over to the next priority.
    self->events->Stop();
    const auto policy = self->ctx.options.on_shutdown;
    for (auto& [id, entry] : self->calls) {
      auto call = entry.call;
      asio::post(call->strand(), [call, policy] { call->OnShutdown(policy); });
    }
    // Bounded: calls finish within a few request timeouts.
    self->stop_timer.expires_after(self->ctx.options.request_timeout * 4 + std::chrono::seconds(2));
    self->stop_timer.async_wait([self](boost::system::error_code ec) {
      if (ec || !self->stop_done) return;
      core::Logger("ari")->warn("stop: {} call(s) did not finish in time", self->calls.size());
      self->calls.clear();
      self->events_stopped = true;
      self->MaybeFinishStop();
    });
    self->MaybeFinishStop();
  });
}

bool CallController::Connected() const { return impl_->events && impl_->events->Connected(); }

std::size_t CallController::ActiveCalls() const { return impl_->active.load(); }

void CallController::ReloadAgents(std::vector<std::string> agents,
                                  std::map<std::string, std::string> priority) {
  core::Logger("ari")->info("agent pool reloaded: {} agents, {} priority entries", agents.size(),
                            priority.size());
  impl_->agents.Reload(AgentPoolConfig{std::move(agents), std::move(priority)});
}

}  // namespace aicc::ari
