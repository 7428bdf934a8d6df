// Who is speaking on a stream. The customer's voice is snoop `spy=in` on
// UDP 12345; the agent's is `spy=out` on 12346 (the old system's mapping).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace aicc::core {

enum class Speaker : std::uint8_t { kCustomer, kAgent };

// "customer" | "agent", as in events.
constexpr std::string_view ToString(Speaker s) {
  return s == Speaker::kCustomer ? "customer" : "agent";
}

constexpr std::optional<Speaker> ParseSpeaker(std::string_view s) {
  if (s == "customer") return Speaker::kCustomer;
  if (s == "agent") return Speaker::kAgent;
  return std::nullopt;
}

}  // namespace aicc::core
