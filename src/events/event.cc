#include "events/event.h"

#include <cmath>
#include <ctime>
#include <nlohmann/json.hpp>

#include "core/ids.h"

namespace aicc::events {
namespace {

using Json = nlohmann::ordered_json;

// Scores are sent with 3 decimals, times with millisecond precision: enough
// for a backend and stable across platforms.
double Round(double v, int decimals) {
  const double f = std::pow(10.0, decimals);
  return std::round(v * f) / f;
}

std::optional<std::chrono::system_clock::time_point> ParseTimestamp(const std::string& s) {
  // 2026-11-24T00:36:33.712345Z
  std::tm tm{};
  int micros = 0;
  char z = 0;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%6d%c", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &micros, &z) != 8 ||
      z != 'Z') {
    return std::nullopt;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  const std::time_t t = timegm(&tm);
  return std::chrono::system_clock::from_time_t(t) + std::chrono::microseconds(micros);
}

}  // namespace

std::string_view TypeName(const Event& e) {
  switch (e.body.index()) {
    case 0:
      return "metadata_start";
    case 1:
      return "turn_complete";
    case 2:
      return "metadata_end";
    case 3:
      return "turn_resumed";
    default:
      return "turn_corrected";
  }
}

std::string ToJson(const Event& e) {
  Json j;
  j["type"] = TypeName(e);
  j["call_id"] = e.call_id;
  if (const auto* s = std::get_if<MetadataStart>(&e.body)) {
    j["customer_number"] = s->customer_number;
    j["agent_id"] = s->agent_id ? Json(*s->agent_id) : Json(nullptr);
    j["timestamp"] = core::FormatTimestamp(e.timestamp);
    j["channel_id"] = s->channel_id;
    if (s->call_start) j["call_start"] = core::FormatTimestamp(*s->call_start);
  } else if (const auto* t = std::get_if<TurnComplete>(&e.body)) {
    j["speaker"] = core::ToString(t->speaker);
    j["start_time"] = Round(t->start_time, 3);
    j["end_time"] = Round(t->end_time, 3);
    j["transcript"] = t->transcript;
    j["decision"] = t->complete ? "complete" : "incomplete";
    j["fusion_score"] = Round(t->fusion_score, 3);
    j["timestamp"] = core::FormatTimestamp(e.timestamp);
    j["morpheme_score"] = Round(t->morpheme_score, 3);
    j["duration_score"] = Round(t->duration_score, 3);
    j["silence_score"] = Round(t->silence_score, 3);
    j["silence_ms"] = t->silence_ms;
    j["stt_confidence"] = t->stt_confidence ? Json(Round(*t->stt_confidence, 3)) : Json(nullptr);
    j["stt_final"] = t->stt_final;
    if (!t->transcript_missing.empty()) j["transcript_missing"] = t->transcript_missing;
    j["pii_masked"] = t->pii_masked;
    j["early"] = t->early;
    if (!t->continues_event_id.empty()) j["continues_event_id"] = t->continues_event_id;
    j["agent_id"] = t->agent_id ? Json(*t->agent_id) : Json(nullptr);
  } else if (const auto* r = std::get_if<TurnResumed>(&e.body)) {
    j["speaker"] = core::ToString(r->speaker);
    j["resumed_event_id"] = r->resumed_event_id;
    j["resume_time"] = Round(r->resume_time, 3);
    j["timestamp"] = core::FormatTimestamp(e.timestamp);
  } else if (const auto* c = std::get_if<TurnCorrected>(&e.body)) {
    j["speaker"] = core::ToString(c->speaker);
    j["corrected_event_id"] = c->corrected_event_id;
    j["transcript"] = c->transcript;
    j["stt_confidence"] = c->stt_confidence ? Json(Round(*c->stt_confidence, 3)) : Json(nullptr);
    j["stt_final"] = c->stt_final;
    j["pii_masked"] = c->pii_masked;
    j["timestamp"] = core::FormatTimestamp(e.timestamp);
  } else {
    const auto& m = std::get<MetadataEnd>(e.body);
    j["total_duration"] = Round(m.total_duration, 3);
    j["turn_count"] = m.turn_count;
    j["complete_turns"] = m.complete_turns;
    j["incomplete_turns"] = m.incomplete_turns;
    j["timestamp"] = core::FormatTimestamp(e.timestamp);
    j["speech_ratio"] = Round(m.speech_ratio, 3);
    j["end_reason"] = m.end_reason;
    j["agent_id"] = m.agent_id ? Json(*m.agent_id) : Json(nullptr);
  }
  j["event_id"] = e.event_id;
  j["seq"] = e.seq;
  // Invalid UTF-8 from a recognizer must not make the event unsendable:
  // replace it rather than throw.
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

boost::system::result<Event, ParseError> FromJson(std::string_view text) {
  const Json j = Json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return ParseError{"not a JSON object"};
  try {
    Event e;
    e.call_id = j.at("call_id").get<std::string>();
    e.event_id = j.at("event_id").get<std::string>();
    e.seq = j.at("seq").get<std::uint64_t>();
    auto ts = ParseTimestamp(j.at("timestamp").get<std::string>());
    if (!ts) return ParseError{"bad timestamp"};
    e.timestamp = *ts;
    const std::string type = j.at("type").get<std::string>();
    if (type == "metadata_start") {
      MetadataStart s;
      s.customer_number = j.at("customer_number").get<std::string>();
      if (!j.at("agent_id").is_null()) s.agent_id = j.at("agent_id").get<std::string>();
      s.channel_id = j.value("channel_id", "");
      if (j.contains("call_start")) {
        s.call_start = ParseTimestamp(j.at("call_start").get<std::string>());
        if (!s.call_start) return ParseError{"bad call_start"};
      }
      e.body = s;
    } else if (type == "turn_complete") {
      TurnComplete t;
      auto speaker = core::ParseSpeaker(j.at("speaker").get<std::string>());
      if (!speaker) return ParseError{"bad speaker"};
      t.speaker = *speaker;
      t.start_time = j.at("start_time").get<double>();
      t.end_time = j.at("end_time").get<double>();
      t.transcript = j.at("transcript").get<std::string>();
      const std::string decision = j.at("decision").get<std::string>();
      if (decision != "complete" && decision != "incomplete") return ParseError{"bad decision"};
      t.complete = decision == "complete";
      t.fusion_score = j.at("fusion_score").get<double>();
      t.morpheme_score = j.at("morpheme_score").get<double>();
      t.duration_score = j.at("duration_score").get<double>();
      t.silence_score = j.at("silence_score").get<double>();
      t.silence_ms = j.at("silence_ms").get<std::int64_t>();
      if (!j.at("stt_confidence").is_null())
        t.stt_confidence = j.at("stt_confidence").get<double>();
      t.stt_final = j.at("stt_final").get<bool>();
      if (auto it = j.find("transcript_missing"); it != j.end() && it->is_string()) {
        t.transcript_missing = it->get<std::string>();
      }
      t.pii_masked = j.value("pii_masked", 0);  // absent in events of older versions
      t.early = j.value("early", false);
      t.continues_event_id = j.value("continues_event_id", "");
      // Absent in events of older versions.
      if (auto it = j.find("agent_id"); it != j.end() && it->is_string()) t.agent_id = *it;
      e.body = t;
    } else if (type == "metadata_end") {
      MetadataEnd m;
      m.total_duration = j.at("total_duration").get<double>();
      m.turn_count = j.at("turn_count").get<int>();
      m.complete_turns = j.at("complete_turns").get<int>();
      m.incomplete_turns = j.at("incomplete_turns").get<int>();
      m.speech_ratio = j.at("speech_ratio").get<double>();
      m.end_reason = j.at("end_reason").get<std::string>();
      if (auto it = j.find("agent_id"); it != j.end() && it->is_string()) m.agent_id = *it;
      e.body = m;
    } else if (type == "turn_resumed") {
      TurnResumed r;
      auto speaker = core::ParseSpeaker(j.at("speaker").get<std::string>());
      if (!speaker) return ParseError{"bad speaker"};
      r.speaker = *speaker;
      r.resumed_event_id = j.at("resumed_event_id").get<std::string>();
      r.resume_time = j.at("resume_time").get<double>();
      e.body = r;
    } else if (type == "turn_corrected") {
      TurnCorrected c;
      auto speaker = core::ParseSpeaker(j.at("speaker").get<std::string>());
      if (!speaker) return ParseError{"bad speaker"};
      c.speaker = *speaker;
      c.corrected_event_id = j.at("corrected_event_id").get<std::string>();
      c.transcript = j.at("transcript").get<std::string>();
      if (!j.at("stt_confidence").is_null())
        c.stt_confidence = j.at("stt_confidence").get<double>();
      c.stt_final = j.at("stt_final").get<bool>();
      c.pii_masked = j.value("pii_masked", 0);
      e.body = c;
    } else {
      return ParseError{"unknown event type '" + type + "'"};
    }
    return e;
  } catch (const Json::exception& ex) {
    return ParseError{ex.what()};
  }
}

}  // namespace aicc::events
