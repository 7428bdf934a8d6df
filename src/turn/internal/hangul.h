// UTF-8 → code points and Hangul syllable → compatibility jamo, by the
// Unicode arithmetic (no tables needed for the decomposition itself).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace aicc::turn::internal {

// Decodes UTF-8, skipping invalid bytes.
std::u32string DecodeUtf8(std::string_view s);
std::string EncodeUtf8(std::u32string_view s);

bool IsHangulSyllable(char32_t c);
// 가 → ㄱㅏ, 갑 → ㄱㅏㅂ (compatibility jamo U+3131..U+318E); other
// characters are copied unchanged.
std::u32string ToJamo(std::u32string_view text);
// The final consonant (compatibility jamo) of a syllable, or 0.
char32_t FinalConsonant(char32_t syllable);
// The vowel (compatibility jamo ㅏ..ㅣ) of a syllable, or 0.
char32_t Vowel(char32_t syllable);

// Spaces (also ideographic and no-break) and the marks a transcript may end
// with (. ? ! , ~ … quotes, brackets, full-width forms).
bool IsSpace(char32_t c);
bool IsTerminalMark(char32_t c);

}  // namespace aicc::turn::internal
