#include "turn/korean_analyzer.h"

#include <algorithm>
#include <optional>
#include <vector>

#include "turn/internal/clause_context.h"
#include "turn/internal/hangul.h"
#include "turn/internal/tables.h"

namespace aicc::turn {
namespace {

using internal::DecodeUtf8;
using internal::EncodeUtf8;
using internal::FinalConsonant;
using internal::IsHangulSyllable;
using internal::IsSpace;
using internal::IsTerminalMark;
using internal::ToJamo;

bool IsDigit(char32_t c) { return (c >= U'0' && c <= U'9') || (c >= 0xFF10 && c <= 0xFF19); }
bool IsNumeralSyllable(char32_t c) {
  static constexpr std::u32string_view kNumerals = U"공영일이삼사오육륙칠팔구십백천만억";
  return kNumerals.find(c) != std::u32string_view::npos;
}

template <typename List>
bool InList(const List& list, const std::string& word) {
  return std::find(list.begin(), list.end(), word) != list.end();
}

struct Prepared {
  std::vector<std::u32string> words;
  char32_t mark = 0;  // last terminal punctuation seen: ? . ! ,
};

Prepared Prepare(std::string_view utf8) {
  std::u32string text = DecodeUtf8(utf8);
  Prepared p;
  // Strip trailing spaces and terminal punctuation, remembering the
  // strongest mark ('?' beats '.', which beats ',').
  while (!text.empty() && (IsSpace(text.back()) || IsTerminalMark(text.back()))) {
    const char32_t c = text.back();
    if (c == U'?' || c == 0xFF1F)
      p.mark = U'?';
    else if ((c == U'.' || c == U'!' || c == 0x3002 || c == 0xFF0E) && p.mark != U'?')
      p.mark = U'.';
    else if (c == U',' && !p.mark)
      p.mark = U',';
    text.pop_back();
  }
  std::u32string word;
  for (char32_t c : text) {
    if (IsSpace(c)) {
      if (!word.empty()) p.words.push_back(std::move(word));
      word.clear();
    } else {
      word.push_back(c);
    }
  }
  if (!word.empty()) p.words.push_back(std::move(word));
  // Punctuation inside the last word ("그래요.그런데") splits sentences.
  if (!p.words.empty()) {
    auto& last = p.words.back();
    const auto cut = last.find_last_of(U".?!,");
    if (cut != std::u32string::npos && cut + 1 < last.size()) last = last.substr(cut + 1);
  }
  return p;
}

bool AllDigits(std::u32string_view w) {
  bool any = false;
  for (char32_t c : w) {
    if (IsDigit(c))
      any = true;
    else if (c != U'-' && c != U'.' && c != U'/')
      return false;
  }
  return any;
}

bool AllNumerals(std::u32string_view w) {
  return !w.empty() && std::all_of(w.begin(), w.end(), IsNumeralSyllable);
}

// Digits as read one by one (0–9 or 공/영/일/…/구, no place values), dashes
// skipped; nullopt for anything else.
std::optional<std::string> DigitString(std::u32string_view w) {
  static constexpr std::u32string_view kDigitSyllables = U"공영일이삼사오육륙칠팔구";
  static constexpr char kDigitOf[] = "001234566789";
  std::string digits;
  for (char32_t c : w) {
    if (c >= U'0' && c <= U'9') {
      digits.push_back(static_cast<char>(c));
    } else if (c >= 0xFF10 && c <= 0xFF19) {
      digits.push_back(static_cast<char>('0' + (c - 0xFF10)));
    } else if (const auto i = kDigitSyllables.find(c); i != std::u32string_view::npos) {
      digits.push_back(kDigitOf[i]);
    } else if (c != U'-') {
      return std::nullopt;
    }
  }
  if (digits.empty()) return std::nullopt;
  return digits;
}

// A number dictated to its full length needs no ending: a phone number
// (0xx … xxxx: three or more groups, the last of four digits, 9–11 digits,
// e.g. 공일공 일이삼사 오육칠팔 or 010-1234-5678) or a card number (four
// groups of four). Anything shorter is a number still being dictated.
bool CompleteNumber(const std::vector<std::u32string>& words) {
  // The trailing numeric words, each split at its dashes into groups.
  std::vector<std::string> groups;
  for (auto it = words.rbegin(); it != words.rend() && DigitString(*it); ++it) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    while (start <= it->size()) {
      const std::size_t dash = std::min(it->find(U'-', start), it->size());
      if (auto digits = DigitString(std::u32string_view(*it).substr(start, dash - start))) {
        parts.push_back(std::move(*digits));
      }
      start = dash + 1;
    }
    groups.insert(groups.begin(), parts.begin(), parts.end());
  }
  if (groups.size() == 1) {
    // One run of digits: 01012345678, or a card's sixteen.
    const std::string& d = groups.front();
    return (d.starts_with("01") && d.size() >= 10 && d.size() <= 11) || d.size() == 16;
  }
  std::size_t total = 0;
  for (const auto& g : groups) total += g.size();
  const bool phone = groups.size() >= 3 && groups.front().starts_with('0') &&
                     groups.back().size() == 4 && total >= 9 && total <= 11;
  const bool card =
      groups.size() == 4 &&
      std::all_of(groups.begin(), groups.end(), [](const std::string& g) { return g.size() == 4; });
  return phone || card;
}

std::string JoinWords(const std::vector<std::u32string>& words, std::size_t count) {
  std::string out;
  for (std::size_t i = 0; i < count; ++i) {
    if (i) out += ' ';
    out += EncodeUtf8(words[i]);
  }
  return out;
}

struct RuleMatch {
  const internal::EndingRule* rule = nullptr;
  std::size_t jamo_length = 0;  // of the matched pattern
};

// The rule table with its patterns decoded once (the table is UTF-8 for
// readability; matching needs code points).
struct DecodedRule {
  std::u32string pattern;
  const internal::EndingRule* rule;
};

const std::vector<DecodedRule>& DecodedRules() {
  static const std::vector<DecodedRule> rules = [] {
    std::vector<DecodedRule> out;
    for (const auto& rule : internal::EndingRules()) out.push_back({DecodeUtf8(rule.jamo), &rule});
    return out;
  }();
  return rules;
}

// The ending grammar on one word: the longest jamo suffix wins.
RuleMatch LongestRule(std::u32string_view word) {
  const std::u32string jamo = ToJamo(word);
  RuleMatch best;
  for (const auto& [pattern, rule] : DecodedRules()) {
    if (pattern.size() <= best.jamo_length || pattern.size() > jamo.size()) continue;
    if (jamo.compare(jamo.size() - pattern.size(), pattern.size(), pattern) != 0) continue;
    // A bare vowel ending (casual -아/-어) needs a word of two or more
    // syllables: a single syllable is more often a fragment or a noun.
    if (pattern.size() == 1 && rule->ending == EndingClass::kCasualFinal && word.size() < 2)
      continue;
    best = {rule, pattern.size()};
  }
  return best;
}

bool AllHangul(std::u32string_view w) {
  return !w.empty() && std::all_of(w.begin(), w.end(), IsHangulSyllable);
}

// A word no Korean word ends like: a verb stem whose ending the recognizer
// split off — a past or future stem (했, 됐, 겠), -ㅂ니/-습니 before 다/까,
// or 하/세 ("이상하 다", "해 주세 요").
bool EndsInAStem(std::u32string_view w, std::size_t fragment_syllables) {
  const char32_t end = w.back();
  if (FinalConsonant(end) == U'ㅆ') return true;
  // Stems no noun ends in, before a split-off -아/-어 ("했잖 아", "없 어").
  static constexpr std::u32string_view kStems = U"잖없같좋않싫많닳";
  if (fragment_syllables == 1 && kStems.find(end) != std::u32string_view::npos) return true;
  // Nouns end in 하/세 too (부가세): only a one-syllable fragment joins them.
  if (end == U'하' || end == U'세') return w.size() >= 2 && fragment_syllables == 1;
  if (end == U'니' && w.size() >= 2) {
    const char32_t before = FinalConsonant(w[w.size() - 2]);
    return before == U'ㅂ' || before == U'ㅁ';
  }
  return false;
}

// A word of address (고객님, 선생님, 어머님): after a sentence it closes
// nothing and opens nothing.
bool IsVocative(std::u32string_view w) { return w.size() >= 2 && w.back() == U'님'; }

// A word the analyzer knows by name (a filler, backchannel, adverb, noun).
bool KnownWord(const std::string& w) {
  for (auto list : {internal::Fillers(), internal::Backchannels(), internal::TrailingWords(),
                    internal::DanglingAdverbs(), internal::AfterthoughtAdverbs(),
                    internal::PostposedWords(), internal::NounExceptions()}) {
    if (InList(list, w)) return true;
  }
  return IsVocative(DecodeUtf8(w));
}

// "11월", "1992년", "3시", "5개": digits followed by a counter.
bool DigitsWithUnit(std::u32string_view w) {
  std::size_t i = 0;
  while (i < w.size() && IsDigit(w[i])) ++i;
  if (i == 0 || i == w.size()) return false;
  return InList(internal::NumberUnits(), EncodeUtf8(w.substr(i)));
}

Analysis Make(EndingClass c, double score, std::string reason, const std::u32string& word) {
  Analysis a;
  a.ending = c;
  a.score = score;
  a.reason = std::move(reason);
  a.last_word = EncodeUtf8(word);
  return a;
}

}  // namespace

std::string_view ToString(EndingClass c) {
  switch (c) {
    case EndingClass::kEmpty:
      return "empty";
    case EndingClass::kFormalFinal:
      return "formal_final";
    case EndingClass::kPoliteFinal:
      return "polite_final";
    case EndingClass::kCasualFinal:
      return "casual_final";
    case EndingClass::kQuestionMark:
      return "question_mark";
    case EndingClass::kBackchannel:
      return "backchannel";
    case EndingClass::kConnective:
      return "connective";
    case EndingClass::kParticle:
      return "particle";
    case EndingClass::kAdnominal:
      return "adnominal";
    case EndingClass::kFiller:
      return "filler";
    case EndingClass::kTrailingWord:
      return "trailing_word";
    case EndingClass::kNumber:
      return "number";
    case EndingClass::kCutoff:
      return "cutoff";
    case EndingClass::kNoun:
      return "noun";
    case EndingClass::kUnknown:
      return "unknown";
  }
  return "unknown";
}

KoreanAnalyzer::KoreanAnalyzer() = default;

namespace {

Analysis AnalyzeUpTo(std::string_view utf8, int depth);

// One utterance on its way through the steps below.
struct Utterance {
  const Prepared& p;
  int depth;  // words already set aside or joined (at most two: hostile input
              // cannot recurse deeply)
  const std::u32string& last;
  std::string last_utf8;

  // May a step set the last word aside and analyse the words before it?
  bool CanLookBack() const { return depth < 2 && p.words.size() >= 2; }
  // The word n places before the last (1: the one just before), or "".
  std::u32string_view Before(std::size_t n) const {
    return p.words.size() > n ? std::u32string_view(p.words[p.words.size() - 1 - n]) : U"";
  }
  std::string WithoutLast() const { return JoinWords(p.words, p.words.size() - 1); }
};

using Step = std::optional<Analysis>;

bool ClosedSentence(const Analysis& a) {
  return a.complete() &&
         (a.ending == EndingClass::kFormalFinal || a.ending == EndingClass::kPoliteFinal ||
          a.ending == EndingClass::kCasualFinal);
}

// 1. Words that decide by themselves: a trailing connective word, or the
// recognizer's '?' (a trailing word alone with '?', "또?", is a question).
Step DecidingMarks(const Utterance& u) {
  const bool question = u.p.mark == U'?';
  if (InList(internal::TrailingWords(), u.last_utf8) && !(question && u.p.words.size() == 1)) {
    return Make(EndingClass::kTrailingWord, 0.1, "trailing connective word '" + u.last_utf8 + "'",
                u.last);
  }
  if (question) {
    // The recognizer heard a rising question: complete, even as a fragment.
    return Make(EndingClass::kQuestionMark, 0.95, "recognizer marked a question '?'", u.last);
  }
  return std::nullopt;
}

// 2. A recognizer's spacing error splits the end off its word ("드립니 다",
// "아니 라", "할 게", "지 금", "멈 춰"): the two are one word when an ending
// only matches across the space, when the word before is a bare stem, when
// together they make a word the analyzer knows, or a contracted final.
Step JoinSplitEnding(const Utterance& u) {
  if (!u.CanLookBack() || u.last.size() > 2 || !AllHangul(u.last) || !AllHangul(u.Before(1)))
    return std::nullopt;
  const std::u32string_view previous = u.Before(1);
  std::u32string joined(previous);
  joined += u.last;
  // 야 alone is the copula (or a vocative) split off a noun: "실수 야".
  const bool copula = u.last == U"야" && FinalConsonant(previous.back()) == 0;
  const RuleMatch joined_rule = LongestRule(joined);
  if (joined_rule.jamo_length > ToJamo(u.last).size() || EndsInAStem(previous, u.last.size()) ||
      KnownWord(EncodeUtf8(joined)) || copula ||
      internal::JoinsAsContracted(previous, u.last, u.Before(2), joined_rule.rule)) {
    std::string text = JoinWords(u.p.words, u.p.words.size() - 2);
    if (!text.empty()) text += ' ';
    text += EncodeUtf8(joined);
    if (u.p.mark) text += static_cast<char>(u.p.mark);
    Analysis a = AnalyzeUpTo(text, u.depth + 1);
    a.reason += " ('" + EncodeUtf8(previous) + " " + u.last_utf8 + "' read as one word)";
    return a;
  }
  return std::nullopt;
}

// 3. "네 고객님", "잠시만 기다려 주세요 고객님": the words before a word of
// address decide (one pass; a run of vocatives is dropped as one).
Step SetAsideVocative(const Utterance& u) {
  if (!u.CanLookBack() || !IsVocative(u.last)) return std::nullopt;
  std::size_t keep = u.p.words.size() - 1;
  while (keep > 1 && IsVocative(u.p.words[keep - 1])) --keep;
  std::string before = JoinWords(u.p.words, keep);
  while (!before.empty() && before.back() == ',') before.pop_back();
  Analysis a = AnalyzeUpTo(before, u.depth + 1);
  a.reason += ", then '" + u.last_utf8 + "'";
  return a;
}

// 4. A word moved after a finished sentence: weakly complete, as an
// afterthought. After anything else it is the start of what follows.
Step PostposedWord(const Utterance& u) {
  if (!u.CanLookBack() || !InList(internal::PostposedWords(), u.last_utf8)) return std::nullopt;
  const Analysis a = AnalyzeUpTo(u.WithoutLast(), u.depth + 1);
  // A backchannel that is a whole sentence ("괜찮아요 저는", "맞아요
  // 이거") counts; a bare 네/응 or a "no" (아니요 저는 …) does not.
  const std::u32string_view previous = u.Before(1);
  const bool sentence_backchannel = a.ending == EndingClass::kBackchannel && previous.size() >= 3 &&
                                    !previous.starts_with(U"아니");
  const bool sentence = ClosedSentence(a) || (sentence_backchannel && a.complete());
  // "뭐야 이게" is a question; "그 뭐야 이게" is still searching for a word.
  const bool question_filler =
      InList(internal::QuestionFillers(), EncodeUtf8(previous)) &&
      (u.p.words.size() == 2 || !InList(internal::Hesitations(), EncodeUtf8(u.Before(2))));
  if (!sentence && !question_filler) return std::nullopt;
  return Make(sentence ? a.ending : EndingClass::kCasualFinal, 0.6,
              (sentence ? a.reason : "question '" + EncodeUtf8(previous) + "'") +
                  ", then the postposed '" + u.last_utf8 + "'",
              u.last);
}

// 5. A resigned 뭐 after a closed sentence ("내가 하지 뭐", "할 수 없지 뭐":
// 표준국어대사전 「뭐」 감탄사, giving up or making light of it) ends it;
// after anything else it is a filler searching for a word (step 6).
Step ResignedMwo(const Utterance& u) {
  if (!u.CanLookBack() || u.last_utf8 != "뭐") return std::nullopt;
  const Analysis a = AnalyzeUpTo(u.WithoutLast(), u.depth + 1);
  if (!ClosedSentence(a)) return std::nullopt;
  return Make(a.ending, 0.62, a.reason + ", then a resigned '뭐'", u.last);
}

// 6. Fillers and backchannels, by name.
Step FillerOrBackchannel(const Utterance& u) {
  if (InList(internal::Fillers(), u.last_utf8)) {
    return Make(EndingClass::kFiller, 0.1, "filler '" + u.last_utf8 + "' at the end", u.last);
  }
  if (InList(internal::Backchannels(), u.last_utf8)) {
    return Make(EndingClass::kBackchannel, 0.92, "short answer / backchannel '" + u.last_utf8 + "'",
                u.last);
  }
  return std::nullopt;
}

// 7. Spoken Korean moves an intensifier after a closed sentence ("왜 이렇게
// 안 돼요 진짜", "뭐 하는 거야 지금"): weakly complete, so the pause decides.
// After anything else it still waits for its predicate (step 8).
Step Afterthought(const Utterance& u) {
  if (!u.CanLookBack() || !InList(internal::AfterthoughtAdverbs(), u.last_utf8))
    return std::nullopt;
  const Analysis a = AnalyzeUpTo(u.WithoutLast(), u.depth + 1);
  const bool closed = ClosedSentence(a) || (a.ending == EndingClass::kBackchannel && a.complete());
  if (!closed) return std::nullopt;
  return Make(a.ending, 0.6, a.reason + ", then the afterthought '" + u.last_utf8 + "'", u.last);
}

// 8. Dangling adverbs, numbers, postposition verbs, listed nouns.
Step AdverbNumberOrNoun(const Utterance& u) {
  if (InList(internal::DanglingAdverbs(), u.last_utf8)) {
    return Make(EndingClass::kFiller, 0.15,
                "adverb '" + u.last_utf8 + "' waiting for its predicate", u.last);
  }
  if (CompleteNumber(u.p.words)) {
    return Make(EndingClass::kNumber, 0.8, "number dictated to its full length", u.last);
  }
  // Numbers being dictated: the speaker pauses between groups.
  const std::u32string_view previous = u.Before(1);
  const bool previous_numeric = AllDigits(previous) || AllNumerals(previous);
  if (AllDigits(u.last) || DigitsWithUnit(u.last) ||
      (AllNumerals(u.last) && (u.last.size() >= 2 || previous_numeric))) {
    return Make(EndingClass::kNumber, 0.2, "number being dictated", u.last);
  }
  if (InList(internal::PostpositionVerbs(), u.last_utf8)) {
    return Make(EndingClass::kConnective, 0.15,
                "'" + u.last_utf8 + "' used as a postposition, waiting for its predicate", u.last);
  }
  if (InList(internal::NounExceptions(), u.last_utf8)) {
    return Make(EndingClass::kNoun, 0.3, "noun '" + u.last_utf8 + "' without a predicate", u.last);
  }
  return std::nullopt;
}

// 9. The ending grammar: the longest jamo suffix wins, unless the words
// before an ambiguous spelling read it otherwise (clause_context.cc).
Analysis EndingGrammar(const Utterance& u) {
  const std::u32string& last = u.last;
  if (!IsHangulSyllable(last.back())) {
    return Make(EndingClass::kUnknown, 0.4, "no Korean ending found", last);
  }
  if (last == U"나" && u.p.words.size() == 1) {
    // Alone, 나 is the pronoun "I", not the question -나 on a stem.
    return Make(EndingClass::kNoun, 0.3, "pronoun '나' alone", last);
  }
  const internal::EndingRule* best = LongestRule(last).rule;
  std::optional<internal::ContextReading> reading;
  if (best && best->ending == EndingClass::kConnective && last.back() == U'야')
    reading = internal::ReadCopulaOrCondition(last, u.Before(1));
  if (!reading) reading = internal::ReadContractedFinal(last, u.Before(1), u.Before(2), best);
  if (!reading && internal::IsTagAigA(last, u.Before(1))) {
    reading = internal::ContextReading{EndingClass::kCasualFinal, 0.75,
                                       "경상 tag question 아이가 (= 아니냐)"};
  }
  if (!reading && best) reading = internal::ContextReading{best->ending, best->score, best->reason};
  if (reading) {
    double score = reading->score;
    std::string reason(reading->reason);
    if (u.p.mark == U',') {
      score = std::min(score, 0.3);
      reason += ", followed by a comma";
    }
    return Make(reading->ending, score, reason, last);
  }
  if (last.size() == 1 && u.p.words.size() > 1) {
    return Make(EndingClass::kCutoff, 0.2, "single syllable '" + u.last_utf8 + "' (cut off?)",
                last);
  }
  return Make(EndingClass::kNoun, u.p.mark == U'.' ? 0.35 : 0.3, "bare noun phrase", last);
}

// The steps in order; the first that decides wins. The order is the
// grammar's precedence: a mark or trailing word overrides everything; a
// split is repaired before any word is read; words set aside (address,
// postposed, 뭐, afterthought) are tried before the lists that would read
// them alone as fillers or dangling adverbs.
Analysis AnalyzeUpTo(std::string_view utf8, int depth) {
  const Prepared p = Prepare(utf8);
  if (p.words.empty()) return Make(EndingClass::kEmpty, 0.5, "no transcript", {});
  const Utterance u{p, depth, p.words.back(), EncodeUtf8(p.words.back())};
  for (const auto step : {DecidingMarks, JoinSplitEnding, SetAsideVocative, PostposedWord,
                          ResignedMwo, FillerOrBackchannel, Afterthought, AdverbNumberOrNoun}) {
    if (Step decided = step(u)) return std::move(*decided);
  }
  return EndingGrammar(u);
}

}  // namespace

Analysis KoreanAnalyzer::Analyze(std::string_view utf8) const { return AnalyzeUpTo(utf8, 0); }

}  // namespace aicc::turn
