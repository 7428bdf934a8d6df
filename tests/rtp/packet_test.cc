#include "rtp/packet.h"

#include <gtest/gtest.h>

#include <vector>

namespace aicc::rtp {
namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes Header(std::uint8_t b0, std::uint8_t b1) {
  return {b0, b1, 0x12, 0x34, 0x00, 0x00, 0x01, 0x40, 0xDE, 0xAD, 0xBE, 0xEF};
}
Bytes Cat(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

TEST(PacketTest, ParsesEveryHeaderVariant) {
  struct Row {
    const char* name;
    Bytes datagram;
    bool marker;
    int pt;
    int csrc;
    bool ext;
    std::size_t ext_bytes;
    int padding;
    Bytes payload;
  };
  const Row rows[] = {
      {"plain ulaw", Cat(Header(0x80, 0x00), {1, 2, 3}), false, 0, 0, false, 0, 0, {1, 2, 3}},
      {"marker alaw", Cat(Header(0x80, 0x88), {9}), true, 8, 0, false, 0, 0, {9}},
      {"dynamic pt 118", Cat(Header(0x80, 0x76), {7, 7}), false, 118, 0, false, 0, 0, {7, 7}},
      {"two csrc",
       Cat(Header(0x82, 0x00), {0, 0, 0, 1, 0, 0, 0, 2, 5}),
       false,
       0,
       2,
       false,
       0,
       0,
       {5}},
      {"extension 1 word",
       Cat(Header(0x90, 0x00), {0xBE, 0xDE, 0x00, 0x01, 1, 2, 3, 4, 6}),
       false,
       0,
       0,
       true,
       4,
       0,
       {6}},
      {"extension 0 words",
       Cat(Header(0x90, 0x00), {0x10, 0x00, 0x00, 0x00, 6}),
       false,
       0,
       0,
       true,
       0,
       0,
       {6}},
      {"padding 3", Cat(Header(0xA0, 0x00), {1, 2, 0, 0, 3}), false, 0, 0, false, 0, 3, {1, 2}},
      {"csrc+ext+padding",
       Cat(Header(0xB1, 0x80), {0, 0, 0, 9, 0xBE, 0xDE, 0x00, 0x01, 1, 1, 1, 1, 8, 8, 0, 2}),
       true,
       0,
       1,
       true,
       4,
       2,
       {8, 8}},
  };
  for (const auto& r : rows) {
    SCOPED_TRACE(r.name);
    auto p = ParsePacket(r.datagram);
    ASSERT_TRUE(p) << p.error().message();
    EXPECT_EQ(p->marker, r.marker);
    EXPECT_EQ(p->payload_type, r.pt);
    EXPECT_EQ(p->sequence, 0x1234);
    EXPECT_EQ(p->timestamp, 0x140u);
    EXPECT_EQ(p->ssrc, 0xDEADBEEFu);
    EXPECT_EQ(p->csrc_count, r.csrc);
    EXPECT_EQ(p->has_extension, r.ext);
    EXPECT_EQ(p->extension.size(), r.ext_bytes);
    EXPECT_EQ(p->padding, r.padding);
    EXPECT_EQ(Bytes(p->payload.begin(), p->payload.end()), r.payload);
  }
}

TEST(PacketTest, EveryMalformedCaseIsAnError) {
  struct Row {
    const char* name;
    Bytes datagram;
    Error error;
  };
  const Row rows[] = {
      {"empty", {}, Error::kTooShort},
      {"11 bytes", Bytes(11, 0x80), Error::kTooShort},
      {"version 0", Cat(Header(0x00, 0x00), {1}), Error::kBadVersion},
      {"version 1", Cat(Header(0x40, 0x00), {1}), Error::kBadVersion},
      {"version 3", Cat(Header(0xC0, 0x00), {1}), Error::kBadVersion},
      {"csrc past end", Cat(Header(0x8F, 0x00), {1, 2, 3}), Error::kCsrcOverrun},
      {"extension header cut", Cat(Header(0x90, 0x00), {0xBE, 0xDE}), Error::kExtensionOverrun},
      {"extension body cut", Cat(Header(0x90, 0x00), {0xBE, 0xDE, 0x00, 0x02, 1, 2, 3, 4}),
       Error::kExtensionOverrun},
      {"padding zero", Cat(Header(0xA0, 0x00), {1, 2, 0}), Error::kBadPadding},
      {"padding too big", Cat(Header(0xA0, 0x00), {1, 9}), Error::kBadPadding},
      {"padding eats header", Header(0xA0, 0x00), Error::kBadPadding},
      {"header only", Header(0x80, 0x00), Error::kEmptyPayload},
      {"padding leaves nothing", Cat(Header(0xA0, 0x00), {0, 2}), Error::kEmptyPayload},
  };
  for (const auto& r : rows) {
    SCOPED_TRACE(r.name);
    auto p = ParsePacket(r.datagram);
    ASSERT_FALSE(p);
    EXPECT_EQ(p.error(), make_error_code(r.error));
    EXPECT_FALSE(p.error().message().empty());
  }
}

TEST(PacketTest, SerializeRoundTrips) {
  PacketHeader h{true, 8, 0xFFFF, 0xFFFFFF60, 0x01020304};
  const Bytes payload(160, 0xD5);
  Bytes out(200);
  auto n = SerializePacket(h, payload, out);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 172u);
  auto p = ParsePacket(std::span<const std::uint8_t>(out.data(), *n));
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->marker);
  EXPECT_EQ(p->payload_type, 8);
  EXPECT_EQ(p->sequence, 0xFFFF);
  EXPECT_EQ(p->timestamp, 0xFFFFFF60u);
  EXPECT_EQ(p->ssrc, 0x01020304u);
  EXPECT_EQ(p->payload.size(), 160u);
  Bytes small(100);
  EXPECT_FALSE(SerializePacket(h, payload, small));
}

}  // namespace
}  // namespace aicc::rtp
