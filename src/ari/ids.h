// Names of everything aicc creates in Asterisk. ARI lets the client choose
// the id of a channel (originate `channelId`, snoop `snoopId`, externalMedia
// `channelId`) and of a bridge (`bridgeId`), so aicc chooses them, derived
// from the call's UUID:
//
//   aicc-<call uuid>-main                 the customer–agent mixing bridge
//   aicc-<call uuid>-agent-<inc>-<n>      the n-th agent leg originated for the call
//   aicc-<call uuid>-snoop-<in|out>-<inc>-<n>, -bridge-…, -media-…   analysis helpers
//
// <inc> names the aicc process (its incarnation, random per start): a
// process that re-adopts a call after a restart never reuses the id of a
// helper the earlier process made, so a late event about the old helper
// (its ChannelDestroyed, a DELETE that raced) cannot be taken for the new
// one, and the old one can be destroyed while the new one is built.
//
// This lets the controller recognise its helpers before the HTTP response
// that creates them has arrived (their StasisStart may come first), and,
// after a reconnect or a restart, tell which call every helper belongs to
// (re-adoption, orphan clean-up) from Asterisk's state alone.
//
// Thread safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace aicc::ari {

inline constexpr std::string_view kIdPrefix = "aicc-";

// "aicc-<call_id>-<role>".
std::string HelperId(std::string_view call_id, std::string_view role);

// The call id of an id made by HelperId, nullopt for any other id. Call ids
// are canonical UUIDs (36 characters).
std::optional<std::string_view> CallIdOfHelper(std::string_view id);

// The role part ("main", "agent-1", "snoop-in-2", …), nullopt for other ids.
std::optional<std::string_view> RoleOfHelper(std::string_view id);

// A new random incarnation tag (6 lowercase hex digits).
std::string NewIncarnation();

// Roles.
std::string AgentRole(std::string_view incarnation, int attempt);
std::string SnoopRole(std::string_view spy, std::string_view incarnation, int attempt);
std::string BridgeRole(std::string_view spy, std::string_view incarnation, int attempt);
std::string MediaRole(std::string_view spy, std::string_view incarnation, int attempt);
inline constexpr std::string_view kMainBridgeRole = "main";

}  // namespace aicc::ari
