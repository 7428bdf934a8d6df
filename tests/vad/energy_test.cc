#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <numbers>

#include "vad/vad.h"

namespace aicc::vad {
namespace {

std::vector<float> Tone(double amplitude, double hz, int rate, std::size_t n) {
  std::vector<float> v(n);
  for (std::size_t i = 0; i < n; ++i)
    v[i] = static_cast<float>(amplitude * std::sin(2 * std::numbers::pi * hz * i / rate));
  return v;
}

TEST(EnergyVadTest, ThresholdIsTheOldSystemsRms) {
  auto vad = MakeEnergyEngine(0.6)->NewStream(8000);  // RMS threshold 1200 on the 16-bit scale
  EXPECT_EQ(vad->ChunkSamples(), 256u);
  EXPECT_EQ(MakeEnergyEngine(0.6)->NewStream(16000)->ChunkSamples(), 512u);
  // A 300 Hz tone with RMS 1200 (peak 1697) → confidence 0.5 on every window.
  const auto at = Tone(1697.06 / 32768.0, 300, 8000, 256);
  float p = 0;
  for (int i = 0; i < 3; ++i) p = vad->Process(at);
  EXPECT_NEAR(p, 0.5, 0.01);
  // Silence decays through the mean of the last three.
  const std::vector<float> silence(256, 0.0f);
  EXPECT_NEAR(vad->Process(silence), 1.0 / 3.0, 0.01);
  EXPECT_NEAR(vad->Process(silence), 1.0 / 6.0, 0.01);
  EXPECT_NEAR(vad->Process(silence), 0.0, 0.01);
}

TEST(EnergyVadTest, HissIsDampedByTheZeroCrossingRate) {
  auto voice = MakeEnergyEngine(0.6)->NewStream(8000);
  auto hiss = MakeEnergyEngine(0.6)->NewStream(8000);
  const auto low = Tone(0.2, 200, 8000, 256);
  const auto high = Tone(0.2, 3600, 8000, 256);  // same energy, many crossings
  float pv = 0, ph = 0;
  for (int i = 0; i < 3; ++i) {
    pv = voice->Process(low);
    ph = hiss->Process(high);
  }
  EXPECT_NEAR(ph, pv / 2, 0.01);
}

TEST(EnergyVadTest, EmptyAndNonFiniteInputIsSafe) {
  auto vad = MakeEnergyEngine(0.6)->NewStream(8000);
  EXPECT_EQ(vad->Process({}), 0.0f);
  std::vector<float> weird(256, std::nanf(""));
  weird[3] = std::numeric_limits<float>::infinity();
  const float p = vad->Process(weird);
  EXPECT_TRUE(std::isfinite(p));
  EXPECT_GE(p, 0.0f);
  EXPECT_LE(p, 1.0f);
}

}  // namespace
}  // namespace aicc::vad
