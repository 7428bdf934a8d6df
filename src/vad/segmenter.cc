#include "vad/segmenter.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace aicc::vad {

Segmenter::Segmenter(SegmenterOptions options, std::unique_ptr<Vad> vad, Listener& listener)
    : options_(options),
      vad_(std::move(vad)),
      listener_(listener),
      rate_(vad_->SampleRate()),
      chunk_size_(vad_->ChunkSamples()) {
  pending_.resize(chunk_size_);
  chunk_f_.resize(chunk_size_);
  // Room for the pre-roll plus the longest candidate (min_speech of voice
  // interrupted by up to min_silence), twice over for the compaction slack.
  const std::size_t keep = Samples(options_.pre_roll) + Samples(options_.min_speech) +
                           Samples(options_.min_silence) + 2 * chunk_size_;
  recent_.resize(2 * keep + chunk_size_);
  window_ = static_cast<std::size_t>(rate_) / 125;
  if (window_ == 0 || chunk_size_ % window_ != 0) window_ = chunk_size_;
  window_rms_.assign(Samples(options_.end_trim) / window_ + chunk_size_ / window_ + 1, 0.0f);
}

void Segmenter::MeasureEnergy(std::span<const std::int16_t> chunk, bool in_voice) {
  float quietest = -1;
  for (std::size_t w = 0; w + window_ <= chunk.size(); w += window_) {
    double sum = 0;
    for (std::size_t i = w; i < w + window_; ++i) sum += double(chunk[i]) * double(chunk[i]);
    const auto rms = static_cast<float>(std::sqrt(sum / static_cast<double>(window_)));
    window_rms_[windows_seen_++ % window_rms_.size()] = rms;
    if (in_voice) peak_rms_ = std::max(peak_rms_, rms);
    quietest = quietest < 0 ? rms : std::min(quietest, rms);
  }
  if (!in_voice && quietest >= 0) {
    // A slow average of silent chunks' quietest windows: what the line
    // sounds like when nobody speaks.
    noise_rms_ = noise_rms_ < 0 ? quietest : 0.9f * noise_rms_ + 0.1f * quietest;
  }
}

std::uint64_t Segmenter::EnergyEnd() const {
  if (options_.end_trim.count() <= 0 || window_ == 0) return last_voice_end_;
  const float floor = std::max(noise_rms_, 0.0f) * 4.0f;
  const float threshold = std::max(floor, peak_rms_ / 16.0f);
  const std::uint64_t oldest_allowed = last_voice_end_ > Samples(options_.end_trim)
                                           ? last_voice_end_ - Samples(options_.end_trim)
                                           : 0;
  const std::uint64_t newest_window = last_voice_end_ / window_;  // windows ending at or before
  const std::uint64_t history = std::min<std::uint64_t>(windows_seen_, window_rms_.size());
  const std::uint64_t first_known = windows_seen_ - history;
  for (std::uint64_t k = newest_window; k-- > first_known;) {
    const std::uint64_t end = (k + 1) * window_;
    if (end <= oldest_allowed || end <= start_sample_) break;
    if (window_rms_[k % window_rms_.size()] > threshold) return end;
  }
  return last_voice_end_;  // no voice found in reach: keep the model's end
}

void Segmenter::Push(std::span<const std::int16_t> pcm) {
  while (!pcm.empty()) {
    const std::size_t n = std::min(pcm.size(), chunk_size_ - pending_size_);
    std::memcpy(pending_.data() + pending_size_, pcm.data(), n * sizeof(std::int16_t));
    pending_size_ += n;
    pcm = pcm.subspan(n);
    if (pending_size_ == chunk_size_) {
      ProcessChunk(pending_);
      pending_size_ = 0;
    }
  }
}

void Segmenter::Remember(std::span<const std::int16_t> chunk) {
  const std::size_t keep = recent_.size() / 2;
  if (recent_end_ + chunk.size() > recent_.size()) {
    // Keep only the newest `keep` samples.
    const std::size_t have = recent_end_ - recent_begin_;
    const std::size_t retain = std::min(have, keep);
    const std::size_t from = recent_end_ - retain;
    std::memmove(recent_.data(), recent_.data() + from, retain * sizeof(std::int16_t));
    recent_first_sample_ += from - recent_begin_;
    recent_begin_ = 0;
    recent_end_ = retain;
  }
  std::memcpy(recent_.data() + recent_end_, chunk.data(), chunk.size() * sizeof(std::int16_t));
  recent_end_ += chunk.size();
  // Trim the front beyond what pre-roll + candidate can need.
  const std::uint64_t end_sample = recent_first_sample_ + (recent_end_ - recent_begin_);
  if (end_sample - recent_first_sample_ > keep) {
    const std::size_t drop = static_cast<std::size_t>(end_sample - recent_first_sample_ - keep);
    recent_begin_ += drop;
    recent_first_sample_ += drop;
  }
}

std::span<const std::int16_t> Segmenter::RecentSince(std::uint64_t sample) const {
  return Recent(sample, position_);
}

std::span<const std::int16_t> Segmenter::Recent(std::uint64_t from, std::uint64_t to) const {
  const std::uint64_t kept_end = recent_first_sample_ + (recent_end_ - recent_begin_);
  from = std::max(from, recent_first_sample_);
  to = std::min(to, kept_end);
  if (from >= to) return {};
  const std::size_t offset = recent_begin_ + static_cast<std::size_t>(from - recent_first_sample_);
  return std::span<const std::int16_t>(recent_.data() + offset,
                                       static_cast<std::size_t>(to - from));
}

void Segmenter::ProcessChunk(std::span<const std::int16_t> chunk) {
  for (std::size_t i = 0; i < chunk.size(); ++i)
    chunk_f_[i] = static_cast<float>(chunk[i]) / 32768.0f;
  const float p = vad_->Process(chunk_f_);
  last_p_ = p;
  Remember(chunk);
  const std::uint64_t chunk_start = position_;
  position_ += chunk.size();
  const bool voiced = p >= options_.end_threshold;
  if (state_ == State::kSilence && p >= options_.threshold) peak_rms_ = 0;  // a new utterance
  MeasureEnergy(chunk, voiced || state_ != State::kSilence);

  switch (state_) {
    case State::kSilence:
      if (p >= options_.threshold) {
        state_ = State::kCandidate;
        start_sample_ = chunk_start;
        voiced_samples_ = chunk.size();
        silence_run_ = 0;
        last_voice_end_ = position_;
      }
      break;
    case State::kCandidate:
      if (voiced) {
        voiced_samples_ += chunk.size();
        silence_run_ = 0;
        last_voice_end_ = position_;
      } else {
        silence_run_ += chunk.size();
        if (silence_run_ >= Samples(options_.min_silence)) state_ = State::kSilence;  // too short
      }
      break;
    case State::kSpeech:
      listener_.OnSpeechAudio(chunk);
      if (voiced) {
        silence_run_ = 0;
        last_voice_end_ = position_;
        if (pause_reported_) {
          pause_reported_ = false;
          listener_.OnSpeechResume(chunk_start);
        }
      } else {
        if (silence_run_ == 0) {
          // The voice stopped: count the silence from where its energy did.
          const std::uint64_t end = EnergyEnd();
          silence_run_ += last_voice_end_ - end;
          last_voice_end_ = end;
        }
        silence_run_ += chunk.size();
        if (options_.short_pause.count() > 0 && !pause_reported_ &&
            silence_run_ >= Samples(options_.short_pause) &&
            silence_run_ < Samples(options_.min_silence)) {
          pause_reported_ = true;
          listener_.OnSpeechPause(
              last_voice_end_,
              std::chrono::milliseconds(silence_run_ * 1000 / static_cast<std::uint64_t>(rate_)));
        }
      }
      if (silence_run_ >= Samples(options_.min_silence)) {
        state_ = State::kSilence;
        pause_reported_ = false;
        speech_samples_ += last_voice_end_ - start_sample_;
        listener_.OnSpeechEnd(
            last_voice_end_,
            std::chrono::milliseconds(silence_run_ * 1000 / static_cast<std::uint64_t>(rate_)));
      } else if (position_ - start_sample_ >= Samples(options_.max_segment)) {
        state_ = State::kSilence;
        pause_reported_ = false;
        speech_samples_ += position_ - start_sample_;
        listener_.OnSpeechEnd(position_, std::chrono::milliseconds(0));
      }
      return;
  }
  if (state_ == State::kCandidate && voiced_samples_ >= Samples(options_.min_speech)) {
    state_ = State::kSpeech;
    const std::uint64_t pre = Samples(options_.pre_roll);
    listener_.OnSpeechStart(start_sample_,
                            RecentSince(start_sample_ > pre ? start_sample_ - pre : 0));
  }
}

void Segmenter::Flush() {
  pause_reported_ = false;
  if (state_ == State::kSpeech) {
    state_ = State::kSilence;
    speech_samples_ += last_voice_end_ - start_sample_;
    listener_.OnSpeechEnd(
        last_voice_end_,
        std::chrono::milliseconds(silence_run_ * 1000 / static_cast<std::uint64_t>(rate_)));
  } else {
    state_ = State::kSilence;
  }
}

double Segmenter::SpeechRatio() const {
  return position_ ? static_cast<double>(speech_samples_) / static_cast<double>(position_) : 0.0;
}

}  // namespace aicc::vad
