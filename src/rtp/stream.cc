#include "rtp/stream.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "audio/g711.h"

namespace aicc::rtp {

Stream::Stream(StreamOptions options) : options_(options) {
  // Enough slots for twice the depth at 20 ms packets, plus slack for bursts.
  const std::size_t depth_packets = static_cast<std::size_t>(options_.depth.count() / 20) + 1;
  slots_.resize(std::max<std::size_t>(16, depth_packets * 2 + 8));
  for (auto& s : slots_) s.payload.resize(options_.max_payload_bytes);
  pcm_.resize(options_.max_payload_bytes);
  last_pcm_.resize(options_.max_payload_bytes);
}

void Stream::Resync(std::uint32_t ssrc) {
  ssrc_ = ssrc;
  seq_unwrapper_.Reset();
  ts_unwrapper_.Reset();
  have_transit_ = false;
  started_ = false;
}

bool Stream::WasPlayed(std::int64_t seq) const {
  const std::int64_t d = next_seq_ - 1 - seq;
  return d >= 0 && d < 64 && ((played_bits_ >> d) & 1) != 0;
}

void Stream::UpdateJitter(std::int64_t ts, Codec codec, TimePoint arrival) {
  const double rate = SampleRateOf(codec);
  const double arrival_units =
      std::chrono::duration<double>(arrival.time_since_epoch()).count() * rate;
  const double transit = arrival_units - static_cast<double>(ts);
  if (have_transit_) {
    const double d = std::abs(transit - last_transit_);
    jitter_ += (d - jitter_) / 16.0;
    stats_.jitter_ms = jitter_ / rate * 1000.0;
  }
  last_transit_ = transit;
  have_transit_ = true;
}

void Stream::Push(const PacketView& packet, Codec codec, TimePoint arrival, const FrameSink& emit) {
  if (packet.payload.size() > options_.max_payload_bytes) {
    ++stats_.late;  // cannot be buffered; counted with the drops
    return;
  }
  if (started_ && packet.ssrc != ssrc_) {
    // A new source on the same address: play out the old one first.
    ReleaseReady(arrival, true, emit);
    ++stats_.resyncs;
    Resync(packet.ssrc);
  }
  if (!started_) ssrc_ = packet.ssrc;
  const std::int64_t seq = seq_unwrapper_.Unwrap(packet.sequence);
  const std::int64_t ts = ts_unwrapper_.Unwrap(packet.timestamp);

  if (started_ && std::llabs(seq - next_seq_) > options_.resync_distance) {
    ReleaseReady(arrival, true, emit);
    ++stats_.resyncs;
    Resync(packet.ssrc);
    // Unwrapping restarted: take the packet again in the new mapping.
    return Push(packet, codec, arrival, emit);
  }
  if (!started_) {
    started_ = true;
    next_seq_ = seq;
    highest_seq_ = seq - 1;
    played_bits_ = 0;
    if (!have_played_) {
      ts_base_ = ts;
    } else {
      // Keep stream_sample continuous across the restart.
      ts_base_ = ts - (next_ts_ - ts_base_);
    }
    next_ts_ = ts;
  }

  if (seq < next_seq_) {
    ++(WasPlayed(seq) ? stats_.duplicated : stats_.late);
    return;
  }
  Slot* slot = &SlotFor(seq);
  if (slot->filled && slot->seq == seq) {
    ++stats_.duplicated;
    return;
  }
  if (seq >= next_seq_ + static_cast<std::int64_t>(slots_.size())) {
    // Too far ahead for the ring: give up on the oldest holes now.
    while (seq >= next_seq_ + static_cast<std::int64_t>(slots_.size()) && buffered_ > 0) {
      ReleaseReady(arrival, true, emit);
    }
    if (seq >= next_seq_ + static_cast<std::int64_t>(slots_.size())) {
      stats_.lost += static_cast<std::uint64_t>(seq - next_seq_);
      played_bits_ = 0;
      next_seq_ = seq;
    }
    slot = &SlotFor(seq);
  }
  slot->filled = true;
  slot->seq = seq;
  slot->ts = ts;
  slot->codec = codec;
  slot->arrival = arrival;
  slot->size = static_cast<std::uint16_t>(packet.payload.size());
  std::memcpy(slot->payload.data(), packet.payload.data(), packet.payload.size());
  ++buffered_;
  ++stats_.received;
  if (seq < highest_seq_) ++stats_.reordered;
  highest_seq_ = std::max(highest_seq_, seq);
  UpdateJitter(ts, codec, arrival);
  ReleaseReady(arrival, false, emit);
}

void Stream::Release(TimePoint now, const FrameSink& emit) { ReleaseReady(now, false, emit); }

void Stream::Flush(const FrameSink& emit) {
  while (buffered_ > 0) ReleaseReady(TimePoint::max(), true, emit);
}

void Stream::ReleaseReady(TimePoint now, bool force, const FrameSink& emit) {
  while (buffered_ > 0) {
    Slot& head = SlotFor(next_seq_);
    if (head.filled && head.seq == next_seq_) {
      Play(head, emit);
      continue;
    }
    // A hole at next_seq_: find the first packet waiting after it.
    const Slot* first = nullptr;
    for (std::int64_t s = next_seq_ + 1; s <= highest_seq_; ++s) {
      const Slot& c = SlotFor(s);
      if (c.filled && c.seq == s) {
        first = &c;
        break;
      }
    }
    if (!first) {
      buffered_ = 0;  // defensive: nothing is actually waiting
      return;
    }
    if (!force && now - first->arrival < options_.depth) return;
    const std::int64_t missing = first->seq - next_seq_;
    stats_.lost += static_cast<std::uint64_t>(missing);
    played_bits_ = missing >= 64 ? 0 : played_bits_ << missing;
    next_seq_ = first->seq;
  }
}

void Stream::Conceal(std::int64_t samples, Codec codec, const FrameSink& emit) {
  const std::size_t chunk =
      last_pcm_size_ ? last_pcm_size_ : static_cast<std::size_t>(SampleRateOf(codec) / 50);
  bool repeat = options_.concealment == Concealment::kRepeat && last_pcm_size_ > 0;
  while (samples > 0) {
    const std::size_t n =
        static_cast<std::size_t>(std::min<std::int64_t>(samples, static_cast<std::int64_t>(chunk)));
    if (repeat) {
      std::copy_n(last_pcm_.begin(), n, pcm_.begin());
      repeat = false;  // repeat once, then silence: a held vowel is less wrong than a buzz
    } else {
      std::fill_n(pcm_.begin(), n, 0);
    }
    AudioFrame f;
    f.codec = codec;
    f.sample_rate = SampleRateOf(codec);
    f.pcm = std::span<const std::int16_t>(pcm_.data(), n);
    f.stream_sample = static_cast<std::uint64_t>(next_ts_ - ts_base_);
    f.concealed = true;
    emit(f);
    next_ts_ += static_cast<std::int64_t>(n);
    stats_.concealed_samples += n;
    samples -= static_cast<std::int64_t>(n);
  }
}

void Stream::Play(Slot& slot, const FrameSink& emit) {
  slot.filled = false;
  --buffered_;
  ++next_seq_;
  played_bits_ = (played_bits_ << 1) | 1;

  if (have_played_) {
    const std::int64_t gap = slot.ts - next_ts_;
    const std::int64_t max_gap = options_.max_concealment.count() * SampleRateOf(slot.codec) / 1000;
    if (gap > 0 && gap <= max_gap) {
      Conceal(gap, slot.codec, emit);
    } else if (gap < 0) {
      // Timestamps went backwards (a sender restart without SSRC change):
      // continue the timeline where it was.
      ts_base_ += gap;
    }
    // gap > max_gap: the sender paused; stream_sample jumps, the consumer
    // treats the jump as silence.
  }
  std::size_t n = 0;
  const auto payload = std::span<const std::uint8_t>(slot.payload.data(), slot.size);
  switch (slot.codec) {
    case Codec::kUlaw:
      n = audio::DecodeUlaw(payload, pcm_);
      break;
    case Codec::kAlaw:
      n = audio::DecodeAlaw(payload, pcm_);
      break;
    case Codec::kSlin16:
      n = audio::DecodeSlinBigEndian(payload, pcm_);
      break;
  }
  AudioFrame f;
  f.codec = slot.codec;
  f.sample_rate = SampleRateOf(slot.codec);
  f.pcm = std::span<const std::int16_t>(pcm_.data(), n);
  f.stream_sample = static_cast<std::uint64_t>(slot.ts - ts_base_);
  f.concealed = false;
  f.arrival = slot.arrival;
  std::copy_n(pcm_.begin(), n, last_pcm_.begin());
  last_pcm_size_ = n;
  last_codec_ = slot.codec;
  next_ts_ = slot.ts + static_cast<std::int64_t>(n);
  have_played_ = true;
  emit(f);
}

}  // namespace aicc::rtp
