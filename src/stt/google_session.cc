#include "stt/internal/google_session.h"

#include <algorithm>
#include <boost/asio/post.hpp>

#include "audio/g711.h"
#include "core/ids.h"
#include "core/logging.h"

namespace aicc::stt::internal {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;
using Micros = std::chrono::microseconds;

std::shared_ptr<spdlog::logger> Log() {
  static auto log = core::Logger("stt");
  return log;
}

core::RateLimitedLog& TransientLogLimit() {
  static core::RateLimitedLog limit{std::chrono::seconds(5)};
  return limit;
}

}  // namespace

GoogleSession::GoogleSession(std::shared_ptr<ClientShared> shared, SessionContext ctx,
                             std::unique_ptr<audio::Resampler> resampler)
    : shared_(std::move(shared)),
      ctx_(std::move(ctx)),
      log_prefix_(
          fmt::format("call={} spk={}", core::ShortId(ctx_.call_id), core::ToString(ctx_.speaker))),
      rate_(shared_->settings.sample_rate),
      bps_(shared_->settings.bytes_per_sample),
      resampler_(std::move(resampler)),
      idle_timer_(ctx_.executor),
      reconnect_timer_(ctx_.executor),
      backoff_(shared_->settings.backoff_initial, shared_->settings.backoff_max) {}

GoogleSession::~GoogleSession() = default;

microseconds GoogleSession::ToMicros(std::int64_t samples) const {
  return microseconds(samples * 1'000'000 / rate_);
}

std::int64_t GoogleSession::ToSamples(microseconds t) const {
  return t.count() * rate_ / 1'000'000;
}

std::chrono::microseconds GoogleSession::Age(const GoogleStream& stream) const {
  const auto wall = std::chrono::duration_cast<microseconds>(std::chrono::steady_clock::now() -
                                                             stream.opened_at());
  return std::max(wall, ToMicros(stream.samples()));
}

void GoogleSession::SpeechStart(std::span<const std::int16_t> pre_roll) {
  if (closed_) return;
  idle_timer_.cancel();
  if (in_speech_) FlushChunk();
  in_speech_ = true;
  assembler_.BeginUtterance(ToMicros(pos_));
  if (!permanent_ && !reconnect_pending_) {
    // Rotate at an utterance boundary when the stream is near its limit, so
    // no word is cut between two streams.
    const auto& rotation = shared_->settings.rotation;
    const microseconds full = rotation;
    const microseconds soft = full - std::min<microseconds>(std::chrono::seconds(30), full / 4);
    if (current_ && Age(*current_) >= soft) Rotate();
    if (!current_) current_ = OpenStream(pos_);
  }
  PushAudio(pre_roll);
}

void GoogleSession::SpeechAudio(std::span<const std::int16_t> pcm) {
  if (closed_ || !in_speech_) return;
  PushAudio(pcm);
}

void GoogleSession::FlushAudio() {
  if (closed_ || !in_speech_) return;
  FlushChunk();
}

void GoogleSession::PushAudio(std::span<const std::int16_t> pcm) {
  if (pcm.empty()) return;
  std::span<const std::int16_t> in = pcm;
  if (resampler_) {
    resampled_.clear();
    resampler_->Process(pcm, resampled_);
    in = resampled_;
  }
  const std::size_t old = chunk_.size();
  if (bps_ == 1) {
    ulaw_.resize(in.size());
    audio::EncodeUlaw(in, ulaw_);
    chunk_.append(reinterpret_cast<const char*>(ulaw_.data()), ulaw_.size());
  } else {
    chunk_.resize(old + in.size() * 2);
    char* out = chunk_.data() + old;
    for (std::size_t i = 0; i < in.size(); ++i) {
      const auto v = static_cast<std::uint16_t>(in[i]);
      out[2 * i] = static_cast<char>(v & 0xff);
      out[2 * i + 1] = static_cast<char>(v >> 8);
    }
  }
  const std::size_t n = shared_->settings.chunk_bytes;
  std::size_t off = 0;
  while (chunk_.size() - off >= n) {
    EmitChunk(chunk_.substr(off, n));
    off += n;
  }
  chunk_.erase(0, off);
}

void GoogleSession::FlushChunk() {
  if (chunk_.empty()) return;
  std::string rest;
  rest.swap(chunk_);
  EmitChunk(std::move(rest));
}

void GoogleSession::EmitChunk(std::string bytes) {
  const std::int64_t samples = static_cast<std::int64_t>(bytes.size()) / bps_;
  // Keep the last retain_bytes of session audio for re-sending.
  retained_.append(bytes);
  const std::size_t cap = shared_->settings.retain_bytes;
  if (retained_.size() - retained_off_ > cap) {
    const std::size_t drop = retained_.size() - retained_off_ - cap;
    retained_off_ += drop;
    retained_start_ += static_cast<std::int64_t>(drop) / bps_;
    if (retained_off_ > retained_.size() / 2) {
      retained_.erase(0, retained_off_);
      retained_off_ = 0;
    }
    // Held utterances whose audio left the window can no longer be re-sent
    // (answered from a handler: never inside SpeechAudio).
    if (outage_ && !pending_.empty() && pending_.front().held &&
        ToSamples(assembler_.OldestPendingStart()) < retained_start_) {
      boost::asio::post(ctx_.executor, [weak = weak_from_this()] {
        auto self = weak.lock();
        if (!self || self->closed_) return;
        while (self->outage_ && !self->pending_.empty() && self->pending_.front().held &&
               self->ToSamples(self->assembler_.OldestPendingStart()) < self->retained_start_) {
          self->Deliver(self->Answer(true));
        }
      });
    }
  }
  if (!permanent_ && !reconnect_pending_) {
    if (current_ && Age(*current_) >= shared_->settings.rotation) Rotate();
    if (!current_) current_ = OpenStream(pos_);
    current_->Enqueue(std::move(bytes));
  }
  pos_ += samples;
}

std::shared_ptr<GoogleStream> GoogleSession::OpenStream(std::int64_t start) {
  auto s = std::make_shared<GoogleStream>(shared_, ctx_.executor,
                                          std::weak_ptr<StreamOwner>(weak_from_this()), start);
  s->Start();
  Log()->debug("{} stream {} opened at {:.2f} s", log_prefix_, s->id(),
               static_cast<double>(start) / rate_);
  return s;
}

void GoogleSession::SendRange(GoogleStream& stream, std::int64_t from, std::int64_t to) {
  from = std::max(from, retained_start_);
  const std::size_t n = shared_->settings.chunk_bytes;
  std::size_t begin = retained_off_ + static_cast<std::size_t>((from - retained_start_) * bps_);
  const std::size_t end = retained_off_ + static_cast<std::size_t>((to - retained_start_) * bps_);
  if (begin < end) {
    stream.AllowBacklog(end - begin);
    stream.resend_to = std::max(stream.resend_to, to);
  }
  while (begin < end) {
    const std::size_t len = std::min(n, end - begin);
    stream.Enqueue(retained_.substr(begin, len));
    begin += len;
  }
}

void GoogleSession::Rotate() {
  auto old = std::move(current_);
  current_ = OpenStream(pos_);
  if (old) {
    old->FinishWrites();
    others_.push_back(std::move(old));
  }
  shared_->rotations->Increment();
}

void GoogleSession::StartIdleTimer() {
  idle_timer_.expires_after(shared_->settings.idle_close);
  idle_timer_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
    auto self = weak.lock();
    if (ec || !self || self->closed_ || self->in_speech_) return;
    if (self->current_) {
      Log()->debug("{} stream {} idle: closing", self->log_prefix_, self->current_->id());
      self->current_->FinishWrites();
      self->others_.push_back(std::move(self->current_));
    }
  });
}

void GoogleSession::SpeechEnd(std::function<void(SpeechResult)> done) {
  if (closed_) return;
  FlushChunk();
  in_speech_ = false;
  const std::uint64_t seq = assembler_.EndUtterance(ToMicros(pos_));
  Pending p{seq, std::move(done), std::chrono::steady_clock::now(),
            std::make_unique<boost::asio::steady_timer>(ctx_.executor)};
  p.timer->expires_after(shared_->settings.final_wait);
  p.timer->async_wait([weak = weak_from_this()](boost::system::error_code ec) {
    auto self = weak.lock();
    if (ec || !self || self->closed_) return;
    self->OnFinalWaitExpired();
  });
  pending_.push_back(std::move(p));
  StartIdleTimer();
  // Answer asynchronously even when the result is already there.
  boost::asio::post(ctx_.executor, [weak = weak_from_this()] {
    auto self = weak.lock();
    if (!self || self->closed_) return;
    if (self->permanent_) {
      while (!self->pending_.empty()) self->Deliver(self->Answer(true));
      return;
    }
    self->TryAnswer();
  });
}

bool GoogleSession::AwaitingFreshStream() const {
  const Micros start = assembler_.OldestPendingStart();
  const Micros end = assembler_.OldestPendingEnd();
  auto fresh = [&](const std::shared_ptr<GoogleStream>& s) {
    if (!s || s->got_response || s->cancelled()) return false;
    const Micros at = ToMicros(s->session_start());
    return at > start && at < end;
  };
  if (fresh(current_)) return true;
  // A reconnect or repair that will re-send audio of this utterance.
  for (const auto from : resumes_pending_) {
    if (ToMicros(from) < end) return true;
  }
  return std::any_of(others_.begin(), others_.end(), fresh);
}

void GoogleSession::TryAnswer() {
  while (!pending_.empty() && assembler_.PendingCount() > 0 && assembler_.Ready() &&
         !AwaitingFreshStream()) {
    Deliver(Answer(false));
  }
  // The next one may have passed its final wait behind a held one.
  OnFinalWaitExpired();
}

bool GoogleSession::AwaitingResend() const {
  if (permanent_ || pending_.empty()) return false;
  if (outage_ || reconnect_pending_) return true;
  const std::int64_t start = ToSamples(assembler_.OldestPendingStart());
  const std::int64_t end = ToSamples(assembler_.OldestPendingEnd());
  for (const auto from : resumes_pending_) {
    if (from < end) return true;
  }
  // A stream re-sending this utterance's audio that has not answered past it.
  auto catching_up = [&](const std::shared_ptr<GoogleStream>& s) {
    return s && !s->cancelled() && s->resend_to > start && s->session_start() < end &&
           s->last_result_end < end;
  };
  return catching_up(current_) || std::any_of(others_.begin(), others_.end(), catching_up);
}

void GoogleSession::OnFinalWaitExpired() {
  const auto now = std::chrono::steady_clock::now();
  while (!pending_.empty()) {
    Pending& front = pending_.front();
    if (now < front.ended_at + shared_->settings.final_wait) return;  // its timer will come
    if (AwaitingResend()) {
      const auto deadline = front.ended_at + shared_->settings.outage_wait;
      if (now < deadline) {
        if (!front.held) {
          front.held = true;
          Log()->debug("{} utterance {} held: waiting up to {} ms for speech-to-text to come back",
                       log_prefix_, front.seq, shared_->settings.outage_wait.count());
          front.timer->expires_at(deadline);
          front.timer->async_wait([weak = weak_from_this()](boost::system::error_code ec) {
            auto self = weak.lock();
            if (ec || !self || self->closed_) return;
            self->OnFinalWaitExpired();
          });
        }
        return;
      }
    }
    Deliver(Answer(true));
  }
}

SpeechResult GoogleSession::Answer(bool timed_out) {
  const bool held = pending_.front().held;
  const std::int64_t start = ToSamples(assembler_.OldestPendingStart());
  SpeechResult r = assembler_.Take(timed_out);
  if (permanent_) {
    r = SpeechResult{};
    r.missing = MissingText::kError;
    return r;
  }
  if (!r.transcript.empty()) return r;
  const std::int64_t gone = std::max(lost_before_, held ? retained_start_ : 0);
  if (start < gone) {
    r.missing = MissingText::kAudioNotResent;
  } else if (held || outage_ || reconnect_pending_) {
    r.missing = MissingText::kUnavailable;
  }
  return r;
}

void GoogleSession::Deliver(SpeechResult result) {
  Pending p = std::move(pending_.front());
  pending_.pop_front();
  p.timer->cancel();
  if (result.is_final) {
    shared_->final_latency->Observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - p.ended_at).count());
  }
  if (p.done) p.done(std::move(result));
}

void GoogleSession::OnStreamResponse(const std::shared_ptr<GoogleStream>& stream,
                                     std::vector<ResultPiece> pieces, SpeechActivity activity) {
  if (closed_ || stream->cancelled()) return;
  if (!stream->got_response) {
    stream->got_response = true;
    backoff_.Reset();
  }
  outage_ = false;
  shared_->StreamAnswered();
  // A response without results (a voice-activity event) says nothing about
  // the words: it must not clear the stream's interims.
  if (activity == SpeechActivity::kBegin) activity_ended_ = false;
  if (activity == SpeechActivity::kEnd) {
    activity_ended_ = true;
    text_since_end_ = false;
  }
  if (pieces.empty()) {
    TryAnswer();
    return;
  }
  if (activity_ended_) text_since_end_ = true;
  for (auto& p : pieces) {
    const std::int64_t session = stream->ToSessionSamples(p.end);
    p.end = ToMicros(session);
    if (p.is_final) stream->last_final_end = std::max(stream->last_final_end, session);
    stream->last_result_end = std::max(stream->last_result_end, session);
  }
  assembler_.OnResponse(stream->id(), pieces);
  if (on_text_ && in_speech_ && assembler_.InUtterance()) {
    LiveText text = assembler_.OpenText();
    text.heard_end = activity_ended_ && text_since_end_;
    if (!text.transcript.empty()) on_text_(text);
  }
  TryAnswer();
}

void GoogleSession::OnStreamDone(const std::shared_ptr<GoogleStream>& stream, grpc::Status status) {
  if (closed_) return;
  assembler_.DropStream(stream->id());
  const bool was_current = stream == current_;
  if (was_current) {
    current_.reset();
  } else {
    std::erase(others_, stream);
  }
  if (stream->cancelled()) {
    TryAnswer();
    return;
  }
  const auto code = status.error_code();
  const auto cls = ClassifyStatus(code);
  if (cls != StatusClass::kOk && cls != StatusClass::kCancelled) {
    shared_->ErrorCounter(StatusCodeName(code)).Increment();
  }
  if (cls == StatusClass::kOk) {
    outage_ = false;  // Google is there
    shared_->StreamAnswered();
  }
  switch (cls) {
    case StatusClass::kOk:
    case StatusClass::kCancelled:
      // Ended by the server before we finished it: continue on a new one.
      if (was_current || !stream->finishing()) {
        Resume(stream, was_current, stream->got_response ? milliseconds(0) : backoff_.Next());
      }
      break;
    case StatusClass::kRotate:
      Log()->info("{} stream {} ended by Google ({}: {}); rotating", log_prefix_, stream->id(),
                  StatusCodeName(code), status.error_message());
      shared_->rotations->Increment();
      // A stream refused before answering anything would loop: back off.
      Resume(stream, was_current, stream->got_response ? milliseconds(0) : backoff_.Next());
      break;
    case StatusClass::kTransient: {
      outage_ = true;
      shared_->StreamFailed(StatusCodeName(code), status.error_message(), false);
      const auto delay = backoff_.Next();
      if (TransientLogLimit().ShouldLog()) {
        Log()->warn("{} stream {} failed ({}: {}); reconnecting in {} ms ({} similar suppressed)",
                    log_prefix_, stream->id(), StatusCodeName(code), status.error_message(),
                    delay.count(), TransientLogLimit().Suppressed());
      }
      Resume(stream, was_current, delay);
      break;
    }
    case StatusClass::kPermanent:
      FailPermanently(code, status.error_message());
      break;
  }
  TryAnswer();
}

void GoogleSession::Resume(const std::shared_ptr<GoogleStream>& failed, bool was_current,
                           milliseconds delay) {
  // Audio after the last final of the failed stream was not settled: send it
  // again, from there (no word repeated, none lost).
  std::int64_t from = std::max(failed->session_start(), failed->last_final_end);
  // A final's end offset may lie past the audio the stream got (rounding).
  from = std::min(from, was_current ? pos_ : failed->session_end());
  if (from < retained_start_) {
    Log()->warn("{} {:.2f} s of audio could not be re-sent (older than the retained window)",
                log_prefix_, static_cast<double>(retained_start_ - from) / rate_);
    lost_before_ = std::max(lost_before_, retained_start_);
    from = retained_start_;
  }
  const std::int64_t to = was_current ? -1 : failed->session_end();
  auto reopen = [this, from, to] {
    if (closed_ || permanent_) return;
    if (!in_speech_ && pending_.empty()) return;  // nothing waits for this audio
    if (to < 0) {
      if (current_) return;
      current_ = OpenStream(from);
      SendRange(*current_, from, pos_);
      if (!in_speech_) StartIdleTimer();
    } else if (to > from) {
      auto s = OpenStream(from);
      SendRange(*s, from, to);
      s->FinishWrites();
      others_.push_back(std::move(s));
    }
  };
  if (delay.count() == 0) {
    reopen();
    return;
  }
  if (to < 0) {
    reconnect_pending_ = true;
    reconnect_from_ = from;
    resumes_pending_.push_back(from);
    reconnect_timer_.expires_after(delay);
    reconnect_timer_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
      auto self = weak.lock();
      if (ec || !self || self->closed_) return;
      self->reconnect_pending_ = false;
      self->ForgetResume(self->reconnect_from_);
      if (self->permanent_ || self->current_) return;
      if (!self->in_speech_ && self->pending_.empty()) return;
      self->current_ = self->OpenStream(self->reconnect_from_);
      self->SendRange(*self->current_, self->reconnect_from_, self->pos_);
      if (!self->in_speech_) self->StartIdleTimer();
    });
  } else {
    resumes_pending_.push_back(from);
    auto timer = std::make_shared<boost::asio::steady_timer>(ctx_.executor, delay);
    timer->async_wait([weak = weak_from_this(), timer, from, to](boost::system::error_code ec) {
      auto self = weak.lock();
      if (!self) return;
      self->ForgetResume(from);
      if (ec || self->closed_ || self->permanent_ || self->pending_.empty()) {
        if (!self->closed_) self->TryAnswer();
        return;
      }
      auto s = self->OpenStream(from);
      self->SendRange(*s, from, to);
      s->FinishWrites();
      self->others_.push_back(std::move(s));
    });
  }
}

void GoogleSession::ForgetResume(std::int64_t from) {
  auto it = std::find(resumes_pending_.begin(), resumes_pending_.end(), from);
  if (it != resumes_pending_.end()) resumes_pending_.erase(it);
}

void GoogleSession::FailPermanently(grpc::StatusCode code, const std::string& message) {
  permanent_ = true;
  shared_->StreamFailed(StatusCodeName(code), message, true);
  const std::string advice = PermanentErrorAdvice(code, shared_->settings);
  if (!shared_->permanent_logged.exchange(true)) {
    Log()->error("{} speech-to-text failed ({}: {}): {}; turns continue without transcripts",
                 log_prefix_, StatusCodeName(code), message, advice);
  } else {
    Log()->debug("{} speech-to-text failed ({}: {})", log_prefix_, StatusCodeName(code), message);
  }
  if (current_) others_.push_back(std::move(current_));
  for (auto& s : others_) s->Cancel();
  others_.clear();
  reconnect_timer_.cancel();
  while (!pending_.empty()) Deliver(Answer(true));
}

void GoogleSession::Close() {
  if (closed_) return;
  // Answer what is pending first, with the best text there is.
  while (!pending_.empty()) Deliver(Answer(true));
  closed_ = true;
  idle_timer_.cancel();
  reconnect_timer_.cancel();
  if (current_) others_.push_back(std::move(current_));
  for (auto& s : others_) {
    s->Cancel();
    s->Detach();
  }
  others_.clear();
}

}  // namespace aicc::stt::internal
