#include "pii/internal/text.h"

namespace aicc::pii::internal {

Text::Text(std::string_view utf8) : text(utf8) {
  cps.reserve(utf8.size());
  std::size_t i = 0;
  while (i < utf8.size()) {
    const auto b = static_cast<unsigned char>(utf8[i]);
    const int len = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : (b >> 3) == 30 ? 4 : 0;
    char32_t c = len == 1 ? b : len == 2 ? (b & 0x1F) : len == 3 ? (b & 0x0F) : (b & 0x07);
    bool ok = len > 0 && i + len <= utf8.size();
    for (int k = 1; ok && k < len; ++k) {
      const auto cb = static_cast<unsigned char>(utf8[i + k]);
      if ((cb & 0xC0) != 0x80) ok = false;
      c = (c << 6) | (cb & 0x3F);
    }
    if (!ok) {
      cps.push_back({0xFFFD, static_cast<std::uint32_t>(i)});
      ++i;
      continue;
    }
    cps.push_back({c, static_cast<std::uint32_t>(i)});
    i += len;
  }
  const int n = static_cast<int>(cps.size());
  int k = 0;
  while (k < n) {
    while (k < n && IsSpace(cps[k].c)) ++k;
    if (k >= n) break;
    const int start = k;
    // A written number glued to the word before it ("번호는010-1234-5678",
    // "2024년3월") starts a word of its own.
    while (k < n && !IsSpace(cps[k].c) &&
           !(k > start && IsAsciiDigit(cps[k].c) && IsHangulSyllable(cps[k - 1].c))) {
      ++k;
    }
    words.push_back({start, k});
  }
  masked.assign(cps.size(), 0);
  consumed.assign(words.size(), 0);
}

std::string_view Text::Bytes(int b, int e) const {
  const auto n = static_cast<int>(cps.size());
  const std::uint32_t from = b < n ? cps[b].off : text.size();
  const std::uint32_t to = e < n ? cps[e].off : text.size();
  return text.substr(from, to - from);
}

void Text::MaskSpan(int b, int e) {
  for (int i = b; i < e; ++i) {
    if (!IsSpace(cps[i].c)) masked[i] = 1;
  }
}

std::string Text::Masked() const {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < cps.size(); ++i) {
    if (masked[i]) {
      out.push_back('*');
    } else {
      out.append(Bytes(static_cast<int>(i), static_cast<int>(i) + 1));
    }
  }
  return out;
}

}  // namespace aicc::pii::internal
