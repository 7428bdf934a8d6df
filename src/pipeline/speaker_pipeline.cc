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

// The words of a transcript, split at spaces, as they are (punctuation kept:
// a '?' is part of what the words say).
std::vector<std::string_view> Words(std::string_view text) {
  std::vector<std::string_view> words;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && text[i] == ' ') ++i;
    std::size_t j = text.find(' ', i);
    if (j == std::string_view::npos) j = text.size();
    if (j > i) words.push_back(text.substr(i, j - i));
    i = j;
  }
  return words;
}

// A word compared across interims and finals: without the punctuation a
// recognizer adds or drops (Google punctuates finals, often not interims).
std::string_view Bare(std::string_view w) {
  while (!w.empty() && (w.back() == '.' || w.back() == ',' || w.back() == '?' || w.back() == '!'))
    w.remove_suffix(1);
  return w;
}

bool SameWords(const std::vector<std::string_view>& a, const std::vector<std::string_view>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (Bare(a[i]) != Bare(b[i])) return false;
  }
  return true;
}

std::string Join(const std::vector<std::string_view>& words, std::size_t from, std::size_t to) {
  std::string out;
  for (std::size_t i = from; i < to && i < words.size(); ++i) {
    if (!out.empty()) out += ' ';
    out += words[i];
  }
  return out;
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
  vad::SegmenterOptions seg = options_.segmenter;
  seg.short_pause = options_.early.enabled && options_.early.short_pause < seg.min_silence
                        ? options_.early.short_pause
                        : std::chrono::milliseconds(0);
  segmenter_ =
      std::make_unique<vad::Segmenter>(seg, deps_.vad_engine->NewStream(sample_rate), *this);
  session_ = deps_.recognizer->Open(
      stt::SessionContext{deps_.call_id, speaker_, sample_rate, deps_.strand});
  if (options_.early.enabled) {
    session_->SetLiveTextListener(
        [this, alive = std::weak_ptr<bool>(alive_)](const stt::LiveText& text) {
          if (alive.expired() || !*alive.lock()) return;
          OnLiveText(text);
        });
  }
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
  marks_[marks_next_] = FrameMark{position_, frame.arrival};
  marks_next_ = (marks_next_ + 1) % marks_.size();
}

std::chrono::steady_clock::time_point SpeakerPipeline::ArrivalOf(std::uint64_t sample) const {
  // Newest first: the frame holding `sample` is the oldest one still ending
  // after it. Frames are fed before the segmenter reports on them, so the
  // frame holding a reported end of speech is here.
  std::chrono::steady_clock::time_point found{};
  for (std::size_t k = 1; k <= marks_.size(); ++k) {
    const FrameMark& m = marks_[(marks_next_ + marks_.size() - k) % marks_.size()];
    if (m.end == 0 || m.end <= sample) break;
    found = m.arrival;
  }
  return found;
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
  live_.reset();
  live_stable_ = false;
  live_last_word_.clear();
  in_short_pause_ = false;
  early_.reset();
  trailing_silence_ = 0;
  closing_sent_ = false;
  session_->SpeechStart(pre_roll);
}

void SpeakerPipeline::OnLiveText(const stt::LiveText& text) {
  if (!utterance_start_ || finishing_) return;
  const auto words = Words(text.transcript);
  const std::string last = words.empty() ? std::string() : std::string(Bare(words.back()));
  // Stable: the recognizer has heard the voice stop, and then gave a final,
  // an interim it rates stable, or the same last word twice. Text from
  // before it heard the end lags the speech (a word still missing can look
  // like a complete sentence: "네" of "네 알겠습니다").
  live_stable_ =
      text.heard_end && (text.is_final || text.last_stability >= options_.early.min_stability ||
                         (!last.empty() && last == live_last_word_));
  live_last_word_ = last;
  live_ = text;
  if (in_short_pause_) TryEarly();
}

void SpeakerPipeline::OnSpeechPause(std::uint64_t end_sample, std::chrono::milliseconds) {
  in_short_pause_ = true;
  pause_end_sample_ = end_sample;
  pause_detected_ = deps_.clock->Now();
  TryEarly();
}

void SpeakerPipeline::OnSpeechResume(std::uint64_t sample) {
  in_short_pause_ = false;
  if (!early_ || early_->resumed) return;
  early_->resumed = true;
  early_->resume_sample = sample;
  events::TurnResumed r;
  r.speaker = speaker_;
  r.resumed_event_id = early_->event_id;
  r.resume_time = CallTimeOf(sample);
  on_turn_(std::move(r), TurnTiming{deps_.clock->Now(), {}, true});
}

void SpeakerPipeline::TryEarly() {
  if (!options_.early.enabled || early_ || !in_short_pause_ || !live_ || !live_stable_ ||
      !utterance_start_ || finishing_) {
    return;
  }
  const std::string& text = live_->transcript;
  if (!deps_.detector->EndsClearly(text, options_.early.min_text_score)) return;
  const std::uint64_t start = *utterance_start_;
  const std::uint64_t end = std::max(pause_end_sample_, start);
  const auto ms = [&](std::uint64_t samples) {
    return std::chrono::milliseconds(
        static_cast<std::int64_t>(samples * 1000 / static_cast<std::uint64_t>(sample_rate_)));
  };
  // The pause so far (a late interim may come well into it).
  const auto pause = ms(segmenter_->Position() > end ? segmenter_->Position() - end : 0);
  const turn::TurnDecision d = deps_.detector->Decide(
      turn::TurnInput{text, ms(end - start), pause, live_->confidence, live_->is_final});
  // The fused score must agree: a very short utterance with an uncertain
  // interim waits for the long pause.
  if (!d.complete) return;
  if (d.ending == turn::EndingClass::kBackchannel && pause < options_.early.backchannel_pause) {
    return;
  }
  events::TurnComplete turn;
  turn.speaker = speaker_;
  turn.start_time = CallTimeOf(start);
  turn.end_time = CallTimeOf(end);
  turn.transcript = text;
  turn.complete = true;
  turn.fusion_score = d.fusion_score;
  turn.morpheme_score = d.morpheme_score;
  turn.duration_score = d.duration_score;
  turn.silence_score = d.silence_score;
  turn.silence_ms = pause.count();
  turn.stt_confidence = live_->confidence;
  turn.stt_final = live_->is_final;
  turn.early = true;
  ++stats_.turns;
  ++stats_.complete_turns;
  std::string id = on_turn_(std::move(turn),
                            TurnTiming{pause_detected_, ArrivalOf(end > 0 ? end - 1 : 0), true});
  early_ = EarlyTurn{std::move(id), text, false, 0};
}

void SpeakerPipeline::OnSpeechAudio(std::span<const std::int16_t> pcm) {
  // The segmenter scored this chunk just before handing it over; its own
  // rule for silence inside speech (below end_threshold) is the one used.
  const bool voiced = segmenter_->LastProbability() >= options_.segmenter.end_threshold;
  if (voiced) {
    trailing_silence_ = 0;
    if (closing_sent_) {
      // The voice is back before the long pause: the held audio is left out
      // (to the recognizer, a pause it had already closed) except its last
      // pre-roll, which holds the onset the VAD did not yet call voiced,
      // as at a speech start. The segmenter still has it (its recent audio).
      closing_sent_ = false;
      const std::uint64_t chunk_start = segmenter_->Position() - pcm.size();
      const auto pre = static_cast<std::uint64_t>(options_.segmenter.pre_roll.count()) *
                       static_cast<std::uint64_t>(sample_rate_) / 1000;
      const std::uint64_t from =
          std::max(closing_end_sample_, chunk_start > pre ? chunk_start - pre : 0);
      session_->SpeechAudio(segmenter_->Recent(from, chunk_start));
    }
  } else {
    trailing_silence_ += pcm.size();
    // A backchannel held at the short pause is looked at again once its own
    // pause is reached, counted as TryEarly counts it: from the end of
    // speech the segmenter reported (its end may lie before the chunk where
    // the model let go).
    if (in_short_pause_ && !early_ && segmenter_->Position() > pause_end_sample_) {
      const auto backchannel = static_cast<std::uint64_t>(options_.early.backchannel_pause.count() *
                                                          sample_rate_ / 1000);
      const std::uint64_t pause = segmenter_->Position() - pause_end_sample_;
      if (pause >= backchannel && pause - pcm.size() < backchannel) TryEarly();
    }
  }
  // Past the closing silence the recognizer needs, more silence changes none
  // of its results and is billed (Google bills the audio sent).
  if (closing_sent_) return;
  session_->SpeechAudio(pcm);
  const auto needed = static_cast<std::uint64_t>(options_.closing_silence.count()) *
                      static_cast<std::uint64_t>(sample_rate_) / 1000;
  if (needed > 0 && trailing_silence_ >= needed) {
    closing_sent_ = true;
    closing_end_sample_ = segmenter_->Position();
    session_->FlushAudio();  // the last of it must not wait to fill a request
  }
}

void SpeakerPipeline::OnSpeechEnd(std::uint64_t end_sample, std::chrono::milliseconds pause) {
  std::uint64_t start = utterance_start_.value_or(end_sample);
  utterance_start_.reset();
  const TurnTiming timing{deps_.clock->Now(), ArrivalOf(end_sample > 0 ? end_sample - 1 : 0),
                          false};
  stats_.speech_seconds += CallTimeOf(end_sample) - CallTimeOf(start);
  std::optional<EarlyTurn> early = std::move(early_);
  early_.reset();
  live_.reset();
  in_short_pause_ = false;
  // A turn continuing an early one covers the audio from the resumption.
  if (early && early->resumed) start = std::min(early->resume_sample, end_sample);
  const double start_time = CallTimeOf(start);
  const double end_time = CallTimeOf(end_sample);
  const auto duration = std::chrono::milliseconds(static_cast<std::int64_t>(
      (end_sample - start) * 1000 / static_cast<std::uint64_t>(sample_rate_)));
  ++pending_results_;
  session_->SpeechEnd([this, alive = std::weak_ptr<bool>(alive_), start_time, end_time, duration,
                       pause, timing, early = std::move(early)](stt::SpeechResult result) {
    if (alive.expired() || !*alive.lock()) return;
    --pending_results_;
    std::string continues;
    if (early) {
      // The early turn owns the first words of the utterance's final text
      // (as many as it carried); a continuation owns the rest. Where the
      // final has other words for the early part, a correction says so.
      const auto final_words = Words(result.transcript);
      const auto early_words = Words(early->transcript);
      const std::size_t owned =
          early->resumed ? std::min(early_words.size(), final_words.size()) : final_words.size();
      const std::vector<std::string_view> head(final_words.begin(),
                                               final_words.begin() + static_cast<long>(owned));
      if (!result.transcript.empty() && !SameWords(head, early_words)) {
        events::TurnCorrected c;
        c.speaker = speaker_;
        c.corrected_event_id = early->event_id;
        c.transcript = Join(final_words, 0, owned);
        c.stt_confidence = result.confidence;
        c.stt_final = result.is_final;
        on_turn_(std::move(c), timing);
      }
      if (!early->resumed) {
        MaybeFinished();
        return;
      }
      result.transcript = Join(final_words, owned, final_words.size());
      continues = early->event_id;
    }
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
    turn.continues_event_id = std::move(continues);
    ++stats_.turns;
    ++(d.complete ? stats_.complete_turns : stats_.incomplete_turns);
    on_turn_(std::move(turn), timing);
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
