// The matcher is written by hand on purpose. Packaged PII detectors
// (Presidio, scrubadub, regex sets for card and phone formats) match written
// digits and Western layouts; none reads Korean numbers as callers speak them
// (공일공에 일이삼사, 팔이 아니라 칠이요, four digits per turn), tells the
// particle 이 from the digit 이, or knows that a bare chunk of digits is PII
// after "카드번호 말씀해 주세요" and not after "얼마 결제하셨어요?". What is
// needed is small: numerals, counters, particles and keywords (lexicon.cc)
// and the rules below, which run in microseconds without allocation per word.
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
#include "pii/internal/lexicon.h"

namespace aicc::pii {
namespace {

using internal::Suffix;
using internal::SuffixKind;
using internal::Tier;

constexpr std::string_view kCategoryNames[kCategoryCount] = {
    "registration", "card",       "cvc", "expiry", "account",
    "phone",        "birth_date", "pin", "email",  "address"};

struct Cp {
  char32_t c;
  std::uint32_t off;  // byte offset in the utterance
};

// Decodes UTF-8; an invalid byte becomes one U+FFFD code point of one byte,
// so the output keeps it verbatim.
std::vector<Cp> Decode(std::string_view s) {
  std::vector<Cp> out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<unsigned char>(s[i]);
    int len = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : (b >> 3) == 30 ? 4 : 0;
    char32_t c = len == 1 ? b : len == 2 ? (b & 0x1F) : len == 3 ? (b & 0x0F) : (b & 0x07);
    if (len == 0 || i + len > s.size()) {
      out.push_back({0xFFFD, static_cast<std::uint32_t>(i)});
      ++i;
      continue;
    }
    bool ok = true;
    for (int k = 1; k < len; ++k) {
      const auto cb = static_cast<unsigned char>(s[i + k]);
      if ((cb & 0xC0) != 0x80) ok = false;
      c = (c << 6) | (cb & 0x3F);
    }
    if (!ok) {
      out.push_back({0xFFFD, static_cast<std::uint32_t>(i)});
      ++i;
      continue;
    }
    out.push_back({c, static_cast<std::uint32_t>(i)});
    i += len;
  }
  return out;
}

bool IsSpace(char32_t c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == 0x3000; }
bool IsAsciiDigit(char32_t c) { return c >= '0' && c <= '9'; }
bool IsAsciiAlnum(char32_t c) {
  return IsAsciiDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool IsEmailLocalChar(char32_t c) {
  return IsAsciiAlnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
}
bool IsSinoDigit(char32_t c) { return !IsAsciiDigit(c) && internal::DigitValue(c) >= 0; }

// What a group of numbers is, as far as the words say.
struct Label {
  enum class Kind { kNone, kPii, kNonPii } kind = Kind::kNone;
  Category category = Category::kCard;
  bool pii() const { return kind == Kind::kPii; }
  bool non_pii() const { return kind == Kind::kNonPii; }
};

struct Hit {
  int begin = 0, end = 0;  // code points in the utterance (own text), or bytes (context)
  const internal::Keyword* keyword = nullptr;
};

// Keyword occurrences in `s` (spaces removed, ASCII lower-cased). `map[i]`
// is the position in the original of byte i. Contained matches are dropped.
std::vector<Hit> FindKeywords(const std::string& s, const std::vector<int>* map) {
  std::vector<Hit> hits;
  for (const auto& kw : internal::Keywords()) {
    for (std::size_t pos = s.find(kw.text); pos != std::string::npos;
         pos = s.find(kw.text, pos + 1)) {
      hits.push_back({static_cast<int>(pos), static_cast<int>(pos + kw.text.size()), &kw});
    }
  }
  std::vector<Hit> kept;
  kept.reserve(hits.size());
  for (const Hit& h : hits) {
    const bool contained = std::any_of(hits.begin(), hits.end(), [&](const Hit& o) {
      return &o != &h && o.begin <= h.begin && h.end <= o.end &&
             (o.end - o.begin) > (h.end - h.begin);
    });
    if (!contained) kept.push_back(h);
  }
  if (map) {
    for (Hit& h : kept) {
      h.begin = (*map)[h.begin];
      h.end = (*map)[h.end - 1] + 1;
    }
  }
  return kept;
}

std::string Squeeze(std::string_view text) {
  std::string s;
  s.reserve(text.size());
  for (char c : text) {
    if (c == ' ' || c == '\t') continue;
    s.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
  }
  return s;
}

Label LabelOf(const internal::Keyword& kw) {
  Label l;
  l.kind = kw.tier == Tier::kNonPii ? Label::Kind::kNonPii : Label::Kind::kPii;
  l.category = kw.category;
  return l;
}

// What the other speaker asked for: in the newest utterance with a keyword,
// the strongest tier, then the last mention.
Label ContextLabel(std::span<const std::string> other_recent) {
  for (auto it = other_recent.rbegin(); it != other_recent.rend(); ++it) {
    const std::vector<Hit> hits = FindKeywords(Squeeze(*it), nullptr);
    const Hit* best = nullptr;
    for (const Hit& h : hits) {
      if (!best || h.keyword->tier < best->keyword->tier ||
          (h.keyword->tier == best->keyword->tier && h.end > best->end)) {
        best = &h;
      }
    }
    if (best) return LabelOf(*best->keyword);
  }
  return {};
}

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
      return n == 4 || n == 10 || n == 11;
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
      parts[k] = parts[k] * 10 + (c - '0');
      ++len[k];
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
  return d.size() == 8 &&
         (d.substr(0, 2) == "15" || d.substr(0, 2) == "16" || d.substr(0, 2) == "18");
}

// 35000, 120000: a written round amount without its 원.
bool RoundAmount(std::string_view d) { return d.size() >= 5 && d.substr(d.size() - 3) == "000"; }

// Shapes that are PII whatever the words around them say.
bool StrongShape(std::string_view d) {
  return internal::LooksLikeMobile(d) || internal::LooksLikeRegistration(d, true);
}

struct Word {
  int b = 0, e = 0;  // code points
};

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
      : text_(text), context_(context), options_(options), cps_(Decode(text)) {}

  Result Run() {
    masked_.assign(cps_.size(), 0);
    SplitWords();
    consumed_.assign(words_.size(), 0);
    MaskEmails();
    FindOwnKeywords();
    context_label_ = ContextLabel(context_.other_recent);
    continuation_context_ = context_label_.kind == Label::Kind::kNone &&
                            !context_.other_recent.empty() &&
                            internal::IsContinuation(context_.other_recent.back());
    Tokenize();
    BuildGroups();
    BuildSequences();
    ResolveAmbiguousI();
    Decide();
    MaskAlphanumericSecrets();
    return Finish();
  }

 private:
  std::string_view Bytes(int b, int e) const {
    const auto n = static_cast<int>(cps_.size());
    const std::uint32_t from = b < n ? cps_[b].off : text_.size();
    const std::uint32_t to = e < n ? cps_[e].off : text_.size();
    return text_.substr(from, to - from);
  }
  std::string_view WordText(int w) const { return Bytes(words_[w].b, words_[w].e); }
  bool IsToken(int w) const {
    return w >= 0 && w < static_cast<int>(words_.size()) && tok_[w] >= 0;
  }

  void MaskSpan(int b, int e) {
    for (int i = b; i < e; ++i) {
      if (!IsSpace(cps_[i].c)) masked_[i] = 1;
    }
  }

  void SplitWords() {
    int i = 0;
    const int n = static_cast<int>(cps_.size());
    while (i < n) {
      while (i < n && IsSpace(cps_[i].c)) ++i;
      if (i >= n) break;
      const int b = i;
      while (i < n && !IsSpace(cps_[i].c)) ++i;
      words_.push_back({b, i});
    }
  }

  void FindOwnKeywords() {
    std::string s;
    std::vector<int> map;
    s.reserve(text_.size());
    for (std::size_t i = 0; i < cps_.size(); ++i) {
      if (IsSpace(cps_[i].c)) continue;
      const std::string_view bytes = Bytes(static_cast<int>(i), static_cast<int>(i) + 1);
      for (char c : bytes) {
        s.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
        map.push_back(static_cast<int>(i));
      }
    }
    own_hits_ = FindKeywords(s, &map);
  }

  // --- 1. e-mail ------------------------------------------------------------
  void MaskEmails() {
    if (!options_.categories.test(static_cast<std::size_t>(Category::kEmail))) return;
    for (int w = 0; w < static_cast<int>(words_.size()); ++w) {
      const Word& word = words_[w];
      for (int i = word.b; i < word.e; ++i) {
        if (cps_[i].c != '@') continue;
        int b = i, e = i + 1;
        while (b > word.b && IsEmailLocalChar(cps_[b - 1].c)) --b;
        while (e < word.e && (IsAsciiAlnum(cps_[e].c) || cps_[e].c == '.' || cps_[e].c == '-')) ++e;
        while (e > i + 1 && (cps_[e - 1].c == '.' || cps_[e - 1].c == '-')) --e;
        if (b == i || e == i + 1) continue;
        MaskSpan(b, e);
        consumed_[w] = 1;
        ++values_;
        last_category_ = Category::kEmail;
      }
      if (!internal::IsAtWord(WordText(w)) || w == 0 || w + 1 >= static_cast<int>(words_.size()))
        continue;
      // Spoken: <local> 골뱅이 <domain> [닷컴].
      const int local = w - 1;
      const std::string_view local_text = WordText(local);
      if (local_text.find("메일") != std::string_view::npos ||
          local_text.find("주소") != std::string_view::npos ||
          local_text.find("아이디") != std::string_view::npos) {
        continue;
      }
      MaskSpan(words_[local].b, words_[local].e);
      MaskSpan(word.b, word.e);
      consumed_[local] = consumed_[w] = 1;
      for (int l = local; l >= 2 && internal::IsSpokenDot(WordText(l - 1)); l -= 2) {
        MaskSpan(words_[l - 2].b, words_[l - 1].e);
        consumed_[l - 1] = consumed_[l - 2] = 1;
      }
      int d = w + 1;
      const Word& dom = words_[d];
      consumed_[d] = 1;
      if (IsAsciiAlnum(cps_[dom.b].c)) {
        int e = dom.b;
        while (e < dom.e && (IsAsciiAlnum(cps_[e].c) || cps_[e].c == '.' || cps_[e].c == '-')) ++e;
        while (e > dom.b && cps_[e - 1].c == '.') --e;
        MaskSpan(dom.b, e);
        if (e < dom.e) MaskTldIn(d, e);
      } else {
        MaskTldIn(d, dom.b);  // 네이버닷컴이요, or a bare 네이버
      }
      // naver 점 com, hong 점 gildong: a spoken dot and the next piece.
      while (!tld_found_ && d + 2 < static_cast<int>(words_.size()) &&
             internal::IsSpokenDot(WordText(d + 1))) {
        MaskSpan(words_[d + 1].b, words_[d + 1].e);
        consumed_[d + 1] = 1;
        d += 2;
        const Word& piece = words_[d];
        int e = piece.b;
        while (e < piece.e && (IsAsciiAlnum(cps_[e].c) || cps_[e].c == '.')) ++e;
        if (e == piece.b) {
          MaskTldIn(d, piece.b);
          if (!tld_found_) MaskSpan(piece.b, piece.e);
        } else {
          MaskSpan(piece.b, e);
        }
        consumed_[d] = 1;
      }
      if (!tld_found_ && d + 1 < static_cast<int>(words_.size())) {
        std::size_t tld = 0;
        if (internal::StartsWithTldWord(WordText(d + 1), &tld)) {
          const Word& t = words_[d + 1];
          int e = t.b;
          while (e < t.e && cps_[e].off - cps_[t.b].off < tld) ++e;
          MaskSpan(t.b, e);
          consumed_[d + 1] = 1;
        }
      }
      tld_found_ = false;
      ++values_;
      last_category_ = Category::kEmail;
    }
  }

  // Masks a spoken domain inside word `w` from code point `from`: through a
  // top-level-domain word if there is one, else the whole word when it is a
  // known mail domain.
  void MaskTldIn(int w, int from) {
    const Word& word = words_[w];
    for (int i = from; i < word.e; ++i) {
      std::size_t tld = 0;
      if (internal::StartsWithTldWord(Bytes(i, word.e), &tld)) {
        int e = i;
        while (e < word.e && cps_[e].off - cps_[i].off < tld) ++e;
        MaskSpan(from, e);
        tld_found_ = true;
        return;
      }
    }
    if (from == word.b) {
      std::string_view t = WordText(w);
      if (internal::IsEmailDomainWord(t)) MaskSpan(word.b, word.e);
    }
  }

  // --- 2. tokens --------------------------------------------------------------
  void Tokenize() {
    tok_.assign(words_.size(), -1);
    for (int w = 0; w < static_cast<int>(words_.size()); ++w) {
      if (consumed_[w]) continue;
      Token t;
      if (ParseToken(w, &t)) {
        tok_[w] = static_cast<int>(tokens_.size());
        tokens_.push_back(std::move(t));
      }
    }
  }

  bool ParseToken(int w, Token* t) const {
    const Word& word = words_[w];
    // 시월 (10월) and 유월 (6월) drop a consonant of 십 and 육.
    if (word.e - word.b >= 2 && cps_[word.b + 1].c == U'월' &&
        (cps_[word.b].c == U'시' || cps_[word.b].c == U'유')) {
      t->word = w;
      t->sino = true;
      t->num_b = word.b;
      t->num_e = word.b + 1;
      t->digits = cps_[word.b].c == U'시' ? "10" : "6";
      t->suffix_text = Bytes(t->num_e, word.e);
      t->suffix = internal::ClassifySuffix(t->suffix_text);
      return t->suffix.kind == SuffixKind::kCounter;
    }
    int i = word.b;
    while (i < word.e) {
      const char32_t c = cps_[i].c;
      if (IsAsciiDigit(c)) {
        if (t->sino) break;
        t->ascii = true;
      } else if (IsSinoDigit(c)) {
        if (t->ascii) break;  // 5678이요, 12일: written digits end at Hangul
        t->sino = true;
      } else if (internal::PlaceValue(c) > 0) {
        t->place = true;
      } else if ((c == '-' || c == '.' || c == '/' || c == ',') && i > word.b &&
                 IsAsciiDigit(cps_[i - 1].c) && i + 1 < word.e && IsAsciiDigit(cps_[i + 1].c)) {
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
    if (t->num_e - t->num_b >= 2 && cps_[t->num_e - 1].c == U'이') {
      const char32_t prev = cps_[t->num_e - 2].c;
      const bool batchim_numeral = (IsSinoDigit(prev) || internal::PlaceValue(prev) > 0) &&
                                   internal::HasFinalConsonant(prev);
      const std::string_view after = Bytes(t->num_e, word.e);
      const bool next_is_ani =
          w + 1 < static_cast<int>(words_.size()) && WordText(w + 1).substr(0, 6) == "아니";
      if (batchim_numeral && (!after.empty() || next_is_ani)) {
        const Suffix s = internal::ClassifySuffix(Bytes(t->num_e - 1, word.e));
        if (s.kind == SuffixKind::kParticle) {
          if (t->place || next_is_ani) {
            t->num_e -= 1;  // 이십일이요, 팔이 아니라: the particle
          } else {
            t->ambiguous_i = true;
          }
        }
      }
    }
    t->suffix_text = Bytes(t->num_e, word.e);
    t->suffix = internal::ClassifySuffix(t->suffix_text);
    if (t->suffix.kind == SuffixKind::kOther) {
      // 오늘, 일단, 이거, 공짜: not a number. Written digits followed by
      // Hangul the lexicon does not know still end a value ("1234번이요").
      if (!t->ascii || t->sino) return false;
      t->suffix.kind = SuffixKind::kParticle;
    }
    t->digits = DigitsOf(t->num_b, t->num_e, t->place);
    t->date = t->ascii && LooksLikeWrittenDate(Bytes(t->num_b, t->num_e));
    return !t->digits.empty();
  }

  std::string DigitsOf(int b, int e, bool place) const {
    std::string d;
    if (!place) {
      for (int i = b; i < e; ++i) {
        const int v = internal::DigitValue(cps_[i].c);
        if (v >= 0) d.push_back(static_cast<char>('0' + v));
      }
      return d;
    }
    std::int64_t total = 0, section = 0, cur = 0;
    for (int i = b; i < e; ++i) {
      const int v = internal::DigitValue(cps_[i].c);
      const std::int64_t p = internal::PlaceValue(cps_[i].c);
      if (v >= 0) {
        cur = cur * 10 + v;
      } else if (p >= 10000) {
        total += (section + cur == 0 ? 1 : section + cur) * p;
        section = cur = 0;
      } else if (p > 0) {
        section += (cur == 0 ? 1 : cur) * p;
        cur = 0;
      }
    }
    return std::to_string(total + section + cur);
  }

  // --- 3. groups --------------------------------------------------------------
  bool OneSyllableSino(const Token& t) const {
    return t.num_e - t.num_b == 1 && IsSinoDigit(cps_[t.num_b].c) &&
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
      if (after >= static_cast<int>(words_.size())) return true;
      if (!IsToken(after) && !internal::IsGroupJoiner(WordText(after))) return false;
    }
    return true;
  }

  void BuildGroups() {
    const int nw = static_cast<int>(words_.size());
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
          const Suffix cw = internal::ClassifyCounterWord(WordText(cur + 1));
          if (cw.kind == SuffixKind::kCounter) {
            g.counter = cw.counter;
            g.last_word = cur + 1;
            break;
          }
        }
        if (cur + 1 < nw && IsToken(cur + 1) && IsCounterWordAfter(g, t, cur + 1)) {
          g.counter = internal::ClassifyCounterWord(WordText(cur + 1)).counter;
          g.last_word = cur + 1;
          break;
        }
        if (Continues(t, cur + 1)) {
          ++cur;
          continue;
        }
        if (cur + 2 < nw && internal::IsGroupJoiner(WordText(cur + 1)) && Continues(t, cur + 2)) {
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
    const Suffix cw = internal::ClassifyCounterWord(WordText(w));
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
      if (t.ambiguous_i && t.num_e - t.num_b >= 3 && cps_[t.num_e - 2].c == U'일') {
        t.num_e -= 1;  // 이일이에요: the day, then the particle
      }
      if (t.ascii || t.num_e - t.num_b < 2 || cps_[t.num_e - 1].c != U'일') continue;
      t.num_e -= 1;
      t.place = false;
      for (int k = t.num_b; k < t.num_e; ++k) t.place |= internal::PlaceValue(cps_[k].c) > 0;
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
                              g.last_word + 1 < static_cast<int>(words_.size()) &&
                              !IsToken(g.last_word + 1);
      if (i > 0 && !determiner && groups_[i - 1].counter.empty() && groups_[i - 1].sequence >= 0) {
        const Group& p = groups_[i - 1];
        bool fillers_only = g.first_word - p.last_word - 1 <= 3;
        for (int w = p.last_word + 1; fillers_only && w < g.first_word; ++w) {
          fillers_only = internal::IsDictationFiller(WordText(w));
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
          t.suffix_text = Bytes(t.num_e, words_[t.word].e);
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

  // --- 5. labels and decisions ----------------------------------------------------
  Label LabelFor(const Group& g) const {
    const Hit* left = nullptr;
    const Hit* right = nullptr;
    for (const Hit& h : own_hits_) {
      if (h.end <= g.span_b) {
        if (!left || h.end > left->end) left = &h;
      } else if (h.begin >= g.span_e && h.begin - g.span_e <= 8 &&
                 h.keyword->text.size() > 3) {  // not the 층 of "42 1층"
        if (!right || h.begin < right->begin) right = &h;
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
    const std::string_view road = WordText(g.first_word - 1);
    const std::string_view district = WordText(g.first_word - 2);
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
    if (next < static_cast<int>(words_.size()) && WordText(next).substr(0, 6) == "아니")
      return true;
    const int prev = g.first_word - 1;
    return prev >= 0 && internal::IsDictationFiller(WordText(prev)) && WordText(prev) != "네" &&
           WordText(prev) != "그";
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
        mask = shaped &&
               (seq >= 4 || (sino && seq >= 3) || (sino && seq >= 2 && continuation_context_) ||
                (g.digits.size() >= 3 && g.digits[0] == '0') || StrongShape(g.digits));
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
      if (!label.pii() ||
          (label.category != Category::kBirthDate && label.category != Category::kExpiry)) {
        return;
      }
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
      const bool birth = label.category == Category::kBirthDate;
      // A year alone ("2020년에 가입") is not a birth date unless it is 년생.
      const bool value =
          birth ? ((year && (month || day)) || (month && day) || born) : (year || month);
      if (!value || !Enabled(label.category)) return;
      for (std::size_t k = i; k < end; ++k) {
        if (!birth && internal::IsDayCounter(groups_[k].counter)) continue;
        MaskGroup(&groups_[k], label.category);
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
    MaskSpan(g->span_b, g->span_e);
    const bool keep = options_.keep_last4 && g->digits.size() >= 8 && category &&
                      (*category == Category::kCard || *category == Category::kAccount);
    if (!keep) return;
    int left = 4;
    for (int i = g->span_e - 1; i >= g->span_b && left > 0; --i) {
      if (internal::DigitValue(cps_[i].c) >= 0) {
        masked_[i] = 0;
        --left;
      }
    }
  }

  // "비밀번호는 abcd1234요": letters and digits after a PIN keyword.
  void MaskAlphanumericSecrets() {
    if (!options_.categories.test(static_cast<std::size_t>(Category::kPin))) return;
    for (int w = 0; w < static_cast<int>(words_.size()); ++w) {
      if (consumed_[w] || IsToken(w)) continue;
      const Word& word = words_[w];
      int e = word.b;
      bool digit = false, letter = false;
      while (e < word.e && IsAsciiAlnum(cps_[e].c)) {
        (IsAsciiDigit(cps_[e].c) ? digit : letter) = true;
        ++e;
      }
      if (!digit || !letter) continue;
      Group probe;
      probe.span_b = word.b;
      probe.span_e = e;
      const Label label = LabelFor(probe);
      if (!label.pii() || label.category != Category::kPin) continue;
      MaskSpan(word.b, e);
      ++values_;
      last_category_ = Category::kPin;
    }
  }

  Result Finish() {
    Result r;
    r.values = values_;
    r.last_category = last_category_;
    if (values_ == 0) {
      r.text.assign(text_);
      return r;
    }
    r.text.reserve(text_.size());
    for (std::size_t i = 0; i < cps_.size(); ++i) {
      if (masked_[i]) {
        r.text.push_back('*');
      } else {
        r.text.append(Bytes(static_cast<int>(i), static_cast<int>(i) + 1));
      }
    }
    return r;
  }

  std::string_view text_;
  const Context& context_;
  const Options& options_;
  std::vector<Cp> cps_;
  std::vector<std::uint8_t> masked_;
  std::vector<Word> words_;
  std::vector<std::uint8_t> consumed_;
  std::vector<int> tok_;  // per word: token index or -1
  std::vector<Token> tokens_;
  std::vector<Group> groups_;
  std::vector<int> seq_digits_;
  std::vector<Hit> own_hits_;
  Label context_label_;
  bool continuation_context_ = false;  // the other speaker said "네", "다음이요"
  int values_ = 0;
  std::optional<Category> last_category_;
  bool tld_found_ = false;
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
