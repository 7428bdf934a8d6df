// Identifiers: random UUIDs (v4) for calls and events, and the short prefix
// used in log lines (`call=<id8>`).
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace aicc::core {

// A random RFC 4122 version-4 UUID in lowercase canonical form.
// Thread safe (thread-local generator seeded from std::random_device).
std::string NewUuid();

// The first 8 characters of an id, for log prefixes.
std::string_view ShortId(std::string_view id);

// ISO-8601 UTC with microseconds and a literal Z, as the old system wrote
// event timestamps: 2026-11-24T00:36:33.712345Z.
std::string FormatTimestamp(std::chrono::system_clock::time_point t);

}  // namespace aicc::core
