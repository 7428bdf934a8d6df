// Wrap-safe RTP arithmetic: 16-bit sequence numbers and 32-bit timestamps
// extended to 64 bits (as WebRTC's SeqNumUnwrapper), so ordering and
// differences are plain integer comparisons.
#pragma once

#include <cstdint>
#include <optional>

namespace aicc::rtp {

// True when `a` comes after `b` in modular order (RFC 1982 serial numbers).
constexpr bool SeqNewer(std::uint16_t a, std::uint16_t b) {
  return a != b && static_cast<std::uint16_t>(a - b) < 0x8000;
}

// Extends N-bit counters to 64 bits, choosing the closest value to the last
// one seen (so a value just below the wrap after one just above it is
// "older", not 65535 newer).
template <typename T>
class Unwrapper {
 public:
  std::int64_t Unwrap(T value) {
    constexpr std::int64_t kRange = std::int64_t{1} << (8 * sizeof(T));
    if (!last_) {
      last_ = kRange + value;  // start one cycle in so early "older" values stay positive
      return *last_;
    }
    const std::int64_t last_mod = *last_ % kRange;
    std::int64_t delta = static_cast<std::int64_t>(value) - last_mod;
    if (delta > kRange / 2) delta -= kRange;
    if (delta < -kRange / 2) delta += kRange;
    const std::int64_t unwrapped = *last_ + delta;
    if (delta > 0) last_ = unwrapped;
    return unwrapped;
  }
  void Reset() { last_.reset(); }

 private:
  std::optional<std::int64_t> last_;
};

using SequenceUnwrapper = Unwrapper<std::uint16_t>;
using TimestampUnwrapper = Unwrapper<std::uint32_t>;

}  // namespace aicc::rtp
