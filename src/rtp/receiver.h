// The UDP intake: one socket per port (customer, agent), packets
// demultiplexed by source address into streams (rtp::Stream), decoded audio
// handed to a Listener.
//
// Usage:
//   rtp::Receiver receiver(strand, options, listener, &metrics);
//   if (auto r = receiver.Start(); !r) fail(r.error().message());
//   receiver.RegisterSource(asterisk_endpoint, {call_id, Speaker::kCustomer});  // ARI mode
//
// Threading: every socket operation, stream and Listener callback runs on
// the executor given (make it a strand). RegisterSource/UnregisterSource are
// thread-safe (they post). The hot path allocates nothing per packet: the
// receive buffers (recvmmsg, 64 datagrams a call) and each stream's slots are
// allocated up front.
//
// Arrival: every AudioFrame::arrival is the kernel's receive timestamp of the
// datagram that held the audio (SO_TIMESTAMPNS, moved onto the steady clock),
// so time spent waiting in the socket queue counts in every latency measured
// from it; when the kernel gives no stamp, the time aicc read the datagram.
#pragma once

#include <array>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/result.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/logging.h"
#include "core/metrics.h"
#include "core/speaker.h"
#include "rtp/stream.h"

namespace aicc::rtp {

enum class PortRole : std::uint8_t { kCustomer, kAgent };

struct SourceInfo {
  std::string call_id;
  core::Speaker speaker = core::Speaker::kCustomer;
};

struct ReceiverOptions {
  // Loopback: Asterisk normally runs on the same host. Any other address lets
  // every host that can reach it send media (and, pipeline-only, start calls);
  // Start() logs a warning then.
  std::string bind_address = "127.0.0.1";
  std::uint16_t customer_port = 12345;  // 0 = ephemeral (tests, demo)
  std::uint16_t agent_port = 12346;
  StreamOptions stream;
  int socket_buffer_bytes = 8 << 20;
  // Packets from an unregistered source are held this long (the ARI
  // response naming the source may arrive after its first packets).
  std::chrono::milliseconds unknown_source_grace{2000};
  std::size_t max_held_packets_per_source = 32;
  std::size_t max_unknown_sources = 1024;
  std::size_t max_streams = 8192;
  // A source nobody registered becomes a stream (Listener::OnUnknownSource is
  // asked) only after this many consecutive valid RTP packets with the same
  // SSRC and consecutive sequence numbers: a stray or empty datagram, or a
  // port scan, starts no call. Registered sources (ARI) skip this.
  std::size_t probation_packets = 3;
  // New streams from unregistered sources per second, over all senders and
  // per source address (token buckets, one second of burst; 0 = no limit).
  // Refusals are counted (aicc_rtp_streams_refused_total); a refused
  // source's held packets are dropped, and it starts probation again.
  double max_new_streams_per_second = 200;
  double max_new_streams_per_second_per_address = 50;
  std::uint8_t slin16_payload_type = 118;
  std::chrono::milliseconds release_interval{20};
  // Kernel receive timestamps as the frames' arrival (off: the time aicc
  // read the datagram; for comparison only).
  bool kernel_timestamps = true;
};

class Receiver {
 public:
  class Listener {
   public:
    virtual ~Listener() = default;
    // A source nobody registered, once it passed probation and the new-stream
    // limits (the packets so far are held). Return a SourceInfo to accept it
    // as a new stream (pipeline-only mode), or nullopt to hold it for the
    // grace period (ARI mode) after which it is counted and dropped.
    virtual std::optional<SourceInfo> OnUnknownSource(
        PortRole port, const boost::asio::ip::udp::endpoint& from) = 0;
    virtual void OnAudio(const SourceInfo& source, const AudioFrame& frame) = 0;
    // After UnregisterSource: the stream's buffer has been played out.
    virtual void OnStreamEnd(const SourceInfo& source, const StreamStats& stats) = 0;
  };

  Receiver(boost::asio::any_io_executor executor, ReceiverOptions options, Listener& listener,
           core::MetricsRegistry* metrics = nullptr);
  ~Receiver();
  Receiver(const Receiver&) = delete;
  Receiver& operator=(const Receiver&) = delete;

  // Binds both sockets and starts receiving. The error names address:port.
  boost::system::result<void, std::string> Start();
  void Stop();

  void RegisterSource(const boost::asio::ip::udp::endpoint& from, SourceInfo info);
  void UnregisterSource(const boost::asio::ip::udp::endpoint& from);

  boost::asio::ip::udp::endpoint LocalEndpoint(PortRole role) const;

  // How hard the media path is pushed, for overload control: the kernel's
  // side (both ports, sampled on every release tick from the sockets
  // themselves, SO_MEMINFO) and the consumer's in-process backlog
  // (ReportBacklog), each counted as pressure the same way.
  struct SocketPressure {
    // Datagrams the kernel dropped (queue full) plus decoded frames the
    // consumer dropped (its backlog full), since Start.
    std::uint64_t kernel_drops = 0;
    // Fullest receive queue or consumer backlog since the last call, 0..1.
    double peak_queue_ratio = 0;
    std::uint64_t backlog_drops = 0;  // the consumer's share of kernel_drops
  };
  // Thread-safe; each call starts a new peak window.
  SocketPressure TakePressure();
  // From the Listener: frames it dropped since Start because it fell behind,
  // and its fullest backlog (0..1) since it last reported. Thread-safe.
  void ReportBacklog(std::uint64_t dropped_frames, double peak_backlog_ratio);

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace aicc::rtp
