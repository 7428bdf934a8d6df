#include <algorithm>

#include "turn/internal/hangul.h"
#include "turn/korean_analyzer.h"

namespace aicc::turn {

std::string MakeVariant(std::string_view utf8, TextVariant variant) {
  std::u32string text = internal::DecodeUtf8(utf8);
  switch (variant) {
    case TextVariant::kAsWritten:
      break;
    case TextVariant::kNoPunctuation:
      std::erase_if(text, internal::IsTerminalMark);
      break;
    case TextVariant::kNoSpaces:
      std::erase_if(text, internal::IsSpace);
      break;
    case TextVariant::kSplitEnd: {
      // The last word, before any trailing marks.
      std::size_t end = text.size();
      while (end > 0 && internal::IsTerminalMark(text[end - 1])) --end;
      std::size_t start = text.rfind(U' ', end == 0 ? 0 : end - 1);
      start = start == std::u32string::npos ? 0 : start + 1;
      const bool hangul = end > start && std::all_of(text.begin() + start, text.begin() + end,
                                                     internal::IsHangulSyllable);
      if (hangul && end - start >= 2) text.insert(end - 1, 1, U' ');
      break;
    }
  }
  return internal::EncodeUtf8(text);
}

}  // namespace aicc::turn
