// How a Korean utterance ends, and how complete that makes the speaker's
// turn, from the transcript alone.
//
// The analysis works on Hangul jamo: syllables are decomposed arithmetically
// (U+AC00 + (L×21 + V)×28 + T) so an ending such as -ㅂ니다, -ㄹ게요 or -ㄴ데
// is recognised whatever syllable carries it (갑니다, 드릴게요, 큰데). The
// grammar is a small set of data tables (ending_tables.cc): sentence-final
// endings, connective endings, particles, adnominal forms, fillers, trailing
// connective words, backchannels, numbers.
//
// Usage:
//   turn::KoreanAnalyzer analyzer;
//   turn::Analysis a = analyzer.Analyze("카드 분실 신고 하려고 하는데요");
//   // a.ending == EndingClass::kPoliteFinal, a.score ≈ 0.93, a.reason = "polite final -요"
//
// Thread safety: immutable after construction; Analyze is const. Cost: about
// 1 µs for 60 characters (bench/README.md); the rule patterns are decoded
// once, but each call allocates (the words, the last word's jamo, the reason
// string). Invalid UTF-8 is skipped, never fatal.
#pragma once

#include <string>
#include <string_view>

namespace aicc::turn {

enum class EndingClass {
  kEmpty,         // nothing to analyse (no transcript)
  kFormalFinal,   // -ㅂ니다, -습니다, -ㅂ니까, -십시오
  kPoliteFinal,   // -요 (incl. connective + 요: -는데요, -거든요, -고요), -죠
  kCasualFinal,   // -어/-아, -지, -네, -니, -냐, -자, -다, -ㄹ게, -구나, ...
  kQuestionMark,  // a fragment the recognizer ended with '?'
  kBackchannel,   // 네, 예, 응, 아니요, ...
  kConnective,  // -고, -는데, -서, -면, -니까, -지만, -다가, -도록, -려고, -거나, -거든, -다고, ...
  kParticle,    // a case/topic/auxiliary particle without a predicate
  kAdnominal,   // -는, -ㄴ, -ㄹ, -던 before a missing noun
  kFiller,      // 음, 어, 그, 저, 뭐지, 이제, 좀, ... at the end
  kTrailingWord,  // a final ending followed by 그리고, 근데, 그럼, ...
  kNumber,        // digits or Korean numerals being dictated
  kCutoff,        // a word cut off mid-way (stem without ending)
  kNoun,          // a bare noun phrase
  kUnknown,
};

std::string_view ToString(EndingClass c);

struct Analysis {
  EndingClass ending = EndingClass::kEmpty;
  double score = 0.5;     // completeness in [0, 1]; above 0.5 reads as complete
  std::string reason;     // short, human-readable: which rule decided
  std::string last_word;  // the word the decision looked at
  // The text-only decision (what `aicc turn --eval` judges).
  bool complete() const { return score > 0.5; }
};

class KoreanAnalyzer {
 public:
  KoreanAnalyzer();
  Analysis Analyze(std::string_view utf8) const;
};

// The old system's rules (for `turn.mode = seed`): ~40 patterns over the
// transcript's last characters.
Analysis SeedAnalyze(std::string_view utf8);

// How a recognizer's transcript can differ from a written one, to measure the
// analyzer's robustness (`aicc turn --eval FILE --variant …`): without
// punctuation, without spaces, or with the last syllable split off its word
// (a spacing error, "드립니다" → "드립니 다").
enum class TextVariant { kAsWritten, kNoPunctuation, kNoSpaces, kSplitEnd };
std::string MakeVariant(std::string_view utf8, TextVariant variant);

}  // namespace aicc::turn
