// Names of everything aicc creates in Asterisk. ARI lets the client choose
// the id of a channel (originate `channelId`, snoop `snoopId`, externalMedia
// `channelId`) and of a bridge (`bridgeId`), so aicc chooses them, derived
// from the call's UUID:
//
//   aicc-<call uuid>-main            the customer–agent mixing bridge
//   aicc-<call uuid>-agent-<n>       the n-th agent leg originated for the call
//   aicc-<call uuid>-snoop-<in|out>-<n>, -bridge-…, -media-…   analysis helpers
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

// Roles.
std::string AgentRole(int attempt);
std::string SnoopRole(std::string_view spy, int attempt);
std::string BridgeRole(std::string_view spy, int attempt);
std::string MediaRole(std::string_view spy, int attempt);
inline constexpr std::string_view kMainBridgeRole = "main";

}  // namespace aicc::ari
