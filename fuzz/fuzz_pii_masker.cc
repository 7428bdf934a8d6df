// libFuzzer: the PII masker on arbitrary bytes (context before the first
// tab). Invariants: the output has the input's code points, each either
// kept or replaced by '*', spaces kept; the value count matches the stars.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "pii/internal/text.h"
#include "pii/masker.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const aicc::pii::Masker masker;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> context;
  if (const auto tab = input.find('\t'); tab != std::string_view::npos) {
    context.emplace_back(input.substr(0, tab));
    input.remove_prefix(tab + 1);
  }
  const aicc::pii::Result r = masker.Mask(input, {context, std::nullopt});
  const aicc::pii::internal::Text in(input);
  const aicc::pii::internal::Text out(r.text);
  if (in.cps.size() != out.cps.size()) __builtin_trap();
  bool any_star = false;
  for (std::size_t i = 0; i < in.cps.size(); ++i) {
    if (out.cps[i].c == in.cps[i].c && out.Bytes(i, i + 1) == in.Bytes(i, i + 1)) continue;
    if (out.cps[i].c != '*' || aicc::pii::internal::IsSpace(in.cps[i].c)) __builtin_trap();
    any_star = true;
  }
  if (any_star && r.values == 0) __builtin_trap();
  return 0;
}
