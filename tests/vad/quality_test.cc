// Detection quality on a labelled synthetic set: speech segments with known
// boundaries placed in silence and telephony-band noise at 20, 10 and 5 dB
// SNR. Frame-level F1 for Silero and for the energy VAD (printed), with a
// floor for Silero at 10 dB. This is quality, not timing.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "test_audio.h"
#include "vad/silero.h"

namespace aicc::vad {
namespace {

struct Labelled {
  std::vector<float> audio;
  std::vector<bool> speech;  // per 32 ms frame
};

// Telephony-band noise: white noise through a crude 300–3400 Hz band-pass
// (first-order high-pass then two low-pass stages).
std::vector<float> BandNoise(std::size_t n, int rate, std::mt19937& rng) {
  std::normal_distribution<float> g(0, 1);
  std::vector<float> v(n);
  const float a_hp = std::exp(-2.0f * 3.14159f * 300.0f / rate);
  const float a_lp = std::exp(-2.0f * 3.14159f * 3400.0f / rate);
  float hp_prev_x = 0, hp_prev_y = 0, lp1 = 0, lp2 = 0;
  for (auto& x : v) {
    const float w = g(rng);
    const float hp = a_hp * (hp_prev_y + w - hp_prev_x);
    hp_prev_x = w;
    hp_prev_y = hp;
    lp1 = (1 - a_lp) * hp + a_lp * lp1;
    lp2 = (1 - a_lp) * lp1 + a_lp * lp2;
    x = lp2;
  }
  return v;
}

Labelled Build(int rate, double snr_db) {
  std::mt19937 rng(99);
  const auto speech = testing::LoadSpeech(rate);
  const std::size_t frame = rate == 16000 ? 512 : 256;
  Labelled out;
  // Speech energy per frame decides which frames of a segment are voiced
  // (espeak leaves short silences between words).
  double speech_power = 0;
  for (float s : speech) speech_power += static_cast<double>(s) * s;
  speech_power /= static_cast<double>(speech.size());
  std::uniform_real_distribution<double> gap(0.8, 2.5);
  std::size_t pos = 0;
  while (pos < speech.size()) {
    out.audio.insert(out.audio.end(), static_cast<std::size_t>(gap(rng) * rate), 0.0f);
    const std::size_t len =
        std::min<std::size_t>(speech.size() - pos, static_cast<std::size_t>(2.5 * rate));
    out.audio.insert(out.audio.end(), speech.begin() + static_cast<std::ptrdiff_t>(pos),
                     speech.begin() + static_cast<std::ptrdiff_t>(pos + len));
    pos += len;
  }
  out.audio.insert(out.audio.end(), static_cast<std::size_t>(rate), 0.0f);
  // Labels from the clean signal: a frame is speech when its energy is above
  // 1% of the average speech power.
  for (std::size_t f = 0; f + frame <= out.audio.size(); f += frame) {
    double e = 0;
    for (std::size_t i = f; i < f + frame; ++i)
      e += static_cast<double>(out.audio[i]) * out.audio[i];
    out.speech.push_back(e / frame > 0.01 * speech_power);
  }
  // Add noise at the SNR (against the average speech power).
  auto noise = BandNoise(out.audio.size(), rate, rng);
  double noise_power = 0;
  for (float n : noise) noise_power += static_cast<double>(n) * n;
  noise_power /= static_cast<double>(noise.size());
  const double gain = std::sqrt(speech_power / (noise_power * std::pow(10.0, snr_db / 10)));
  for (std::size_t i = 0; i < noise.size(); ++i)
    out.audio[i] += static_cast<float>(gain * noise[i]);
  return out;
}

double F1(const VadEngine& engine, const Labelled& data, int rate, double threshold) {
  auto vad = engine.NewStream(rate);
  const std::size_t frame = vad->ChunkSamples();
  int tp = 0, fp = 0, fn = 0;
  for (std::size_t f = 0; f < data.speech.size(); ++f) {
    const bool said =
        vad->Process(std::span<const float>(data.audio.data() + f * frame, frame)) >= threshold;
    tp += said && data.speech[f];
    fp += said && !data.speech[f];
    fn += !said && data.speech[f];
  }
  return tp ? 2.0 * tp / (2.0 * tp + fp + fn) : 0.0;
}

TEST(VadQualityTest, FrameF1AtThreeNoiseLevels) {
  auto model = SileroModel::Load(std::string(AICC_SOURCE_DIR) + "/models/silero_vad_v5.onnx");
  ASSERT_TRUE(model) << model.error().message;
  auto silero = MakeSileroEngine(*model);
  auto energy = MakeEnergyEngine(0.6);
  std::printf("%-6s %-6s %-8s %-8s\n", "rate", "SNR", "silero", "energy");
  for (int rate : {8000, 16000}) {
    for (double snr : {20.0, 10.0, 5.0}) {
      const auto data = Build(rate, snr);
      const double fs = F1(*silero, data, rate, 0.5);
      const double fe = F1(*energy, data, rate, 0.5);
      std::printf("%-6d %-6.0f %-8.3f %-8.3f\n", rate, snr, fs, fe);
      if (snr == 10.0) {
        EXPECT_GE(fs, 0.90) << "Silero F1 at 10 dB, " << rate << " Hz";
      }
    }
  }
}

}  // namespace
}  // namespace aicc::vad
