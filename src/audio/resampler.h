// Streaming sample-rate conversion on libspeexdsp (8 kHz ↔ 16 kHz for the
// consumers that ask for it; telephony audio otherwise stays at 8 kHz).
//
// Usage:
//   auto r = audio::Resampler::Create(8000, 16000);
//   std::vector<std::int16_t> out;
//   r->Process(in, out);   // appends; keeps filter state across calls
//   r->Flush(out);         // end of stream: the filter's tail
//
// Thread safety: one instance per stream, not thread-safe.
#pragma once

#include <boost/system/result.hpp>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace aicc::audio {

class Resampler {
 public:
  // quality: 0..10 (speex); 5 is speex's VoIP default.
  static boost::system::result<std::unique_ptr<Resampler>, std::string> Create(int in_rate,
                                                                               int out_rate,
                                                                               int quality = 5);
  ~Resampler();
  Resampler(const Resampler&) = delete;
  Resampler& operator=(const Resampler&) = delete;

  // Appends the converted samples to `out`.
  void Process(std::span<const std::int16_t> in, std::vector<std::int16_t>& out);
  // Drains the filter delay (zeros in) so total output = input × ratio.
  void Flush(std::vector<std::int16_t>& out);
  void Reset();
  int in_rate() const { return in_rate_; }
  int out_rate() const { return out_rate_; }

 private:
  Resampler(void* state, int in_rate, int out_rate)
      : state_(state), in_rate_(in_rate), out_rate_(out_rate) {}
  void* state_;  // SpeexResamplerState
  int in_rate_;
  int out_rate_;
  std::uint64_t consumed_ = 0;
  std::uint64_t produced_ = 0;
};

}  // namespace aicc::audio
