// Paced RTP sending: the load generator behind `aicc replay`, the demo's
// media source and the tests' Asterisk stand-in. Each stream sends from its
// own UDP port (as every Asterisk ExternalMedia channel does), 20 ms per
// packet on absolute deadlines so hundreds of streams keep real time from
// one thread. A stream's `phase` places its packets within the 20 ms period
// (Asterisk's channels each run their own timer, so their packets are spread
// over the period rather than sent in one burst). Optional impairments:
// loss, duplication, reordering, jitter.
//
// Usage:
//   rtp::Sender sender(io.get_executor(), impairments);
//   sender.AddStream({destination, Codec::kUlaw, ulaw_bytes});
//   sender.Start([] { /* every non-looping stream has finished */ });
//
// Threading: all work runs on the executor given; Stop() is thread-safe.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/system/result.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "rtp/stream.h"

namespace aicc::rtp {

struct SendStream {
  boost::asio::ip::udp::endpoint destination;
  Codec codec = Codec::kUlaw;
  // Coded payload bytes: G.711 bytes, or slin16 big-endian.
  std::vector<std::uint8_t> media;
  std::uint32_t ssrc = 0;            // 0: random
  std::uint16_t first_sequence = 0;  // 0: random
  std::uint32_t first_timestamp = 0;
  std::uint8_t slin16_payload_type = 118;
  bool loop = false;
  std::chrono::milliseconds start_delay{0};
  // Offset of this stream's packets within the 20 ms period (1 ms steps;
  // below 20 ms). Packet n is due at start + start_delay + phase + n × 20 ms.
  std::chrono::microseconds phase{0};
};

struct Impairments {
  double loss = 0;                      // probability a packet is not sent
  double duplicate = 0;                 // probability a packet is sent twice
  double reorder = 0;                   // probability a packet is held back and sent after the next
  std::chrono::milliseconds jitter{0};  // extra delay, uniform in [0, jitter]
  std::uint64_t seed = 1;
};

struct SenderStats {
  std::uint64_t packets_sent = 0;
  std::uint64_t packets_dropped = 0;  // by the loss impairment
  std::uint64_t send_errors = 0;
  std::chrono::microseconds max_lateness{0};  // worst tick lateness (pacing accuracy)
  std::uint64_t late_ticks = 0;               // ticks more than 5 ms late
  std::uint64_t ticks = 0;
};

class Sender {
 public:
  Sender(boost::asio::any_io_executor executor, Impairments impairments = {});
  ~Sender();
  // Before Start. Opens the stream's socket (ephemeral port on the
  // destination's family); the error says why.
  boost::system::result<void, std::string> AddStream(SendStream stream);
  // `start`: when the first packets are due (default: now). Packet n of a
  // stream is due at start + start_delay + phase + n × 20 ms.
  void Start(std::function<void()> done,
             std::chrono::steady_clock::time_point start = std::chrono::steady_clock::time_point{});
  void Stop();
  // Read after `done`, or from the executor.
  SenderStats stats() const;
  // The local port each stream sends from, in AddStream order.
  std::vector<boost::asio::ip::udp::endpoint> SourceEndpoints() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

// Packet payload size for 20 ms of `codec`.
constexpr std::size_t PayloadBytesPer20ms(Codec c) { return c == Codec::kSlin16 ? 640 : 160; }

}  // namespace aicc::rtp
