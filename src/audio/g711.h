// G.711 μ-law and A-law (ITU-T G.711), table-driven, bit-exact with the
// classic Sun reference implementation (g711.c), and slin16 (16-bit signed
// linear PCM, big-endian on the wire as Asterisk sends it).
//
// Usage:
//   std::int16_t pcm[160];
//   audio::DecodeUlaw(payload, pcm);     // payload.size() samples
//
// Thread safety: pure functions over constant tables.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace aicc::audio {

std::int16_t UlawToLinear(std::uint8_t u);
std::int16_t AlawToLinear(std::uint8_t a);
std::uint8_t LinearToUlaw(std::int16_t pcm);
std::uint8_t LinearToAlaw(std::int16_t pcm);

// Decode/encode whole buffers; `out` must hold at least `in.size()` samples
// (or bytes). Returns the number written.
std::size_t DecodeUlaw(std::span<const std::uint8_t> in, std::span<std::int16_t> out);
std::size_t DecodeAlaw(std::span<const std::uint8_t> in, std::span<std::int16_t> out);
std::size_t EncodeUlaw(std::span<const std::int16_t> in, std::span<std::uint8_t> out);
std::size_t EncodeAlaw(std::span<const std::int16_t> in, std::span<std::uint8_t> out);

// slin16 big-endian bytes ↔ samples. An odd trailing byte is ignored.
std::size_t DecodeSlinBigEndian(std::span<const std::uint8_t> in, std::span<std::int16_t> out);
std::size_t EncodeSlinBigEndian(std::span<const std::int16_t> in, std::span<std::uint8_t> out);

}  // namespace aicc::audio
