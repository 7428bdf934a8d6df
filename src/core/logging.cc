#include "core/logging.h"

#include <spdlog/sinks/stdout_color_sinks.h>

#include <mutex>
#include <string>

namespace aicc::core {
namespace {

std::mutex& RegistryMutex() {
  static std::mutex m;
  return m;
}

spdlog::level::level_enum& GlobalLevel() {
  static spdlog::level::level_enum level = spdlog::level::info;
  return level;
}

}  // namespace

std::shared_ptr<spdlog::logger> Logger(std::string_view module) {
  const std::string name(module);
  std::lock_guard lock(RegistryMutex());
  if (auto existing = spdlog::get(name)) return existing;
  static auto sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  auto logger = std::make_shared<spdlog::logger>(name, sink);
  logger->set_level(GlobalLevel());
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %^%-5l%$ [%n] %v", spdlog::pattern_time_type::utc);
  spdlog::register_logger(logger);
  return logger;
}

void SetupLogging(std::string_view level, bool debug) {
  auto parsed = spdlog::level::from_str(std::string(level));
  if (debug && parsed > spdlog::level::debug) parsed = spdlog::level::debug;
  std::lock_guard lock(RegistryMutex());
  GlobalLevel() = parsed;
  spdlog::apply_all([parsed](const std::shared_ptr<spdlog::logger>& l) { l->set_level(parsed); });
}

std::string MaskNumber(std::string_view number) {
  if (number == "unknown" || number.empty()) return std::string(number);
  if (number.size() <= 2) return "***";
  return "***" + std::string(number.substr(number.size() - 2));
}

bool RateLimitedLog::ShouldLog() {
  const std::int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                               std::chrono::steady_clock::now().time_since_epoch())
                               .count();
  std::int64_t next = next_ns_.load(std::memory_order_relaxed);
  if (now >= next &&
      next_ns_.compare_exchange_strong(next, now + interval_ns_, std::memory_order_relaxed)) {
    last_suppressed_ = suppressed_.exchange(0, std::memory_order_relaxed);
    return true;
  }
  suppressed_.fetch_add(1, std::memory_order_relaxed);
  return false;
}

}  // namespace aicc::core
