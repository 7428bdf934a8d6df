// One call: its metadata, its two speaker pipelines and its event sequence.
// Lives on its own strand; the registry hands it frames through a bounded
// ring (OfferFrame) and posts ticks and the end.
//
// Lifetime: a Call keeps its own copies of the registry's deps and options,
// so its timers and pending handlers may outlive the registry.
#pragma once

#include <array>
#include <atomic>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>

#include "events/call_progress.h"
#include "pipeline/call_registry.h"
#include "pipeline/internal/frame_ring.h"
#include "pipeline/speaker_pipeline.h"

namespace aicc::pipeline {

class Call : public std::enable_shared_from_this<Call> {
 public:
  // `resume`: what an earlier process sent for this call (it continues:
  // seq goes on, no metadata_start, the recorded origin, its turn counts).
  Call(boost::asio::any_io_executor io, CallMeta meta, const PipelineDeps& deps,
       const PipelineOptions& options, std::optional<events::CallProgress> resume);

  const std::string& id() const { return meta_.call_id; }
  boost::asio::strand<boost::asio::any_io_executor>& strand() { return strand_; }

  // From the registry strand (the ring's one producer): queues a copy of the
  // frame and, unless one is pending, posts a drain to strand(). False when
  // the call's backlog is full: the frame is dropped (the caller counts it).
  bool OfferFrame(core::Speaker speaker, const rtp::AudioFrame& frame);
  // Frames queued and not yet analysed, as a share of the ring (any thread).
  double BacklogRatio() const {
    return static_cast<double>(frames_.Size()) / static_cast<double>(frames_.Capacity());
  }

  // All below run on strand().
  void Begin();  // emits metadata_start (unless the call continues)
  void Tick();
  void SetAgent(const std::string& agent_id);
  // Closes open utterances, waits (bounded) for their text, emits
  // metadata_end (not when suspending), then calls `done`. Idempotent: a
  // second End is ignored.
  void End(std::string end_reason, CallExit exit, std::function<void()> done);

 private:
  // Returns the event_id it was sent with.
  std::string Emit(events::Event::Body body);
  // A speaker's turn event (SpeakerPipeline::TurnCallback).
  std::string OnTurn(events::Event::Body body, const TurnTiming& timing);
  void Finalize();
  SpeakerPipeline& PipelineFor(core::Speaker speaker);

  // Runs on strand(): analyses every frame queued so far.
  void DrainFrames();

  boost::asio::strand<boost::asio::any_io_executor> strand_;
  CallMeta meta_;
  const PipelineDeps deps_;
  const PipelineOptions options_;
  // 128 slots: 1.28 s of one speaker's 8 kHz audio waiting for the strand.
  internal::FrameRing frames_{128};
  std::atomic<bool> drain_posted_{false};
  // The timeline origin, as wall time (sent, journaled) and on the steady
  // clock (for turn times and total_duration).
  std::chrono::system_clock::time_point origin_wall_;
  std::chrono::steady_clock::time_point start_;
  std::optional<events::CallProgress> resume_;
  CallExit exit_ = CallExit::kEnd;
  std::array<std::unique_ptr<SpeakerPipeline>, 2> speakers_;
  std::uint64_t next_seq_ = 0;
  bool ending_ = false;
  int finishing_ = 0;
  std::string end_reason_;
  std::function<void()> end_done_;
  std::unique_ptr<boost::asio::steady_timer> finish_timer_;
  core::Histogram* event_latency_ = nullptr;
  std::array<core::Histogram*, 2> end_latency_{};      // late, early
  std::array<core::Counter*, 2> turns_by_decision_{};  // incomplete, complete
  core::Counter* turns_resumed_ = nullptr;
  core::Counter* turns_corrected_ = nullptr;
  // Each speaker's last utterances (masked) and what each was dictating.
  pii::CallMemory pii_memory_;
};

}  // namespace aicc::pipeline
