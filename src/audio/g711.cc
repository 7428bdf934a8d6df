#include "audio/g711.h"

#include <algorithm>
#include <array>

namespace aicc::audio {
namespace {

// The Sun reference encoders (g711.c, public domain), used to build the
// decode tables at start-up and for encoding.
constexpr int kBias = 0x84;
constexpr int kClip = 8159;
constexpr std::array<std::int16_t, 8> kSegUEnd = {0x3F,  0x7F,  0xFF,  0x1FF,
                                                  0x3FF, 0x7FF, 0xFFF, 0x1FFF};
constexpr std::array<std::int16_t, 8> kSegAEnd = {0x1F,  0x3F,  0x7F,  0xFF,
                                                  0x1FF, 0x3FF, 0x7FF, 0xFFF};

int Segment(int value, const std::array<std::int16_t, 8>& table) {
  for (int i = 0; i < 8; ++i) {
    if (value <= table[i]) return i;
  }
  return 8;
}

constexpr std::int16_t SunUlawToLinear(std::uint8_t u_val) {
  u_val = static_cast<std::uint8_t>(~u_val);
  int t = ((u_val & 0x0F) << 3) + kBias;
  t <<= (u_val & 0x70) >> 4;
  return static_cast<std::int16_t>((u_val & 0x80) ? (kBias - t) : (t - kBias));
}

constexpr std::int16_t SunAlawToLinear(std::uint8_t a_val) {
  a_val ^= 0x55;
  int t = (a_val & 0x0F) << 4;
  const int seg = (a_val & 0x70) >> 4;
  switch (seg) {
    case 0:
      t += 8;
      break;
    case 1:
      t += 0x108;
      break;
    default:
      t += 0x108;
      t <<= seg - 1;
  }
  return static_cast<std::int16_t>((a_val & 0x80) ? t : -t);
}

template <typename F>
constexpr std::array<std::int16_t, 256> MakeTable(F f) {
  std::array<std::int16_t, 256> t{};
  for (int i = 0; i < 256; ++i) t[i] = f(static_cast<std::uint8_t>(i));
  return t;
}

constexpr auto kUlawTable = MakeTable(SunUlawToLinear);
constexpr auto kAlawTable = MakeTable(SunAlawToLinear);

}  // namespace

std::int16_t UlawToLinear(std::uint8_t u) { return kUlawTable[u]; }
std::int16_t AlawToLinear(std::uint8_t a) { return kAlawTable[a]; }

std::uint8_t LinearToUlaw(std::int16_t pcm16) {
  int pcm = pcm16 >> 2;  // the reference works on 14-bit samples
  int mask;
  if (pcm < 0) {
    pcm = -pcm;
    mask = 0x7F;
  } else {
    mask = 0xFF;
  }
  if (pcm > kClip) pcm = kClip;
  pcm += (kBias >> 2);
  const int seg = Segment(pcm, kSegUEnd);
  if (seg >= 8) return static_cast<std::uint8_t>(0x7F ^ mask);
  const int uval = (seg << 4) | ((pcm >> (seg + 1)) & 0xF);
  return static_cast<std::uint8_t>(uval ^ mask);
}

std::uint8_t LinearToAlaw(std::int16_t pcm16) {
  int pcm = pcm16 >> 3;  // the reference works on 13-bit samples
  int mask;
  if (pcm >= 0) {
    mask = 0xD5;
  } else {
    mask = 0x55;
    pcm = -pcm - 1;
  }
  const int seg = Segment(pcm, kSegAEnd);
  if (seg >= 8) return static_cast<std::uint8_t>(0x7F ^ mask);
  int aval = seg << 4;
  if (seg < 2) {
    aval |= (pcm >> 1) & 0xF;
  } else {
    aval |= (pcm >> seg) & 0xF;
  }
  return static_cast<std::uint8_t>(aval ^ mask);
}

std::size_t DecodeUlaw(std::span<const std::uint8_t> in, std::span<std::int16_t> out) {
  const std::size_t n = std::min(in.size(), out.size());
  for (std::size_t i = 0; i < n; ++i) out[i] = kUlawTable[in[i]];
  return n;
}

std::size_t DecodeAlaw(std::span<const std::uint8_t> in, std::span<std::int16_t> out) {
  const std::size_t n = std::min(in.size(), out.size());
  for (std::size_t i = 0; i < n; ++i) out[i] = kAlawTable[in[i]];
  return n;
}

std::size_t EncodeUlaw(std::span<const std::int16_t> in, std::span<std::uint8_t> out) {
  const std::size_t n = std::min(in.size(), out.size());
  for (std::size_t i = 0; i < n; ++i) out[i] = LinearToUlaw(in[i]);
  return n;
}

std::size_t EncodeAlaw(std::span<const std::int16_t> in, std::span<std::uint8_t> out) {
  const std::size_t n = std::min(in.size(), out.size());
  for (std::size_t i = 0; i < n; ++i) out[i] = LinearToAlaw(in[i]);
  return n;
}

std::size_t DecodeSlinBigEndian(std::span<const std::uint8_t> in, std::span<std::int16_t> out) {
  const std::size_t n = std::min(in.size() / 2, out.size());
  for (std::size_t i = 0; i < n; ++i) {
    out[i] = static_cast<std::int16_t>((in[2 * i] << 8) | in[2 * i + 1]);
  }
  return n;
}

std::size_t EncodeSlinBigEndian(std::span<const std::int16_t> in, std::span<std::uint8_t> out) {
  const std::size_t n = std::min(in.size(), out.size() / 2);
  for (std::size_t i = 0; i < n; ++i) {
    const auto v = static_cast<std::uint16_t>(in[i]);
    out[2 * i] = static_cast<std::uint8_t>(v >> 8);
    out[2 * i + 1] = static_cast<std::uint8_t>(v & 0xFF);
  }
  return n;
}

}  // namespace aicc::audio
