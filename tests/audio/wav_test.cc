#include "audio/wav.h"

#include <gtest/gtest.h>

#include <cmath>

namespace aicc::audio {
namespace {

std::vector<std::int16_t> Ramp(std::size_t n) {
  std::vector<std::int16_t> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::int16_t>(i * 37 - 9000);
  return v;
}

TEST(WavTest, Pcm16RoundTrip) {
  const auto samples = Ramp(801);
  const auto bytes = SerializeWav(samples, 16000);
  auto parsed = ParseWav(bytes);
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->sample_rate, 16000);
  EXPECT_EQ(parsed->encoding, WavEncoding::kPcm16);
  EXPECT_EQ(parsed->samples, samples);
}

TEST(WavTest, G711RoundTripKeepsTheCodedBytes) {
  const auto samples = Ramp(160);
  for (auto enc : {WavEncoding::kUlaw, WavEncoding::kAlaw}) {
    const auto bytes = SerializeWav(samples, 8000, enc);
    auto parsed = ParseWav(bytes);
    ASSERT_TRUE(parsed) << parsed.error().message;
    EXPECT_EQ(parsed->encoding, enc);
    ASSERT_EQ(parsed->coded.size(), 160u);
    for (std::size_t i = 0; i < samples.size(); ++i) {
      // G.711 keeps ~13 bits: the error is bounded by the segment step.
      EXPECT_LE(std::abs(parsed->samples[i] - samples[i]), 1024) << i;
    }
  }
}

TEST(WavTest, MalformedFilesAreErrorsThatSayWhy) {
  const auto good = SerializeWav(Ramp(10), 8000);
  struct Row {
    std::vector<std::uint8_t> bytes;
    const char* expect;
  };
  auto stereo = good;
  stereo[22] = 2;
  auto float32 = good;
  float32[20] = 3;
  auto no_data = std::vector<std::uint8_t>(good.begin(), good.begin() + 36);
  auto bad_rate = good;
  bad_rate[24] = 1;
  bad_rate[25] = bad_rate[26] = bad_rate[27] = 0;
  auto huge_fmt = good;
  huge_fmt[16] = 0xFF;
  huge_fmt[17] = 0xFF;
  const Row rows[] = {
      {{}, "too short"},
      {std::vector<std::uint8_t>(good.begin(), good.begin() + 11), "too short"},
      {std::vector<std::uint8_t>(20, 'x'), "not a RIFF"},
      {stereo, "mono"},
      {float32, "unsupported"},
      {no_data, "no data"},
      {bad_rate, "sample rate"},
      {huge_fmt, "runs past"},
  };
  for (const auto& r : rows) {
    SCOPED_TRACE(r.expect);
    auto parsed = ParseWav(r.bytes);
    ASSERT_FALSE(parsed);
    EXPECT_NE(parsed.error().message.find(r.expect), std::string::npos) << parsed.error().message;
  }
  EXPECT_FALSE(ReadWav("/nonexistent/file.wav"));
}

}  // namespace
}  // namespace aicc::audio
