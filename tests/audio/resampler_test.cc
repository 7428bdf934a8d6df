#include "audio/resampler.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

namespace aicc::audio {
namespace {

std::vector<std::int16_t> Tone(double hz, int rate, std::size_t n, double amplitude) {
  std::vector<std::int16_t> v(n);
  for (std::size_t i = 0; i < n; ++i) {
    v[i] = static_cast<std::int16_t>(amplitude * std::sin(2 * std::numbers::pi * hz * i / rate));
  }
  return v;
}

double Rms(std::span<const std::int16_t> v) {
  double s = 0;
  for (auto x : v) s += static_cast<double>(x) * x;
  return std::sqrt(s / v.size());
}

// Frequency by counting positive-going zero crossings.
double Frequency(std::span<const std::int16_t> v, int rate) {
  int crossings = 0;
  for (std::size_t i = 1; i < v.size(); ++i) crossings += (v[i - 1] < 0 && v[i] >= 0);
  return crossings * static_cast<double>(rate) / v.size();
}

TEST(ResamplerTest, ToneKeepsFrequencyAndLevelBothWays) {
  for (auto [in_rate, out_rate] : {std::pair{8000, 16000}, std::pair{16000, 8000}}) {
    SCOPED_TRACE(in_rate);
    auto r = Resampler::Create(in_rate, out_rate);
    ASSERT_TRUE(r);
    const auto in = Tone(1000, in_rate, static_cast<std::size_t>(in_rate), 10000);
    std::vector<std::int16_t> out;
    // Feed in 20 ms pieces as the pipeline does.
    const std::size_t step = static_cast<std::size_t>(in_rate / 50);
    for (std::size_t i = 0; i < in.size(); i += step) {
      (*r)->Process(std::span<const std::int16_t>(in).subspan(i, std::min(step, in.size() - i)),
                    out);
    }
    (*r)->Flush(out);
    // Length accounting is exact.
    EXPECT_EQ(out.size(), in.size() * out_rate / in_rate);
    // Skip the filter's edges when measuring.
    const auto mid =
        std::span<const std::int16_t>(out).subspan(out.size() / 10, out.size() * 8 / 10);
    EXPECT_NEAR(Frequency(mid, out_rate), 1000, 10);
    EXPECT_NEAR(Rms(mid), 10000 / std::sqrt(2.0), 10000 / std::sqrt(2.0) * 0.05);
  }
}

TEST(ResamplerTest, RejectsBadRates) { EXPECT_FALSE(Resampler::Create(0, 16000)); }

}  // namespace
}  // namespace aicc::audio
