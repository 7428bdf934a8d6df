#include "core/ids.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>

namespace aicc::core {
namespace {

TEST(IdsTest, UuidsAreVersion4AndUnique) {
  const std::regex re("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const std::string id = NewUuid();
    ASSERT_TRUE(std::regex_match(id, re)) << id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(IdsTest, TimestampIsIsoUtcWithMicroseconds) {
  const auto t = std::chrono::system_clock::time_point(std::chrono::microseconds(1795480593712345));
  EXPECT_EQ(FormatTimestamp(t), "2026-11-24T00:36:33.712345Z");
  EXPECT_EQ(FormatTimestamp(std::chrono::system_clock::time_point{}),
            "1970-01-01T00:00:00.000000Z");
}

}  // namespace
}  // namespace aicc::core
