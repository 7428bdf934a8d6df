// The old system's text rules, for `turn.mode = seed` and for measuring it
// (`aicc turn --eval --mode seed`). It matched regular expressions against
// the transcript's last characters: declarative, question and request
// endings → 0.95; connective endings → 0.2; otherwise (Kiwi EF/EC tags,
// which aicc does not ship) 0.5. The pattern list below is reconstructed
// from the old system's description (docs/turn-detection.md); it is kept
// deliberately as naive as the original — that is the point of measuring it.
#include <regex>
#include <string>
#include <vector>

#include "turn/korean_analyzer.h"

namespace aicc::turn {
namespace {

struct SeedRule {
  std::regex pattern;
  double score;
  const char* name;
};

const std::vector<SeedRule>& Rules() {
  // std::regex works on bytes; the patterns are UTF-8 literals anchored at
  // the end after trailing spaces and punctuation are removed.
  static const std::vector<SeedRule> rules = [] {
    const std::pair<const char*, const char*> finals[] = {
        {"습니다$", "declarative"}, {"ㅂ니다$", "declarative"}, {"니다$", "declarative"},
        {"어요$", "declarative"},   {"아요$", "declarative"},   {"해요$", "declarative"},
        {"예요$", "declarative"},   {"이에요$", "declarative"}, {"죠$", "declarative"},
        {"네요$", "declarative"},   {"군요$", "declarative"},   {"다$", "declarative"},
        {"습니까$", "question"},    {"나요$", "question"},      {"가요$", "question"},
        {"까요$", "question"},      {"까$", "question"},        {"니$", "question"},
        {"세요$", "request"},       {"십시오$", "request"},     {"주세요$", "request"},
        {"줘요$", "request"},       {"자$", "request"},         {"시죠$", "request"},
    };
    const std::pair<const char*, const char*> connectives[] = {
        {"고$", "connective"},     {"는데$", "connective"},   {"은데$", "connective"},
        {"서$", "connective"},     {"면$", "connective"},     {"니까$", "connective"},
        {"지만$", "connective"},   {"다가$", "connective"},   {"도록$", "connective"},
        {"려고$", "connective"},   {"거나$", "connective"},   {"든지$", "connective"},
        {"는데요$", "connective"}, {"거든요$", "connective"}, {"고요$", "connective"},
    };
    std::vector<SeedRule> out;
    for (const auto& [p, n] : connectives) out.push_back({std::regex(p), 0.2, n});
    for (const auto& [p, n] : finals) out.push_back({std::regex(p), 0.95, n});
    return out;
  }();
  return rules;
}

}  // namespace

Analysis SeedAnalyze(std::string_view utf8) {
  std::string text(utf8);
  while (!text.empty() &&
         (text.back() == ' ' || text.back() == '.' || text.back() == '?' || text.back() == '!' ||
          text.back() == '\n' || text.back() == '\t' || text.back() == ',')) {
    text.pop_back();
  }
  Analysis a;
  if (text.empty()) {
    a.ending = EndingClass::kEmpty;
    a.score = 0.5;
    a.reason = "seed: no transcript";
    return a;
  }
  // The old matcher tried connectives first (so -는데요 scored 0.2, one of
  // its known weaknesses), then finals.
  for (const auto& rule : Rules()) {
    if (std::regex_search(text, rule.pattern)) {
      a.score = rule.score;
      a.ending = rule.score > 0.5 ? EndingClass::kPoliteFinal : EndingClass::kConnective;
      a.reason = std::string("seed: ") + rule.name;
      return a;
    }
  }
  a.ending = EndingClass::kUnknown;
  a.score = 0.5;
  a.reason = "seed: no pattern";
  return a;
}

}  // namespace aicc::turn
