// Turns a stream of per-chunk speech probabilities into utterances: speech
// start (with pre-roll audio for the recognizer), speech audio, and speech
// end with the pause that ended it. Times are stream samples, never
// wall-clock.
//
// Rules (the old system's parameters plus hysteresis):
// - A chunk with p ≥ threshold opens a candidate; it becomes speech once it
//   holds min_speech of voiced audio (p ≥ end_threshold). A candidate whose
//   voice stops for min_silence first is dropped (too short).
// - In speech, chunks with p < end_threshold count as silence; min_silence of
//   consecutive silence ends the utterance at the start of that silence.
// - An utterance reaching max_segment is cut there (pause 0).
// - The end of speech is placed where the voice's energy stopped, not where
//   the model's probability fell: Silero holds p above end_threshold for one
//   to four chunks after the voice stops (40-130 ms on TTS speech), and every
//   ms of that delayed the turn by a ms. When a silence run starts, the
//   voiced tail (at most end_trim) is searched back, in 8 ms windows, for the
//   last window louder than the noise floor x 4 and the utterance's loudest
//   window / 16 (-24 dB); the silence is counted from there. With no such
//   window in reach (digital silence, a flat signal) nothing moves.
// - With short_pause > 0, a run of silence inside speech reaching it is
//   reported once (OnSpeechPause), and voice coming back before min_silence
//   after such a report is reported too (OnSpeechResume): the material for
//   deciding a turn before the long pause (docs/turn-detection.md).
//
// Threading: one per speaker stream, on its call's strand; not thread-safe.
// Push allocates nothing in steady state.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "vad/vad.h"

namespace aicc::vad {

struct SegmenterOptions {
  double threshold = 0.6;
  double end_threshold = 0.45;
  std::chrono::milliseconds min_speech{250};
  std::chrono::milliseconds min_silence{800};
  std::chrono::milliseconds pre_roll{300};
  std::chrono::milliseconds max_segment{30000};
  // 0: no OnSpeechPause/OnSpeechResume. Below min_silence to have an effect.
  std::chrono::milliseconds short_pause{0};
  // How far back the end of speech may move to where the energy stopped
  // (0: the model's end, as before).
  std::chrono::milliseconds end_trim{160};
};

class Segmenter {
 public:
  class Listener {
   public:
    virtual ~Listener() = default;
    // `pre_roll`: audio from pre_roll before `start_sample` up to now.
    virtual void OnSpeechStart(std::uint64_t start_sample,
                               std::span<const std::int16_t> pre_roll) = 0;
    virtual void OnSpeechAudio(std::span<const std::int16_t> pcm) = 0;
    // `end_sample`: where the voice stopped; `pause`: silence after it.
    virtual void OnSpeechEnd(std::uint64_t end_sample, std::chrono::milliseconds pause) = 0;
    // Silence inside speech reached short_pause (once per pause); `end_sample`:
    // where the voice stopped. The utterance is still open.
    virtual void OnSpeechPause(std::uint64_t /*end_sample*/, std::chrono::milliseconds /*pause*/) {}
    // Voice again after a reported pause, before min_silence ended the
    // utterance; `sample`: the start of the voiced chunk.
    virtual void OnSpeechResume(std::uint64_t /*sample*/) {}
  };

  Segmenter(SegmenterOptions options, std::unique_ptr<Vad> vad, Listener& listener);

  // Any length, at the Vad's sample rate.
  void Push(std::span<const std::int16_t> pcm);
  // End of stream: closes an open utterance.
  void Flush();

  // Stream samples [from, to) still in the recent-audio buffer (at least
  // pre_roll + min_speech + min_silence back from Position()); the part
  // before what is kept is left out.
  std::span<const std::int16_t> Recent(std::uint64_t from, std::uint64_t to) const;

  bool InSpeech() const { return state_ == State::kSpeech; }
  std::uint64_t Position() const { return position_; }
  std::uint64_t SpeechSamples() const { return speech_samples_; }
  double SpeechRatio() const;
  // Probability of the last chunk (for tests and metrics).
  float LastProbability() const { return last_p_; }
  int SampleRate() const { return rate_; }

 private:
  enum class State { kSilence, kCandidate, kSpeech };
  void ProcessChunk(std::span<const std::int16_t> chunk);
  void Remember(std::span<const std::int16_t> chunk);
  // The chunk's 8 ms windows' RMS into the history, the noise floor and the
  // utterance's peak updated.
  void MeasureEnergy(std::span<const std::int16_t> chunk, bool in_voice);
  // Where the voice's energy stopped, at or before last_voice_end_.
  std::uint64_t EnergyEnd() const;
  std::span<const std::int16_t> RecentSince(std::uint64_t sample) const;
  std::uint64_t Samples(std::chrono::milliseconds d) const {
    return static_cast<std::uint64_t>(d.count()) * static_cast<std::uint64_t>(rate_) / 1000;
  }

  SegmenterOptions options_;
  std::unique_ptr<Vad> vad_;
  Listener& listener_;
  int rate_;
  std::size_t chunk_size_;
  std::vector<std::int16_t> pending_;  // samples not yet a full chunk
  std::size_t pending_size_ = 0;
  std::vector<float> chunk_f_;
  // Recent audio, for pre-roll and the candidate's audio: a linear buffer
  // compacted when its start offset passes half its capacity.
  std::vector<std::int16_t> recent_;
  std::size_t recent_begin_ = 0;
  std::size_t recent_end_ = 0;
  std::uint64_t recent_first_sample_ = 0;  // stream sample of recent_[recent_begin_]

  State state_ = State::kSilence;
  std::uint64_t position_ = 0;  // samples processed (chunk-aligned)
  std::uint64_t start_sample_ = 0;
  std::uint64_t voiced_samples_ = 0;  // in the candidate
  std::uint64_t silence_run_ = 0;     // consecutive silent samples
  std::uint64_t last_voice_end_ = 0;
  std::uint64_t speech_samples_ = 0;
  bool pause_reported_ = false;  // OnSpeechPause sent for the current silence run
  float last_p_ = 0;
  // Energy, per 8 ms window (64 samples at 8 kHz, 128 at 16 kHz; a chunk is
  // four): the newest windows' RMS (a ring indexed by window number, window
  // k ending at sample (k + 1) x window_), the noise floor (from chunks the
  // model calls silence) and the current utterance's loudest window.
  std::size_t window_ = 0;
  std::vector<float> window_rms_;
  std::uint64_t windows_seen_ = 0;
  float noise_rms_ = -1;  // < 0: not measured yet
  float peak_rms_ = 0;
};

}  // namespace aicc::vad
