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
    {"ㅇㅝ", E::kCasualFinal, 0.68, "casual final -워"},
    {"ㅃㅏ", E::kCasualFinal, 0.66, "casual final -빠 (바빠)"},
    {"ㅍㅏ", E::kCasualFinal, 0.66, "casual final -파 (아파)"},
    {"ㅆㅓ", E::kCasualFinal, 0.66, "casual final -써"},
    {"ㄴㅏ", E::kCasualFinal, 0.6, "casual question -나"},
    {"ㄱㅓㅇㅑ", E::kCasualFinal, 0.8, "casual copula -거야"},
    {"ㅇㅣㅇㅑ", E::kCasualFinal, 0.75, "casual copula -이야"},
    // -야 after any other vowel is read by what precedes it
    // (clause_context.cc): the copula on a noun (실수야, 공짜야) or the
    // condition -아야/-어야 (와야, 바꿔야).
    {"ㅇㅏㄴㅣㅇㅑ", E::kCasualFinal, 0.8, "casual negative copula 아니야"},
    {"ㄱㅜㅁㅓㄴ", E::kCasualFinal, 0.82, "casual exclamation -구먼"},
    {"ㄱㅜㅁㅏㄴ", E::kCasualFinal, 0.8, "casual exclamation -구만 (spelling of -구먼)"},
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
    // An indirect question -ㄹ지/-을지 left hanging ("도착할지", "될지"):
    // written by the common vowel stems + ㄹ, because ㄹ-stem verbs take the
    // casual final -지 the same way (알지, 힘들지, 멀지).
    {"ㅇㅡㄹㅈㅣ", E::kConnective, 0.15, "indirect question -을지"},
    {"ㅎㅏㄹㅈㅣ", E::kConnective, 0.15, "indirect question -ㄹ지 (할지)"},
    {"ㄷㅚㄹㅈㅣ", E::kConnective, 0.15, "indirect question -ㄹ지 (될지)"},
    {"ㄱㅏㄹㅈㅣ", E::kConnective, 0.15, "indirect question -ㄹ지 (갈지)"},
    {"ㅇㅗㄹㅈㅣ", E::kConnective, 0.15, "indirect question -ㄹ지 (올지)"},
    {"ㅂㅗㄹㅈㅣ", E::kConnective, 0.15, "indirect question -ㄹ지 (볼지)"},
    {"ㅈㅜㄹㅈㅣ", E::kConnective, 0.15, "indirect question -ㄹ지 (줄지)"},
    {"ㄹㅣㄹㅈㅣ", E::kConnective, 0.15, "indirect question -ㄹ지 (걸릴지, 드릴지)"},
    {"ㅅㅣㄹㅈㅣ", E::kConnective, 0.15, "indirect question -ㄹ지 (하실지)"},
    // --- regional endings callers use (이기갑 2003, 『국어 방언 문법』,
    // 태학사: 동남(경상), 서남(전라), 중부(충청) 방언의 종결어미; regional
    // entries 「방언」 of 국립국어원 『표준국어대사전』/우리말샘) ---
    // 경상: -노 wh-question on a predicate (뭐 하노, 어디 가노), -나 yes/no
    // question (above), -꼬 wh-question on a noun or -ㄹ (뭐꼬, 우짜꼬, 할꼬),
    // -능교/-는교 polite question (하능교), -데이 emphatic declarative
    // (고맙데이), -심더/-ㅂ니더 formal (했심더), -제 confirmation (맞제, 했제).
    {"ㄴㅗ", E::kCasualFinal, 0.75, "경상 wh-question -노"},
    {"ㄲㅗ", E::kCasualFinal, 0.72, "경상 wh-question -꼬/-ㄹ꼬"},
    {"ㄹㅏㄲㅗ", E::kConnective, 0.2, "경상 intention -ㄹ라꼬 (= -려고)"},
    {"ㄷㅏㄲㅗ", E::kConnective, 0.2, "경상 quotative -다꼬 (= -다고)"},
    {"ㄴㅡㅇㄱㅛ", E::kFormalFinal, 0.9, "경상 polite question -능교"},
    {"ㄴㅡㄴㄱㅛ", E::kFormalFinal, 0.9, "경상 polite question -는교"},
    {"ㄷㅔㅇㅣ", E::kCasualFinal, 0.8, "경상 emphatic declarative -데이"},
    {"ㅅㅣㅁㄷㅓ", E::kFormalFinal, 0.93, "경상 formal declarative -심더"},
    {"ㅂㄴㅣㄷㅓ", E::kFormalFinal, 0.93, "경상 formal declarative -ㅂ니더"},
    // 경상 polite -예 where the standard has -요 (되지예, 그래예, 할게예) and
    // the imperative -래이/-그래이 (가래이, 조심하래이).
    {"ㅈㅣㅇㅖ", E::kPoliteFinal, 0.88, "경상 polite final -지예"},
    {"ㄹㅐㅇㅖ", E::kPoliteFinal, 0.88, "경상 polite final -래예 (그래예)"},
    {"ㄴㅔㅇㅖ", E::kPoliteFinal, 0.88, "경상 polite final -네예"},
    {"ㄹㄱㅔㅇㅖ", E::kPoliteFinal, 0.88, "경상 polite final -ㄹ게예"},
    {"ㄴㄷㅔㅇㅖ", E::kPoliteFinal, 0.88, "경상 polite final -ㄴ데예"},
    // 경상 하소체 imperative/request -(으)이소 (해 주이소, 오이소).
    {"ㅇㅣㅅㅗ", E::kPoliteFinal, 0.88, "경상 polite request -이소"},
    {"ㄹㅐㅇㅣ", E::kCasualFinal, 0.78, "경상 imperative -래이/-그래이"},
    {"ㅆㅈㅔ", E::kCasualFinal, 0.72, "경상/전라 confirmation -제 (했제)"},
    {"ㅈㅈㅔ", E::kCasualFinal, 0.72, "경상/전라 confirmation -제 (맞제)"},
    {"ㅎㅈㅔ", E::kCasualFinal, 0.72, "경상/전라 confirmation -제 (좋제, 그렇제)"},
    // 충청: polite -유 where the standard has -요 (그래유, 갈게유, 했는디유),
    // -슈 (= -세요/-어요: 했슈, 가슈), casual -여 (뭐 하는 거여, 그려), the
    // connective -는디 (= -는데). Nouns ending in 유/슈 are listed after it.
    {"ㅇㅠ", E::kPoliteFinal, 0.88, "충청 polite final -유"},
    {"ㅅㅠ", E::kPoliteFinal, 0.88, "충청 polite final -슈"},
    {"ㄱㅓㅇㅕ", E::kCasualFinal, 0.78, "충청 casual copula -거여"},
    {"ㄴㄷㅣ", E::kConnective, 0.15, "충청/전라 connective -는디/-ㄴ디 (= -는데)"},
    {"ㅇㅣㅇㅠ", E::kNoun, 0.3, "noun 이유, not 충청 -유"},
    {"ㅇㅜㅇㅠ", E::kNoun, 0.3, "noun 우유, not 충청 -유"},
    {"ㅈㅏㅇㅠ", E::kNoun, 0.3, "noun 자유, not 충청 -유"},
    {"ㅇㅕㅇㅠ", E::kNoun, 0.3, "noun 여유, not 충청 -유"},
    {"ㅅㅓㄱㅇㅠ", E::kNoun, 0.3, "noun 석유, not 충청 -유"},
    {"ㅈㅜㅇㅠ", E::kNoun, 0.3, "noun 주유, not 충청 -유"},
    {"ㄱㅕㅇㅇㅠ", E::kNoun, 0.3, "noun 경유, not 충청 -유"},
    {"ㅅㅏㅇㅠ", E::kNoun, 0.3, "noun 사유, not 충청 -유"},
    {"ㅂㅗㅇㅠ", E::kNoun, 0.3, "noun 보유, not 충청 -유"},
    {"ㅅㅗㅇㅠ", E::kNoun, 0.3, "noun 소유, not 충청 -유"},
    {"ㄱㅗㅇㅇㅠ", E::kNoun, 0.3, "noun 공유, not 충청 -유"},
    {"ㅂㅜㄴㅇㅠ", E::kNoun, 0.3, "noun 분유, not 충청 -유"},
    {"ㅇㅣㅅㅠ", E::kNoun, 0.3, "noun 이슈, not 충청 -슈"},
    {"ㅌㅣㅅㅠ", E::kNoun, 0.3, "noun 티슈, not 충청 -슈"},
    // 전라: -잉 after a final (먹었어잉, 고마워요잉), -지라/-지라우 (했지라),
    // emphatic -당께/-랑께 (보냈당께), and the connective -응께/-니께 (= -니까).
    {"ㅇㅣㅇ", E::kCasualFinal, 0.75, "전라 final -잉"},
    {"ㅈㅣㄹㅏ", E::kCasualFinal, 0.8, "전라 final -지라"},
    {"ㅈㅣㄹㅏㅇㅜ", E::kPoliteFinal, 0.88, "전라 polite final -지라우"},
    {"ㄷㅏㅇㄲㅔ", E::kCasualFinal, 0.8, "전라 emphatic final -당께"},
    {"ㅇㅡㅇㄲㅔ", E::kConnective, 0.15, "전라 connective -응께 (= -니까)"},
    {"ㄴㅣㄲㅔ", E::kConnective, 0.15, "전라/충청 connective -니께 (= -니까)"},
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
    "그리고",
    "근데",
    "그런데",
    "그럼",
    "그러면",
    "그래서",
    "다만",
    "왜냐하면",
    "하지만",
    "그러나",
    "아니면",
    "또",
    "또는",
    "그러니까",
    "그치만",
    "그니까",
    "혹은",
    "그래도",
    "그러다가",
    // 전라/경상 spoken forms of 그러니까, 그리고, 그래서.
    "그랑께",
    "긍께",
    "그니께",
    "그라고",
    "그래갖고",
};

// Adverbs that need a predicate after them.
constexpr std::string_view kDanglingAdverbs[] = {
    "좀",     "혹시",   "그냥", "아마", "진짜", "너무",   "다시",   "먼저",   "제일",
    "많이",   "지금",   "아직", "이미", "벌써", "다",     "갑자기", "또다시", "아까",
    "이따",   "바로",   "계속", "조금", "잠깐", "잠깐만", "언제",   "어디",   "왜",
    "어떻게", "얼마나", "같이", "자꾸", "자주", "거의",   "항상",
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

// Verbs + -어 used as postpositions after a noun and its particle ("처리를
// 위해서", "요금에 대해", "문제로 인해", "앱을 통해"): the phrase waits for its
// predicate. Whole words only: as suffixes they end verbs (준비해, 확인해,
// 기대해, 합의해).
constexpr std::string_view kPostpositionVerbs[] = {
    "위해", "위해서", "대해", "대해서", "관해", "관해서", "의해", "비해", "인해", "통해", "통해서",
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
std::span<const std::string_view> PostpositionVerbs() { return kPostpositionVerbs; }

}  // namespace aicc::turn::internal
