#include "rtp/stream.h"

#include <gtest/gtest.h>

#include <cmath>

#include "audio/g711.h"

namespace aicc::rtp {
namespace {

using namespace std::chrono_literals;
using TimePoint = Stream::TimePoint;

// Builds 20 ms μ-law packets whose every sample encodes its packet index, so
// the output says which packet (or concealment) each sample came from.
struct Source {
  std::uint16_t first_seq = 65530;  // crosses the 16-bit wrap
  std::uint32_t first_ts = 4294966000u;
  std::uint32_t ssrc = 42;
  std::vector<std::vector<std::uint8_t>> datagrams;

  std::vector<std::uint8_t> Make(int k, std::uint32_t ssrc_override = 0) {
    std::vector<std::uint8_t> d(12 + 160);
    PacketHeader h;
    h.sequence = static_cast<std::uint16_t>(first_seq + k);
    h.timestamp = first_ts + static_cast<std::uint32_t>(k) * 160;
    h.ssrc = ssrc_override ? ssrc_override : ssrc;
    const std::vector<std::uint8_t> payload(
        160, audio::LinearToUlaw(static_cast<std::int16_t>(1000 + 100 * k)));
    (void)SerializePacket(h, payload, d);
    return d;
  }
};

struct Output {
  std::vector<std::int16_t> pcm;
  std::vector<std::uint64_t> starts;
  std::size_t concealed_samples = 0;
  FrameSink Sink() {
    return [this](const AudioFrame& f) {
      // The timeline must be contiguous.
      EXPECT_EQ(f.stream_sample, pcm.size());
      starts.push_back(f.stream_sample);
      pcm.insert(pcm.end(), f.pcm.begin(), f.pcm.end());
      if (f.concealed) concealed_samples += f.pcm.size();
    };
  }
};

void PushAll(Stream& s, Source& src, const std::vector<int>& order, TimePoint t0, Output& out,
             std::chrono::milliseconds spacing = 20ms) {
  auto sink = out.Sink();
  TimePoint t = t0;
  for (int k : order) {
    auto d = src.Make(k);
    auto p = ParsePacket(d);
    ASSERT_TRUE(p);
    s.Push(*p, Codec::kUlaw, t, sink);
    t += spacing;
  }
}

int Index(std::int16_t sample) {
  return sample == 0 ? -1 : static_cast<int>(std::lround((sample - 1000) / 100.0));
}

std::vector<int> BlockIndexes(const Output& out) {
  std::vector<int> v;
  for (std::size_t i = 0; i + 160 <= out.pcm.size(); i += 160) v.push_back(Index(out.pcm[i]));
  return v;
}

TEST(StreamTest, InOrderPlaysImmediately) {
  Stream s({});
  Source src;
  Output out;
  PushAll(s, src, {0, 1, 2, 3, 4, 5, 6, 7}, TimePoint{} + 1s, out);
  EXPECT_EQ(out.pcm.size(), 8u * 160);
  EXPECT_EQ(s.stats().received, 8u);
  EXPECT_EQ(s.stats().lost, 0u);
}

TEST(StreamTest, ReordersAcrossTheWrapWithinTheDepth) {
  Stream s({});
  Source src;
  Output out;
  PushAll(s, src, {0, 2, 1, 3, 5, 4, 6, 8, 7, 9}, TimePoint{} + 1s, out, 5ms);
  s.Flush(out.Sink());
  const std::vector<int> expected = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  // Packet values are approximate after μ-law; compare by nearest index.
  auto blocks = BlockIndexes(out);
  ASSERT_EQ(blocks.size(), expected.size());
  for (std::size_t i = 0; i < blocks.size(); ++i) EXPECT_NEAR(blocks[i], expected[i], 0) << i;
  EXPECT_EQ(s.stats().reordered, 3u);
  EXPECT_EQ(s.stats().lost, 0u);
}

TEST(StreamTest, DuplicatesAreDroppedAndCounted) {
  Stream s({});
  Source src;
  Output out;
  PushAll(s, src, {0, 1, 1, 2, 0, 3, 3}, TimePoint{} + 1s, out);
  s.Flush(out.Sink());
  EXPECT_EQ(out.pcm.size(), 4u * 160);
  EXPECT_EQ(s.stats().duplicated, 3u);
}

TEST(StreamTest, LossIsConcealedAfterTheDepthAndLatePacketsDropped) {
  StreamOptions o;
  o.depth = 60ms;
  Stream s(o);
  Source src;
  Output out;
  auto sink = out.Sink();
  const TimePoint t0 = TimePoint{} + 1s;
  for (int k : {0, 1, 3, 4}) {  // 2 is missing
    auto d = src.Make(k);
    s.Push(*ParsePacket(d), Codec::kUlaw, t0 + k * 20ms, sink);
  }
  EXPECT_EQ(out.pcm.size(), 2u * 160) << "3 and 4 wait for 2";
  s.Release(t0 + 3 * 20ms + 59ms, sink);
  EXPECT_EQ(out.pcm.size(), 2u * 160);
  s.Release(t0 + 3 * 20ms + 60ms, sink);
  EXPECT_EQ(out.pcm.size(), 5u * 160);
  EXPECT_EQ(out.concealed_samples, 160u);
  EXPECT_EQ(BlockIndexes(out), (std::vector<int>{0, 1, -1, 3, 4}));
  EXPECT_EQ(s.stats().lost, 1u);
  // 2 finally arrives: too late.
  auto late = src.Make(2);
  s.Push(*ParsePacket(late), Codec::kUlaw, t0 + 200ms, sink);
  EXPECT_EQ(s.stats().late, 1u);
  EXPECT_EQ(out.pcm.size(), 5u * 160);
}

TEST(StreamTest, RepeatConcealmentRepeatsOnceThenSilence) {
  StreamOptions o;
  o.concealment = Concealment::kRepeat;
  Stream s(o);
  Source src;
  Output out;
  PushAll(s, src, {0, 1, 4}, TimePoint{} + 1s, out);
  s.Flush(out.Sink());
  EXPECT_EQ(BlockIndexes(out), (std::vector<int>{0, 1, 1, -1, 4}));
}

TEST(StreamTest, LongPauseJumpsInsteadOfConcealing) {
  StreamOptions o;
  o.max_concealment = 1000ms;
  Stream s(o);
  Source src;
  std::vector<std::uint64_t> starts;
  std::size_t concealed = 0;
  auto sink = [&](const AudioFrame& f) {
    starts.push_back(f.stream_sample);
    concealed += f.concealed ? f.pcm.size() : 0;
  };
  const TimePoint t0 = TimePoint{} + 1s;
  for (int k : {0, 1, 200, 201}) {  // 4 s of nothing: Asterisk paused
    auto d = src.Make(k);
    s.Push(*ParsePacket(d), Codec::kUlaw, t0 + k * 20ms, sink);
  }
  s.Flush(sink);
  EXPECT_EQ(concealed, 0u);
  EXPECT_EQ(starts, (std::vector<std::uint64_t>{0, 160, 200 * 160, 201 * 160}));
}

TEST(StreamTest, SsrcChangeKeepsTheTimelineContinuous) {
  Stream s({});
  Source src;
  Output out;
  auto sink = out.Sink();
  const TimePoint t0 = TimePoint{} + 1s;
  for (int k = 0; k < 3; ++k) {
    auto d = src.Make(k);
    s.Push(*ParsePacket(d), Codec::kUlaw, t0 + k * 20ms, sink);
  }
  Source other;
  other.first_seq = 100;
  other.first_ts = 777;
  other.ssrc = 99;
  for (int k = 0; k < 3; ++k) {
    auto d = other.Make(k);
    s.Push(*ParsePacket(d), Codec::kUlaw, t0 + (3 + k) * 20ms, sink);
  }
  EXPECT_EQ(out.pcm.size(), 6u * 160);  // Output::Sink checks contiguity
  EXPECT_EQ(s.stats().resyncs, 1u);
}

TEST(StreamTest, SequenceJumpResyncs) {
  Stream s({});
  Source src;
  Output out;
  auto sink = out.Sink();
  const TimePoint t0 = TimePoint{} + 1s;
  for (int k : {0, 1, 2, 20000, 20001}) {
    auto d = src.Make(k);
    s.Push(*ParsePacket(d), Codec::kUlaw, t0 + k * 20ms, sink);
  }
  EXPECT_EQ(s.stats().resyncs, 1u);
  EXPECT_EQ(out.pcm.size(), 5u * 160);
}

TEST(StreamTest, JitterFollowsRfc3550) {
  Stream s({});
  Source src;
  Output out;
  auto sink = out.Sink();
  const TimePoint t0 = TimePoint{} + 1s;
  // Perfectly paced: jitter 0.
  for (int k = 0; k < 50; ++k) {
    auto d = src.Make(k);
    s.Push(*ParsePacket(d), Codec::kUlaw, t0 + k * 20ms, sink);
  }
  EXPECT_NEAR(s.stats().jitter_ms, 0.0, 1e-6);
  // Alternating ±5 ms: |D| = 10 ms each time; J converges towards 10 ms.
  for (int k = 50; k < 400; ++k) {
    auto d = src.Make(k);
    s.Push(*ParsePacket(d), Codec::kUlaw, t0 + k * 20ms + ((k % 2) ? 5ms : -5ms), sink);
  }
  EXPECT_NEAR(s.stats().jitter_ms, 10.0, 0.5);
}

}  // namespace
}  // namespace aicc::rtp
