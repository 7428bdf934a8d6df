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

#include <array>
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

// Deciding a turn at a short pause when its words already close it
// (docs/turn-detection.md, "Early decisions"; settings turn.early*).
struct EarlyTurnOptions {
  bool enabled = false;
  // Silence inside speech after which the words may decide (below
  // vad.min_silence_ms, the long pause).
  std::chrono::milliseconds short_pause{250};
  // The pause a backchannel or acknowledgement (네, 네 알겠습니다, 감사합니다)
  // waits for instead: often the preface of more from the same speaker, and
  // the turn where being early matters least. At or below short_pause: none.
  std::chrono::milliseconds backchannel_pause{500};
  // Detector::EndsClearly's minimum text score.
  double min_text_score = 0.9;
  // Google's interim stability at or above which the last word counts as
  // stable without waiting for a second interim or the final.
  float min_stability = 0.8f;
  // Send turn_resumed / turn_corrected (new event types) to backends.
  bool update_events = false;
};

struct SpeakerPipelineOptions {
  vad::SegmenterOptions segmenter;
  EarlyTurnOptions early;
  // Silence after the voice stops that the recognizer gets (stt.closing_silence_ms):
  // what its endpointer needs to send the final; the rest of the long pause
  // is held back. 0: the whole closing silence, up to vad.min_silence_ms.
  std::chrono::milliseconds closing_silence{0};
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

// When and how a turn event was decided, for the latency metrics.
struct TurnTiming {
  // core::Clock time the segmenter saw the pause that decided it (the short
  // pause for early turns, the long one otherwise).
  std::chrono::steady_clock::time_point detected{};
  // Frame::arrival of the audio holding the end of speech (the last voiced
  // audio before that pause); the epoch when unknown.
  std::chrono::steady_clock::time_point speech_end_arrival{};
  bool early = false;
};

class SpeakerPipeline : public vad::Segmenter::Listener {
 public:
  // `on_turn` gets each event body the speaker's audio produced — a
  // TurnComplete, or for early turns a TurnResumed / TurnCorrected (the call
  // decides whether those are sent) — and returns the event_id it was sent
  // with ("" if not sent). Never called after Finish's `done`.
  using TurnCallback = std::function<std::string(events::Event::Body, const TurnTiming&)>;

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
  void OnSpeechPause(std::uint64_t end_sample, std::chrono::milliseconds pause) override;
  void OnSpeechResume(std::uint64_t sample) override;

  void OnLiveText(const stt::LiveText& text);
  void TryEarly();
  // Arrival of the frame that held timeline sample `sample` (the last voiced
  // sample: end - 1); epoch if it is no longer remembered.
  std::chrono::steady_clock::time_point ArrivalOf(std::uint64_t sample) const;

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

  // Recent frames' (end position, arrival), oldest overwritten: ~10 s of
  // 20 ms frames, enough for any end of speech a pause can report.
  struct FrameMark {
    std::uint64_t end = 0;
    std::chrono::steady_clock::time_point arrival{};
  };
  std::array<FrameMark, 512> marks_{};
  std::size_t marks_next_ = 0;

  // The open utterance's live text and early decision.
  struct EarlyTurn {
    std::string event_id;
    std::string transcript;  // as decided (before masking)
    bool resumed = false;
    std::uint64_t resume_sample = 0;
  };
  std::optional<stt::LiveText> live_;
  bool live_stable_ = false;
  std::string live_last_word_;
  bool in_short_pause_ = false;
  std::uint64_t pause_end_sample_ = 0;
  std::chrono::steady_clock::time_point pause_detected_{};
  std::optional<EarlyTurn> early_;

  // Silent samples since the voice last stopped in the open utterance, and
  // whether the recognizer has had its closing silence (audio held back
  // until the voice comes again).
  std::uint64_t trailing_silence_ = 0;
  bool closing_sent_ = false;
  // Where the audio sent to the recognizer stopped when closing_sent_ was
  // set: what follows is held back (it stays in the segmenter's recent audio).
  std::uint64_t closing_end_sample_ = 0;

  std::optional<std::uint64_t> utterance_start_;
  int pending_results_ = 0;
  bool finishing_ = false;
  std::function<void()> finish_done_;
  SpeakerStats stats_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace aicc::pipeline
