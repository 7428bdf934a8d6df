#include "events/call_progress.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace aicc::events {
namespace {

using Json = nlohmann::json;
using std::chrono::microseconds;
using std::chrono::system_clock;

std::int64_t Micros(system_clock::time_point t) {
  return std::chrono::duration_cast<microseconds>(t.time_since_epoch()).count();
}
system_clock::time_point FromMicros(std::int64_t us) {
  return system_clock::time_point(
      std::chrono::duration_cast<system_clock::duration>(microseconds(us)));
}

}  // namespace

void Apply(CallProgress& p, const Event& e) {
  if (p.call_id.empty()) p.call_id = e.call_id;
  p.next_seq = std::max(p.next_seq, e.seq + 1);
  p.last_event = std::max(p.last_event, e.timestamp);
  if (const auto* s = std::get_if<MetadataStart>(&e.body)) {
    p.started = true;
    p.origin = s->call_start.value_or(e.timestamp);
  } else if (const auto* t = std::get_if<TurnComplete>(&e.body)) {
    ++p.turn_count;
    ++(t->complete ? p.complete_turns : p.incomplete_turns);
    p.speech_seconds += std::max(0.0, t->end_time - t->start_time);
  } else if (std::holds_alternative<MetadataEnd>(e.body)) {
    p.ended = true;
  }
}

MetadataEnd EndFrom(const CallProgress& p, std::string end_reason) {
  MetadataEnd m;
  m.total_duration = std::max(0.0, std::chrono::duration<double>(p.last_event - p.origin).count());
  m.turn_count = p.turn_count;
  m.complete_turns = p.complete_turns;
  m.incomplete_turns = p.incomplete_turns;
  m.speech_ratio = m.total_duration > 0 ? std::min(1.0, p.speech_seconds / m.total_duration) : 0.0;
  m.end_reason = std::move(end_reason);
  return m;
}

std::string ToJson(const CallProgress& p) {
  Json j;
  j["call_id"] = p.call_id;
  j["next_seq"] = p.next_seq;
  j["started"] = p.started;
  j["ended"] = p.ended;
  j["origin_us"] = Micros(p.origin);
  j["last_us"] = Micros(p.last_event);
  j["turns"] = p.turn_count;
  j["complete"] = p.complete_turns;
  j["incomplete"] = p.incomplete_turns;
  j["speech_s"] = p.speech_seconds;
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

boost::system::result<CallProgress, ParseError> ProgressFromJson(std::string_view text) {
  const Json j = Json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return ParseError{"not a JSON object"};
  try {
    CallProgress p;
    p.call_id = j.at("call_id").get<std::string>();
    p.next_seq = j.at("next_seq").get<std::uint64_t>();
    p.started = j.at("started").get<bool>();
    p.ended = j.at("ended").get<bool>();
    p.origin = FromMicros(j.at("origin_us").get<std::int64_t>());
    p.last_event = FromMicros(j.at("last_us").get<std::int64_t>());
    p.turn_count = j.at("turns").get<int>();
    p.complete_turns = j.at("complete").get<int>();
    p.incomplete_turns = j.at("incomplete").get<int>();
    p.speech_seconds = j.at("speech_s").get<double>();
    if (p.call_id.empty()) return ParseError{"empty call_id"};
    return p;
  } catch (const Json::exception& ex) {
    return ParseError{ex.what()};
  }
}

}  // namespace aicc::events
