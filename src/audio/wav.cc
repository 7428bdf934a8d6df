#include "audio/wav.h"

#include <fstream>
#include <iterator>

#include "audio/g711.h"

namespace aicc::audio {
namespace {

std::uint32_t Le32(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(p[0]) | (static_cast<std::uint32_t>(p[1]) << 8) |
         (static_cast<std::uint32_t>(p[2]) << 16) | (static_cast<std::uint32_t>(p[3]) << 24);
}
std::uint16_t Le16(const std::uint8_t* p) { return static_cast<std::uint16_t>(p[0] | (p[1] << 8)); }
void Put32(std::vector<std::uint8_t>& v, std::uint32_t x) {
  for (int i = 0; i < 4; ++i) v.push_back(static_cast<std::uint8_t>(x >> (8 * i)));
}
void Put16(std::vector<std::uint8_t>& v, std::uint16_t x) {
  v.push_back(static_cast<std::uint8_t>(x));
  v.push_back(static_cast<std::uint8_t>(x >> 8));
}

constexpr std::uint16_t kFormatPcm = 1;
constexpr std::uint16_t kFormatAlaw = 6;
constexpr std::uint16_t kFormatUlaw = 7;
constexpr std::uint16_t kFormatExtensible = 0xFFFE;

}  // namespace

boost::system::result<WavAudio, WavError> ParseWav(std::span<const std::uint8_t> b) {
  if (b.size() < 12) return WavError{"file too short for a RIFF header"};
  if (std::string_view(reinterpret_cast<const char*>(b.data()), 4) != "RIFF" ||
      std::string_view(reinterpret_cast<const char*>(b.data() + 8), 4) != "WAVE") {
    return WavError{"not a RIFF/WAVE file"};
  }
  std::size_t pos = 12;
  bool have_fmt = false;
  std::uint16_t format = 0, channels = 0, bits = 0;
  std::uint32_t rate = 0;
  while (pos + 8 <= b.size()) {
    const std::string_view id(reinterpret_cast<const char*>(b.data() + pos), 4);
    const std::uint32_t size = Le32(b.data() + pos + 4);
    const std::size_t body = pos + 8;
    if (size > b.size() - body) {
      // A data chunk whose size field overstates the file (streamed writers
      // leave 0xFFFFFFFF) is read to the end of the file.
      if (id != "data")
        return WavError{"chunk '" + std::string(id) + "' runs past the end of the file"};
    }
    const std::size_t avail = std::min<std::size_t>(size, b.size() - body);
    if (id == "fmt ") {
      if (avail < 16) return WavError{"fmt chunk too short"};
      format = Le16(b.data() + body);
      channels = Le16(b.data() + body + 2);
      rate = Le32(b.data() + body + 4);
      bits = Le16(b.data() + body + 14);
      if (format == kFormatExtensible && avail >= 26) format = Le16(b.data() + body + 24);
      have_fmt = true;
    } else if (id == "data") {
      if (!have_fmt) return WavError{"data chunk before fmt chunk"};
      if (channels != 1)
        return WavError{"only mono is supported, file has " + std::to_string(channels) +
                        " channels"};
      if (rate < 1000 || rate > 192000)
        return WavError{"implausible sample rate " + std::to_string(rate)};
      WavAudio out;
      out.sample_rate = static_cast<int>(rate);
      const auto data = b.subspan(body, avail);
      if (format == kFormatPcm && bits == 16) {
        out.encoding = WavEncoding::kPcm16;
        out.samples.resize(data.size() / 2);
        for (std::size_t i = 0; i < out.samples.size(); ++i) {
          out.samples[i] = static_cast<std::int16_t>(Le16(data.data() + 2 * i));
        }
      } else if ((format == kFormatUlaw || format == kFormatAlaw) && bits == 8) {
        out.encoding = format == kFormatUlaw ? WavEncoding::kUlaw : WavEncoding::kAlaw;
        out.coded.assign(data.begin(), data.end());
        out.samples.resize(data.size());
        if (format == kFormatUlaw)
          DecodeUlaw(data, out.samples);
        else
          DecodeAlaw(data, out.samples);
      } else {
        return WavError{"unsupported WAV format " + std::to_string(format) + " with " +
                        std::to_string(bits) + " bits (PCM16, μ-law and A-law are supported)"};
      }
      return out;
    }
    pos = body + avail + (avail & 1);  // chunks are word-aligned
  }
  return WavError{have_fmt ? "no data chunk" : "no fmt chunk"};
}

boost::system::result<WavAudio, WavError> ReadWav(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return WavError{"cannot open " + path};
  const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                        std::istreambuf_iterator<char>());
  auto r = ParseWav(bytes);
  if (!r) return WavError{path + ": " + r.error().message};
  return r;
}

std::vector<std::uint8_t> SerializeWav(std::span<const std::int16_t> samples, int sample_rate,
                                       WavEncoding encoding) {
  const bool pcm = encoding == WavEncoding::kPcm16;
  const std::uint16_t bits = pcm ? 16 : 8;
  const std::uint32_t data_bytes = static_cast<std::uint32_t>(samples.size() * (bits / 8));
  std::vector<std::uint8_t> v;
  v.reserve(44 + data_bytes);
  v.insert(v.end(), {'R', 'I', 'F', 'F'});
  Put32(v, 36 + data_bytes + (data_bytes & 1));
  v.insert(v.end(), {'W', 'A', 'V', 'E', 'f', 'm', 't', ' '});
  Put32(v, 16);
  Put16(v, pcm ? kFormatPcm : encoding == WavEncoding::kUlaw ? kFormatUlaw : kFormatAlaw);
  Put16(v, 1);
  Put32(v, static_cast<std::uint32_t>(sample_rate));
  Put32(v, static_cast<std::uint32_t>(sample_rate) * (bits / 8));
  Put16(v, bits / 8);
  Put16(v, bits);
  v.insert(v.end(), {'d', 'a', 't', 'a'});
  Put32(v, data_bytes);
  for (std::int16_t s : samples) {
    if (pcm)
      Put16(v, static_cast<std::uint16_t>(s));
    else
      v.push_back(encoding == WavEncoding::kUlaw ? LinearToUlaw(s) : LinearToAlaw(s));
  }
  if (data_bytes & 1) v.push_back(0);
  return v;
}

boost::system::result<void, WavError> WriteWav(const std::string& path,
                                               std::span<const std::int16_t> samples,
                                               int sample_rate, WavEncoding encoding) {
  const auto bytes = SerializeWav(samples, sample_rate, encoding);
  std::ofstream out(path, std::ios::binary);
  if (!out) return WavError{"cannot write " + path};
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  if (!out) return WavError{"write failed: " + path};
  return {};
}

}  // namespace aicc::audio
