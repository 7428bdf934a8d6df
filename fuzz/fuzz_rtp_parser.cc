// libFuzzer: the RTP parser and the per-stream reorder buffer on arbitrary
// datagrams (the receiver's whole per-packet path short of the socket).
#include <cstddef>
#include <cstdint>

#include "rtp/packet.h"
#include "rtp/stream.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static aicc::rtp::Stream stream(aicc::rtp::StreamOptions{});
  static auto now = aicc::rtp::Stream::TimePoint{} + std::chrono::seconds(1);
  auto packet = aicc::rtp::ParsePacket(std::span<const std::uint8_t>(data, size));
  if (!packet) return 0;
  now += std::chrono::milliseconds(7);
  const auto codec = packet->payload_type % 3 == 0   ? aicc::rtp::Codec::kUlaw
                     : packet->payload_type % 3 == 1 ? aicc::rtp::Codec::kAlaw
                                                     : aicc::rtp::Codec::kSlin16;
  std::size_t samples = 0;
  stream.Push(*packet, codec, now,
              [&](const aicc::rtp::AudioFrame& f) { samples += f.pcm.size(); });
  stream.Release(now, [&](const aicc::rtp::AudioFrame& f) { samples += f.pcm.size(); });
  return 0;
}
