// The analysis chains: snoop → mixing bridge ← ExternalMedia, one per
// speaker (Call's analysis half; the flow itself is in call.cc).
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

std::string HostPort(const std::string& host, std::uint16_t port) {
  if (host.find(':') != std::string::npos && !host.starts_with('[')) {
    return fmt::format("[{}]:{}", host, port);
  }
  return fmt::format("{}:{}", host, port);
}

}  // namespace

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
  c.snoop_id = HelperId(call_id_, SnoopRole(c.spy, ctx_.incarnation, c.attempt));
  c.bridge_id = HelperId(call_id_, BridgeRole(c.spy, ctx_.incarnation, c.attempt));
  c.media_id = HelperId(call_id_, MediaRole(c.spy, ctx_.incarnation, c.attempt));
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

  // Asterisk answers addChannel with 422 "Channel not in Stasis
  // application" until a helper's StasisStart has happened, and that event
  // may come well after the HTTP answer that created it: wait for both.
  const ChannelStatus& snoop_status = Status(c.snoop_id);
  const ChannelStatus& media_status = Status(c.media_id);
  const bool in_app = co_await WaitFor(
      [&] {
        return Ended() || snoop_status.gone || media_status.gone ||
               (snoop_status.in_stasis && media_status.in_stasis);
      },
      Clock::now() + o.request_timeout);
  if (Ended()) co_return std::string("call ended");
  if (snoop_status.gone || media_status.gone) {
    co_return fmt::format("the {} channel went away before joining its bridge",
                          snoop_status.gone ? "snoop" : "ExternalMedia");
  }
  if (!in_app) {
    co_return fmt::format("the {} channel did not enter the application within {} ms",
                          !snoop_status.in_stasis ? "snoop" : "ExternalMedia",
                          o.request_timeout.count());
  }
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

}  // namespace aicc::ari::internal
