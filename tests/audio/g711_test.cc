#include "audio/g711.h"

#include <gtest/gtest.h>

#include <vector>

namespace aicc::audio {
namespace {

// Reference values from the Sun g711.c tables (ulaw2linear / alaw2linear).
TEST(G711Test, UlawDecodeReferenceValues) {
  struct Row {
    std::uint8_t code;
    std::int16_t linear;
  };
  const Row rows[] = {{0x00, -32124}, {0x7F, 0},     {0xFF, 0},     {0x80, 32124}, {0x0F, -16764},
                      {0x08, -23932}, {0x70, -120},  {0x7E, -8},    {0xFE, 8},     {0xF0, 120},
                      {0x8F, 16764},  {0x40, -1884}, {0xC0, 1884},  {0x3F, -1980}, {0x5A, -556},
                      {0x10, -15996}, {0x20, -7932}, {0x30, -3900}, {0x60, -372}};
  for (const auto& r : rows) {
    SCOPED_TRACE(static_cast<int>(r.code));
    EXPECT_EQ(UlawToLinear(r.code), r.linear);
  }
}

TEST(G711Test, AlawDecodeReferenceValues) {
  struct Row {
    std::uint8_t code;
    std::int16_t linear;
  };
  const Row rows[] = {{0xD5, 8},    {0x55, -8},    {0x2A, -32256}, {0xAA, 32256},
                      {0x80, 5504}, {0x00, -5504}, {0xD4, 24},     {0x54, -24},
                      {0xC5, 264},  {0x45, -264},  {0xFF, 848},    {0x7F, -848}};
  for (const auto& r : rows) {
    SCOPED_TRACE(static_cast<int>(r.code));
    EXPECT_EQ(AlawToLinear(r.code), r.linear);
  }
}

// Encoding a decoded value gives the code back (0x7F/0xFF both mean zero in
// μ-law; the encoder picks 0xFF).
TEST(G711Test, EveryCodeRoundTrips) {
  for (int c = 0; c < 256; ++c) {
    const auto u = static_cast<std::uint8_t>(c);
    if (u != 0x7F) {
      EXPECT_EQ(LinearToUlaw(UlawToLinear(u)), u) << c;
    }
    EXPECT_EQ(LinearToAlaw(AlawToLinear(u)), u) << c;
  }
  EXPECT_EQ(LinearToUlaw(0), 0xFF);
}

TEST(G711Test, EncodingIsMonotonicAndClips) {
  EXPECT_EQ(LinearToUlaw(32767), 0x80);
  EXPECT_EQ(LinearToUlaw(-32768), 0x00);
  EXPECT_EQ(LinearToAlaw(32767), 0xAA);
  EXPECT_EQ(LinearToAlaw(-32768), 0x2A);
  int prev = -40000;
  for (int x = -32768; x <= 32767; x += 7) {
    const int y = UlawToLinear(LinearToUlaw(static_cast<std::int16_t>(x)));
    EXPECT_GE(y, prev);
    prev = y;
  }
}

TEST(G711Test, BufferCodecsAndSlin) {
  const std::vector<std::uint8_t> ulaw = {0xFF, 0x80, 0x00};
  std::vector<std::int16_t> pcm(3);
  EXPECT_EQ(DecodeUlaw(ulaw, pcm), 3u);
  EXPECT_EQ(pcm, (std::vector<std::int16_t>{0, 32124, -32124}));

  const std::vector<std::uint8_t> be = {0x12, 0x34, 0xFF, 0xFE, 0x80};  // odd byte ignored
  std::vector<std::int16_t> s(4);
  EXPECT_EQ(DecodeSlinBigEndian(be, s), 2u);
  EXPECT_EQ(s[0], 0x1234);
  EXPECT_EQ(s[1], -2);
  std::vector<std::uint8_t> back(4);
  EXPECT_EQ(EncodeSlinBigEndian(std::span<const std::int16_t>(s.data(), 2), back), 2u);
  EXPECT_EQ(back, (std::vector<std::uint8_t>{0x12, 0x34, 0xFF, 0xFE}));
}

}  // namespace
}  // namespace aicc::audio
