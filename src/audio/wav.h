// WAV files (RIFF/WAVE), mono: PCM16, μ-law (format 7) and A-law (format 6).
// Malformed files are errors as values naming what is wrong; nothing here
// throws.
#pragma once

#include <boost/system/result.hpp>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace aicc::audio {

enum class WavEncoding { kPcm16, kUlaw, kAlaw };

struct WavAudio {
  int sample_rate = 8000;
  WavEncoding encoding = WavEncoding::kPcm16;  // as stored in the file
  std::vector<std::int16_t> samples;           // decoded to linear PCM
  std::vector<std::uint8_t> coded;             // the raw G.711 bytes when encoding != kPcm16
};

struct WavError {
  std::string message;
};

// Parses a whole WAV file held in memory.
boost::system::result<WavAudio, WavError> ParseWav(std::span<const std::uint8_t> bytes);
boost::system::result<WavAudio, WavError> ReadWav(const std::string& path);

// Serializes mono audio; G.711 encodings encode `samples`.
std::vector<std::uint8_t> SerializeWav(std::span<const std::int16_t> samples, int sample_rate,
                                       WavEncoding encoding = WavEncoding::kPcm16);
boost::system::result<void, WavError> WriteWav(const std::string& path,
                                               std::span<const std::int16_t> samples,
                                               int sample_rate,
                                               WavEncoding encoding = WavEncoding::kPcm16);

}  // namespace aicc::audio
