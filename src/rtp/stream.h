// One RTP stream's reorder/jitter buffer: takes packets in arrival order and
// gives back decoded PCM in RTP timestamp order, with no gaps and no drift.
//
// - Duplicates and packets later than the buffer depth are dropped (counted).
// - A missing packet is waited for until the oldest waiting packet has been
//   held `depth`; then the hole is concealed (silence, or the previous packet
//   once then silence) for the timestamp span it covered, up to
//   `max_concealment`; a longer hole (Asterisk paused the stream) is not
//   filled: the next frame's `stream_sample` jumps and the consumer decides.
// - An SSRC change, or a sequence jump beyond `resync_distance` (with or
//   without the marker bit), restarts the sequence/timestamp mapping while
//   keeping `stream_sample` continuous.
// - Statistics per RFC 3550 (A.3 loss, A.8 interarrival jitter).
//
// Usage:
//   rtp::Stream s(options);
//   s.Push(packet_view, arrival, codec, emit);   // emit(AudioFrame) 0..n times
//   s.Release(now, emit);                         // periodically: holes that waited long enough
//   s.Flush(emit);                                // end of stream
//
// Memory: all buffers are allocated in the constructor; Push allocates
// nothing. Thread safety: none; one owner (the receiver's strand).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "rtp/packet.h"
#include "rtp/sequence.h"

namespace aicc::rtp {

enum class Codec : std::uint8_t { kUlaw, kAlaw, kSlin16 };
constexpr int SampleRateOf(Codec c) { return c == Codec::kSlin16 ? 16000 : 8000; }

enum class Concealment : std::uint8_t { kSilence, kRepeat };

struct AudioFrame {
  Codec codec = Codec::kUlaw;
  int sample_rate = 8000;
  std::span<const std::int16_t> pcm;  // valid only during the callback
  std::uint64_t stream_sample = 0;    // position of pcm[0], samples from the stream's start
  bool concealed = false;
  // When the datagram that carried this audio reached the host (steady clock;
  // the epoch when unknown, e.g. concealment). The start of every latency
  // figure that claims to be measured "from the packet's arrival".
  std::chrono::steady_clock::time_point arrival{};
};

struct StreamStats {
  std::uint64_t received = 0;  // packets accepted into the buffer
  std::uint64_t lost = 0;      // sequence numbers never received in time
  std::uint64_t duplicated = 0;
  std::uint64_t reordered = 0;  // arrived after a higher sequence number, still in time
  std::uint64_t late = 0;       // arrived after their slot was played or concealed
  std::uint64_t resyncs = 0;    // SSRC changes and sequence jumps
  std::uint64_t concealed_samples = 0;
  double jitter_ms = 0;  // RFC 3550 A.8 interarrival jitter
};

struct StreamOptions {
  std::chrono::milliseconds depth{60};
  Concealment concealment = Concealment::kSilence;
  std::chrono::milliseconds max_concealment{1000};
  std::int64_t resync_distance = 1000;   // sequence numbers
  std::size_t max_payload_bytes = 1280;  // 40 ms of slin16
};

using FrameSink = std::function<void(const AudioFrame&)>;

class Stream {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  explicit Stream(StreamOptions options);

  // Accepts one parsed packet. `codec` comes from its payload type.
  void Push(const PacketView& packet, Codec codec, TimePoint arrival, const FrameSink& emit);
  // Plays out what waited longer than the depth (call every ~20 ms).
  void Release(TimePoint now, const FrameSink& emit);
  // Plays out everything buffered (end of stream).
  void Flush(const FrameSink& emit);

  const StreamStats& stats() const { return stats_; }

 private:
  struct Slot {
    bool filled = false;
    std::int64_t seq = 0;
    std::int64_t ts = 0;
    Codec codec = Codec::kUlaw;
    TimePoint arrival{};
    std::uint16_t size = 0;
    std::vector<std::uint8_t> payload;  // max_payload_bytes, allocated once
  };
  Slot& SlotFor(std::int64_t seq) { return slots_[static_cast<std::size_t>(seq) % slots_.size()]; }
  void Resync(std::uint32_t ssrc);
  void Play(Slot& slot, const FrameSink& emit);
  void Conceal(std::int64_t samples, Codec codec, const FrameSink& emit);
  void ReleaseReady(TimePoint now, bool force, const FrameSink& emit);
  void UpdateJitter(std::int64_t ts, Codec codec, TimePoint arrival);
  bool WasPlayed(std::int64_t seq) const;

  StreamOptions options_;
  std::vector<Slot> slots_;
  std::vector<std::int16_t> pcm_;       // decode buffer
  std::vector<std::int16_t> last_pcm_;  // for repeat concealment
  std::size_t last_pcm_size_ = 0;

  bool started_ = false;
  std::uint32_t ssrc_ = 0;
  SequenceUnwrapper seq_unwrapper_;
  TimestampUnwrapper ts_unwrapper_;
  std::int64_t next_seq_ = 0;     // next sequence number to play
  std::int64_t highest_seq_ = 0;  // highest accepted
  std::int64_t buffered_ = 0;
  // stream_sample = ts - ts_base_; the next expected timestamp is next_ts_.
  std::int64_t ts_base_ = 0;
  std::int64_t next_ts_ = 0;
  bool have_played_ = false;
  std::uint64_t played_bits_ = 0;  // bit i: next_seq_-1-i was played (not concealed)
  Codec last_codec_ = Codec::kUlaw;

  // Jitter state (RFC 3550 A.8), in timestamp units scaled by 16.
  bool have_transit_ = false;
  double last_transit_ = 0;
  double jitter_ = 0;
  StreamStats stats_;
};

}  // namespace aicc::rtp
