// What the words around a number say it is: keyword occurrences in the
// utterance (nearest one wins) and in the other speaker's last utterances
// (strongest tier, then last mention).
#pragma once

#include <span>
#include <string>
#include <vector>

#include "pii/internal/lexicon.h"
#include "pii/internal/text.h"
#include "pii/masker.h"

namespace aicc::pii::internal {

struct Label {
  enum class Kind { kNone, kPii, kNonPii } kind = Kind::kNone;
  Category category = Category::kCard;
  bool pii() const { return kind == Kind::kPii; }
  bool non_pii() const { return kind == Kind::kNonPii; }
};

struct Hit {
  int begin = 0, end = 0;  // code points of the utterance
  const Keyword* keyword = nullptr;
};

// The text without spaces, ASCII lower-cased (how keywords are matched).
std::string Squeeze(std::string_view text);
Label LabelOf(const Keyword& kw);
// Keyword occurrences in the utterance (spaces ignored, ASCII case folded);
// a match inside a longer one (번호 in 주문번호) is dropped.
std::vector<Hit> FindKeywords(const Text& text);
// What the other speaker asked for: the newest utterance with a keyword.
Label ContextLabel(std::span<const std::string> other_recent);

}  // namespace aicc::pii::internal
