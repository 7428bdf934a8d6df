#include "stt/internal/google_stream.h"

#include <boost/asio/post.hpp>

#include "core/logging.h"

namespace aicc::stt::internal {

core::Counter& ClientShared::ErrorCounter(std::string_view code) {
  return metrics->GetCounter("aicc_stt_errors_total",
                             "Speech streams that ended with an error, by gRPC status code",
                             {{"code", std::string(code)}});
}

void ClientShared::AddAudio(std::chrono::microseconds d) {
  if (d.count() <= 0) return;
  const auto add = static_cast<std::uint64_t>(d.count());
  const std::uint64_t before = audio_us.fetch_add(add, std::memory_order_relaxed);
  const std::uint64_t whole = (before + add) / 1'000'000 - before / 1'000'000;
  if (whole > 0) audio_seconds->Increment(whole);
}

void ClientShared::StreamFailed(std::string_view code, const std::string& message, bool permanent) {
  std::lock_guard lock(health_mutex_);
  failure_ = fmt::format("{}: {}", code, message);
  failure_permanent_ = permanent;
  if (failing_.exchange(true)) return;
  failing_since_ = std::chrono::steady_clock::now();
  if (failing_gauge) failing_gauge->Set(1);
  core::Logger("stt")->error(
      "speech-to-text is failing ({}): {}; finished utterances wait up to {} ms for their audio to "
      "be re-sent, then are sent without text (transcript_missing)",
      failure_, permanent ? "not retrying this stream (fix the configuration)" : "reconnecting",
      settings.outage_wait.count());
}

void ClientShared::StreamAnswered() {
  if (!failing_.load(std::memory_order_relaxed)) return;
  std::lock_guard lock(health_mutex_);
  if (!failing_.exchange(false)) return;
  if (failing_gauge) failing_gauge->Set(0);
  core::Logger("stt")->warn(
      "speech-to-text recovered after {:.1f} s (last error {})",
      std::chrono::duration<double>(std::chrono::steady_clock::now() - failing_since_).count(),
      failure_);
}

RecognizerHealth ClientShared::Health() const {
  std::lock_guard lock(health_mutex_);
  if (!failing_) return {RecognizerHealth::State::kOk, "ok"};
  return {
      RecognizerHealth::State::kFailing,
      fmt::format(
          "FAILING for {:.0f} s ({}{}); turns are sent without text",
          std::chrono::duration<double>(std::chrono::steady_clock::now() - failing_since_).count(),
          failure_, failure_permanent_ ? ", permanent: check the stt settings" : "")};
}

GoogleStream::LiveToken::LiveToken(std::shared_ptr<ClientShared> shared)
    : shared_(std::move(shared)) {
  std::lock_guard lock(shared_->live_mutex);
  ++shared_->live_streams;
}

GoogleStream::LiveToken::~LiveToken() {
  std::lock_guard lock(shared_->live_mutex);
  --shared_->live_streams;
  shared_->live_cv.notify_all();
}

GoogleStream::GoogleStream(std::shared_ptr<ClientShared> shared,
                           boost::asio::any_io_executor executor, std::weak_ptr<StreamOwner> owner,
                           std::int64_t session_start)
    : live_(shared),
      shared_(std::move(shared)),
      executor_(std::move(executor)),
      owner_(std::move(owner)),
      id_(shared_->next_stream_id.fetch_add(1)),
      session_start_(session_start),
      opened_at_(std::chrono::steady_clock::now()),
      queue_limit_(shared_->settings.queue_bytes) {}

GoogleStream::~GoogleStream() = default;

template <class F>
void GoogleStream::PostToExecutor(F&& f) {
  std::lock_guard lock(post_mutex_);
  if (detached_) return;
  boost::asio::post(executor_, std::forward<F>(f));
}

std::shared_ptr<const speech::StreamingRecognizeRequest> ClientShared::FirstRequest() {
  std::lock_guard lock(first_request_mutex);
  if (!first_request) {
    first_request =
        std::make_shared<const speech::StreamingRecognizeRequest>(settings.first_request);
  }
  return first_request;
}

void GoogleStream::Start() {
  const auto& s = shared_->settings;
  lease_ = shared_->pool->Acquire();
  context_.AddMetadata("x-goog-request-params", s.request_params);
  self_ = shared_from_this();
  lease_->stub()->async()->StreamingRecognize(&context_, this);
  write_request_ = *shared_->FirstRequest();
  AddHold();
  write_in_flight_ = true;
  StartWrite(&write_request_);
  StartRead(&read_response_);
  StartCall();
  started_ = true;
  shared_->opens->Increment();
  shared_->open_gauge->Add(1);
}

void GoogleStream::Enqueue(std::string audio) {
  const auto bps = shared_->settings.bytes_per_sample;
  samples_ += static_cast<std::int64_t>(audio.size()) / bps;
  if (hold_released_ || cancelled_ || finish_requested_) return;  // the call is over
  queued_bytes_ += audio.size();
  queue_.push_back(std::move(audio));
  while (queued_bytes_ > queue_limit_ && queue_.size() > 1) {
    const auto dropped = static_cast<std::int64_t>(queue_.front().size()) / bps;
    queued_bytes_ -= queue_.front().size();
    queue_.pop_front();
    // The audio Google sees next starts at dispatched_samples_; what was
    // dropped there is a gap in the stream's timeline.
    if (!gaps_.empty() && gaps_.back().first == dispatched_samples_) {
      gaps_.back().second += dropped;
    } else {
      gaps_.emplace_back(dispatched_samples_, dropped);
    }
    shared_->queue_full->Increment();
  }
  WriteNext();
}

void GoogleStream::FinishWrites() {
  if (finish_requested_) return;
  finish_requested_ = true;
  WriteNext();
}

void GoogleStream::Cancel() {
  if (cancelled_) return;
  cancelled_ = true;
  queue_.clear();
  queued_bytes_ = 0;
  context_.TryCancel();
  ReleaseHold();
}

void GoogleStream::Detach() {
  std::lock_guard lock(post_mutex_);
  detached_ = true;
}

std::int64_t GoogleStream::ToSessionSamples(std::chrono::microseconds stream_offset) const {
  const auto rate = shared_->settings.sample_rate;
  std::int64_t pos = stream_offset.count() * rate / 1'000'000;
  std::int64_t added = 0;
  for (const auto& [at, n] : gaps_) {
    if (at <= pos) added += n;
  }
  return session_start_ + pos + added;
}

void GoogleStream::WriteNext() {
  if (!started_ || write_in_flight_ || hold_released_ || cancelled_ || read_ended_) return;
  if (!queue_.empty()) {
    write_request_.Clear();
    const auto n = static_cast<std::int64_t>(queue_.front().size());
    queued_bytes_ -= queue_.front().size();
    write_request_.set_audio(std::move(queue_.front()));
    queue_.pop_front();
    dispatched_samples_ += n / shared_->settings.bytes_per_sample;
    // What Google bills: every audio byte written, re-sent audio included.
    shared_->AddAudio(std::chrono::microseconds(n / shared_->settings.bytes_per_sample * 1'000'000 /
                                                shared_->settings.sample_rate));
    write_in_flight_ = true;
    StartWrite(&write_request_);
    return;
  }
  if (finish_requested_ && !writes_done_sent_) {
    writes_done_sent_ = true;
    StartWritesDone();
    ReleaseHold();
  }
}

void GoogleStream::ReleaseHold() {
  if (hold_released_ || !started_) return;
  hold_released_ = true;
  RemoveHold();
}

std::vector<ResultPiece> GoogleStream::ParseResponse() const {
  std::vector<ResultPiece> pieces;
  pieces.reserve(static_cast<std::size_t>(read_response_.results_size()));
  for (const auto& r : read_response_.results()) {
    ResultPiece p;
    p.is_final = r.is_final();
    if (r.alternatives_size() > 0) {
      p.text = r.alternatives(0).transcript();
      if (r.alternatives(0).confidence() > 0) p.confidence = r.alternatives(0).confidence();
    }
    p.stability = r.stability();
    const auto& d = r.result_end_offset();
    p.end = std::chrono::microseconds(d.seconds() * 1'000'000 + d.nanos() / 1000);
    pieces.push_back(std::move(p));
  }
  return pieces;
}

SpeechActivity GoogleStream::ParseActivity() const {
  switch (read_response_.speech_event_type()) {
    case speech::StreamingRecognizeResponse::SPEECH_ACTIVITY_BEGIN:
      return SpeechActivity::kBegin;
    case speech::StreamingRecognizeResponse::SPEECH_ACTIVITY_END:
      return SpeechActivity::kEnd;
    default:
      return SpeechActivity::kNone;
  }
}

void GoogleStream::OnWriteDone(bool ok) {
  PostToExecutor([self = shared_from_this(), ok] {
    self->write_in_flight_ = false;
    if (!ok) {
      // The call is failing; OnDone will say why.
      self->read_ended_ = true;
      self->ReleaseHold();
      return;
    }
    self->WriteNext();
  });
}

void GoogleStream::OnWritesDoneDone(bool) {}

void GoogleStream::OnReadDone(bool ok) {
  if (!ok) {
    PostToExecutor([self = shared_from_this()] {
      self->read_ended_ = true;
      self->ReleaseHold();
    });
    return;
  }
  auto pieces = ParseResponse();
  const SpeechActivity activity = ParseActivity();
  PostToExecutor([self = shared_from_this(), pieces = std::move(pieces), activity]() mutable {
    if (auto owner = self->owner_.lock())
      owner->OnStreamResponse(self, std::move(pieces), activity);
  });
  StartRead(&read_response_);
}

void GoogleStream::OnDone(const grpc::Status& status) {
  shared_->open_gauge->Add(-1);
  // Keeps this alive to the end of OnDone; may be the last reference.
  auto self = std::move(self_);
  PostToExecutor([self, status] {
    self->read_ended_ = true;
    if (auto owner = self->owner_.lock()) owner->OnStreamDone(self, status);
  });
  lease_.reset();
}

}  // namespace aicc::stt::internal
