// The wire contract (DESIGN.md §4): the events aicc sends to backends and
// their JSON. Field names and meanings of the old system are kept exactly and
// in its order; aicc only adds fields (event_id, seq, score parts).
//
// Usage:
//   events::Event e{...};
//   std::string text = events::ToJson(e);        // one WebSocket text frame
//   auto back = events::FromJson(text);           // for journals and tests
//
// Thread safety: value types and pure functions.
#pragma once

#include <boost/system/result.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "core/speaker.h"

namespace aicc::events {

struct MetadataStart {
  std::string customer_number = "unknown";  // caller id, or "unknown"
  std::optional<std::string> agent_id;      // null until known
  std::string channel_id;                   // Asterisk channel id of the customer ("" without ARI)
  // The origin of the call's timeline: turn start_time/end_time count from
  // it. Sent as "call_start" when set.
  std::optional<std::chrono::system_clock::time_point> call_start;
};

struct TurnComplete {
  core::Speaker speaker = core::Speaker::kCustomer;
  double start_time = 0;  // seconds from call start
  double end_time = 0;
  std::string transcript;
  bool complete = false;  // "decision": complete | incomplete
  double fusion_score = 0;
  double morpheme_score = 0;
  double duration_score = 0;
  double silence_score = 0;
  std::int64_t silence_ms = 0;  // the pause that ended the utterance
  std::optional<double> stt_confidence;
  bool stt_final = false;
  // Why the transcript is empty when speech-to-text could not give one
  // ("stt_unavailable", "stt_error", "audio_not_resent", "stt_off"); empty
  // otherwise, and then not sent.
  std::string transcript_missing;
  int pii_masked = 0;  // personal-information values masked in `transcript` (pii/)
  // Decided at the short pause (turn.early), before the long pause. Sent as
  // "early" (always).
  bool early = false;
  // The early turn of the same utterance this turn continues (the speaker
  // went on after it); its transcript holds only the words after that
  // turn's. Sent as "continues_event_id" when set.
  std::string continues_event_id;
  // The agent on the call when the turn was made (null before one is known,
  // and in pipeline-only mode). With dialplan routing the agent is learned
  // after metadata_start, so this is where a backend first sees it.
  std::optional<std::string> agent_id;
};

// The speaker went on after an early turn, before the long pause would have
// ended it (opt-in: turn.update_events). The turn goes on in a later
// turn_complete whose continues_event_id names the same event.
struct TurnResumed {
  core::Speaker speaker = core::Speaker::kCustomer;
  std::string resumed_event_id;  // the early turn_complete
  double resume_time = 0;        // seconds from call start: where the voice came back
};

// The recognizer's final text for an early turn's words differs from the
// text that turn carried (opt-in: turn.update_events).
struct TurnCorrected {
  core::Speaker speaker = core::Speaker::kCustomer;
  std::string corrected_event_id;  // the early turn_complete
  std::string transcript;          // its words as the final has them
  std::optional<double> stt_confidence;
  bool stt_final = true;
  int pii_masked = 0;
};

struct MetadataEnd {
  double total_duration = 0;  // seconds
  int turn_count = 0;
  int complete_turns = 0;
  int incomplete_turns = 0;
  double speech_ratio = 0;  // speech seconds / call seconds
  std::string end_reason;  // hangup | idle_timeout | shutdown | agent_unavailable | recovered | ...
  std::optional<std::string> agent_id;  // the agent the call ended with (null: none known)
};

struct Event {
  // New types are appended: the index is part of TypeName.
  using Body = std::variant<MetadataStart, TurnComplete, MetadataEnd, TurnResumed, TurnCorrected>;
  std::string event_id;   // UUID, stable across redelivery
  std::string call_id;    // UUID
  std::uint64_t seq = 0;  // per call, from 0
  std::chrono::system_clock::time_point timestamp;
  Body body;
};

// "metadata_start" | "turn_complete" | "metadata_end" | "turn_resumed" |
// "turn_corrected"
std::string_view TypeName(const Event& e);

// Compact JSON, UTF-8 kept as is (ensure_ascii off), fields in the old
// system's order followed by aicc's additions.
std::string ToJson(const Event& e);

struct ParseError {
  std::string message;
};
boost::system::result<Event, ParseError> FromJson(std::string_view json);

}  // namespace aicc::events
