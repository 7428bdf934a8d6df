// The ending grammar as data. Each rule is a jamo suffix of the last word;
// the longest matching suffix wins, so specific forms (-ㅂ니까 question) beat
// general ones (-니까 connective). Scores are completeness: ≥ 0.5 complete.
//
//   0.95–0.97  formal and polite finals (the speaker closed the sentence)
//   0.75–0.85  casual finals (final in context, more often ambiguous)
//   0.10–0.20  connectives, particles, adnominals (the clause is open)
#include "turn/internal/tables.h"

namespace aicc::turn::internal {
namespace {

using E = EndingClass;

constexpr EndingRule kRules[] = {
    // --- formal finals (합쇼체) ---
    {"ㅂㄴㅣㄷㅏ", E::kFormalFinal, 0.97, "formal declarative -ㅂ니다/-습니다"},
    {"ㅂㄴㅣㄲㅏ", E::kFormalFinal, 0.97, "formal question -ㅂ니까/-습니까"},
    {"ㅅㅣㅂㅅㅣㅇㅗ", E::kFormalFinal, 0.97, "formal request -십시오"},
    {"ㅂㅅㅣㄷㅏ", E::kFormalFinal, 0.95, "propositive -ㅂ시다"},
    // --- polite finals (해요체): any -요, including connective + 요, which
    // is final in speech (-는데요, -거든요, -고요, -어서요, -니까요) ---
    {"ㅇㅛ", E::kPoliteFinal, 0.93, "polite final -요"},
    {"ㅈㅛ", E::kPoliteFinal, 0.93, "polite final -죠"},
    {"ㅅㅔㅇㅛ", E::kPoliteFinal, 0.95, "polite request/honorific -세요"},
    // --- casual finals (해체/해라체) ---
    {"ㄷㅏ", E::kCasualFinal, 0.82, "plain declarative -다"},
    {"ㄴㅔ", E::kCasualFinal, 0.8, "casual exclamation -네"},
    {"ㄱㅜㄴㅏ", E::kCasualFinal, 0.85, "casual exclamation -구나"},
    {"ㄱㅜㄴ", E::kCasualFinal, 0.8, "casual exclamation -군"},
    {"ㄴㅣ", E::kCasualFinal, 0.78, "casual question -니"},
    {"ㄴㅑ", E::kCasualFinal, 0.8, "casual question -냐"},
    {"ㄹㄲㅏ", E::kCasualFinal, 0.82, "question -ㄹ까"},
    {"ㄹㄱㅔ", E::kCasualFinal, 0.8, "casual promise -ㄹ게"},
    {"ㄹㄲㅔ", E::kCasualFinal, 0.8, "casual promise -ㄹ께 (spelling of -ㄹ게)"},
    {"ㄹㄹㅐ", E::kCasualFinal, 0.75, "casual question/intention -ㄹ래"},
    {"ㅈㅣ", E::kCasualFinal, 0.6, "casual final -지"},
    {"ㅓㅈㅣ", E::kCutoff, 0.25, "-어지- without an ending (cut off)"},
    {"ㅈㅏㄴㅎㅇㅏ", E::kCasualFinal, 0.75, "casual -잖아"},
    {"ㄷㅐ", E::kCasualFinal, 0.72, "hearsay -대"},
    {"ㄹㅐ", E::kCasualFinal, 0.7, "hearsay -래"},
    {"ㅈㅝ", E::kCasualFinal, 0.82, "casual request -줘"},
    {"ㅂㅘ", E::kCasualFinal, 0.75, "casual -봐"},
    {"ㅎㅐ", E::kCasualFinal, 0.72, "casual -해"},
    // Casual -아/-어 is written by the syllables it produces (맞아, 있어,
    // 돼, 고마워, 바빠), not by a bare vowel: many nouns end in a vowel too
    // (계좌, 기사).
    {"ㅇㅏ", E::kCasualFinal, 0.68, "casual final -아"},
    {"ㅇㅓ", E::kCasualFinal, 0.68, "casual final -어"},
    {"ㄷㅙ", E::kCasualFinal, 0.7, "casual final -돼"},
    {"ㅇㅘ", E::kCasualFinal, 0.62, "casual final -와"},
    {"ㅇㅝ", E::kCasualFinal, 0.68, "casual final -워"},
    {"ㅃㅏ", E::kCasualFinal, 0.66, "casual final -빠 (바빠)"},
    {"ㅍㅏ", E::kCasualFinal, 0.66, "casual final -파 (아파)"},
    {"ㅆㅓ", E::kCasualFinal, 0.66, "casual final -써"},
    {"ㄴㅏ", E::kCasualFinal, 0.6, "casual question -나"},
    {"ㄱㅓㅇㅑ", E::kCasualFinal, 0.8, "casual copula -거야"},
    {"ㅇㅣㅇㅑ", E::kCasualFinal, 0.75, "casual copula -이야"},
    // -야 after a vowel is the casual copula on these words, not the
    // condition -아야/-어야 (no verb stem ends so).
    {"ㅇㅏㄴㅣㅇㅑ", E::kCasualFinal, 0.8, "casual negative copula 아니야"},
    {"ㅇㅓㄷㅣㅇㅑ", E::kCasualFinal, 0.75, "casual copula on 어디"},
    {"ㄴㅜㄱㅜㅇㅑ", E::kCasualFinal, 0.75, "casual copula on 누구"},
    {"ㅇㅓㄹㅁㅏㅇㅑ", E::kCasualFinal, 0.75, "casual copula on 얼마"},
    {"ㅇㅓㄴㅈㅔㅇㅑ", E::kCasualFinal, 0.75, "casual copula on 언제"},
    {"ㅈㅣㄴㅉㅏㅇㅑ", E::kCasualFinal, 0.75, "casual copula on 진짜"},
    {"ㄹㅏ", E::kCasualFinal, 0.65, "casual imperative -라"},
    {"ㅇㅏㄴㅣㄹㅏ", E::kConnective, 0.2, "connective 아니라 (not this, but …)"},
    {"ㅎㅏㅈㅏ", E::kCasualFinal, 0.8, "propositive -자 (하자)"},
    {"ㄱㅏㅈㅏ", E::kCasualFinal, 0.8, "propositive -자 (가자)"},
    {"ㅂㅗㅈㅏ", E::kCasualFinal, 0.8, "propositive -자 (보자)"},
    {"ㅈㅏ", E::kNoun, 0.35, "-자 after a noun syllable (word or cut-off)"},
    // --- connective endings: the clause goes on ---
    {"ㄱㅗ", E::kConnective, 0.15, "connective -고"},
    {"ㄴㄷㅔ", E::kConnective, 0.12, "connective -는데/-은데/-ㄴ데"},
    {"ㄴㅡㄴㄷㅔ", E::kConnective, 0.12, "connective -는데"},
    // STT spellings of -는데/-은데 as -는대/-은대: after a past stem (했는대)
    // or on an adjective (좋은대) -대 cannot be hearsay (that is 했대, 좋대).
    {"ㅆㄴㅡㄴㄷㅐ", E::kConnective, 0.15, "connective -었는데 (spelled -었는대)"},
    {"ㅇㅡㄴㄷㅐ", E::kConnective, 0.15, "connective -은데 (spelled -은대)"},
    {"ㅅㅓ", E::kConnective, 0.15, "connective -아서/-어서"},
    {"ㅁㅕㄴ", E::kConnective, 0.12, "connective -면/-으면/-려면"},
    {"ㄴㅣㄲㅏ", E::kConnective, 0.15, "connective -니까"},
    {"ㅈㅣㅁㅏㄴ", E::kConnective, 0.12, "connective -지만"},
    {"ㄷㅏㄱㅏ", E::kConnective, 0.15, "connective -다가"},
    {"ㄷㅗㄹㅗㄱ", E::kConnective, 0.15, "connective -도록"},
    {"ㄱㅓㄴㅏ", E::kConnective, 0.15, "connective -거나"},
    {"ㄱㅓㄷㅡㄴ", E::kConnective, 0.2, "connective -거든"},
    {"ㄷㅓㄴㅣ", E::kConnective, 0.15, "connective -더니"},
    {"ㅁㅕ", E::kConnective, 0.18, "connective -며"},
    {"ㅁㅕㄴㅅㅓ", E::kConnective, 0.15, "connective -면서"},
    {"ㄴㅡㄴㅈㅣ", E::kConnective, 0.15, "embedded question -는지"},
    {"ㄴㅈㅣ", E::kConnective, 0.2, "embedded question -ㄴ지"},
    {"ㄷㅡㄴㅈㅣ", E::kConnective, 0.15, "connective -든지"},
    {"ㄴㅡㄹㅏ", E::kConnective, 0.15, "connective -느라"},
    {"ㄹㅓ", E::kConnective, 0.3, "purpose -러"},
    {"ㅇㅑ", E::kConnective, 0.3, "condition -아야/-어야"},
    {"ㅕㅇㅑ", E::kConnective, 0.15, "condition -어야 (하셔야)"},
    {"ㅓㅇㅑ", E::kConnective, 0.15, "condition -어야"},
    {"ㅏㅇㅑ", E::kConnective, 0.15, "condition -아야"},
    {"ㄱㅔ", E::kConnective, 0.3, "adverbial -게"},
    {"ㅈㅏㅁㅏㅈㅏ", E::kConnective, 0.12, "connective -자마자"},
    {"ㄱㅣㄹㄹㅐ", E::kConnective, 0.15, "connective -길래"},
    {"ㄷㅡㅅㅣ", E::kConnective, 0.2, "connective -듯이"},
    {"ㄹㅅㅜㄹㅗㄱ", E::kConnective, 0.15, "connective -ㄹ수록"},
    // --- particles after a noun, with no predicate yet ---
    {"ㄹㅡㄹ", E::kParticle, 0.12, "object particle -를"},
    {"ㅇㅡㄹ", E::kParticle, 0.12, "object particle -을"},
    {"ㄱㅏ", E::kParticle, 0.18, "subject particle -가"},
    {"ㅇㅣ", E::kParticle, 0.2, "subject particle -이"},
    {"ㅇㅔ", E::kParticle, 0.15, "particle -에"},
    {"ㅇㅔㅅㅓ", E::kParticle, 0.12, "particle -에서"},
    {"ㅇㅔㄱㅔ", E::kParticle, 0.12, "particle -에게"},
    {"ㅎㅏㄴㅌㅔ", E::kParticle, 0.12, "particle -한테"},
    {"ㄹㅗ", E::kParticle, 0.15, "particle -로/-으로"},
    {"ㅎㅏㄱㅗ", E::kConnective, 0.12, "-하고 (verb + connective -고, or the particle 하고)"},
    {"ㄹㅏㅇ", E::kParticle, 0.12, "particle -랑/-이랑"},
    {"ㄱㅘ", E::kParticle, 0.15, "particle -과"},
    {"ㅇㅘ", E::kParticle, 0.3, "particle -와"},
    {"ㄷㅗ", E::kParticle, 0.2, "particle -도"},
    {"ㅁㅏㄴ", E::kParticle, 0.25, "particle -만"},
    {"ㅇㅢ", E::kParticle, 0.15, "particle -의"},
    {"ㄲㅔ", E::kParticle, 0.2, "particle -께"},
    {"ㄲㅔㅅㅓ", E::kParticle, 0.12, "particle -께서"},
    {"ㅂㅜㅌㅓ", E::kParticle, 0.15, "particle -부터"},
    {"ㄲㅏㅈㅣ", E::kParticle, 0.15, "particle -까지"},
    {"ㅊㅓㄹㅓㅁ", E::kParticle, 0.15, "particle -처럼"},
    {"ㅂㅗㄷㅏ", E::kParticle, 0.15, "particle -보다"},
    {"ㅁㅏㄷㅏ", E::kParticle, 0.2, "particle -마다"},
    {"ㄴㅡㄴ", E::kParticle, 0.12, "topic particle -는 / adnominal -는"},
    {"ㅇㅡㄴ", E::kParticle, 0.12, "topic particle -은 / adnominal -은"},
    // --- nouns a contact center hears often, also inside compounds
    // (카드해지, 이용정지, 카드거래), whose last syllable looks like a casual
    // final (-지, -래) ---
    {"ㅎㅐㅈㅣ", E::kNoun, 0.3, "noun 해지 (cancellation), not casual -지"},
    {"ㅈㅓㅇㅈㅣ", E::kNoun, 0.3, "noun 정지 (suspension), not casual -지"},
    {"ㅈㅜㅇㅈㅣ", E::kNoun, 0.3, "noun 중지, not casual -지"},
    {"ㅁㅔㅅㅣㅈㅣ", E::kNoun, 0.3, "noun 메시지, not casual -지"},
    {"ㄱㅓㄹㅐ", E::kNoun, 0.3, "noun 거래 (transaction), not hearsay -래"},
    // --- adnominal forms before a missing noun ---
    {"ㄷㅓㄴ", E::kAdnominal, 0.12, "adnominal -던"},
    {"ㄴ", E::kAdnominal, 0.2, "adnominal -ㄴ"},
    {"ㄹ", E::kAdnominal, 0.2, "adnominal -ㄹ"},
    // --- a stem without its ending: the word was cut off ---
    {"ㅆ", E::kCutoff, 0.1, "past stem without an ending (cut off)"},
    {"ㅅㅣ", E::kCutoff, 0.2, "honorific -시- without an ending (cut off)"},
};

constexpr std::string_view kFillers[] = {
    "음",   "으음", "어",   "어어",   "그",       "저",         "저기",   "저기요그", "뭐",
    "뭐지", "뭐냐", "뭐야", "뭐더라", "그러니까", "그니까",     "그게",   "이제",     "막",
    "약간", "아",   "에",   "으",     "흠",       "있잖아요그", "거시기", "뭐였지",   "그거",
};

// A final sentence followed by one of these is still going on.
constexpr std::string_view kTrailingWords[] = {
    "그리고",   "근데",   "그런데", "그럼",   "그러면",   "그래서", "다만",
    "왜냐하면", "하지만", "그러나", "아니면", "또",       "또는",   "그러니까",
    "그치만",   "그니까", "혹은",   "그래도", "그러다가",
};

// Adverbs that need a predicate after them.
constexpr std::string_view kDanglingAdverbs[] = {
    "좀",   "혹시", "그냥", "아마",   "진짜", "너무",   "다시",   "먼저",   "제일",   "많이",
    "지금", "아직", "이미", "벌써",   "다",   "갑자기", "또다시", "아까",   "이따",   "바로",
    "계속", "조금", "잠깐", "잠깐만", "언제", "어디",   "왜",     "어떻게", "얼마나", "같이",
};

// Adverbs a speaker adds after a closed sentence ("됐어요 그냥"): a subset
// of the dangling adverbs, not 혹시/먼저/다시, which start the next sentence.
constexpr std::string_view kAfterthoughtAdverbs[] = {
    "진짜", "정말", "지금", "너무", "참", "벌써", "좀", "그냥",
};

// Words spoken Korean moves after a finished sentence (right dislocation:
// "뭐야 이게", "몰라 나도", "안 왔어요 아직", "해 주세요 빨리"). Only after a
// real sentence ending: after a backchannel ("네 이거") they start the next.
// Not 그게/그거, which are hesitations far more often.
constexpr std::string_view kPostposedWords[] = {
    "이거", "이게", "이건",   "저거", "저게",   "저건", "나도",   "저도", "제가",   "내가",
    "저는", "나는", "우리도", "빨리", "도대체", "아직", "아직도", "계속", "진짜로", "정말로",
};

// Fillers that are also whole questions ("뭐야", "what is it"), when a
// postposed word follows them.
constexpr std::string_view kQuestionFillers[] = {"뭐야", "뭐지", "뭐냐"};
// Fillers of someone looking for a word (not exclamations like 아).
constexpr std::string_view kHesitations[] = {"그", "저", "음", "으음", "어", "저기"};

constexpr std::string_view kBackchannels[] = {
    "네",       "예",     "넵",       "응",         "어어네",     "아니요",     "아뇨",
    "아니오",   "맞아요", "맞습니다", "감사합니다", "알겠습니다", "그렇습니다", "좋아요",
    "괜찮아요", "됐어요", "그래요",   "알았어",     "그래",       "오케이",     "네네",
    "예예",     "아하",   "네에",     "예에",
};

// (동네 … 잡지 look like casual finals -네, -해, -대, -래, -지.)
constexpr std::string_view kNounExceptions[] = {
    "필요",     "중요",   "수요", "요요",   "어머니", "할머니", "언니",   "누나", "아버지",
    "할아버지", "바다",   "아이", "회사",   "의사",   "변호사", "기사",   "주사", "이사",
    "요가",     "가게",   "오후", "오전",   "나이",   "영어",   "한국어", "단어", "언어",
    "국어",     "외국어", "상어", "오징어", "고아",   "아빠",   "오빠",   "동네", "올해",
    "피해",     "손해",   "반대", "기대",   "상대",   "세대",   "시대",   "침대", "미래",
    "노래",     "편지",   "유지", "금지",   "방지",   "휴지",   "잡지",
};

constexpr std::string_view kNumberUnits[] = {
    "년", "월", "일", "시", "분", "초", "원", "번", "개", "자리",
    "호", "동", "층", "달", "명", "살", "만", "천", "백",
};

}  // namespace

std::span<const EndingRule> EndingRules() { return kRules; }
std::span<const std::string_view> Fillers() { return kFillers; }
std::span<const std::string_view> TrailingWords() { return kTrailingWords; }
std::span<const std::string_view> DanglingAdverbs() { return kDanglingAdverbs; }
std::span<const std::string_view> AfterthoughtAdverbs() { return kAfterthoughtAdverbs; }
std::span<const std::string_view> PostposedWords() { return kPostposedWords; }
std::span<const std::string_view> QuestionFillers() { return kQuestionFillers; }
std::span<const std::string_view> Hesitations() { return kHesitations; }
std::span<const std::string_view> Backchannels() { return kBackchannels; }
std::span<const std::string_view> NounExceptions() { return kNounExceptions; }
std::span<const std::string_view> NumberUnits() { return kNumberUnits; }

}  // namespace aicc::turn::internal
