// Injectable time source. Everything that waits or times out takes a Clock so
// tests can drive time without sleeping (STYLE.md §6).
//
// Thread safety: SystemClock is stateless; ManualClock is safe to read from
// any thread while one test thread advances it.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>

namespace aicc::core {

class Clock {
 public:
  virtual ~Clock() = default;
  // Monotonic time for timeouts and durations.
  virtual std::chrono::steady_clock::time_point Now() const = 0;
  // Wall-clock time, for event timestamps only.
  virtual std::chrono::system_clock::time_point WallNow() const = 0;
};

class SystemClock final : public Clock {
 public:
  std::chrono::steady_clock::time_point Now() const override {
    return std::chrono::steady_clock::now();
  }
  std::chrono::system_clock::time_point WallNow() const override {
    return std::chrono::system_clock::now();
  }
};

// A clock that only moves when told to. Starts at an arbitrary fixed point.
class ManualClock final : public Clock {
 public:
  std::chrono::steady_clock::time_point Now() const override {
    return std::chrono::steady_clock::time_point(std::chrono::nanoseconds(now_ns_.load()));
  }
  std::chrono::system_clock::time_point WallNow() const override {
    return std::chrono::system_clock::time_point(
        std::chrono::duration_cast<std::chrono::system_clock::duration>(
            std::chrono::nanoseconds(wall_ns_.load())));
  }
  void Advance(std::chrono::nanoseconds d) {
    now_ns_ += d.count();
    wall_ns_ += d.count();
  }

 private:
  std::atomic<std::int64_t> now_ns_{1'000'000'000};
  // 2026-01-01T00:00:00Z
  std::atomic<std::int64_t> wall_ns_{1'767'225'600'000'000'000};
};

// The process-wide real clock, for wiring code that has no other clock.
std::shared_ptr<const Clock> MakeSystemClock();

}  // namespace aicc::core
