// The words the masker reads: numerals, what may follow a number inside a
// word (particles, counters), the fillers of a dictation, and the keywords
// that say what a number is. Data only; masker.cc holds the logic.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "pii/masker.h"

namespace aicc::pii::internal {

// 0-9 for an ASCII digit or a sino-Korean digit syllable read one by one
// (공/영 0, 일 1, 이 2, 삼 3, 사 4, 오 5, 육/륙 6, 칠 7, 팔 8, 구 9); -1 otherwise.
int DigitValue(char32_t c);
// 10, 100, 1000, 10^4, 10^8 for 십 백 천 만 억; 0 otherwise.
std::int64_t PlaceValue(char32_t c);
// A Hangul syllable with a final consonant (받침): 일, 삼, 칠 take the
// particle 이 ("칠이요"), 사, 오, 구 do not ("사요").
bool HasFinalConsonant(char32_t c);

enum class SuffixKind {
  kNone,      // nothing follows the number in its word
  kParticle,  // 요, 이에요, 이고, 로, 까지 ...: the number is a value
  kCounter,   // 원, 개, 층, 년, 동, 호 ... (+ particle): the number counts something
  kOther,     // anything else: the word is not a number (오늘, 일단, 이거)
};
struct Suffix {
  SuffixKind kind = SuffixKind::kNone;
  std::string_view counter;  // the counter, for kCounter ("호", "개월", "G")
};
// What follows a number inside one word, e.g. "" "요" "호요" "개월" "늘".
Suffix ClassifySuffix(std::string_view utf8);
// The same after written digits, where a counter may start a longer word.
Suffix ClassifySuffixAfterDigits(std::string_view utf8);
// A whole word that is a counter (+ particle), said apart from its number
// ("팔십오 년", "삼 월이요"); kCounter or kOther.
Suffix ClassifyCounterWord(std::string_view utf8);

// Counters that make a number part of a date (년 월 일, 년생, 일생).
bool IsDateCounter(std::string_view counter);
bool IsYearCounter(std::string_view counter);
bool IsMonthCounter(std::string_view counter);
bool IsDayCounter(std::string_view counter);
// Counters of a home address: 동, 호, 호실, 번지.
bool IsAddressCounter(std::string_view counter);
bool IsBuildingCounter(std::string_view counter);  // 동
bool IsUnitCounter(std::string_view counter);      // 호, 호실

// Words that may stand between the parts of one dictation: corrections and
// hesitations (아, 아니, 잠깐만요, 그다음이).
bool IsDictationFiller(std::string_view word);
// Spoken hyphens that join the groups of one value: 에, 다시, 대시, -.
bool IsGroupJoiner(std::string_view word);
// A particle after a single digit that shows it is being dictated ("팔이",
// "칠이요", "일로"), as opposed to "이 번호" (this number).
bool IsDictationParticle(std::string_view suffix);

// How much a keyword says. A strong keyword names a PII value (카드번호,
// 생년월일); a non-PII keyword names a number that is not (주문번호, 금액);
// a weak one hints (카드, 번호, 자리). In the other speaker's utterance the
// strongest tier wins, then the last mention.
enum class Tier : std::uint8_t { kStrong = 0, kNonPii = 1, kWeak = 2 };
struct Keyword {
  std::string_view text;  // without spaces, ASCII lower case
  Tier tier;
  Category category;  // meaningful unless tier == kNonPii
};
std::span<const Keyword> Keywords();

// Spoken e-mail pieces.
bool IsAtWord(std::string_view word);           // 골뱅이, 앳
bool IsEmailDomainWord(std::string_view word);  // 네이버, 지메일, 한메일 ...
bool IsSpokenDot(std::string_view word);
// Joiners spoken inside the local part: the dots, 언더바, 하이픈, 대시.
bool IsSpokenLocalJoiner(std::string_view word);
// A count of digits asked for or announced: "세 자리", "여섯자리", "4자리" →
// 3, 6, 4 (space-free text); 0 when none.
int DigitCountBeforeJari(std::string_view squeezed);  // 점, 닷, 쩜, dot
// The other speaker only prompted for more ("네", "다음이요", "계속 말씀하세요").
bool IsContinuation(std::string_view utterance);
bool StartsWithTldWord(std::string_view word, std::size_t* tld_bytes);  // 닷컴, 닷넷, 쩜컴 ...

}  // namespace aicc::pii::internal
