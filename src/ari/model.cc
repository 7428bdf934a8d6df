#include "ari/model.h"

#include <nlohmann/json.hpp>

namespace aicc::ari {
namespace {

using json = nlohmann::json;

// Reads an optional string field; a present field of another type is an
// error (Asterisk never sends one, so it means the frame is not ARI's).
bool OptString(const json& obj, const char* key, std::string& out, std::string& error) {
  const auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return true;
  if (!it->is_string()) {
    error = std::string("field '") + key + "' is not a string";
    return false;
  }
  out = it->get<std::string>();
  return true;
}

bool OptCaller(const json& obj, const char* key, CallerId& out, std::string& error) {
  const auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return true;
  if (!it->is_object()) {
    error = std::string("field '") + key + "' is not an object";
    return false;
  }
  return OptString(*it, "name", out.name, error) && OptString(*it, "number", out.number, error);
}

Parsed<Channel> ChannelFrom(const json& j, std::string_view what) {
  if (!j.is_object()) return ParseError{std::string(what) + " is not an object"};
  Channel c;
  std::string error;
  const auto id = j.find("id");
  if (id == j.end() || !id->is_string() || id->get_ref<const std::string&>().empty()) {
    return ParseError{std::string(what) + " has no string 'id'"};
  }
  c.id = id->get<std::string>();
  if (!OptString(j, "name", c.name, error) || !OptString(j, "state", c.state, error) ||
      !OptCaller(j, "caller", c.caller, error) || !OptCaller(j, "connected", c.connected, error)) {
    return ParseError{std::string(what) + ": " + error};
  }
  if (const auto dp = j.find("dialplan"); dp != j.end() && dp->is_object()) {
    if (!OptString(*dp, "context", c.dialplan_context, error) ||
        !OptString(*dp, "exten", c.dialplan_exten, error) ||
        !OptString(*dp, "app_name", c.dialplan_app_name, error) ||
        !OptString(*dp, "app_data", c.dialplan_app_data, error)) {
      return ParseError{std::string(what) + ".dialplan: " + error};
    }
  }
  if (const auto vars = j.find("channelvars"); vars != j.end() && vars->is_object()) {
    for (const auto& [k, v] : vars->items()) {
      if (v.is_string()) {
        c.channelvars.emplace_back(k, v.get<std::string>());
      } else if (v.is_number_integer()) {
        c.channelvars.emplace_back(k, std::to_string(v.get<long long>()));
      }
    }
  }
  return c;
}

Parsed<Bridge> BridgeFrom(const json& j, std::string_view what) {
  if (!j.is_object()) return ParseError{std::string(what) + " is not an object"};
  Bridge b;
  std::string error;
  const auto id = j.find("id");
  if (id == j.end() || !id->is_string()) return ParseError{std::string(what) + " has no 'id'"};
  b.id = id->get<std::string>();
  if (!OptString(j, "name", b.name, error) || !OptString(j, "bridge_type", b.bridge_type, error)) {
    return ParseError{std::string(what) + ": " + error};
  }
  if (const auto ch = j.find("channels"); ch != j.end() && !ch->is_null()) {
    if (!ch->is_array()) return ParseError{std::string(what) + ".channels is not an array"};
    for (const auto& c : *ch) {
      if (!c.is_string()) return ParseError{std::string(what) + ".channels holds a non-string"};
      b.channels.push_back(c.get<std::string>());
    }
  }
  return b;
}

json ParseJson(std::string_view text) {
  return json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
}

EventType TypeOf(std::string_view name) {
  if (name == "StasisStart") return EventType::kStasisStart;
  if (name == "StasisEnd") return EventType::kStasisEnd;
  if (name == "ChannelStateChange") return EventType::kChannelStateChange;
  if (name == "ChannelDestroyed") return EventType::kChannelDestroyed;
  if (name == "ChannelHangupRequest") return EventType::kChannelHangupRequest;
  if (name == "Dial") return EventType::kDial;
  if (name == "ChannelEnteredBridge") return EventType::kChannelEnteredBridge;
  if (name == "ChannelLeftBridge") return EventType::kChannelLeftBridge;
  if (name == "BridgeDestroyed") return EventType::kBridgeDestroyed;
  return EventType::kOther;
}

}  // namespace

std::optional<std::string> Channel::Var(std::string_view name) const {
  for (const auto& [k, v] : channelvars) {
    if (k == name) return v;
  }
  return std::nullopt;
}

std::string Channel::StasisApp() const {
  if (dialplan_app_name != "Stasis") return {};
  return dialplan_app_data.substr(0, dialplan_app_data.find(','));
}

Parsed<Event> ParseEvent(std::string_view text) {
  const json j = ParseJson(text);
  if (j.is_discarded()) return ParseError{"not JSON"};
  if (!j.is_object()) return ParseError{"not a JSON object"};
  const auto type = j.find("type");
  if (type == j.end() || !type->is_string()) return ParseError{"no string 'type'"};
  Event e;
  e.type_name = type->get<std::string>();
  e.type = TypeOf(e.type_name);
  std::string error;
  if (!OptString(j, "application", e.application, error) ||
      !OptString(j, "timestamp", e.timestamp, error)) {
    return ParseError{e.type_name + ": " + error};
  }
  // Every typed event aicc acts on is about a channel, except Dial (peer)
  // and BridgeDestroyed (bridge).
  if (e.type == EventType::kDial) {
    const auto peer = j.find("peer");
    if (peer == j.end()) return ParseError{"Dial without 'peer'"};
    auto p = ChannelFrom(*peer, "Dial.peer");
    if (!p) return p.error();
    e.peer = std::move(*p);
    if (const auto caller = j.find("caller"); caller != j.end() && !caller->is_null()) {
      auto c = ChannelFrom(*caller, "Dial.caller");
      if (!c) return c.error();
      e.caller = std::move(*c);
    }
    if (!OptString(j, "dialstatus", e.dialstatus, error) ||
        !OptString(j, "dialstring", e.dialstring, error)) {
      return ParseError{"Dial: " + error};
    }
  } else if (e.type != EventType::kOther && e.type != EventType::kBridgeDestroyed) {
    const auto ch = j.find("channel");
    if (ch == j.end()) return ParseError{e.type_name + " without 'channel'"};
    auto c = ChannelFrom(*ch, e.type_name + ".channel");
    if (!c) return c.error();
    e.channel = std::move(*c);
  }
  if (const auto br = j.find("bridge"); br != j.end() && e.type != EventType::kOther) {
    auto b = BridgeFrom(*br, e.type_name + ".bridge");
    if (!b) return b.error();
    e.bridge = std::move(*b);
  } else if (e.type == EventType::kBridgeDestroyed) {
    return ParseError{"BridgeDestroyed without 'bridge'"};
  }
  if (e.type == EventType::kStasisStart) {
    if (const auto args = j.find("args"); args != j.end() && !args->is_null()) {
      if (!args->is_array()) return ParseError{"StasisStart.args is not an array"};
      for (const auto& a : *args) {
        if (!a.is_string()) return ParseError{"StasisStart.args holds a non-string"};
        e.args.push_back(a.get<std::string>());
      }
    }
  }
  if (const auto cause = j.find("cause"); cause != j.end() && cause->is_number_integer()) {
    e.cause = cause->get<int>();
  }
  return e;
}

Parsed<Channel> ParseChannel(std::string_view text) {
  const json j = ParseJson(text);
  if (j.is_discarded()) return ParseError{"channel: not JSON"};
  return ChannelFrom(j, "channel");
}

Parsed<std::vector<Channel>> ParseChannelList(std::string_view text) {
  const json j = ParseJson(text);
  if (j.is_discarded() || !j.is_array()) return ParseError{"channel list: not a JSON array"};
  std::vector<Channel> out;
  out.reserve(j.size());
  for (const auto& c : j) {
    auto ch = ChannelFrom(c, "channel list item");
    if (!ch) return ch.error();
    out.push_back(std::move(*ch));
  }
  return out;
}

Parsed<Bridge> ParseBridge(std::string_view text) {
  const json j = ParseJson(text);
  if (j.is_discarded()) return ParseError{"bridge: not JSON"};
  return BridgeFrom(j, "bridge");
}

Parsed<std::vector<Bridge>> ParseBridgeList(std::string_view text) {
  const json j = ParseJson(text);
  if (j.is_discarded() || !j.is_array()) return ParseError{"bridge list: not a JSON array"};
  std::vector<Bridge> out;
  out.reserve(j.size());
  for (const auto& b : j) {
    auto br = BridgeFrom(b, "bridge list item");
    if (!br) return br.error();
    out.push_back(std::move(*br));
  }
  return out;
}

Parsed<EndpointState> ParseEndpointState(std::string_view text) {
  const json j = ParseJson(text);
  if (j.is_discarded() || !j.is_object()) return ParseError{"endpoint: not a JSON object"};
  EndpointState e;
  std::string error;
  if (!OptString(j, "technology", e.technology, error) ||
      !OptString(j, "resource", e.resource, error) || !OptString(j, "state", e.state, error)) {
    return ParseError{"endpoint: " + error};
  }
  if (const auto ids = j.find("channel_ids"); ids != j.end() && ids->is_array()) {
    for (const auto& id : *ids) {
      if (id.is_string()) e.channel_ids.push_back(id.get<std::string>());
    }
  }
  return e;
}

Parsed<std::string> ParseVariableValue(std::string_view text) {
  const json j = ParseJson(text);
  if (j.is_discarded() || !j.is_object()) return ParseError{"variable: not a JSON object"};
  const auto v = j.find("value");
  if (v == j.end() || !v->is_string()) return ParseError{"variable: no string 'value'"};
  return Parsed<std::string>(boost::system::in_place_value, v->get<std::string>());
}

std::string ParseErrorMessage(std::string_view body) {
  if (body.empty()) return {};
  const json j = ParseJson(body);
  if (j.is_object()) {
    const auto m = j.find("message");
    if (m != j.end() && m->is_string()) return m->get<std::string>();
  }
  return {};
}

std::string ResourceOfChannelName(std::string_view name) {
  const auto slash = name.find('/');
  if (slash == std::string_view::npos) return {};
  std::string_view rest = name.substr(slash + 1);
  // Channel names end in "-<hex sequence>" (PJSIP/agent01-0000000d).
  const auto dash = rest.rfind('-');
  if (dash != std::string_view::npos && dash > 0) rest = rest.substr(0, dash);
  return std::string(rest);
}

bool IsHelperChannelName(std::string_view name) {
  return name.starts_with("Snoop/") || name.starts_with("UnicastRTP/");
}

}  // namespace aicc::ari
