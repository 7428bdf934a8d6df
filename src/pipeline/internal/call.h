// One call: its metadata, its two speaker pipelines and its event sequence.
// Lives on its own strand; the registry posts frames, ticks and the end.
#pragma once

#include <array>
#include <boost/asio/strand.hpp>
#include <boost/container/small_vector.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>

#include "events/call_progress.h"
#include "pipeline/call_registry.h"
#include "pipeline/speaker_pipeline.h"

namespace aicc::pipeline {

// A frame copied off the receiver's buffer; 20 ms of slin16 fits inline.
struct FrameCopy {
  int sample_rate = 8000;
  std::uint64_t stream_sample = 0;
  bool concealed = false;
  std::chrono::steady_clock::time_point arrival{};
  boost::container::small_vector<std::int16_t, 640> pcm;
};

class Call : public std::enable_shared_from_this<Call> {
 public:
  // `resume`: what an earlier process sent for this call (it continues:
  // seq goes on, no metadata_start, the recorded origin, its turn counts).
  Call(boost::asio::any_io_executor io, CallMeta meta, const PipelineDeps& deps,
       const PipelineOptions& options, std::optional<events::CallProgress> resume);

  const std::string& id() const { return meta_.call_id; }
  boost::asio::strand<boost::asio::any_io_executor>& strand() { return strand_; }

  // All below run on strand().
  void Begin();  // emits metadata_start (unless the call continues)
  void PushFrame(core::Speaker speaker, const FrameCopy& frame);
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

  boost::asio::strand<boost::asio::any_io_executor> strand_;
  CallMeta meta_;
  const PipelineDeps& deps_;
  const PipelineOptions& options_;
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
