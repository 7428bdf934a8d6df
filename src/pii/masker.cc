// The matcher is written by hand on purpose. Packaged PII detectors
// (Presidio, scrubadub, regex sets for card and phone formats) match written
// digits and Western layouts; none reads Korean numbers as callers speak them
// (공일공에 일이삼사, 팔이 아니라 칠이요, four digits per turn), tells the
// particle 이 from the digit 이, or knows that a bare chunk of digits is PII
// after "카드번호 말씀해 주세요" and not after "얼마 결제하셨어요?". What is
// needed is small: numerals, counters, particles and keywords (lexicon.cc)
// and the rules below, which cost a few microseconds per utterance.
//
// One utterance is read in passes:
//   1. e-mail addresses (an '@' or a spoken 골뱅이) are masked whole;
//   2. every word that starts with a number becomes a token: its digits
//      (ASCII, sino-Korean digit by digit, or a place-value number such as
//      천이백삼), and what follows in the word (nothing, a particle, a counter);
//   3. tokens join into groups (one value said in pieces): separated by
//      spaces, a spoken hyphen (에, 다시) or nothing; a counter ends a group;
//   4. groups join into dictations across corrections and hesitations
//      ("오사 아니 사오일이"), so a corrected digit is masked with the rest;
//   5. each group gets a label: the nearest keyword in the utterance, else
//      what the other speaker last asked for, else what this speaker was
//      dictating; then it is masked by the label, its counter and its shape.
#include "pii/masker.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "pii/internal/checks.h"
#include "pii/internal/email.h"
#include "pii/internal/keywords.h"
#include "pii/internal/lexicon.h"
#include "pii/internal/text.h"

namespace aicc::pii {
namespace {

using internal::ContextLabel;
using internal::Cp;
using internal::Hit;
using internal::IsAsciiAlnum;
using internal::IsAsciiDigit;
using internal::IsSpace;
using internal::Label;
using internal::LabelOf;
using internal::Suffix;
using internal::SuffixKind;
using internal::Tier;
using internal::Word;

constexpr std::string_view kCategoryNames[kCategoryCount] = {
    "registration", "card",       "cvc", "expiry", "account",
    "phone",        "birth_date", "pin", "email",  "address"};

bool IsSinoDigit(char32_t c) { return !IsAsciiDigit(c) && internal::DigitValue(c) >= 0; }

// Digit lengths a value of each category is usually said in (whole, or one
// chunk): decides whether a final 이 after 일/삼/칠/팔/공 is a digit.
bool ExpectedLength(std::optional<Category> c, int n) {
  if (!c) return n == 4;
  switch (*c) {
    case Category::kCard:
      return n == 4 || n == 15 || n == 16;
    case Category::kRegistration:
      return n == 6 || n == 7 || n == 13;
    case Category::kPhone:
      return n == 4 || n == 9 || n == 10 || n == 11;  // 9: Seoul landlines (02)
    case Category::kBirthDate:
      return n == 6 || n == 8;
    case Category::kPin:
      return n == 4 || n == 6;
    case Category::kCvc:
      return n == 3;
    case Category::kAccount:
      return false;  // 10-14 digits in any grouping: the particle reading
    default:
      return n == 4;
  }
}

std::optional<Category> StructuralCategory(std::string_view d) {
  if (internal::LooksLikeRegistration(d, false)) return Category::kRegistration;
  if (internal::LooksLikeMobile(d) || internal::LooksLikeLandline(d)) return Category::kPhone;
  if (d.size() == 15 || d.size() == 16) return Category::kCard;
  if (d.size() >= 10 && d.size() <= 14) return Category::kAccount;
  return std::nullopt;
}

// YYYY-MM-DD, YY.MM.DD, YYYY/MM/DD: three parts, a month and a day.
bool LooksLikeWrittenDate(std::string_view s) {
  int parts[3] = {0, 0, 0};
  int len[3] = {0, 0, 0};
  int k = 0;
  for (char c : s) {
    if (c >= '0' && c <= '9') {
      if (++len[k] > 4) return false;  // no date part is longer (and no overflow)
      parts[k] = parts[k] * 10 + (c - '0');
    } else if ((c == '-' || c == '.' || c == '/') && k < 2 && len[k] > 0) {
      ++k;
    } else {
      return false;
    }
  }
  return k == 2 && (len[0] == 2 || len[0] == 4) && len[1] >= 1 && len[1] <= 2 && len[2] >= 1 &&
         len[2] <= 2 && parts[1] >= 1 && parts[1] <= 12 && parts[2] >= 1 && parts[2] <= 31;
}

// Representative numbers of businesses (1588-xxxx, 1600-xxxx, 1899-xxxx):
// a company's, not a person's.
bool BusinessNumber(std::string_view d) {
  if (d.size() == 10 && d.substr(0, 3) == "080") return true;  // toll-free
  return d.size() == 8 &&
         (d.substr(0, 2) == "15" || d.substr(0, 2) == "16" || d.substr(0, 2) == "18");
}

// 35000, 120000: a written round amount without its 원.
bool RoundAmount(std::string_view d) { return d.size() >= 5 && d.substr(d.size() - 3) == "000"; }

// Shapes that are PII whatever the words around them say.
bool StrongShape(std::string_view d) {
  return internal::LooksLikeMobile(d) || internal::LooksLikeRegistration(d, true);
}

struct Token {
  int word = -1;
  int num_b = 0, num_e = 0;  // code points of the number
  std::string digits;        // digit by digit; a place-value number: its value
  bool place = false, ascii = false, sino = false;
  bool comma = false, dot = false, slash = false;
  bool date = false;  // 2024-03-15, 85.03.12: written as a date
  Suffix suffix;
  std::string_view suffix_text;
  bool ambiguous_i = false;  // ends in 이 after 일/삼/칠/팔/공...: digit or particle
};

struct Group {
  std::vector<int> tokens;
  int first_word = 0, last_word = 0;  // words covered (incl. a counter word)
  int span_b = 0, span_e = 0;         // code points: first to last numeral
  std::string digits;
  bool place = false, ascii = false, comma = false, dot = false, slash = false, date = false;
  std::string_view counter;
  int sequence = -1;  // dictation this group belongs to
  bool masked = false;
  std::optional<Category> category;
};

class Utterance {
 public:
  Utterance(std::string_view text, const Context& context, const Options& options)
      : t_(text), context_(context), options_(options) {}

  Result Run() {
    if (options_.categories.test(static_cast<std::size_t>(Category::kEmail))) {
      values_ = internal::MaskEmails(t_);
      if (values_ > 0) last_category_ = Category::kEmail;
    }
    Tokenize();
    // Most utterances hold no number: nothing to label.
    if (tokens_.empty() && !HasAlphanumericWord()) return Finish();
    own_hits_ = internal::FindKeywords(t_);
    announced_ = AnnouncedLength();
    context_label_ = ContextLabel(context_.other_recent);
    continuation_context_ = context_label_.kind == Label::Kind::kNone &&
                            !context_.other_recent.empty() &&
                            internal::IsContinuation(context_.other_recent.back());
    BuildGroups();
    BuildSequences();
    ResolveAmbiguousI();
    Decide();
    MaskAlphanumericSecrets();
    return Finish();
  }

 private:
  bool IsToken(int w) const {
    return w >= 0 && w < static_cast<int>(t_.words.size()) && tok_[w] >= 0;
  }

  // --- 2. tokens --------------------------------------------------------------
  void Tokenize() {
    tok_.assign(t_.words.size(), -1);
    for (int w = 0; w < static_cast<int>(t_.words.size()); ++w) {
      if (t_.consumed[w]) continue;
      Token t;
      if (ParseToken(w, &t)) {
        tok_[w] = static_cast<int>(tokens_.size());
        tokens_.push_back(std::move(t));
      }
    }
  }

  bool ParseToken(int w, Token* t) const {
    const Word& word = t_.words[w];
    // 시월 (10월) and 유월 (6월) drop a consonant of 십 and 육.
    if (word.e - word.b >= 2 && t_.cps[word.b + 1].c == U'월' &&
        (t_.cps[word.b].c == U'시' || t_.cps[word.b].c == U'유')) {
      t->word = w;
      t->sino = true;
      t->num_b = word.b;
      t->num_e = word.b + 1;
      t->digits = t_.cps[word.b].c == U'시' ? "10" : "6";
      t->suffix_text = t_.Bytes(t->num_e, word.e);
      t->suffix = internal::ClassifySuffix(t->suffix_text);
      return t->suffix.kind == SuffixKind::kCounter;
    }
    int i = word.b;
    while (i < word.e) {
      const char32_t c = t_.cps[i].c;
      if (IsAsciiDigit(c)) {
        if (t->sino) break;
        t->ascii = true;
      } else if (IsSinoDigit(c)) {
        if (t->ascii) break;  // 5678이요, 12일: written digits end at Hangul
        t->sino = true;
      } else if (internal::PlaceValue(c) > 0) {
        t->place = true;
      } else if ((c == '-' || c == '.' || c == '/' || c == ',') && i > word.b &&
                 IsAsciiDigit(t_.cps[i - 1].c) && i + 1 < word.e && IsAsciiDigit(t_.cps[i + 1].c)) {
        t->comma |= c == ',';
        t->dot |= c == '.';
        t->slash |= c == '/';
      } else {
        break;
      }
      ++i;
    }
    if (i == word.b) return false;
    t->word = w;
    t->num_b = word.b;
    t->num_e = i;
    // A final 이 after a numeral with a final consonant (칠이요, 팔이 아니라,
    // 공일공이요) is usually the particle; decided with the group's length.
    if (t->num_e - t->num_b >= 2 && t_.cps[t->num_e - 1].c == U'이') {
      const char32_t prev = t_.cps[t->num_e - 2].c;
      const bool batchim_numeral = (IsSinoDigit(prev) || internal::PlaceValue(prev) > 0) &&
                                   internal::HasFinalConsonant(prev);
      const std::string_view after = t_.Bytes(t->num_e, word.e);
      const bool next_is_ani =
          w + 1 < static_cast<int>(t_.words.size()) && t_.WordText(w + 1).substr(0, 6) == "아니";
      if (batchim_numeral && (!after.empty() || next_is_ani)) {
        const Suffix s = internal::ClassifySuffix(t_.Bytes(t->num_e - 1, word.e));
        if (s.kind == SuffixKind::kParticle) {
          if (t->place || next_is_ani) {
            t->num_e -= 1;  // 이십일이요, 팔이 아니라: the particle
          } else {
            t->ambiguous_i = true;
          }
        }
      }
    }
    t->suffix_text = t_.Bytes(t->num_e, word.e);
    t->suffix = t->ascii && !t->sino ? internal::ClassifySuffixAfterDigits(t->suffix_text)
                                     : internal::ClassifySuffix(t->suffix_text);
    if (t->suffix.kind == SuffixKind::kOther) {
      // 오늘, 일단, 이거, 공짜: not a number. Written digits followed by
      // Hangul the lexicon does not know still end a value ("1234번이요").
      if (!t->ascii || t->sino) return false;
      t->suffix.kind = SuffixKind::kParticle;
    }
    t->digits = DigitsOf(t->num_b, t->num_e, t->place);
    t->date = t->ascii && LooksLikeWrittenDate(t_.Bytes(t->num_b, t->num_e));
    return !t->digits.empty();
  }

  std::string DigitsOf(int b, int e, bool place) const {
    std::string d;
    if (!place) {
      for (int i = b; i < e; ++i) {
        const int v = internal::DigitValue(t_.cps[i].c);
        if (v >= 0) d.push_back(static_cast<char>('0' + v));
      }
      return d;
    }
    // A spoken amount ("삼백오십만") is far below 2^63; a long run of
    // digits among place words is not (UBSan, found by fuzz_pii_masker):
    // past that, the digits are read as written.
    std::int64_t total = 0, section = 0, cur = 0;
    bool overflow = false;
    const auto mul_add = [&overflow](std::int64_t a, std::int64_t m, std::int64_t add) {
      std::int64_t r = 0;
      overflow = overflow || __builtin_mul_overflow(a, m, &r) || __builtin_add_overflow(r, add, &r);
      return r;
    };
    for (int i = b; i < e && !overflow; ++i) {
      const int v = internal::DigitValue(t_.cps[i].c);
      const std::int64_t p = internal::PlaceValue(t_.cps[i].c);
      if (v >= 0) {
        cur = mul_add(cur, 10, v);
      } else if (p >= 10000) {
        total = mul_add(section + cur == 0 ? 1 : section + cur, p, total);
        section = cur = 0;
      } else if (p > 0) {
        section = mul_add(cur == 0 ? 1 : cur, p, section);
        cur = 0;
      }
    }
    std::int64_t sum = 0;
    if (overflow || __builtin_add_overflow(total, section, &sum) ||
        __builtin_add_overflow(sum, cur, &sum)) {
      return DigitsOf(b, e, false);
    }
    return std::to_string(sum);
  }

  // --- 3. groups --------------------------------------------------------------
  bool OneSyllableSino(const Token& t) const {
    return t.num_e - t.num_b == 1 && IsSinoDigit(t_.cps[t.num_b].c) &&
           t.suffix.kind == SuffixKind::kNone;
  }

  // Whether the token at word `w` continues the group ending in token `t`.
  bool Continues(const Token& t, int w) const {
    if (!IsToken(w)) return false;
    const Token& next = tokens_[tok_[w]];
    if (next.suffix.kind == SuffixKind::kCounter) return false;  // 240 1층: its own count
    if (t.place != next.place && (t.place || next.place) && !t.ascii) return false;
    // "이 번호로", "일 있어요": a lone syllable before a noun is not a digit.
    if (OneSyllableSino(next)) {
      const int after = w + 1;
      if (after >= static_cast<int>(t_.words.size())) return true;
      if (!IsToken(after) && !internal::IsGroupJoiner(t_.WordText(after))) return false;
    }
    return true;
  }

  void BuildGroups() {
    const int nw = static_cast<int>(t_.words.size());
    for (int w = 0; w < nw; ++w) {
      if (!IsToken(w)) continue;
      Group g;
      g.first_word = w;
      int cur = w;
      while (true) {
        g.tokens.push_back(tok_[cur]);
        const Token& t = tokens_[tok_[cur]];
        g.last_word = cur;
        if (t.suffix.kind == SuffixKind::kCounter) {
          g.counter = t.suffix.counter;
          break;
        }
        if (t.suffix.kind == SuffixKind::kParticle) {
          if (t.suffix_text == "에" && Continues(t, cur + 1)) {
            ++cur;
            continue;
          }
          break;
        }
        // Nothing follows the number in its word: a counter word, more
        // digits, or a spoken hyphen and more digits.
        if (cur + 1 < nw && !IsToken(cur + 1)) {
          const Suffix cw = internal::ClassifyCounterWord(t_.WordText(cur + 1));
          if (cw.kind == SuffixKind::kCounter) {
            g.counter = cw.counter;
            g.last_word = cur + 1;
            break;
          }
        }
        if (cur + 1 < nw && IsToken(cur + 1) && IsCounterWordAfter(g, t, cur + 1)) {
          g.counter = internal::ClassifyCounterWord(t_.WordText(cur + 1)).counter;
          g.last_word = cur + 1;
          break;
        }
        if (Continues(t, cur + 1)) {
          ++cur;
          continue;
        }
        if (cur + 2 < nw && internal::IsGroupJoiner(t_.WordText(cur + 1)) &&
            Continues(t, cur + 2)) {
          cur += 2;
          continue;
        }
        break;
      }
      FinishGroup(&g);
      groups_.push_back(std::move(g));
      w = groups_.back().last_word;
    }
    SplitDayCounters();
  }

  // "삼 일 걸렸어요", "십이 일생": the word 일 after a small or place-value
  // number is the day counter, unless more digits follow ("공 일 공").
  bool IsCounterWordAfter(const Group& g, const Token& t, int w) const {
    const Suffix cw = internal::ClassifyCounterWord(t_.WordText(w));
    if (cw.kind != SuffixKind::kCounter || !internal::IsDayCounter(cw.counter)) return false;
    if (IsToken(w + 1)) return false;
    return t.place || (g.tokens.size() == 1 && t.digits.size() <= 2);
  }

  void FinishGroup(Group* g) const {
    const Token& first = tokens_[g->tokens.front()];
    const Token& last = tokens_[g->tokens.back()];
    g->span_b = first.num_b;
    g->span_e = last.num_e;
    g->digits.clear();
    for (int ti : g->tokens) {
      const Token& t = tokens_[ti];
      g->digits += t.digits;
      g->place |= t.place;
      g->ascii |= t.ascii;
      g->comma |= t.comma;
      g->dot |= t.dot;
      g->slash |= t.slash;
      g->date |= t.date;
    }
  }

  // 삼월 오일에, 칠월 이십일이요: after a month, a sino number ending in 일
  // is the day and its counter.
  void SplitDayCounters() {
    for (std::size_t i = 1; i < groups_.size(); ++i) {
      Group& g = groups_[i];
      const Group& prev = groups_[i - 1];
      if (!internal::IsMonthCounter(prev.counter) || g.first_word > prev.last_word + 1) continue;
      if (!g.counter.empty() || g.tokens.size() != 1) continue;
      Token& t = tokens_[g.tokens[0]];
      if (t.ambiguous_i && t.num_e - t.num_b >= 3 && t_.cps[t.num_e - 2].c == U'일') {
        t.num_e -= 1;  // 이일이에요: the day, then the particle
      }
      if (t.ascii || t.num_e - t.num_b < 2 || t_.cps[t.num_e - 1].c != U'일') continue;
      t.num_e -= 1;
      t.place = false;
      for (int k = t.num_b; k < t.num_e; ++k) t.place |= internal::PlaceValue(t_.cps[k].c) > 0;
      t.digits = DigitsOf(t.num_b, t.num_e, t.place);
      t.ambiguous_i = false;
      g.counter = "일";
      FinishGroup(&g);
    }
  }

  // --- 4. dictations ------------------------------------------------------------
  void BuildSequences() {
    int seq = -1;
    for (std::size_t i = 0; i < groups_.size(); ++i) {
      Group& g = groups_[i];
      if (!g.counter.empty()) continue;
      const Token& lone = tokens_[g.tokens.front()];
      const bool determiner = g.tokens.size() == 1 && OneSyllableSino(lone) &&
                              g.last_word + 1 < static_cast<int>(t_.words.size()) &&
                              !IsToken(g.last_word + 1);
      if (i > 0 && !determiner && groups_[i - 1].counter.empty() && groups_[i - 1].sequence >= 0) {
        const Group& p = groups_[i - 1];
        bool fillers_only = g.first_word - p.last_word - 1 <= 3;
        for (int w = p.last_word + 1; fillers_only && w < g.first_word; ++w) {
          fillers_only = internal::IsDictationFiller(t_.WordText(w));
        }
        if (fillers_only) {
          g.sequence = p.sequence;
          continue;
        }
      }
      g.sequence = ++seq;
    }
    seq_digits_.assign(seq + 1, 0);
    for (const Group& g : groups_) {
      if (g.sequence >= 0) seq_digits_[g.sequence] += static_cast<int>(g.digits.size());
    }
  }

  // 칠이요 / 오사삼이요: the final 이 is the particle unless counting it as a
  // digit gives the length such a value is said in (a corrected chunk: the
  // chunk it corrects).
  void ResolveAmbiguousI() {
    for (std::size_t gi = 0; gi < groups_.size(); ++gi) {
      Group& g = groups_[gi];
      for (std::size_t k = 0; k < g.tokens.size(); ++k) {
        Token& t = tokens_[g.tokens[k]];
        if (!t.ambiguous_i) continue;
        const int with = static_cast<int>(t.digits.size());
        const int without = with - 1;
        const int g_with = static_cast<int>(g.digits.size());
        const int g_without = g_with - 1;
        bool digit;
        if (k == 0 && gi > 0 && groups_[gi - 1].sequence == g.sequence && g.sequence >= 0) {
          const Group& p = groups_[gi - 1];
          const int ref = static_cast<int>(tokens_[p.tokens.back()].digits.size());
          digit = with == ref && without != ref;
        } else if (announced_ > 0 && (g_with == announced_ || g_without == announced_)) {
          digit = g_with == announced_;  // "세 자리요" → 칠칠칠이요 is 777
        } else if (announced_ > 0 && (with == announced_ || without == announced_)) {
          digit = with == announced_;
        } else if (k > 0 && (with == PrevLength(g, k) || without == PrevLength(g, k))) {
          // The chunks of one number are said in equal sizes after the first
          // (010 1234 5678, 1234 5678 ..., 381 927).
          digit = with == PrevLength(g, k);
        } else {
          const std::optional<Category> c = LabelFor(g).pii()
                                                ? std::optional<Category>(LabelFor(g).category)
                                                : context_.dictating;
          // The whole group's length first, then the chunk's own.
          bool with_fits = ExpectedLength(c, g_with);
          bool without_fits = ExpectedLength(c, g_without);
          if (with_fits == without_fits) {
            with_fits = ExpectedLength(c, with);
            without_fits = ExpectedLength(c, without);
          }
          // 공일공이요: an area or mobile prefix said alone.
          const bool phone_prefix = g.tokens.size() == 1 && without <= 3 && t.digits[0] == '0' &&
                                    (!c || *c == Category::kPhone);
          digit = with_fits && !without_fits && !phone_prefix;
        }
        if (!digit) {
          t.num_e -= 1;
          t.digits.pop_back();
          t.suffix_text = t_.Bytes(t.num_e, t_.words[t.word].e);
          t.suffix = internal::ClassifySuffix(t.suffix_text);
        }
        t.ambiguous_i = false;
        FinishGroup(&g);
      }
    }
    std::fill(seq_digits_.begin(), seq_digits_.end(), 0);
    for (const Group& g : groups_) {
      if (g.sequence >= 0) seq_digits_[g.sequence] += static_cast<int>(g.digits.size());
    }
  }

  // "세 자리요", "인증번호 여섯 자리 불러 주세요": in this utterance, else in
  // the other speaker's newest utterance that says one.
  int AnnouncedLength() const {
    if (const int n = internal::DigitCountBeforeJari(internal::Squeeze(t_.text))) return n;
    for (auto it = context_.other_recent.rbegin(); it != context_.other_recent.rend(); ++it) {
      if (const int n = internal::DigitCountBeforeJari(internal::Squeeze(*it))) return n;
    }
    return 0;
  }

  bool SequenceHasDigitForm(int sequence) const {
    for (const Group& o : groups_) {
      if (o.sequence == sequence && !o.place && o.digits.size() >= 2) return true;
    }
    return false;
  }

  int PrevLength(const Group& g, std::size_t k) const {
    return static_cast<int>(tokens_[g.tokens[k - 1]].digits.size());
  }

  // --- 5. labels and decisions ----------------------------------------------------
  Label LabelFor(const Group& g) const {
    const Hit* left = nullptr;
    const Hit* right = nullptr;
    for (const Hit& h : own_hits_) {
      if (h.end <= g.span_b) {
        if (!left || h.end > left->end) left = &h;
      } else if (h.begin >= g.span_e && h.begin - g.span_e <= 8 && h.keyword->tier != Tier::kWeak &&
                 h.keyword->text.size() > 3) {
        // After the number only a named value counts ("1234가 비밀번호예요"),
        // not "114에 전화했어요" or the 층 of "42 1층".
        if (!right || h.begin < right->begin) right = &h;
      }
    }
    if (left && left->keyword->tier == Tier::kWeak) {
      // "주문한 거 번호가": a weak keyword right after a non-PII one is its.
      for (const Hit& h : own_hits_) {
        if (h.keyword->tier == Tier::kNonPii && h.end <= left->begin && left->begin - h.end <= 6) {
          return LabelOf(*h.keyword);
        }
      }
    }
    if (left) return LabelOf(*left->keyword);
    if (right) return LabelOf(*right->keyword);
    if (context_label_.kind != Label::Kind::kNone) return context_label_;
    if (context_.dictating) return Label{Label::Kind::kPii, *context_.dictating};
    return {};
  }

  bool Enabled(std::optional<Category> c) const {
    if (c) return options_.categories.test(static_cast<std::size_t>(*c));
    for (Category k : {Category::kCard, Category::kAccount, Category::kPhone, Category::kPin,
                       Category::kRegistration}) {
      if (options_.categories.test(static_cast<std::size_t>(k))) return true;
    }
    return false;
  }

  // 강남구 테헤란로 123: a building number after a road name that follows
  // a district.
  bool RoadNumber(const Group& g) const {
    if (g.first_word < 2 || g.place || g.digits.size() > 4) return false;
    const std::string_view road = t_.WordText(g.first_word - 1);
    const std::string_view district = t_.WordText(g.first_word - 2);
    auto ends = [](std::string_view w, std::string_view e) {
      return w.size() > e.size() && w.substr(w.size() - e.size()) == e;
    };
    const bool is_road = (ends(road, "로") && !ends(road, "으로")) || ends(road, "길");
    const bool is_district = ends(district, "구") || ends(district, "시") || ends(district, "군") ||
                             ends(district, "읍") || ends(district, "면") || ends(district, "동");
    return is_road && is_district;
  }

  // A single digit that is being dictated: "팔이 아니라", "칠이요", "일로".
  bool DictatedSingle(const Group& g) const {
    const Token& t = tokens_[g.tokens.back()];
    if (internal::IsDictationParticle(t.suffix_text)) return true;
    const int next = g.last_word + 1;
    if (next < static_cast<int>(t_.words.size()) && t_.WordText(next).substr(0, 6) == "아니")
      return true;
    const int prev = g.first_word - 1;
    return prev >= 0 && internal::IsDictationFiller(t_.WordText(prev)) &&
           t_.WordText(prev) != "네" && t_.WordText(prev) != "그";
  }

  void Decide() {
    std::vector<int> counted_sequences;
    for (std::size_t i = 0; i < groups_.size(); ++i) {
      Group& g = groups_[i];
      if (g.masked) continue;
      const Label label = LabelFor(g);
      if (!g.counter.empty()) {
        DecideCounted(i, label);
        continue;
      }
      const int seq = g.sequence >= 0 ? seq_digits_[g.sequence] : static_cast<int>(g.digits.size());
      bool mask = false;
      std::optional<Category> category;
      const bool date_value = label.pii() && (label.category == Category::kBirthDate ||
                                              label.category == Category::kExpiry);
      if (!label.non_pii() && RoadNumber(g)) {
        category = Category::kAddress;
        mask = true;
      } else if (label.pii()) {
        category = label.category;
        mask = (date_value || (!g.comma && !g.dot && !g.date)) &&
               (seq >= 2 || (g.digits.size() == 1 && DictatedSingle(g)) ||
                (g.digits.size() == 1 && seq == 1 && g.place));
      } else if (label.non_pii()) {
        mask = !g.place && StrongShape(g.digits);
      } else {
        // No word says what it is: digits read one by one are an identifier
        // (amounts, dates and counts are said with 만/천 and counters), unless
        // written like an amount, a date or a company's number.
        const bool shaped = !g.place && !g.comma && !g.dot && !g.slash && !g.date &&
                            !BusinessNumber(g.digits) && !(g.ascii && RoundAmount(g.digits));
        const bool sino = !g.ascii;
        mask = shaped && (seq >= 4 || (sino && seq >= 3) ||
                          (sino && seq >= 2 && continuation_context_) || StrongShape(g.digits));
        // 공일공 천이백삼십사 오천육백칠십팔: place-value chunks of a phone number
        // said right after its digits.
        mask |=
            g.place && !g.comma && g.sequence >= 0 && seq >= 7 && SequenceHasDigitForm(g.sequence);
      }
      if (!mask) continue;
      if (!category) category = StructuralCategory(g.digits);
      if (!Enabled(category)) continue;
      MaskGroup(&g, category);
      const bool new_value =
          g.sequence < 0 || std::find(counted_sequences.begin(), counted_sequences.end(),
                                      g.sequence) == counted_sequences.end();
      if (new_value) {
        ++values_;
        if (g.sequence >= 0) counted_sequences.push_back(g.sequence);
      }
    }
  }

  // A number with a counter: a date of birth or an expiry (년 월 일), a
  // building or unit (동 호 번지), or a count that is never PII.
  void DecideCounted(std::size_t i, const Label& label) {
    Group& g = groups_[i];
    if (internal::IsDateCounter(g.counter)) {
      // The whole date: consecutive numbers with 년, 월, 일.
      std::size_t end = i;
      bool year = false, month = false, day = false, born = false;
      while (end < groups_.size() && internal::IsDateCounter(groups_[end].counter) &&
             (end == i || groups_[end].first_word <= groups_[end - 1].last_word + 1)) {
        const std::string_view c = groups_[end].counter;
        year |= internal::IsYearCounter(c);
        month |= internal::IsMonthCounter(c);
        day |= internal::IsDayCounter(c);
        born |=
            c == "년생" || c == "일생" ||
            tokens_[groups_[end].tokens.back()].suffix_text.find("생") != std::string_view::npos;
        ++end;
      }
      const bool labelled = label.pii() && (label.category == Category::kBirthDate ||
                                            label.category == Category::kExpiry);
      // "3월 12일생": a whole birth date needs no question before it.
      if (!labelled && !(born && month && day)) return;
      const Category category = labelled ? label.category : Category::kBirthDate;
      const bool birth = category == Category::kBirthDate;
      // A year alone ("2020년에 가입") is not a birth date unless it is 년생.
      const bool value =
          birth ? ((year && (month || day)) || (month && day) || born) : (year || month);
      if (!value || !Enabled(category)) return;
      for (std::size_t k = i; k < end; ++k) {
        if (!birth && internal::IsDayCounter(groups_[k].counter)) continue;
        MaskGroup(&groups_[k], category);
      }
      ++values_;
      return;
    }
    if (internal::IsAddressCounter(g.counter)) {
      bool pair = false;
      if (internal::IsBuildingCounter(g.counter) && i + 1 < groups_.size()) {
        const Group& n = groups_[i + 1];
        pair = internal::IsUnitCounter(n.counter) && n.first_word <= g.last_word + 2;
      }
      const bool address = label.pii() && label.category == Category::kAddress;
      if (!(address || pair) || !Enabled(Category::kAddress)) return;
      if (g.counter == "번지" && !address) return;
      MaskGroup(&g, Category::kAddress);
      if (pair) MaskGroup(&groups_[i + 1], Category::kAddress);
      ++values_;
    }
  }

  void MaskGroup(Group* g, std::optional<Category> category) {
    g->masked = true;
    g->category = category;
    if (category) last_category_ = category;
    t_.MaskSpan(g->span_b, g->span_e);
    const bool keep = options_.keep_last4 && g->digits.size() >= 8 && category &&
                      (*category == Category::kCard || *category == Category::kAccount);
    if (!keep) return;
    int left = 4;
    for (int i = g->span_e - 1; i >= g->span_b && left > 0; --i) {
      if (internal::DigitValue(t_.cps[i].c) >= 0) {
        t_.masked[i] = 0;
        --left;
      }
    }
  }

  bool HasAlphanumericWord() const {
    for (const Cp& c : t_.cps) {
      if (IsAsciiDigit(c.c)) return true;
    }
    return false;
  }

  // "비밀번호는 abcd1234요": letters and digits after a PIN keyword.
  void MaskAlphanumericSecrets() {
    if (!options_.categories.test(static_cast<std::size_t>(Category::kPin))) return;
    for (int w = 0; w < static_cast<int>(t_.words.size()); ++w) {
      if (t_.consumed[w] || IsToken(w)) continue;
      const Word& word = t_.words[w];
      int e = word.b;
      bool digit = false, letter = false;
      while (e < word.e && IsAsciiAlnum(t_.cps[e].c)) {
        (IsAsciiDigit(t_.cps[e].c) ? digit : letter) = true;
        ++e;
      }
      if (!digit || !letter) continue;
      Group probe;
      probe.span_b = word.b;
      probe.span_e = e;
      const Label label = LabelFor(probe);
      if (!label.pii() || label.category != Category::kPin) continue;
      t_.MaskSpan(word.b, e);
      ++values_;
      last_category_ = Category::kPin;
    }
  }

  Result Finish() {
    Result r;
    r.values = values_;
    r.last_category = last_category_;
    r.text = values_ == 0 ? std::string(t_.text) : t_.Masked();
    return r;
  }

  internal::Text t_;
  const Context& context_;
  const Options& options_;
  std::vector<int> tok_;  // per word: token index or -1
  std::vector<Token> tokens_;
  std::vector<Group> groups_;
  std::vector<int> seq_digits_;
  std::vector<Hit> own_hits_;
  Label context_label_;
  bool continuation_context_ = false;
  int announced_ = 0;  // digits asked for or announced ("여섯 자리"), 0: none  // the other speaker
                       // said "네", "다음이요"
  int values_ = 0;
  std::optional<Category> last_category_;
};

}  // namespace

std::string_view ToString(Category c) { return kCategoryNames[static_cast<std::size_t>(c)]; }

std::optional<Category> ParseCategory(std::string_view name) {
  for (std::size_t i = 0; i < kCategoryCount; ++i) {
    if (kCategoryNames[i] == name) return static_cast<Category>(i);
  }
  return std::nullopt;
}

Masker::Masker(Options options) : options_(options) {}

Result Masker::Mask(std::string_view utf8, const Context& context) const {
  return Utterance(utf8, context, options_).Run();
}

}  // namespace aicc::pii
