#include "turn/internal/clause_context.h"

#include <algorithm>

#include "turn/internal/hangul.h"

namespace aicc::turn::internal {
namespace {

using E = EndingClass;

constexpr double kContractedScore = 0.68;  // as the table's casual -아/-어
constexpr double kCopulaScore = 0.72;

template <std::size_t N>
bool OneOf(std::u32string_view w, const std::u32string_view (&list)[N]) {
  return std::find(std::begin(list), std::end(list), w) != std::end(list);
}

// Words that modify a noun, not a verb: a noun follows them.
constexpr std::u32string_view kDeterminers[] = {
    U"그",   U"이",   U"저",   U"요",   U"내",   U"제",   U"네",   U"니",   U"우리", U"저희",
    U"너희", U"무슨", U"어떤", U"어느", U"이런", U"그런", U"저런", U"웬",   U"몇",   U"한",
    U"두",   U"세",   U"석",   U"넉",   U"새",   U"옛",   U"헌",   U"온",   U"모든", U"각",
    U"첫",   U"다른", U"딴",   U"아무", U"해당", U"이번", U"저번", U"지난", U"다음",
};

// Adverbs of manner, degree, negation, frequency and aspect: a predicate
// follows them (안 와, 너무 비싸, 자꾸 멈춰). Not the time nouns 지금, 오늘,
// 내일, which as often stand before a noun ("지금 회사").
constexpr std::u32string_view kPredicateAdverbs[] = {
    U"안",   U"못",     U"자꾸", U"너무", U"잘",     U"다",     U"또",     U"계속",
    U"진짜", U"정말",   U"참",   U"좀",   U"빨리",   U"금방",   U"더",     U"덜",
    U"많이", U"엄청",   U"되게", U"항상", U"자주",   U"꼭",     U"다시",   U"같이",
    U"혼자", U"직접",   U"먼저", U"일단", U"그냥",   U"이렇게", U"그렇게", U"저렇게",
    U"왜",   U"어떻게", U"아주", U"매우", U"정말로", U"진짜로", U"제대로", U"살짝",
    U"조금", U"하나도", U"전혀", U"별로", U"막",     U"늘",     U"맨날",   U"벌써",
    U"이미", U"거의",   U"곧",   U"바로", U"얼른",   U"어서",   U"천천히", U"통",
    U"영",   U"도저히", U"절대", U"함께", U"스스로", U"아직",   U"아직도", U"이래",
    U"그래", U"좀더",   U"훨씬", U"마구", U"확",     U"쭉",     U"그대로", U"미리",
};
// Question words ask about the predicate that follows (언제 와, 어디 가).
constexpr std::u32string_view kQuestionWords[] = {
    U"언제", U"어디", U"누가", U"뭘", U"얼마나",
};

// Time words: before a one-syllable word they leave it a verb ("내일 와",
// "지금 가"); before a longer one they may stand before a noun ("지금 회사").
constexpr std::u32string_view kTimeWords[] = {
    U"지금", U"오늘", U"내일",   U"이따", U"아까", U"모레", U"어제", U"이제",
    U"방금", U"당장", U"나중에", U"밤새", U"매일", U"종일", U"요즘", U"요새",
};

// Predicate adverbs that also stand before a noun in speech ("진짜 공짜야",
// "완전 사기야", "바로 그거야"): no cue for the condition -아야/-어야.
constexpr std::u32string_view kAlsoBeforeNouns[] = {
    U"진짜", U"정말", U"참", U"바로", U"진짜로", U"정말로", U"거의", U"다", U"아주", U"완전",
};

// One-syllable contracted forms that are verbs whatever precedes them (no
// noun is spelled so): 가 and 와 are not here, because after a noun they may be
// a particle the recognizer split off ("엄마 가").
constexpr std::u32string_view kVerbSyllables[] = {
    U"봐", U"줘", U"돼", U"켜", U"꺼", U"써", U"타", U"커", U"떠", U"펴",
    U"놔", U"둬", U"쳐", U"빼", U"깨", U"싸", U"져", U"봬", U"쏴", U"껴",
};
// One-syllable contracted forms that are verbs after an adverb, a particle
// or a verb form, and nouns or particles otherwise (가 subject particle, 사
// "four", 내 "my", 자 "ruler", 와 particle).
constexpr std::u32string_view kVerbSyllablesInContext[] = {
    U"가", U"와", U"내", U"자", U"새", U"대",
};
// Auxiliary verbs after -아/-어 (보조 용언: 가다, 오다, 보다, 주다, 놓다, 두다,
// 내다, 대다, 지다, 버리다): "끝나 가", "다 돼 가", "먹어 봐".
constexpr std::u32string_view kAuxiliaries[] = {
    U"가", U"와", U"봐", U"줘", U"놔", U"둬", U"내", U"대", U"져", U"버려",
};
// Heads of compound motion verbs -아/-어 + 가다/오다 (나가, 들어와,
// 올라가, 가져와): the 가/와 after them is the verb, not a particle.
constexpr std::u32string_view kMotionHeads[] = {
    U"나",   U"들어",   U"올라", U"내려", U"따라",   U"돌아", U"넘어", U"건너", U"다녀",
    U"데려", U"가져",   U"찾아", U"쫓아", U"지나",   U"걸어", U"뛰어", U"날아", U"기어",
    U"떠나", U"빠져나", U"잡아", U"몰려", U"쳐들어", U"놀러", U"사러", U"보러",
};
// One-syllable nouns and pronouns before 야: "나야", "다야" (that's all).
constexpr std::u32string_view kNounsBeforeYa[] = {
    U"다", U"나", U"너", U"걔", U"얘", U"쟤", U"때", U"개", U"차", U"애",
};

// Nouns ending in 해 (올해, 피해): the copula, not 하+여.
constexpr std::u32string_view kNounsEndingInHae[] = {
    U"올해", U"피해", U"손해", U"오해", U"새해", U"재해",
};
bool IsNounEndingInHae(std::u32string_view w) {
  for (const auto noun : kNounsEndingInHae) {
    if (w.size() >= noun.size() && w.substr(w.size() - noun.size()) == noun) return true;
  }
  return false;
}

bool IsDeterminer(std::u32string_view w) { return OneOf(w, kDeterminers); }
bool IsPredicateAdverb(std::u32string_view w) {
  return OneOf(w, kPredicateAdverbs) || OneOf(w, kQuestionWords);
}

// The vowels a stem + -아/-어 contracts to, with no final consonant: 가, 서,
// 내, 켜, 와, 워, 돼 (표준국어대사전, 부록 「한글 맞춤법」 제34–36항: ㅏ/ㅓ
// dropped after ㅏ/ㅓ/ㅐ/ㅔ, ㅗ/ㅜ + ㅏ/ㅓ → ㅘ/ㅝ, ㅣ + ㅓ → ㅕ, ㅚ + ㅓ → ㅙ).
bool ContractedVowel(char32_t v) {
  return v == U'ㅏ' || v == U'ㅓ' || v == U'ㅐ' || v == U'ㅕ' || v == U'ㅘ' || v == U'ㅝ' ||
         v == U'ㅙ';
}
// Of those, the ones almost no noun ends in (켜, 멈춰, 돼): ㅕ, ㅝ, ㅙ.
bool VerbalVowel(char32_t v) { return v == U'ㅕ' || v == U'ㅝ' || v == U'ㅙ'; }

bool OpenSyllable(char32_t c) { return IsHangulSyllable(c) && FinalConsonant(c) == 0; }

// A word that makes the next one a predicate: a noun with an object,
// locative or topic particle (을/를, 걸 = 것을, 에/에서/로/한테, 은/는) or an
// adverb in -씩 or -게 (열 통씩 와, 늦게 가). Not the subject particle -이/-가 nor -도: a
// predicate cut off after them ("재개가 가…", "한도 가…") is as likely, and
// nouns end in 도 (한도, 정도).
bool EndsInParticle(std::u32string_view w) {
  if (w.size() < 2) return false;
  const char32_t c = w.back();
  if (c == U'을' || c == U'를' || c == U'에' || c == U'는' || c == U'은' || c == U'로' ||
      c == U'테' || c == U'서' || c == U'께' || c == U'씩')
    return true;
  // -게 as an adverb (늦게, 쉽게), not 이게/그게/저게 (= 이것이: a subject).
  if (c == U'게' && w != U"이게" && w != U"그게" && w != U"저게") return true;
  return w == U"이걸" || w == U"그걸" || w == U"저걸";
}

bool EndsInObjectParticle(std::u32string_view w) {
  if (w == U"이걸" || w == U"그걸" || w == U"저걸" || w == U"뭘") return true;
  return w.size() >= 2 && (w.back() == U'을' || w.back() == U'를');
}

// A word that is itself a verb in -아/-어: 먹어, 찾아, 꺼져, 멈춰, 돼, 해.
bool IsVerbForm(std::u32string_view w, std::u32string_view before) {
  if (w.empty() || !OpenSyllable(w.back())) return false;
  const char32_t c = w.back();
  const char32_t v = Vowel(c);
  if (VerbalVowel(v) && c != U'뭐' && c != U'왜') return true;
  if (c == U'해' || c == U'돼' || c == U'봐' || c == U'줘') return true;
  // 아/어/와/워 after a consonant-final stem (먹어, 찾아, 좋아).
  if (w.size() >= 2 && FinalConsonant(w[w.size() - 2]) != 0 &&
      (c == U'아' || c == U'어' || c == U'와' || c == U'워'))
    return true;
  // 끝나, 잘라: an open ㅏ/ㅓ syllable is a verb when an adverb stands before.
  return ContractedVowel(v) && IsPredicateAdverb(before);
}

}  // namespace

std::optional<ContextReading> ReadContractedFinal(std::u32string_view last,
                                                  std::u32string_view before,
                                                  std::u32string_view before_that,
                                                  const EndingRule* table) {
  if (last.empty() || !OpenSyllable(last.back())) return std::nullopt;
  if (table && table->ending != E::kParticle && table->ending != E::kNoun &&
      table->ending != E::kCutoff)
    return std::nullopt;
  const char32_t end = last.back();
  const char32_t v = Vowel(end);
  // 하 and 되 are bare stems (하+여 → 해, 되+어 → 돼): "이상하", "안 되" were
  // cut off.
  if (!ContractedVowel(v) || end == U'하') return std::nullopt;
  if (IsDeterminer(before)) return std::nullopt;  // 내 차, 우리 손녀

  if (last.size() == 1) {
    if (!before.empty() && IsVerbForm(before, before_that) && OneOf(last, kAuxiliaries)) {
      return ContextReading{E::kCasualFinal, kContractedScore,
                            "auxiliary verb after -아/-어 (끝나 가, 다 돼 가)"};
    }
    // The subject particle is a cue for 와 ("택배가 와"), not for 가, where a
    // word cut off after it is as likely ("재개가 가…").
    const bool subject =
        before.size() >= 2 && (before.back() == U'가' || before.back() == U'이') && last == U"와";
    const bool cue =
        IsPredicateAdverb(before) || EndsInParticle(before) || OneOf(before, kTimeWords) || subject;
    if (OneOf(last, kVerbSyllables) || (cue && OneOf(last, kVerbSyllablesInContext))) {
      return ContextReading{E::kCasualFinal, kContractedScore,
                            "contracted casual final -아/-어 on a one-syllable verb (가, 와, 켜)"};
    }
    return std::nullopt;
  }
  // 나가, 들어와, 가져와: a compound motion verb, not the particle -가/-와.
  if (end == U'가' || end == U'와') {
    const std::u32string_view head = last.substr(0, last.size() - 1);
    if (OneOf(head, kMotionHeads) || (VerbalVowel(Vowel(head.back())) && head.back() != U'녀' &&
                                      head.back() != U'뭐' && head.back() != U'왜')) {
      return ContextReading{E::kCasualFinal, kContractedScore,
                            "compound verb -아/-어 + 가다/오다 (나가, 들어와)"};
    }
    return std::nullopt;
  }
  // 멈춰, 꺼져, 느려, 돼: almost no noun ends so; 녀 (자녀, 손녀) needs a cue.
  if (VerbalVowel(v) && end != U'뭐' && end != U'왜' &&
      (end != U'녀' || IsPredicateAdverb(before))) {
    return ContextReading{E::kCasualFinal, kContractedScore,
                          "contracted casual final -어 (멈춰, 꺼져, 느려)"};
  }
  // 비싸, 보내, 끝나: nouns end so too (회사, 아내); an adverb of manner or an
  // object before it makes it the predicate.
  if (IsPredicateAdverb(before) || EndsInObjectParticle(before)) {
    return ContextReading{E::kCasualFinal, kContractedScore,
                          "contracted casual final -아/-어 after an adverb or object"};
  }
  return std::nullopt;
}

std::optional<ContextReading> ReadCopulaOrCondition(std::u32string_view last,
                                                    std::u32string_view before) {
  if (last.size() < 2 || last.back() != U'야') return std::nullopt;
  const std::u32string_view head = last.substr(0, last.size() - 1);
  const char32_t h = head.back();
  if (!OpenSyllable(h)) return std::nullopt;
  static constexpr ContextReading kCopula{E::kCasualFinal, kCopulaScore,
                                          "casual copula -야 on a noun"};
  static constexpr ContextReading kCondition{E::kConnective, 0.15,
                                             "condition -아야/-어야 (the clause goes on)"};
  const char32_t v = Vowel(h);
  // No stem + -아/-어 ends in ㅗ, ㅜ, ㅡ, ㅣ, ㅔ …: 실수야, 사기야, 문제야.
  if (!ContractedVowel(v) && h != U'되') return kCopula;
  // The ending itself after a consonant stem: 받아야, 있어야, 먹여야.
  if (head.size() >= 2 && FinalConsonant(head[head.size() - 2]) != 0 &&
      (h == U'아' || h == U'어' || h == U'여'))
    return kCondition;
  // 켜야, 바꿔야, 돼야; 해 is 하+여 (신청해야), a noun only in a few words.
  if (VerbalVowel(v) || h == U'되') return kCondition;
  if (h == U'해') return IsNounEndingInHae(head) ? kCopula : kCondition;
  // 와, 봐, 놔 are 오/보/놓 + -아 (들어와야, 해 봐야); 과, 화 end nouns (사과, 영화).
  if (h == U'와' || h == U'봐' || h == U'놔') return kCondition;
  if (head.size() == 1) return OneOf(head, kNounsBeforeYa) ? kCopula : kCondition;  // 가야, 해야
  // 공짜야, 근처야 or 보내야, 건너야: an adverb or an object makes it a verb.
  if ((IsPredicateAdverb(before) && !OneOf(before, kAlsoBeforeNouns)) ||
      EndsInObjectParticle(before))
    return kCondition;
  return kCopula;
}

bool JoinsAsContracted(std::u32string_view previous, std::u32string_view last,
                       std::u32string_view before_previous, const EndingRule* joined_table) {
  if (last.size() != 1 || previous.empty() || !OpenSyllable(last.back())) return false;
  // Joined on the stack: a word is at most a few syllables here.
  char32_t buffer[16];
  if (previous.size() + 1 > std::size(buffer)) return false;
  std::copy(previous.begin(), previous.end(), buffer);
  buffer[previous.size()] = last.back();
  const std::u32string_view joined(buffer, previous.size() + 1);
  if (IsTagAigA(joined, before_previous)) return true;
  const char32_t c = last.back();
  const bool splittable =
      (VerbalVowel(Vowel(c)) && c != U'뭐' && c != U'왜') || c == U'가' || c == U'와';
  return splittable && !IsDeterminer(previous) &&
         ReadContractedFinal(joined, before_previous, U"", joined_table).has_value();
}

bool IsTagAigA(std::u32string_view last, std::u32string_view before) {
  if (last != U"아이가" || before.empty()) return false;
  const char32_t c = before.back();
  return c == U'다' || c == U'거' || c == U'꺼' || c == U'것';
}

}  // namespace aicc::turn::internal
