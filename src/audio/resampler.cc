#include "audio/resampler.h"

#include <speex/speex_resampler.h>

namespace aicc::audio {

boost::system::result<std::unique_ptr<Resampler>, std::string> Resampler::Create(int in_rate,
                                                                                 int out_rate,
                                                                                 int quality) {
  if (in_rate <= 0 || out_rate <= 0) return std::string("sample rates must be positive");
  int err = 0;
  SpeexResamplerState* st = speex_resampler_init(
      1, static_cast<spx_uint32_t>(in_rate), static_cast<spx_uint32_t>(out_rate), quality, &err);
  if (!st || err != RESAMPLER_ERR_SUCCESS) {
    return std::string("speex_resampler_init: ") + speex_resampler_strerror(err);
  }
  // Start with the filter primed so the output is aligned with the input
  // (no leading zeros from the filter's delay).
  speex_resampler_skip_zeros(st);
  return std::unique_ptr<Resampler>(new Resampler(st, in_rate, out_rate));
}

Resampler::~Resampler() { speex_resampler_destroy(static_cast<SpeexResamplerState*>(state_)); }

void Resampler::Process(std::span<const std::int16_t> in, std::vector<std::int16_t>& out) {
  auto* st = static_cast<SpeexResamplerState*>(state_);
  std::size_t offset = 0;
  while (offset < in.size()) {
    const std::size_t base = out.size();
    const std::size_t room =
        (in.size() - offset) * static_cast<std::size_t>(out_rate_) / in_rate_ + 64;
    out.resize(base + room);
    spx_uint32_t in_len = static_cast<spx_uint32_t>(in.size() - offset);
    spx_uint32_t out_len = static_cast<spx_uint32_t>(room);
    speex_resampler_process_int(st, 0, in.data() + offset, &in_len, out.data() + base, &out_len);
    out.resize(base + out_len);
    offset += in_len;
    consumed_ += in_len;
    produced_ += out_len;
    if (in_len == 0 && out_len == 0) break;
  }
}

void Resampler::Flush(std::vector<std::int16_t>& out) {
  auto* st = static_cast<SpeexResamplerState*>(state_);
  const std::uint64_t expected = consumed_ * static_cast<std::uint64_t>(out_rate_) / in_rate_;
  const std::vector<std::int16_t> zeros(
      static_cast<std::size_t>(speex_resampler_get_input_latency(st)) + 1, 0);
  std::vector<std::int16_t> tail;
  while (produced_ < expected) {
    const std::size_t before = tail.size();
    const std::uint64_t saved_consumed = consumed_;
    Process(zeros, tail);
    consumed_ = saved_consumed;  // zeros are padding, not input
    if (tail.size() == before) break;
  }
  const std::size_t want = static_cast<std::size_t>(expected - (produced_ - tail.size()));
  out.insert(out.end(), tail.begin(),
             tail.begin() + static_cast<std::ptrdiff_t>(std::min(want, tail.size())));
  produced_ = expected;
}

void Resampler::Reset() {
  auto* st = static_cast<SpeexResamplerState*>(state_);
  speex_resampler_reset_mem(st);
  speex_resampler_skip_zeros(st);
  consumed_ = produced_ = 0;
}

}  // namespace aicc::audio
