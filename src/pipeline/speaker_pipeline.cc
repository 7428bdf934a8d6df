#include "pipeline/speaker_pipeline.h"

#include <algorithm>

#include "core/ids.h"
#include "core/logging.h"

namespace aicc::pipeline {
namespace {

constexpr std::size_t kSilenceChunk = 1600;  // 100 ms at 16 kHz

// Why a turn has no text: the recognizer's reason, or "no_words" when it
// answered without any.
constexpr std::string_view kNoWords = "no_words";

core::Counter& WithoutTextCounter(core::MetricsRegistry& metrics, std::string_view reason,
                                  std::string_view outcome) {
  return metrics.GetCounter(
      "aicc_turns_without_text_total",
      "Turns whose transcript is empty, by reason (no_words, stt_unavailable, stt_error, "
      "audio_not_resent, stt_off) and outcome (sent, or dropped by pipeline.empty_transcript)",
      {{"reason", std::string(reason)}, {"outcome", std::string(outcome)}});
}

}  // namespace

void RegisterTurnMetrics(core::MetricsRegistry& metrics) {
  WithoutTextCounter(metrics, kNoWords, "dropped");
  WithoutTextCounter(metrics, kNoWords, "sent");
  for (auto m : {stt::MissingText::kUnavailable, stt::MissingText::kError,
                 stt::MissingText::kAudioNotResent, stt::MissingText::kOff}) {
    WithoutTextCounter(metrics, stt::WireName(m), "sent");
  }
}

void SpeakerPipeline::CountWithoutText(std::string_view reason, bool sent) {
  if (deps_.metrics)
    WithoutTextCounter(*deps_.metrics, reason, sent ? "sent" : "dropped").Increment();
}

SpeakerPipeline::SpeakerPipeline(core::Speaker speaker, SpeakerPipelineDeps deps,
                                 SpeakerPipelineOptions options,
                                 std::chrono::steady_clock::time_point call_start,
                                 TurnCallback on_turn)
    : speaker_(speaker),
      deps_(std::move(deps)),
      options_(std::move(options)),
      call_start_(call_start),
      on_turn_(std::move(on_turn)),
      silence_(kSilenceChunk, 0) {}

SpeakerPipeline::~SpeakerPipeline() {
  *alive_ = false;
  if (session_) session_->Close();
}

std::string_view SpeakerPipeline::vad_engine_name() const {
  return deps_.vad_engine ? deps_.vad_engine->Name() : std::string_view("none");
}

void SpeakerPipeline::Init(int sample_rate) {
  sample_rate_ = sample_rate;
  segmenter_ = std::make_unique<vad::Segmenter>(options_.segmenter,
                                                deps_.vad_engine->NewStream(sample_rate), *this);
  session_ = deps_.recognizer->Open(
      stt::SessionContext{deps_.call_id, speaker_, sample_rate, deps_.strand});
  last_frame_time_ = deps_.clock->Now();
  // Never before the call's start (a clock step could make it negative).
  timeline_origin_s_ =
      std::max(0.0, std::chrono::duration<double>(last_frame_time_ - call_start_).count());
}

void SpeakerPipeline::OnFrame(const Frame& frame) {
  if (finishing_ || frame.pcm.empty()) return;
  if (!segmenter_) {
    Init(frame.sample_rate);
    stream_offset_ = -static_cast<std::int64_t>(frame.stream_sample);
  }
  if (frame.sample_rate != sample_rate_) return;  // the receiver keeps one codec per stream
  last_frame_time_ = deps_.clock->Now();

  const std::int64_t expected = static_cast<std::int64_t>(frame.stream_sample) + stream_offset_;
  const auto pos = static_cast<std::int64_t>(position_);
  if (expected > pos) {
    // A gap in RTP: it was silence for the speaker. Fill it (bounded) so the
    // VAD sees the pause and the timeline stays on call time.
    const std::int64_t max_fill =
        static_cast<std::int64_t>(options_.max_gap_fill.count()) * sample_rate_ / 1000;
    FeedSilence(static_cast<std::uint64_t>(std::min(expected - pos, max_fill)));
  }
  // Tick-fed silence may already cover this frame's place: never drop real
  // audio, move the mapping instead.
  stream_offset_ =
      static_cast<std::int64_t>(position_) - static_cast<std::int64_t>(frame.stream_sample);
  Feed(frame.pcm);
  last_frame_end_position_ = position_;
}

void SpeakerPipeline::Tick() {
  if (!segmenter_ || finishing_) return;
  const auto now = deps_.clock->Now();
  const auto since = now - last_frame_time_;
  if (since <= options_.stall_after) return;
  // RTP has stopped: the speaker is silent. Feed silence up to now, less a
  // margin so a late packet still finds its place.
  const auto covered =
      std::chrono::duration_cast<std::chrono::milliseconds>(since - options_.stall_after / 3);
  const std::uint64_t target =
      last_frame_end_position_ + static_cast<std::uint64_t>(covered.count()) * sample_rate_ / 1000;
  if (target > position_) {
    const std::uint64_t max_fill =
        static_cast<std::uint64_t>(options_.max_gap_fill.count()) * sample_rate_ / 1000;
    FeedSilence(std::min(target - position_, max_fill));
  }
}

void SpeakerPipeline::Feed(std::span<const std::int16_t> pcm) {
  segmenter_->Push(pcm);
  position_ += pcm.size();
  stats_.audio_seconds += static_cast<double>(pcm.size()) / sample_rate_;
}

void SpeakerPipeline::FeedSilence(std::uint64_t samples) {
  while (samples > 0) {
    const std::size_t n =
        static_cast<std::size_t>(std::min<std::uint64_t>(samples, silence_.size()));
    Feed(std::span<const std::int16_t>(silence_.data(), n));
    samples -= n;
  }
}

double SpeakerPipeline::CallTimeOf(std::uint64_t position) const {
  return timeline_origin_s_ + static_cast<double>(position) / sample_rate_;
}

void SpeakerPipeline::OnSpeechStart(std::uint64_t start_sample,
                                    std::span<const std::int16_t> pre_roll) {
  utterance_start_ = start_sample;
  session_->SpeechStart(pre_roll);
}

void SpeakerPipeline::OnSpeechAudio(std::span<const std::int16_t> pcm) {
  session_->SpeechAudio(pcm);
}

void SpeakerPipeline::OnSpeechEnd(std::uint64_t end_sample, std::chrono::milliseconds pause) {
  const std::uint64_t start = utterance_start_.value_or(end_sample);
  utterance_start_.reset();
  const auto speech_end_time = deps_.clock->Now();
  const double start_time = CallTimeOf(start);
  const double end_time = CallTimeOf(end_sample);
  stats_.speech_seconds += end_time - start_time;
  const auto duration = std::chrono::milliseconds(static_cast<std::int64_t>(
      (end_sample - start) * 1000 / static_cast<std::uint64_t>(sample_rate_)));
  ++pending_results_;
  session_->SpeechEnd([this, alive = std::weak_ptr<bool>(alive_), start_time, end_time, duration,
                       pause, speech_end_time](stt::SpeechResult result) {
    if (alive.expired() || !*alive.lock()) return;
    --pending_results_;
    std::string_view missing;
    if (result.transcript.empty()) {
      // A recognizer that could not answer (down, failing, off) never drops
      // the turn: it is sent marked with the reason.
      missing = stt::WireName(result.missing);
      if (missing.empty() && deps_.recognizer->Name() == "none") {
        missing = stt::WireName(stt::MissingText::kOff);
      }
      if (missing.empty() && options_.drop_empty_transcripts) {
        ++stats_.dropped_empty;
        CountWithoutText(kNoWords, false);
        MaybeFinished();
        return;
      }
      ++stats_.without_text;
      CountWithoutText(missing.empty() ? kNoWords : missing, true);
      if (!missing.empty()) result.is_final = false;
    }
    const turn::TurnDecision d = deps_.detector->Decide(
        turn::TurnInput{result.transcript, duration, pause, result.confidence, result.is_final});
    events::TurnComplete turn;
    turn.speaker = speaker_;
    turn.start_time = start_time;
    turn.end_time = end_time;
    turn.transcript = std::move(result.transcript);
    turn.complete = d.complete;
    turn.fusion_score = d.fusion_score;
    turn.morpheme_score = d.morpheme_score;
    turn.duration_score = d.duration_score;
    turn.silence_score = d.silence_score;
    turn.silence_ms = pause.count();
    turn.stt_confidence = result.confidence;
    turn.stt_final = result.is_final;
    turn.transcript_missing = std::string(missing);
    ++stats_.turns;
    ++(d.complete ? stats_.complete_turns : stats_.incomplete_turns);
    on_turn_(std::move(turn), speech_end_time);
    MaybeFinished();
  });
}

void SpeakerPipeline::Finish(std::function<void()> done) {
  finishing_ = true;
  finish_done_ = std::move(done);
  if (segmenter_) segmenter_->Flush();  // closes an open utterance → OnSpeechEnd
  MaybeFinished();
}

void SpeakerPipeline::MaybeFinished() {
  if (!finishing_ || pending_results_ > 0 || !finish_done_) return;
  if (session_) session_->Close();
  auto done = std::move(finish_done_);
  finish_done_ = nullptr;
  done();
}

}  // namespace aicc::pipeline
