// One speaker's chain inside a call: decoded frames → VAD segmenter →
// recognizer → turn detector → a TurnComplete for the call to emit.
//
// Usage (all on the call's strand):
//   SpeakerPipeline p(Speaker::kCustomer, deps, options, on_turn);
//   p.OnFrame(frame, now);     // per 20 ms of decoded RTP
//   p.Tick(now);               // periodically: RTP stalls count as silence
//   p.Finish(done);            // end of call: closes the open utterance, waits for its text
//
// Threading: not thread-safe; owned by its Call and used only on the call's
// strand. Recognizer callbacks arrive on the same strand.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "core/clock.h"
#include "core/metrics.h"
#include "core/speaker.h"
#include "events/event.h"
#include "stt/recognizer.h"
#include "turn/detector.h"
#include "vad/segmenter.h"
#include "vad/vad.h"

namespace aicc::pipeline {

struct SpeakerPipelineOptions {
  vad::SegmenterOptions segmenter;
  // Drop turns whose transcript is empty because the recognizer heard no
  // words (the old system's behaviour). Never applies to turns whose text is
  // missing because speech-to-text failed or is off: those are sent with
  // `transcript_missing` set.
  bool drop_empty_transcripts = true;
  // Longest RTP gap filled with silence in one go; beyond it the timeline
  // jumps (the utterance is closed by the silence that was fed).
  std::chrono::milliseconds max_gap_fill{30'000};
  // RTP silent for this long counts as silence for the VAD (the old system
  // froze its clock instead and kept turns open across gaps).
  std::chrono::milliseconds stall_after{300};
};

// What a SpeakerPipeline needs from the rest of the process.
struct SpeakerPipelineDeps {
  std::shared_ptr<const vad::VadEngine> vad_engine;
  stt::Recognizer* recognizer = nullptr;  // never null; may be the null recognizer
  const turn::Detector* detector = nullptr;
  const core::Clock* clock = nullptr;
  boost::asio::any_io_executor strand;  // the call's strand
  std::string call_id;
  core::MetricsRegistry* metrics = nullptr;  // optional: aicc_turns_without_text_total
};

// Exports aicc_turns_without_text_total{reason,outcome} at 0 for every reason.
void RegisterTurnMetrics(core::MetricsRegistry& metrics);

// A decoded frame, as the receiver delivers it (copied onto the call strand).
struct Frame {
  int sample_rate = 8000;
  std::uint64_t stream_sample = 0;
  bool concealed = false;
  std::span<const std::int16_t> pcm;
  // Arrival of the datagram that carried this audio (rtp::AudioFrame::arrival);
  // the epoch when unknown.
  std::chrono::steady_clock::time_point arrival{};
};

struct SpeakerStats {
  double audio_seconds = 0;   // audio fed to the VAD, including gap silence
  double speech_seconds = 0;  // inside detected utterances
  int turns = 0;
  int complete_turns = 0;
  int incomplete_turns = 0;
  int dropped_empty = 0;  // no words heard, dropped (pipeline.empty_transcript = drop)
  int without_text = 0;   // sent with an empty transcript (any reason)
};

class SpeakerPipeline : public vad::Segmenter::Listener {
 public:
  // `on_turn` gets each finished turn with the steady time its speech ended
  // (for the end-of-speech → event latency); it is never called after
  // Finish's `done`.
  using TurnCallback =
      std::function<void(events::TurnComplete, std::chrono::steady_clock::time_point)>;

  SpeakerPipeline(core::Speaker speaker, SpeakerPipelineDeps deps, SpeakerPipelineOptions options,
                  std::chrono::steady_clock::time_point call_start, TurnCallback on_turn);
  ~SpeakerPipeline() override;

  void OnFrame(const Frame& frame);
  void Tick();
  void Finish(std::function<void()> done);

  core::Speaker speaker() const { return speaker_; }
  const SpeakerStats& stats() const { return stats_; }
  std::string_view vad_engine_name() const;
  std::chrono::steady_clock::time_point last_frame_time() const { return last_frame_time_; }

 private:
  struct PendingTurn;
  void Init(int sample_rate);
  void Feed(std::span<const std::int16_t> pcm);
  void FeedSilence(std::uint64_t samples);
  double CallTimeOf(std::uint64_t position) const;
  void MaybeFinished();
  void CountWithoutText(std::string_view reason, bool sent);

  // vad::Segmenter::Listener
  void OnSpeechStart(std::uint64_t start_sample, std::span<const std::int16_t> pre_roll) override;
  void OnSpeechAudio(std::span<const std::int16_t> pcm) override;
  void OnSpeechEnd(std::uint64_t end_sample, std::chrono::milliseconds pause) override;

  core::Speaker speaker_;
  SpeakerPipelineDeps deps_;
  SpeakerPipelineOptions options_;
  std::chrono::steady_clock::time_point call_start_;
  TurnCallback on_turn_;

  int sample_rate_ = 0;
  std::unique_ptr<vad::Segmenter> segmenter_;
  std::unique_ptr<stt::RecognizerSession> session_;
  // Samples fed to the segmenter: the speaker's timeline. `stream_offset_`
  // maps RTP stream samples onto it (it moves when gaps are filled).
  std::uint64_t position_ = 0;
  std::int64_t stream_offset_ = 0;
  // Call time (s) of position 0: when this speaker's first frame arrived,
  // counted from the call's timeline origin (`call_start_`: the answer in ARI
  // mode, the first packet in pipeline-only mode; kept across restarts).
  double timeline_origin_s_ = 0;
  std::chrono::steady_clock::time_point last_frame_time_{};
  std::uint64_t last_frame_end_position_ = 0;
  std::vector<std::int16_t> silence_;  // zeros, reused for gap filling

  std::optional<std::uint64_t> utterance_start_;
  int pending_results_ = 0;
  bool finishing_ = false;
  std::function<void()> finish_done_;
  SpeakerStats stats_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace aicc::pipeline
