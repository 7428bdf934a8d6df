// The grammar's data tables (defined in ending_tables.cc).
#pragma once

#include <span>
#include <string_view>

#include "turn/korean_analyzer.h"

namespace aicc::turn::internal {

// An ending, written in compatibility jamo so it matches whatever syllable
// carries it ("ㅂㄴㅣㄷㅏ" matches 합니다, 갑니다, 됩니다, 습니다).
struct EndingRule {
  std::string_view jamo;
  EndingClass ending;
  double score;
  std::string_view reason;
};

std::span<const EndingRule> EndingRules();
// Whole words (last word of the utterance).
std::span<const std::string_view> Fillers();
std::span<const std::string_view> TrailingWords();
std::span<const std::string_view> DanglingAdverbs();
// Intensifiers that may follow a closed sentence as an afterthought.
std::span<const std::string_view> AfterthoughtAdverbs();
std::span<const std::string_view> PostposedWords();
std::span<const std::string_view> QuestionFillers();
std::span<const std::string_view> Hesitations();
std::span<const std::string_view> Backchannels();
// Nouns whose spelling looks like an ending (필요 ends in 요, 어머니 in 니).
std::span<const std::string_view> NounExceptions();
// Counters/units that follow a number being dictated (년, 월, 번, ...).
std::span<const std::string_view> NumberUnits();
// 위해(서), 대해, 인해, 통해 …: a verb + -어 used as a postposition.
std::span<const std::string_view> PostpositionVerbs();

}  // namespace aicc::turn::internal
