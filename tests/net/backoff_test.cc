#include "net/backoff.h"

#include <gtest/gtest.h>

namespace aicc::net {
namespace {

using std::chrono::milliseconds;

TEST(BackoffTest, DelaysStayUnderAGrowingCeilingAndTheMaximum) {
  Backoff b(milliseconds(100), milliseconds(1000), 42);
  const std::int64_t ceilings[] = {100, 200, 400, 800, 1000, 1000, 1000};
  for (auto c : ceilings) {
    const auto d = b.Next();
    EXPECT_GE(d.count(), 0);
    EXPECT_LE(d.count(), c);
  }
  b.Reset();
  EXPECT_LE(b.Next().count(), 100);
}

// Issue 18: only a healthy connection restarts the delays from the minimum.
TEST(BackoffTest, ResetsOnlyAfterAHealthyConnection) {
  Backoff b(milliseconds(100), milliseconds(100000), 42);
  for (int i = 0; i < 5; ++i) b.Next();
  ASSERT_EQ(b.Attempts(), 5);
  b.ConnectionEnded(std::chrono::milliseconds(50));  // handshake, then garbage
  EXPECT_EQ(b.Attempts(), 5);
  b.ConnectionEnded(Backoff::kHealthyConnection - milliseconds(1));
  EXPECT_EQ(b.Attempts(), 5);
  b.ConnectionEnded(milliseconds(50), /*made_progress=*/true);
  EXPECT_EQ(b.Attempts(), 0);
  for (int i = 0; i < 5; ++i) b.Next();
  b.ConnectionEnded(Backoff::kHealthyConnection);
  EXPECT_EQ(b.Attempts(), 0);
}

TEST(BackoffTest, IsJittered) {
  Backoff b(milliseconds(1000), milliseconds(1000), 7);
  std::int64_t first = b.Next().count();
  bool differs = false;
  for (int i = 0; i < 20; ++i) differs |= b.Next().count() != first;
  EXPECT_TRUE(differs);
}

}  // namespace
}  // namespace aicc::net
