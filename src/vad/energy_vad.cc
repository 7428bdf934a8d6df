// The energy VAD, compatible with the old system's fallback: RMS against a
// threshold of 2000 × AICC_VAD_THRESHOLD (16-bit scale) over 32 ms windows
// (512 samples at 16 kHz, 256 at 8 kHz), damped when the zero-crossing rate
// says "noise, not voice", smoothed as the mean of the last 3 confidences;
// the old system called a window speech when that mean was ≥ 0.5.
#include <algorithm>
#include <array>
#include <cmath>

#include "vad/vad.h"

namespace aicc::vad {
namespace {

class EnergyVad final : public Vad {
 public:
  EnergyVad(int rate, double threshold)
      : rate_(rate == 16000 ? 16000 : 8000), threshold_(2000.0 * threshold) {}
  int SampleRate() const override { return rate_; }
  std::size_t ChunkSamples() const override { return rate_ == 16000 ? 512 : 256; }
  float Process(std::span<const float> chunk) override {
    if (chunk.empty()) return 0;
    double energy = 0;
    int crossings = 0;
    for (std::size_t i = 0; i < chunk.size(); ++i) {
      // Non-finite samples (a decoder bug upstream) count as silence.
      const double s = std::isfinite(chunk[i]) ? static_cast<double>(chunk[i]) * 32768.0 : 0.0;
      energy += s * s;
      if (i > 0 && ((chunk[i - 1] < 0) != (chunk[i] < 0))) ++crossings;
    }
    const double rms = std::sqrt(energy / static_cast<double>(chunk.size()));
    // 0.5 exactly at the threshold, saturating at twice it.
    double confidence = std::clamp(0.5 * rms / std::max(threshold_, 1.0), 0.0, 1.0);
    // Voiced speech crosses zero far less often than hiss; a high rate
    // (above ~0.35 per sample, i.e. > 2.8 kHz dominant at 8 kHz) halves it.
    const double zcr = static_cast<double>(crossings) / static_cast<double>(chunk.size());
    if (zcr > 0.35) confidence *= 0.5;
    history_[next_ % history_.size()] = confidence;
    ++next_;
    const std::size_t n = std::min<std::size_t>(next_, history_.size());
    double sum = 0;
    for (std::size_t i = 0; i < n; ++i) sum += history_[i];
    return static_cast<float>(sum / static_cast<double>(n));
  }
  void Reset() override {
    history_.fill(0);
    next_ = 0;
  }
  std::string_view Engine() const override { return "energy"; }

 private:
  int rate_;
  double threshold_;
  std::array<double, 3> history_{};
  std::size_t next_ = 0;
};

class EnergyEngine final : public VadEngine {
 public:
  explicit EnergyEngine(double threshold) : threshold_(threshold) {}
  std::unique_ptr<Vad> NewStream(int sample_rate) const override {
    return std::make_unique<EnergyVad>(sample_rate, threshold_);
  }
  std::string_view Name() const override { return "energy"; }

 private:
  double threshold_;
};

}  // namespace

std::shared_ptr<const VadEngine> MakeEnergyEngine(double threshold) {
  return std::make_shared<const EnergyEngine>(threshold);
}

}  // namespace aicc::vad
