// Voice activity detection: a per-stream model that turns fixed-size chunks
// of audio into speech probabilities, and the engine that makes them.
//
// Usage:
//   auto engine = vad::VadEngine::Create({.engine = "silero", .model_path =
//   "models/silero_vad_v5.onnx"}); if (!engine) { /* error names the file; fall back to {.engine =
//   "energy"} */ } std::unique_ptr<vad::Vad> v = (*engine)->NewStream(8000); float p =
//   v->Process(chunk);          // chunk.size() == v->ChunkSamples()
//
// Threading: a VadEngine is immutable and shared by every stream (NewStream
// is thread-safe); a Vad holds one stream's state and is used by one owner.
#pragma once

#include <boost/system/result.hpp>
#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace aicc::vad {

class Vad {
 public:
  virtual ~Vad() = default;
  virtual int SampleRate() const = 0;
  // 256 at 8 kHz, 512 at 16 kHz (32 ms).
  virtual std::size_t ChunkSamples() const = 0;
  // Speech probability in [0, 1] of one chunk of samples scaled to [-1, 1).
  virtual float Process(std::span<const float> chunk) = 0;
  virtual void Reset() = 0;
  virtual std::string_view Engine() const = 0;
};

struct EngineOptions {
  std::string engine = "silero";  // silero | energy
  std::string model_path = "models/silero_vad_v5.onnx";
  double energy_threshold = 0.6;  // AICC_VAD_THRESHOLD: RMS threshold = 2000 × this
};

struct VadError {
  std::string message;
};

class VadEngine {
 public:
  virtual ~VadEngine() = default;
  static boost::system::result<std::shared_ptr<const VadEngine>, VadError> Create(
      const EngineOptions& options);
  // sample_rate: 8000 or 16000 (anything else is treated as 8000 by the
  // energy engine and rejected by Silero at Create time).
  virtual std::unique_ptr<Vad> NewStream(int sample_rate) const = 0;
  virtual std::string_view Name() const = 0;
};

// The old system's adaptive energy VAD (its fallback when Silero was not
// available), for 8 and 16 kHz.
std::shared_ptr<const VadEngine> MakeEnergyEngine(double threshold);

}  // namespace aicc::vad
