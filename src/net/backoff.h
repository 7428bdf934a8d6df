// Exponential backoff with full jitter (AWS architecture blog's "full
// jitter"): the n-th delay is uniform in [0, min(max, initial * 2^n)], so
// many clients reconnecting after one outage do not arrive together.
#pragma once

#include <chrono>
#include <cstdint>
#include <random>

namespace aicc::net {

class Backoff {
 public:
  Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max,
          std::uint64_t seed = std::random_device{}())
      : initial_(initial), max_(max), rng_(seed) {}

  // The delay before the next attempt; grows with each call until Reset().
  std::chrono::milliseconds Next();
  // After a success.
  void Reset() { attempt_ = 0; }
  int Attempts() const { return attempt_; }

 private:
  std::chrono::milliseconds initial_;
  std::chrono::milliseconds max_;
  std::mt19937_64 rng_;
  int attempt_ = 0;
};

}  // namespace aicc::net
