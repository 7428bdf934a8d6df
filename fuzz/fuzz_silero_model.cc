// libFuzzer: the minimal ONNX reader behind the Silero VAD (a corrupt model
// file must be an error, never a crash).
#include <cstddef>
#include <cstdint>

#include "vad/silero.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  (void)aicc::vad::SileroModel::Parse(std::span<const std::uint8_t>(data, size), "fuzz.onnx");
  return 0;
}
