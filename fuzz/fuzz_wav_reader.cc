// libFuzzer: the WAV reader on arbitrary files.
#include <cstddef>
#include <cstdint>

#include "audio/wav.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto wav = aicc::audio::ParseWav(std::span<const std::uint8_t>(data, size));
  if (wav && !wav->samples.empty()) {
    volatile std::int16_t first = wav->samples.front();
    (void)first;
  }
  return 0;
}
