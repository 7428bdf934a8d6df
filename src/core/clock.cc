#include "core/clock.h"

namespace aicc::core {

std::shared_ptr<const Clock> MakeSystemClock() {
  static const auto clock = std::make_shared<const SystemClock>();
  return clock;
}

}  // namespace aicc::core
