#include "net/backoff.h"

#include <algorithm>

namespace aicc::net {

std::chrono::milliseconds Backoff::Next() {
  const int shift = std::min(attempt_, 30);
  const std::int64_t ceiling =
      std::min<std::int64_t>(max_.count(), initial_.count() * (std::int64_t{1} << shift));
  if (attempt_ < 62) ++attempt_;
  std::uniform_int_distribution<std::int64_t> dist(0, std::max<std::int64_t>(ceiling, 0));
  return std::chrono::milliseconds(dist(rng_));
}

}  // namespace aicc::net
