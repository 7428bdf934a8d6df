#include "pii/evaluation.h"

#include <fmt/format.h>

#include <string_view>

namespace aicc::pii {
namespace {

// Code points as byte slices (an invalid byte is one slice).
std::vector<std::string_view> CodePoints(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<unsigned char>(s[i]);
    std::size_t len = b < 0x80         ? 1
                      : (b >> 5) == 6  ? 2
                      : (b >> 4) == 14 ? 3
                      : (b >> 3) == 30 ? 4
                                       : 1;
    if (i + len > s.size()) len = 1;
    out.push_back(s.substr(i, len));
    i += len;
  }
  return out;
}

bool IsNumeral(std::string_view cp) {
  if (cp.size() == 1) return cp[0] >= '0' && cp[0] <= '9';
  static constexpr std::string_view kNumerals[] = {"공", "영", "일", "이", "삼", "사",
                                                   "오", "육", "륙", "칠", "팔", "구",
                                                   "십", "백", "천", "만", "억"};
  for (std::string_view n : kNumerals) {
    if (cp == n) return true;
  }
  return false;
}

std::vector<std::string> SplitTabs(const std::string& line) {
  std::vector<std::string> cols;
  std::size_t start = 0;
  while (true) {
    const auto tab = line.find('\t', start);
    cols.push_back(line.substr(start, tab == std::string::npos ? std::string::npos : tab - start));
    if (tab == std::string::npos) break;
    start = tab + 1;
  }
  return cols;
}

double Ratio(int a, int b) { return b ? static_cast<double>(a) / b : 0.0; }

}  // namespace

void EvalCounts::Add(const EvalCounts& o) {
  lines += o.lines;
  exact += o.exact;
  pii_chars += o.pii_chars;
  pii_masked += o.pii_masked;
  numeral_chars += o.numeral_chars;
  numeral_masked += o.numeral_masked;
}

EvalReport Evaluate(std::istream& corpus, const Masker& masker) {
  EvalReport report;
  std::string line;
  int line_no = 0;
  while (std::getline(corpus, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    const std::vector<std::string> cols = SplitTabs(line);
    if (cols.size() != 4) {
      ++report.malformed;
      continue;
    }
    const auto text = CodePoints(cols[2]);
    const auto expected = CodePoints(cols[3]);
    if (text.size() != expected.size()) {
      ++report.malformed;
      continue;
    }
    std::vector<std::string> context;
    if (cols[1] != "-" && !cols[1].empty()) context.push_back(cols[1]);
    const Result r = masker.Mask(cols[2], Context{context, std::nullopt});
    const auto got = CodePoints(r.text);
    EvalCounts c;
    c.lines = 1;
    c.exact = r.text == cols[3];
    for (std::size_t i = 0; i < text.size(); ++i) {
      const bool masked = i < got.size() && got[i] == "*" && text[i] != "*";
      if (expected[i] == "*" && text[i] != "*") {
        ++c.pii_chars;
        c.pii_masked += masked;
      } else if (IsNumeral(text[i])) {
        ++c.numeral_chars;
        c.numeral_masked += masked;
      }
    }
    report.by_category[cols[0]].Add(c);
    report.all.Add(c);
    if (!c.exact) report.misses.push_back({line_no, cols[0], cols[1], cols[2], cols[3], r.text});
  }
  return report;
}

std::string FormatReport(const EvalReport& report) {
  std::string out = fmt::format("{:<14} {:>5} {:>6} {:>14} {:>14}\n", "category", "lines", "exact",
                                "pii recall", "false-mask");
  for (const auto& [name, c] : report.by_category) {
    out += fmt::format("{:<14} {:>5} {:>6} {:>6.1f}% {:>3}/{:<3} {:>5.1f}% {:>3}/{:<3}\n", name,
                       c.lines, c.exact, 100 * Ratio(c.pii_masked, c.pii_chars), c.pii_masked,
                       c.pii_chars, 100 * Ratio(c.numeral_masked, c.numeral_chars),
                       c.numeral_masked, c.numeral_chars);
  }
  if (report.malformed) out += fmt::format("({} malformed lines skipped)\n", report.malformed);
  const EvalCounts& a = report.all;
  out += fmt::format("pii recall {:.4f} ({}/{}) false-mask {:.4f} ({}/{}) exact {:.4f} ({}/{})\n",
                     Ratio(a.pii_masked, a.pii_chars), a.pii_masked, a.pii_chars,
                     Ratio(a.numeral_masked, a.numeral_chars), a.numeral_masked, a.numeral_chars,
                     Ratio(a.exact, a.lines), a.exact, a.lines);
  return out;
}

}  // namespace aicc::pii
