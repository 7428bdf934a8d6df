// Reading a last word whose ending is ambiguous by its spelling alone, from
// what stands before it — the way a listener does.
//
// Two cases (docs/turn-detection.md, "Contracted finals and the copula"):
//  - a stem fused with the casual final -아/-어 leaves a syllable with no
//    final consonant (멈추+어 → 멈춰, 꺼지+어 → 꺼져, 가+아 → 가, 오+아 → 와),
//    spelled like a noun (회사, 아내), a particle (-가, -와) or a cut-off;
//  - -야 after a vowel is the casual copula on a noun (실수야, 공짜야) or the
//    condition -아야/-어야 contracted into a verb stem (와야, 해야, 바꿔야).
// The word before decides: an adverb of manner or negation (안, 못, 자꾸,
// 너무), a case particle or a verb form before it make the last word a
// predicate; a determiner (그, 우리, 내, 두) makes it a noun.
//
// Pure functions over code points; no allocation.
#pragma once

#include <optional>
#include <string_view>

#include "turn/internal/tables.h"

namespace aicc::turn::internal {

struct ContextReading {
  EndingClass ending;
  double score;
  std::string_view reason;
};

// The last word (before, possibly empty, is the word in front of it) read as
// a contracted casual final -아/-어, when its syllables allow it and the
// context says predicate. `table` is what the ending table matched (or null):
// only a table verdict of noun, particle or cut-off (or none) is reconsidered.
std::optional<ContextReading> ReadContractedFinal(std::u32string_view last,
                                                  std::u32string_view before,
                                                  std::u32string_view before_that,
                                                  const EndingRule* table);

// The last word ends in 야 after a syllable with no final consonant: the
// copula on a noun (complete) or the condition -아야/-어야 (incomplete).
// nullopt when the word does not end so.
std::optional<ContextReading> ReadCopulaOrCondition(std::u32string_view last,
                                                    std::u32string_view before);

// A recognizer's spacing error that split a contracted final or a compound
// verb ("멈 춰", "꺼 져", "나 가", "아이 가"): true when `previous + last`
// reads as one (ReadContractedFinal or the tag 아이가) and `last` is one
// syllable that is no word by itself in that place.
bool JoinsAsContracted(std::u32string_view previous, std::u32string_view last,
                       std::u32string_view before_previous, const EndingRule* joined_table);

// 경상 tag question 아이가 ("알았다 아이가", "내 꺼 아이가": isn't it?) rather
// than the noun 아이 + subject particle -가 ("우리 아이가").
bool IsTagAigA(std::u32string_view last, std::u32string_view before);

}  // namespace aicc::turn::internal
