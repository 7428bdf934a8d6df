// libFuzzer: journal record parsing (what recovery reads after a crash).
#include <cstddef>
#include <cstdint>

#include "sink/journal.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::span<const std::uint8_t> bytes(data, size);
  std::size_t offset = 0;
  while (offset < bytes.size()) {
    auto rec = aicc::sink::ParseRecord(bytes.subspan(offset), 1 << 20);
    if (!rec) break;
    offset += rec->size;
  }
  return 0;
}
