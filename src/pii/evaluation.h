// Scores the masker on a labelled corpus (`aicc redact --eval`).
//
// Format, one line each (blank lines and lines starting with '#' skipped):
//   category<TAB>context<TAB>text<TAB>expected
// `context` is the other speaker's previous utterance or "-"; `expected` is
// `text` with every PII character replaced by '*' (same length in code
// points, spaces kept). Recall counts PII characters masked; false-mask
// counts non-PII numeral characters (ASCII digits and the sino-Korean
// numeral syllables 공영일이삼사오육륙칠팔구십백천만억) masked.
//
// Thread safety: none needed; a plain function of its inputs.
#pragma once

#include <istream>
#include <map>
#include <string>
#include <vector>

#include "pii/masker.h"

namespace aicc::pii {

struct EvalCounts {
  int lines = 0;
  int exact = 0;
  int pii_chars = 0;       // characters the corpus marks '*'
  int pii_masked = 0;      // ... that the masker masked
  int numeral_chars = 0;   // non-PII numeral characters
  int numeral_masked = 0;  // ... that the masker masked (false masks)
  void Add(const EvalCounts& o);
};

struct EvalMiss {
  int line_no = 0;
  std::string category, context, text, expected, got;
};

struct EvalReport {
  std::map<std::string, EvalCounts> by_category;
  EvalCounts all;
  std::vector<EvalMiss> misses;  // lines not masked exactly as expected
  int malformed = 0;             // skipped: wrong column count or length
};

EvalReport Evaluate(std::istream& corpus, const Masker& masker);

// The per-category table and the last line:
//   pii recall R (masked/should) false-mask F (wrong/non-pii) exact E (lines/total)
std::string FormatReport(const EvalReport& report);

}  // namespace aicc::pii
