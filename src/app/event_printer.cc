#include "app/event_printer.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

namespace aicc::app {

std::string PrettyEvent(const std::string& json) {
  const auto j = nlohmann::json::parse(json, nullptr, false);
  if (!j.is_object() || !j.contains("type")) return "(not an event) " + json;
  const std::string type = j.value("type", "");
  const std::string call = j.value("call_id", "").substr(0, 8);
  const auto seq = j.value("seq", 0);
  if (type == "metadata_start") {
    return fmt::format("{} #{:<3} ▶ call started   customer={} agent={}", call, seq,
                       j.value("customer_number", ""),
                       j["agent_id"].is_string() ? j["agent_id"].get<std::string>() : "-");
  }
  if (type == "turn_complete") {
    const std::string transcript = j.value("transcript", "");
    return fmt::format(
        "{} #{:<3} {:<8} {:6.2f}–{:6.2f}s  {:<10} fusion {:.3f} (text {:.2f} dur {:.2f} pause "
        "{:.2f}, {} ms)  {}",
        call, seq, j.value("speaker", ""), j.value("start_time", 0.0), j.value("end_time", 0.0),
        j.value("decision", ""), j.value("fusion_score", 0.0), j.value("morpheme_score", 0.0),
        j.value("duration_score", 0.0), j.value("silence_score", 0.0), j.value("silence_ms", 0),
        transcript.empty() ? "(no transcript)" : "\"" + transcript + "\"");
  }
  if (type == "metadata_end") {
    return fmt::format(
        "{} #{:<3} ■ call ended     {} after {:.1f}s: {} turns ({} complete, {} incomplete), "
        "speech {:.0f}%",
        call, seq, j.value("end_reason", ""), j.value("total_duration", 0.0),
        j.value("turn_count", 0), j.value("complete_turns", 0), j.value("incomplete_turns", 0),
        100 * j.value("speech_ratio", 0.0));
  }
  return json;
}

}  // namespace aicc::app
