// Logging: one named spdlog logger per module ("rtp", "vad", "sink", ...),
// levels from AICC_LOG_LEVEL / AICC_DEBUG via the config, and a rate limiter
// for per-packet problems so a flood of bad packets costs one line a second.
//
// Usage:
//   auto log = core::Logger("rtp");
//   log->info("call={} spk={} stream started", core::ShortId(id), "customer");
//   static core::RateLimitedLog bad_packet{std::chrono::seconds(1)};
//   if (bad_packet.ShouldLog()) log->warn("bad packet ({} suppressed)", bad_packet.Suppressed());
//
// Thread safety: Logger() and SetupLogging() may be called from any thread.
#pragma once

#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace aicc::core {

// Returns the logger for `module`, creating it on first use with the current
// global level. Loggers write to stderr.
std::shared_ptr<spdlog::logger> Logger(std::string_view module);

// Sets the level of every logger, present and future. `level` is one of
// trace|debug|info|warn|error|off; `debug` forces at least debug.
void SetupLogging(std::string_view level, bool debug);

// Masks a secret or a caller number for logs: keeps at most the last 2
// characters of numbers ("***34") and nothing of secrets ("***").
std::string MaskNumber(std::string_view number);

// Lets one line through per interval and counts what it held back.
class RateLimitedLog {
 public:
  explicit RateLimitedLog(std::chrono::steady_clock::duration interval)
      : interval_ns_(std::chrono::duration_cast<std::chrono::nanoseconds>(interval).count()) {}
  // True when a line may be written now. Lock-free.
  bool ShouldLog();
  // Lines suppressed since the last one that was let through.
  std::uint64_t Suppressed() const { return last_suppressed_; }

 private:
  std::int64_t interval_ns_;
  std::atomic<std::int64_t> next_ns_{0};
  std::atomic<std::uint64_t> suppressed_{0};
  std::uint64_t last_suppressed_ = 0;
};

}  // namespace aicc::core
