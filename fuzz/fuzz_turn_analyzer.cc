// libFuzzer: the Korean turn analyzer (and the seed rules) on arbitrary bytes.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "turn/detector.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const aicc::turn::Detector detector({});
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto d = detector.Decide(
      {text, std::chrono::milliseconds(size), std::chrono::milliseconds(800), 0.9, true});
  if (d.fusion_score < 0 || d.fusion_score > 1) __builtin_trap();
  (void)aicc::turn::SeedAnalyze(text);
  return 0;
}
