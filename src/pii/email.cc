#include "pii/internal/email.h"

#include "pii/internal/lexicon.h"

namespace aicc::pii::internal {
namespace {

bool IsEmailLocalChar(char32_t c) {
  return IsAsciiAlnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
}

class EmailScanner {
 public:
  explicit EmailScanner(Text& text) : t_(text) {}

  int Run() {
    for (int w = 0; w < static_cast<int>(t_.words.size()); ++w) {
      const Word& word = t_.words[w];
      for (int i = word.b; i < word.e; ++i) {
        if (t_.cps[i].c != '@') continue;
        int b = i, e = i + 1;
        while (b > word.b && IsEmailLocalChar(t_.cps[b - 1].c)) --b;
        while (e < word.e &&
               (IsAsciiAlnum(t_.cps[e].c) || t_.cps[e].c == '.' || t_.cps[e].c == '-'))
          ++e;
        while (e > i + 1 && (t_.cps[e - 1].c == '.' || t_.cps[e - 1].c == '-')) --e;
        if (b == i || e == i + 1) continue;
        t_.MaskSpan(b, e);
        t_.consumed[w] = 1;
        ++values_;
      }
      if (!IsAtWord(t_.WordText(w)) || w == 0 || w + 1 >= static_cast<int>(t_.words.size()))
        continue;
      // Spoken: <local> 골뱅이 <domain> [닷컴].
      const int local = w - 1;
      const std::string_view local_text = t_.WordText(local);
      if (local_text.find("메일") != std::string_view::npos ||
          local_text.find("주소") != std::string_view::npos ||
          local_text.find("아이디") != std::string_view::npos) {
        continue;
      }
      t_.MaskSpan(t_.words[local].b, t_.words[local].e);
      t_.MaskSpan(word.b, word.e);
      t_.consumed[local] = t_.consumed[w] = 1;
      for (int l = local; l >= 2 && IsSpokenLocalJoiner(t_.WordText(l - 1)); l -= 2) {
        t_.MaskSpan(t_.words[l - 2].b, t_.words[l - 1].e);
        t_.consumed[l - 1] = t_.consumed[l - 2] = 1;
      }
      int d = w + 1;
      const Word& dom = t_.words[d];
      t_.consumed[d] = 1;
      if (IsAsciiAlnum(t_.cps[dom.b].c)) {
        int e = dom.b;
        while (e < dom.e && (IsAsciiAlnum(t_.cps[e].c) || t_.cps[e].c == '.' || t_.cps[e].c == '-'))
          ++e;
        while (e > dom.b && t_.cps[e - 1].c == '.') --e;
        t_.MaskSpan(dom.b, e);
        if (e < dom.e) MaskTldIn(d, e);
      } else {
        MaskTldIn(d, dom.b);  // 네이버닷컴이요, or a bare 네이버
      }
      // naver 점 com, hong 점 gildong: a spoken dot and the next piece.
      while (!tld_found_ && d + 2 < static_cast<int>(t_.words.size()) &&
             IsSpokenDot(t_.WordText(d + 1))) {
        t_.MaskSpan(t_.words[d + 1].b, t_.words[d + 1].e);
        t_.consumed[d + 1] = 1;
        d += 2;
        const Word& piece = t_.words[d];
        int e = piece.b;
        while (e < piece.e && (IsAsciiAlnum(t_.cps[e].c) || t_.cps[e].c == '.')) ++e;
        if (e == piece.b) {
          MaskTldIn(d, piece.b);
          if (!tld_found_) t_.MaskSpan(piece.b, piece.e);
        } else {
          t_.MaskSpan(piece.b, e);
        }
        t_.consumed[d] = 1;
      }
      if (!tld_found_ && d + 1 < static_cast<int>(t_.words.size())) {
        std::size_t tld = 0;
        if (StartsWithTldWord(t_.WordText(d + 1), &tld)) {
          const Word& t = t_.words[d + 1];
          int e = t.b;
          while (e < t.e && t_.cps[e].off - t_.cps[t.b].off < tld) ++e;
          t_.MaskSpan(t.b, e);
          t_.consumed[d + 1] = 1;
        }
      }
      tld_found_ = false;
      ++values_;
    }
    return values_;
  }

  // Masks a spoken domain inside word `w` from code point `from`: through a
  // top-level-domain word if there is one, else the whole word when it is a
  // known mail domain.
  void MaskTldIn(int w, int from) {
    const Word& word = t_.words[w];
    for (int i = from; i < word.e; ++i) {
      std::size_t tld = 0;
      if (StartsWithTldWord(t_.Bytes(i, word.e), &tld)) {
        int e = i;
        while (e < word.e && t_.cps[e].off - t_.cps[i].off < tld) ++e;
        t_.MaskSpan(from, e);
        tld_found_ = true;
        return;
      }
    }
    if (from == word.b) {
      std::string_view t = t_.WordText(w);
      if (IsEmailDomainWord(t)) t_.MaskSpan(word.b, word.e);
    }
  }

 private:
  Text& t_;
  int values_ = 0;
  bool tld_found_ = false;
};

}  // namespace

int MaskEmails(Text& text) { return EmailScanner(text).Run(); }

}  // namespace aicc::pii::internal
