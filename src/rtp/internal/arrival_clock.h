// Kernel receive timestamps (SO_TIMESTAMPNS) on the system clock, turned
// into steady-clock arrival times, the clock every latency in aicc uses.
//
// The kernel stamps a datagram when it reaches the socket, on
// CLOCK_REALTIME; aicc's latencies run on std::chrono::steady_clock. Both
// clocks are read once per receive batch and the datagram's age (realtime
// now − kernel stamp) is taken off the steady reading, so a step of the
// system clock between batches does not move arrivals. An age that cannot
// be true (a stamp in the future, or older than `max_age`: the system clock
// was stepped while the datagram waited) falls back to the processing time.
#pragma once

#include <chrono>

namespace aicc::rtp::internal {

struct ClockPair {
  std::chrono::system_clock::time_point real;
  std::chrono::steady_clock::time_point steady;
  static ClockPair Now() {
    return {std::chrono::system_clock::now(), std::chrono::steady_clock::now()};
  }
};

inline std::chrono::steady_clock::time_point SteadyArrival(
    std::chrono::system_clock::time_point kernel_stamp, const ClockPair& now,
    std::chrono::steady_clock::duration max_age = std::chrono::seconds(10)) {
  const auto age = now.real - kernel_stamp;
  if (age < std::chrono::system_clock::duration::zero() ||
      age > std::chrono::duration_cast<std::chrono::system_clock::duration>(max_age)) {
    return now.steady;
  }
  return now.steady - std::chrono::duration_cast<std::chrono::steady_clock::duration>(age);
}

}  // namespace aicc::rtp::internal
