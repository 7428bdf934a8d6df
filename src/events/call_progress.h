// What was sent for one call, folded from its events: enough to continue the
// call after a restart (its next seq, its timeline origin) and to close it
// (metadata_end's counts) when no process continues it.
//
// Usage:
//   events::CallProgress p;
//   for (const auto& e : events_of_the_call) events::Apply(p, e);
//   if (p.Open()) ... p.next_seq ...;
//   events::MetadataEnd end = events::EndFrom(p, "recovered");
//
// Thread safety: value types and pure functions.
#pragma once

#include <boost/system/result.hpp>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "events/event.h"

namespace aicc::events {

struct CallProgress {
  std::string call_id;
  std::uint64_t next_seq = 0;  // one past the highest seq used
  bool started = false;        // metadata_start sent
  bool ended = false;          // metadata_end sent
  // metadata_start's call_start (else its timestamp): turn times count from it.
  std::chrono::system_clock::time_point origin{};
  std::chrono::system_clock::time_point last_event{};  // timestamp of the newest event
  int turn_count = 0;
  int complete_turns = 0;
  int incomplete_turns = 0;
  double speech_seconds = 0;  // sum of the sent turns' end_time - start_time

  // Started and not ended: a later process continues or closes it.
  bool Open() const { return started && !ended; }
};

// Folds one event of the call into `p` (`e.call_id` is taken if `p` has none).
void Apply(CallProgress& p, const Event& e);

// The metadata_end of a call closed from what was sent: total_duration runs
// from the origin to the newest event (the last moment aicc knew the call was
// alive), counts are the turns sent.
MetadataEnd EndFrom(const CallProgress& p, std::string end_reason);

// A compact JSON line (the sink's call ledger stores these).
std::string ToJson(const CallProgress& p);
boost::system::result<CallProgress, ParseError> ProgressFromJson(std::string_view json);

}  // namespace aicc::events
