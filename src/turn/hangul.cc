#include "turn/internal/hangul.h"

namespace aicc::turn::internal {
namespace {

constexpr char32_t kSBase = 0xAC00;
constexpr int kVCount = 21;
constexpr int kTCount = 28;
constexpr int kSCount = 19 * kVCount * kTCount;

// Choseong, jungseong and jongseong indexes → compatibility jamo.
constexpr char32_t kLead[19] = {0x3131, 0x3132, 0x3134, 0x3137, 0x3138, 0x3139, 0x3141,
                                0x3142, 0x3143, 0x3145, 0x3146, 0x3147, 0x3148, 0x3149,
                                0x314A, 0x314B, 0x314C, 0x314D, 0x314E};
constexpr char32_t kTail[28] = {0,      0x3131, 0x3132, 0x3133, 0x3134, 0x3135, 0x3136,
                                0x3137, 0x3139, 0x313A, 0x313B, 0x313C, 0x313D, 0x313E,
                                0x313F, 0x3140, 0x3141, 0x3142, 0x3144, 0x3145, 0x3146,
                                0x3147, 0x3148, 0x314A, 0x314B, 0x314C, 0x314D, 0x314E};

}  // namespace

std::u32string DecodeUtf8(std::string_view s) {
  std::u32string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    int len = 0;
    char32_t cp = 0;
    if (c < 0x80) {
      len = 1;
      cp = c;
    } else if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      ++i;  // invalid lead byte
      continue;
    }
    if (i + static_cast<std::size_t>(len) > s.size()) break;
    bool ok = true;
    for (int k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]);
      if ((cc & 0xC0) != 0x80) {
        ok = false;
        break;
      }
      cp = (cp << 6) | (cc & 0x3F);
    }
    if (!ok || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      ++i;
      continue;
    }
    out.push_back(cp);
    i += static_cast<std::size_t>(len);
  }
  return out;
}

std::string EncodeUtf8(std::u32string_view s) {
  std::string out;
  for (char32_t c : s) {
    if (c < 0x80) {
      out += static_cast<char>(c);
    } else if (c < 0x800) {
      out += static_cast<char>(0xC0 | (c >> 6));
      out += static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
      out += static_cast<char>(0xE0 | (c >> 12));
      out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (c & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (c >> 18));
      out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (c & 0x3F));
    }
  }
  return out;
}

bool IsHangulSyllable(char32_t c) { return c >= kSBase && c < kSBase + kSCount; }

std::u32string ToJamo(std::u32string_view text) {
  std::u32string out;
  out.reserve(text.size() * 3);
  for (char32_t c : text) {
    if (!IsHangulSyllable(c)) {
      out.push_back(c);
      continue;
    }
    const int index = static_cast<int>(c - kSBase);
    const int l = index / (kVCount * kTCount);
    const int v = (index % (kVCount * kTCount)) / kTCount;
    const int t = index % kTCount;
    out.push_back(kLead[l]);
    out.push_back(static_cast<char32_t>(0x314F + v));  // ㅏ..ㅣ are contiguous
    if (t) out.push_back(kTail[t]);
  }
  return out;
}

char32_t FinalConsonant(char32_t syllable) {
  if (!IsHangulSyllable(syllable)) return 0;
  return kTail[(syllable - kSBase) % kTCount];
}

char32_t Vowel(char32_t syllable) {
  if (!IsHangulSyllable(syllable)) return 0;
  return static_cast<char32_t>(0x314F + (syllable - kSBase) % (kVCount * kTCount) / kTCount);
}

bool IsSpace(char32_t c) {
  return c == U' ' || c == U'\t' || c == U'\n' || c == U'\r' || c == 0x3000 || c == 0xA0;
}

bool IsTerminalMark(char32_t c) {
  return c == U'.' || c == U'?' || c == U'!' || c == U',' || c == U'~' || c == 0x2026 ||
         c == U'"' || c == U'\'' || c == 0xFF1F || c == 0xFF0E || c == 0x3002 || c == U')' ||
         c == U']';
}

}  // namespace aicc::turn::internal
