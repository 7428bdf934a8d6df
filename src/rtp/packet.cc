#include "rtp/packet.h"

#include <cstring>
#include <string>

namespace aicc::rtp {
namespace {

class Category final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "rtp"; }
  std::string message(int ev) const override {
    switch (static_cast<Error>(ev)) {
      case Error::kTooShort:
        return "datagram shorter than the 12-byte RTP header";
      case Error::kBadVersion:
        return "RTP version is not 2";
      case Error::kCsrcOverrun:
        return "CSRC list runs past the datagram";
      case Error::kExtensionOverrun:
        return "header extension runs past the datagram";
      case Error::kBadPadding:
        return "invalid padding count";
      case Error::kEmptyPayload:
        return "no payload";
      case Error::kUnsupportedPayload:
        return "unsupported payload type";
      case Error::kBufferTooSmall:
        return "output buffer too small";
    }
    return "unknown rtp error";
  }
};

std::uint16_t Be16(const std::uint8_t* p) { return static_cast<std::uint16_t>((p[0] << 8) | p[1]); }
std::uint32_t Be32(const std::uint8_t* p) {
  return (static_cast<std::uint32_t>(p[0]) << 24) | (static_cast<std::uint32_t>(p[1]) << 16) |
         (static_cast<std::uint32_t>(p[2]) << 8) | p[3];
}

}  // namespace

const boost::system::error_category& ErrorCategory() {
  static const Category category;
  return category;
}

boost::system::result<PacketView> ParsePacket(std::span<const std::uint8_t> d) {
  if (d.size() < 12) return Error::kTooShort;
  if ((d[0] >> 6) != 2) return Error::kBadVersion;
  PacketView p;
  const bool padding = (d[0] & 0x20) != 0;
  p.has_extension = (d[0] & 0x10) != 0;
  p.csrc_count = d[0] & 0x0F;
  p.marker = (d[1] & 0x80) != 0;
  p.payload_type = d[1] & 0x7F;
  p.sequence = Be16(&d[2]);
  p.timestamp = Be32(&d[4]);
  p.ssrc = Be32(&d[8]);
  std::size_t offset = 12 + 4u * p.csrc_count;
  if (offset > d.size()) return Error::kCsrcOverrun;
  if (p.has_extension) {
    if (offset + 4 > d.size()) return Error::kExtensionOverrun;
    p.extension_profile = Be16(&d[offset]);
    const std::size_t words = Be16(&d[offset + 2]);
    if (offset + 4 + 4 * words > d.size()) return Error::kExtensionOverrun;
    p.extension = d.subspan(offset + 4, 4 * words);
    offset += 4 + 4 * words;
  }
  std::size_t end = d.size();
  if (padding) {
    const std::uint8_t count = d.back();
    if (count == 0 || count > end - offset) return Error::kBadPadding;
    p.padding = count;
    end -= count;
  }
  if (end == offset) return Error::kEmptyPayload;
  p.payload = d.subspan(offset, end - offset);
  return p;
}

boost::system::result<std::size_t> SerializePacket(const PacketHeader& h,
                                                   std::span<const std::uint8_t> payload,
                                                   std::span<std::uint8_t> out) {
  const std::size_t size = 12 + payload.size();
  if (out.size() < size) return Error::kBufferTooSmall;
  out[0] = 0x80;
  out[1] = static_cast<std::uint8_t>((h.marker ? 0x80 : 0) | (h.payload_type & 0x7F));
  out[2] = static_cast<std::uint8_t>(h.sequence >> 8);
  out[3] = static_cast<std::uint8_t>(h.sequence);
  for (int i = 0; i < 4; ++i) {
    out[4 + i] = static_cast<std::uint8_t>(h.timestamp >> (24 - 8 * i));
    out[8 + i] = static_cast<std::uint8_t>(h.ssrc >> (24 - 8 * i));
  }
  if (!payload.empty()) std::memcpy(out.data() + 12, payload.data(), payload.size());
  return size;
}

}  // namespace aicc::rtp
