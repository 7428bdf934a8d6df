// RTP packets (RFC 3550 §5.1): parsing into a view over the datagram and
// serializing. Every malformed case is an error value, never an exception.
//
// Usage:
//   auto packet = rtp::ParsePacket(datagram);
//   if (!packet) { count(packet.error()); return; }
//   use(packet->sequence, packet->payload);
//
// Thread safety: pure functions.
#pragma once

#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>
#include <cstddef>
#include <cstdint>
#include <span>
#include <type_traits>

namespace aicc::rtp {

enum class Error {
  kTooShort = 1,        // fewer than 12 bytes
  kBadVersion,          // version field is not 2
  kCsrcOverrun,         // CSRC list runs past the datagram
  kExtensionOverrun,    // header extension runs past the datagram
  kBadPadding,          // padding count is 0 or larger than the payload
  kEmptyPayload,        // no payload after header and padding
  kUnsupportedPayload,  // payload type aicc does not decode (receiver-level)
  kBufferTooSmall,      // serialize: output buffer too small
};

const boost::system::error_category& ErrorCategory();
inline boost::system::error_code make_error_code(Error e) {
  return {static_cast<int>(e), ErrorCategory()};
}

struct PacketView {
  bool marker = false;
  std::uint8_t payload_type = 0;
  std::uint16_t sequence = 0;
  std::uint32_t timestamp = 0;
  std::uint32_t ssrc = 0;
  std::uint8_t csrc_count = 0;
  bool has_extension = false;
  std::uint16_t extension_profile = 0;
  std::span<const std::uint8_t> extension;  // extension data, without its 4-byte header
  std::uint8_t padding = 0;                 // padding bytes removed from the payload
  std::span<const std::uint8_t> payload;
};

// Views into `datagram`; valid while it is.
boost::system::result<PacketView> ParsePacket(std::span<const std::uint8_t> datagram);

struct PacketHeader {
  bool marker = false;
  std::uint8_t payload_type = 0;
  std::uint16_t sequence = 0;
  std::uint32_t timestamp = 0;
  std::uint32_t ssrc = 0;
};

// Writes a 12-byte header (no CSRC, no extension) and the payload; returns
// the datagram size.
boost::system::result<std::size_t> SerializePacket(const PacketHeader& header,
                                                   std::span<const std::uint8_t> payload,
                                                   std::span<std::uint8_t> out);

}  // namespace aicc::rtp

template <>
struct boost::system::is_error_code_enum<aicc::rtp::Error> : std::true_type {};
