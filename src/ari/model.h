// The ARI resources and events aicc reads, parsed from Asterisk's JSON
// (shapes as captured from a real Asterisk in tests/data/ari-samples/).
// Unknown fields are ignored; a missing or mistyped field that aicc needs
// is an error value naming it. Nothing here throws.
//
// Usage:
//   auto event = ari::ParseEvent(frame_text);
//   if (!event) { count_and_log(event.error().message); return; }
//   if (event->type == ari::EventType::kStasisStart) start(*event->channel);
//
// Thread safety: pure functions.
#pragma once

#include <boost/system/result.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace aicc::ari {

struct ParseError {
  std::string message;
};

template <typename T>
using Parsed = boost::system::result<T, ParseError>;

struct CallerId {
  std::string name;
  std::string number;
};

struct Channel {
  std::string id;
  std::string name;   // "PJSIP/customer-0000000c", "Snoop/…", "UnicastRTP/…"
  std::string state;  // "Down", "Ring", "Ringing", "Up", …
  CallerId caller;
  CallerId connected;
  std::string dialplan_context;
  std::string dialplan_exten;
  std::string dialplan_app_name;  // "Stasis" while in an application
  std::string dialplan_app_data;  // "<app>,<args…>"
  // Only in some answers (externalMedia: UNICASTRTP_LOCAL_ADDRESS/PORT).
  std::vector<std::pair<std::string, std::string>> channelvars;

  std::optional<std::string> Var(std::string_view name) const;
  // The Stasis application this channel runs in according to its dialplan
  // location ("" when not in Stasis).
  std::string StasisApp() const;
};

struct Bridge {
  std::string id;
  std::string name;
  std::string bridge_type;  // "mixing", "holding"
  std::vector<std::string> channels;
};

struct EndpointState {
  std::string technology;
  std::string resource;
  std::string state;  // "online", "offline", "unknown"
  std::vector<std::string> channel_ids;
};

enum class EventType : std::uint8_t {
  kStasisStart,
  kStasisEnd,
  kChannelStateChange,
  kChannelDestroyed,
  kChannelHangupRequest,
  kDial,
  kChannelEnteredBridge,
  kChannelLeftBridge,
  kBridgeDestroyed,
  kOther,  // any other type: valid, ignored by the controller
};

struct Event {
  EventType type = EventType::kOther;
  std::string type_name;  // as sent, e.g. "ChannelVarset"
  std::string application;
  std::string timestamp;
  std::optional<Channel> channel;  // every channel event
  std::vector<std::string> args;   // StasisStart
  // Dial: the dialled channel, and the dialling one when there is one (an
  // ARI originate has none; a dialplan Dial() has the customer).
  std::optional<Channel> peer;
  std::optional<Channel> caller;
  std::string dialstatus;  // "", "RINGING", "ANSWER", "NOANSWER", "BUSY", …
  std::string dialstring;
  std::optional<Bridge> bridge;
  int cause = 0;  // ChannelDestroyed / ChannelHangupRequest
};

Parsed<Event> ParseEvent(std::string_view json);
Parsed<Channel> ParseChannel(std::string_view json);
Parsed<std::vector<Channel>> ParseChannelList(std::string_view json);
Parsed<Bridge> ParseBridge(std::string_view json);
Parsed<std::vector<Bridge>> ParseBridgeList(std::string_view json);
Parsed<EndpointState> ParseEndpointState(std::string_view json);
// GET /channels/{id}/variable → {"value": "…"}.
Parsed<std::string> ParseVariableValue(std::string_view json);
// ARI's error body {"message": "…"}; empty when there is none.
std::string ParseErrorMessage(std::string_view body);

// "PJSIP/agent01-0000000d" → "agent01"; "" when the name has no resource.
std::string ResourceOfChannelName(std::string_view channel_name);

// Helper channels by name, as the old system recognised them (in addition
// to aicc's own ids): Snoop/… and UnicastRTP/… (ExternalMedia).
bool IsHelperChannelName(std::string_view channel_name);

}  // namespace aicc::ari
