// Decoded audio on its way from the receive strand to a call's strand: a
// bounded single-producer single-consumer ring of fixed-size slots, so a
// frame crosses threads with one copy and no allocation (a posted handler
// holding the frame was ~1.35 KB: a heap allocation per 20 ms frame, freed
// on another thread).
//
// Usage (producer: the registry strand; consumer: the call's strand):
//   FrameRing ring(64);
//   if (!ring.Push(speaker, frame)) ++dropped;        // full: the frame is dropped
//   while (const auto* slot = ring.Front()) { use(*slot); ring.Pop(); }
//
// A frame longer than one slot (20 ms of slin16, a long concealment) takes
// several consecutive slots, pushed all or nothing. Size() may be read from
// any thread (the backlog the overload guard sees).
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <memory>

#include "core/speaker.h"
#include "rtp/stream.h"

namespace aicc::pipeline::internal {

class FrameRing {
 public:
  // 20 ms at 8 kHz: a G.711 packet is one slot.
  static constexpr std::size_t kSlotSamples = 160;
  struct Slot {
    std::uint64_t stream_sample = 0;
    std::chrono::steady_clock::time_point arrival{};
    std::int32_t sample_rate = 8000;
    std::uint16_t samples = 0;
    core::Speaker speaker = core::Speaker::kCustomer;
    bool concealed = false;
    std::array<std::int16_t, kSlotSamples> pcm;
  };

  // `capacity` slots (rounded up to a power of two), allocated here.
  explicit FrameRing(std::size_t capacity) {
    std::size_t n = 1;
    while (n < capacity) n <<= 1;
    slots_ = std::make_unique<Slot[]>(n);
    mask_ = n - 1;
  }
  FrameRing(const FrameRing&) = delete;
  FrameRing& operator=(const FrameRing&) = delete;

  std::size_t Capacity() const { return mask_ + 1; }
  std::size_t Size() const {
    return tail_.load(std::memory_order_acquire) - head_.load(std::memory_order_acquire);
  }

  // Producer only. False (nothing pushed) when the frame does not fit.
  bool Push(core::Speaker speaker, const rtp::AudioFrame& frame) {
    const std::size_t parts = (frame.pcm.size() + kSlotSamples - 1) / kSlotSamples;
    const std::uint64_t tail = tail_.load(std::memory_order_relaxed);
    if (tail + parts - head_.load(std::memory_order_acquire) > Capacity()) return false;
    for (std::size_t p = 0; p < parts; ++p) {
      Slot& s = slots_[(tail + p) & mask_];
      const std::size_t offset = p * kSlotSamples;
      const std::size_t n = std::min(kSlotSamples, frame.pcm.size() - offset);
      s.stream_sample = frame.stream_sample + offset;
      s.arrival = frame.arrival;
      s.sample_rate = frame.sample_rate;
      s.samples = static_cast<std::uint16_t>(n);
      s.speaker = speaker;
      s.concealed = frame.concealed;
      std::memcpy(s.pcm.data(), frame.pcm.data() + offset, n * sizeof(std::int16_t));
    }
    // seq_cst: pairs with the consumer's "drain scheduled" flag (see Call).
    tail_.store(tail + parts, std::memory_order_seq_cst);
    return true;
  }

  // Consumer only. The oldest slot, or nullptr when empty.
  const Slot* Front() const {
    const std::uint64_t head = head_.load(std::memory_order_relaxed);
    if (head == tail_.load(std::memory_order_seq_cst)) return nullptr;
    return &slots_[head & mask_];
  }
  void Pop() { head_.store(head_.load(std::memory_order_relaxed) + 1, std::memory_order_release); }

 private:
  std::unique_ptr<Slot[]> slots_;
  std::size_t mask_ = 0;
  // Apart, so producer and consumer do not share a cache line.
  alignas(64) std::atomic<std::uint64_t> head_{0};
  alignas(64) std::atomic<std::uint64_t> tail_{0};
};

}  // namespace aicc::pipeline::internal
