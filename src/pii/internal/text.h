// One utterance as the masker reads it: code points with their byte
// offsets, words (split at spaces, and before written digits glued to
// Hangul), and which code points are masked.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace aicc::pii::internal {

struct Cp {
  char32_t c;
  std::uint32_t off;  // byte offset in the utterance
};

struct Word {
  int b = 0, e = 0;  // code points [b, e)
};

inline bool IsSpace(char32_t c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == 0x3000;
}
inline bool IsAsciiDigit(char32_t c) { return c >= '0' && c <= '9'; }
inline bool IsHangulSyllable(char32_t c) { return c >= 0xAC00 && c <= 0xD7A3; }
inline bool IsAsciiAlnum(char32_t c) {
  return IsAsciiDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
// Bytes in the UTF-8 sequence a lead byte starts (1 for an invalid byte).
inline std::size_t Utf8Length(unsigned char b) {
  return b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : (b >> 3) == 30 ? 4 : 1;
}

class Text {
 public:
  // Invalid UTF-8: each bad byte is one U+FFFD code point of one byte, so
  // the output keeps it verbatim.
  explicit Text(std::string_view utf8);

  std::string_view Bytes(int b, int e) const;  // code points [b, e)
  std::string_view WordText(int w) const { return Bytes(words[w].b, words[w].e); }
  int word_count() const { return static_cast<int>(words.size()); }
  // Masks every non-space code point in [b, e).
  void MaskSpan(int b, int e);
  // The utterance with every masked code point replaced by '*'.
  std::string Masked() const;

  std::string_view text;
  std::vector<Cp> cps;
  std::vector<Word> words;
  std::vector<std::uint8_t> masked;    // per code point
  std::vector<std::uint8_t> consumed;  // per word: taken by an e-mail
};

}  // namespace aicc::pii::internal
