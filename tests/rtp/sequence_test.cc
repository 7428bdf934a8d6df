#include "rtp/sequence.h"

#include <gtest/gtest.h>

namespace aicc::rtp {
namespace {

TEST(SequenceTest, NewerAcrossTheWrap) {
  EXPECT_TRUE(SeqNewer(1, 0));
  EXPECT_TRUE(SeqNewer(0, 0xFFFF));
  EXPECT_TRUE(SeqNewer(5, 0xFFF0));
  EXPECT_FALSE(SeqNewer(0xFFFF, 0));
  EXPECT_FALSE(SeqNewer(7, 7));
  EXPECT_TRUE(SeqNewer(0x7FFF, 0));
  EXPECT_FALSE(SeqNewer(0x8000, 0));
}

TEST(SequenceTest, UnwrapsForwardAcrossTheWrap) {
  SequenceUnwrapper u;
  const std::uint16_t in[] = {0xFFFD, 0xFFFE, 0xFFFF, 0x0000, 0x0001, 0x0002};
  std::int64_t prev = u.Unwrap(in[0]);
  for (std::size_t i = 1; i < std::size(in); ++i) {
    const std::int64_t v = u.Unwrap(in[i]);
    EXPECT_EQ(v, prev + 1) << i;
    prev = v;
  }
}

TEST(SequenceTest, ReorderedAcrossTheWrapStaysOrdered) {
  SequenceUnwrapper u;
  const std::int64_t a = u.Unwrap(0xFFFE);
  const std::int64_t c = u.Unwrap(0x0001);  // ahead, across the wrap
  const std::int64_t b = u.Unwrap(0xFFFF);  // late, before the wrap
  const std::int64_t d = u.Unwrap(0x0000);
  EXPECT_EQ(c - a, 3);
  EXPECT_EQ(b - a, 1);
  EXPECT_EQ(d - a, 2);
  EXPECT_EQ(u.Unwrap(0x0002) - a, 4);
}

TEST(SequenceTest, TimestampsUnwrapAcross32Bits) {
  TimestampUnwrapper u;
  const std::int64_t a = u.Unwrap(0xFFFFFF00u);
  EXPECT_EQ(u.Unwrap(0x00000060u) - a, 0x160);
  EXPECT_EQ(u.Unwrap(0xFFFFFFA0u) - a, 0xA0);  // older, still before the wrap
  EXPECT_EQ(u.Unwrap(0x00000100u) - a, 0x200);
}

}  // namespace
}  // namespace aicc::rtp
