// Frames reach a call through a bounded ring (no allocation per frame): the
// ring keeps order across wrap-around and multi-slot frames, a call that
// falls behind drops (and counts) instead of queueing without bound, and
// the overload guard sees that backlog through the receiver's pressure.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <numeric>
#include <vector>

#include "core/clock.h"
#include "core/metrics.h"
#include "pipeline/call_registry.h"
#include "pipeline/internal/frame_ring.h"
#include "rtp/receiver.h"
#include "stt/recognizer.h"
#include "turn/detector.h"
#include "vad/vad.h"

namespace aicc::pipeline {
namespace {
namespace asio = boost::asio;
using namespace std::chrono_literals;
using internal::FrameRing;

rtp::AudioFrame FrameOf(const std::vector<std::int16_t>& pcm, std::uint64_t at) {
  rtp::AudioFrame f;
  f.pcm = pcm;
  f.stream_sample = at;
  f.arrival = std::chrono::steady_clock::time_point(std::chrono::milliseconds(at));
  return f;
}

TEST(FrameRing, KeepsOrderAcrossTheWrapAndRefusesWhatDoesNotFit) {
  FrameRing ring(6);  // rounded up to 8 slots
  ASSERT_EQ(ring.Capacity(), 8u);
  std::vector<std::int16_t> pcm(160);
  std::uint64_t pushed = 0, popped = 0;
  for (int round = 0; round < 5; ++round) {  // crosses the wrap several times
    for (int i = 0; i < 5; ++i) {
      std::iota(pcm.begin(), pcm.end(), static_cast<std::int16_t>(pushed));
      ASSERT_TRUE(ring.Push(core::Speaker::kAgent, FrameOf(pcm, pushed * 160)));
      ++pushed;
    }
    while (const auto* s = ring.Front()) {
      EXPECT_EQ(s->stream_sample, popped * 160);
      EXPECT_EQ(s->samples, 160);
      EXPECT_EQ(s->pcm[0], static_cast<std::int16_t>(popped));
      EXPECT_EQ(s->speaker, core::Speaker::kAgent);
      ring.Pop();
      ++popped;
    }
  }
  EXPECT_EQ(popped, pushed);

  // 20 ms of slin16 (320 samples) takes two slots, all or nothing.
  std::vector<std::int16_t> wide(320);
  std::iota(wide.begin(), wide.end(), 0);
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(ring.Push(core::Speaker::kCustomer, FrameOf(wide, 0)));
  EXPECT_EQ(ring.Size(), 8u);
  EXPECT_FALSE(ring.Push(core::Speaker::kCustomer, FrameOf(pcm, 0))) << "full";
  ring.Pop();  // one slot free is not enough for a two-slot frame
  EXPECT_FALSE(ring.Push(core::Speaker::kCustomer, FrameOf(wide, 0)));
  EXPECT_EQ(ring.Size(), 7u);
  const auto* second_half = ring.Front();
  ASSERT_NE(second_half, nullptr);
  EXPECT_EQ(second_half->stream_sample, 160u);
  EXPECT_EQ(second_half->pcm[0], 160);
}

TEST(FrameBacklog, ACallThatFallsBehindDropsCountsAndPressesTheOverloadGuard) {
  asio::io_context io;  // run only when the test says: the call's strand is "stuck"
  core::MetricsRegistry metrics;
  core::ManualClock clock;
  auto recognizer = stt::MakeNullRecognizer();
  turn::Detector detector{turn::DetectorOptions{}};
  PipelineDeps deps;
  deps.vad_engine = vad::MakeEnergyEngine(0.6);
  deps.recognizer = recognizer.get();
  deps.detector = &detector;
  deps.clock = &clock;
  deps.metrics = &metrics;
  deps.emit = [](const events::Event&) {};
  PipelineOptions options;
  options.tick = 50ms;
  auto registry = std::make_unique<CallRegistry>(io.get_executor(), deps, options);
  rtp::ReceiverOptions ro;
  ro.customer_port = 0;
  ro.agent_port = 0;
  rtp::Receiver receiver(registry->executor(), ro, *registry, &metrics);
  ASSERT_TRUE(receiver.Start());
  registry->AttachReceiver(&receiver);
  CallMeta meta;
  meta.call_id = "backlog-call";
  registry->StartCall(meta);
  io.poll();  // the call exists; its strand is not run from here on

  // 200 frames while nothing runs the call's strand (the test thread stands
  // in for the registry strand): the ring takes 128, the rest is dropped.
  std::vector<std::int16_t> pcm(160, 100);
  for (int i = 0; i < 200; ++i) {
    registry->OnAudio(rtp::SourceInfo{"backlog-call", core::Speaker::kCustomer},
                      FrameOf(pcm, static_cast<std::uint64_t>(i) * 160));
  }
  EXPECT_NE(metrics.RenderPrometheus().find("aicc_frames_backlog_dropped_total 72"),
            std::string::npos)
      << metrics.RenderPrometheus();

  // The registry's tick hands the backlog to the receiver's pressure.
  io.run_for(200ms);
  const auto pressure = receiver.TakePressure();
  EXPECT_EQ(pressure.backlog_drops, 72u);
  EXPECT_GE(pressure.kernel_drops, 72u);
  EXPECT_DOUBLE_EQ(pressure.peak_queue_ratio, 1.0);
  receiver.Stop();
  registry.reset();
  io.run_for(50ms);
}

// Issue 18: the registry's posts captured a raw `this`. Work still queued
// when the registry is destroyed (the io context outlives it) must do
// nothing; a call it had started finishes on its own copies of the deps and
// options. (Under AddressSanitizer the old code fails here with a
// heap-use-after-free.)
TEST(RegistryLifetime, WorkQueuedForADestroyedRegistryDoesNothing) {
  asio::io_context io;
  core::MetricsRegistry metrics;
  core::ManualClock clock;
  auto recognizer = stt::MakeNullRecognizer();
  turn::Detector detector{turn::DetectorOptions{}};
  int emitted = 0;
  {
    PipelineDeps deps;
    deps.vad_engine = vad::MakeEnergyEngine(0.6);
    deps.recognizer = recognizer.get();
    deps.detector = &detector;
    deps.clock = &clock;
    deps.metrics = &metrics;
    deps.emit = [&emitted](const events::Event&) { ++emitted; };
    auto registry = std::make_unique<CallRegistry>(io.get_executor(), deps, PipelineOptions{});
    CallMeta started;
    started.call_id = "started";
    registry->StartCall(started);
    io.poll();  // the call exists and sent metadata_start
    ASSERT_EQ(emitted, 1);
    registry->EndCall("started", "hangup");  // queued, not run
    CallMeta late;
    late.call_id = "late";
    registry->StartCall(late);  // queued, not run
    registry.reset();
  }
  io.run_for(200ms);
  EXPECT_EQ(emitted, 1) << "nothing ran for the destroyed registry";
}

}  // namespace
}  // namespace aicc::pipeline
