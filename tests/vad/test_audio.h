// Varied test audio for the VAD tests, generated at test time: Korean
// speech (espeak-ng, from scripts/make-audio.sh), silence, white and
// telephony-band noise, tones, clipped speech.
#pragma once

#include <cmath>
#include <cstdint>
#include <numbers>
#include <random>
#include <string>
#include <vector>

#include "audio/resampler.h"
#include "audio/wav.h"

namespace aicc::vad::testing {

inline std::vector<float> LoadSpeech(int rate) {
  std::vector<float> out;
  for (const char* name : {"customer1", "agent1", "customer2", "agent2", "customer3", "agent3"}) {
    auto wav = audio::ReadWav(std::string(AICC_SOURCE_DIR) + "/.cache/audio/" + name + ".wav");
    if (!wav) continue;
    std::vector<std::int16_t> pcm = wav->samples;
    if (wav->sample_rate != rate) {
      auto r = audio::Resampler::Create(wav->sample_rate, rate);
      std::vector<std::int16_t> converted;
      (*r)->Process(pcm, converted);
      (*r)->Flush(converted);
      pcm = std::move(converted);
    }
    for (auto s : pcm) out.push_back(static_cast<float>(s) / 32768.0f);
  }
  return out;
}

// ≥ 30 s mixing every kind of input the VAD sees on a phone line.
inline std::vector<float> VariedAudio(int rate) {
  std::mt19937 rng(1234);
  std::normal_distribution<float> gauss(0, 1);
  std::vector<float> out;
  const auto speech = LoadSpeech(rate);
  auto silence = [&](double s) { out.insert(out.end(), static_cast<std::size_t>(s * rate), 0.0f); };
  auto noise = [&](double s, float level) {
    for (int i = 0; i < s * rate; ++i) out.push_back(level * gauss(rng));
  };
  auto tone = [&](double s, double hz, float level) {
    for (int i = 0; i < s * rate; ++i)
      out.push_back(level * static_cast<float>(std::sin(2 * std::numbers::pi * hz * i / rate)));
  };
  silence(1.0);
  out.insert(out.end(), speech.begin(), speech.end());
  noise(2.0, 0.01f);
  tone(1.5, 440, 0.3f);
  tone(1.0, 1000, 0.8f);
  silence(0.5);
  // Speech in noise, then clipped speech (gain 8, hard clip).
  for (std::size_t i = 0; i < speech.size(); ++i) out.push_back(speech[i] + 0.05f * gauss(rng));
  for (std::size_t i = 0; i < speech.size() / 2; ++i)
    out.push_back(std::clamp(speech[i] * 8.0f, -1.0f, 1.0f));
  noise(1.0, 0.3f);
  tone(1.0, 3400, 0.5f);
  while (out.size() < static_cast<std::size_t>(32 * rate)) {
    out.insert(out.end(), speech.begin(),
               speech.begin() + std::min<std::size_t>(speech.size(), 2 * rate));
    noise(0.5, 0.02f);
  }
  return out;
}

}  // namespace aicc::vad::testing
