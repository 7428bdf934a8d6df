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
  // A connection that was established has ended after `lasted`. The delays
  // start again from `initial` only if it was healthy: up for at least
  // kHealthyConnection, or `made_progress` (the peer confirmed work). A peer
  // that completes the handshake and then fails at once keeps backing off;
  // resetting at each handshake reconnected such a peer forever at the
  // shortest delay.
  static constexpr std::chrono::seconds kHealthyConnection{10};
  void ConnectionEnded(std::chrono::steady_clock::duration lasted, bool made_progress = false) {
    if (made_progress || lasted >= kHealthyConnection) Reset();
  }
  int Attempts() const { return attempt_; }

 private:
  std::chrono::milliseconds initial_;
  std::chrono::milliseconds max_;
  std::mt19937_64 rng_;
  int attempt_ = 0;
};

}  // namespace aicc::net
