// One recognizer session (one speaker of one call) on Google Speech V2:
// audio framing, the stream lifecycle (open on speech, idle close,
// rotation, reconnect), and answering utterances from the results.
//
// Session audio time: the samples (at the Google rate) this session has
// sent, pauses excluded; every stream knows where in it it starts, so
// results of all streams share one timeline.
//
// Outages: when a stream fails, its unanswered audio is re-sent from the
// retained window (StreamSettings::retain_bytes) on the next stream. An
// utterance that ends while Google is unreachable, or whose audio is being
// re-sent, is held past the final wait, up to outage_wait from its end; if
// no text came by then it is answered empty with MissingText::kUnavailable
// (or kAudioNotResent when its audio had left the window). A permanent error
// answers every utterance with kError.
//
// Threading: everything runs on ctx.executor (the call's strand); streams
// post their gRPC callbacks there. The session is owned by a shared_ptr so
// posted handlers and timers that outlive Close() find it closed.
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "audio/resampler.h"
#include "net/backoff.h"
#include "stt/internal/google_stream.h"
#include "stt/internal/transcript.h"
#include "stt/recognizer.h"

namespace aicc::stt::internal {

class GoogleSession final : public StreamOwner, public std::enable_shared_from_this<GoogleSession> {
 public:
  GoogleSession(std::shared_ptr<ClientShared> shared, SessionContext ctx,
                std::unique_ptr<audio::Resampler> resampler);
  ~GoogleSession() override;

  void SpeechStart(std::span<const std::int16_t> pre_roll);
  void SpeechAudio(std::span<const std::int16_t> pcm);
  void FlushAudio();
  void SpeechEnd(std::function<void(SpeechResult)> done);
  void Close();
  void SetLiveTextListener(std::function<void(const LiveText&)> on_text) {
    on_text_ = std::move(on_text);
  }

  void OnStreamResponse(const std::shared_ptr<GoogleStream>& stream,
                        std::vector<ResultPiece> pieces, SpeechActivity activity) override;
  void OnStreamDone(const std::shared_ptr<GoogleStream>& stream, grpc::Status status) override;

 private:
  struct Pending {
    std::uint64_t seq;
    std::function<void(SpeechResult)> done;
    std::chrono::steady_clock::time_point ended_at;
    std::unique_ptr<boost::asio::steady_timer> timer;
    bool held = false;  // past the final wait, waiting for re-sent audio's text
  };

  void PushAudio(std::span<const std::int16_t> pcm);
  void EmitChunk(std::string bytes);
  void FlushChunk();
  std::shared_ptr<GoogleStream> OpenStream(std::int64_t start);
  void SendRange(GoogleStream& stream, std::int64_t from, std::int64_t to);
  void Rotate();
  std::chrono::microseconds Age(const GoogleStream& stream) const;
  void Resume(const std::shared_ptr<GoogleStream>& failed, bool was_current,
              std::chrono::milliseconds delay);
  void StartIdleTimer();
  void TryAnswer();
  // A live stream that began inside the oldest pending utterance (rotation,
  // reconnect) has not answered yet: its part of the text is still to come.
  bool AwaitingFreshStream() const;
  // Answers or holds the pending utterances whose final wait has passed.
  void OnFinalWaitExpired();
  // Google unreachable, or the oldest pending utterance's audio still being
  // re-sent (not answered yet by the stream re-sending it).
  bool AwaitingResend() const;
  // Takes the oldest pending utterance's result and says why it has no text.
  SpeechResult Answer(bool timed_out);
  void Deliver(SpeechResult result);
  void ForgetResume(std::int64_t from);
  void FailPermanently(grpc::StatusCode code, const std::string& message);
  std::chrono::microseconds ToMicros(std::int64_t samples) const;
  std::int64_t ToSamples(std::chrono::microseconds t) const;

  const std::shared_ptr<ClientShared> shared_;
  const SessionContext ctx_;
  const std::string log_prefix_;
  const int rate_;
  const int bps_;
  std::unique_ptr<audio::Resampler> resampler_;
  std::vector<std::int16_t> resampled_;
  std::vector<std::uint8_t> ulaw_;

  std::int64_t pos_ = 0;  // session samples emitted
  std::string chunk_;     // encoded audio not yet a full request
  std::string retained_;  // encoded session audio, for re-sending
  std::size_t retained_off_ = 0;
  std::int64_t retained_start_ = 0;  // session sample of retained_[retained_off_]

  std::shared_ptr<GoogleStream> current_;
  std::vector<std::shared_ptr<GoogleStream>> others_;  // finishing, or being replaced
  TranscriptAssembler assembler_;
  std::deque<Pending> pending_;
  boost::asio::steady_timer idle_timer_;
  boost::asio::steady_timer reconnect_timer_;
  net::Backoff backoff_;
  bool in_speech_ = false;
  bool closed_ = false;
  bool permanent_ = false;
  bool reconnect_pending_ = false;
  // A stream failed (transient) and none has answered since.
  bool outage_ = false;
  // Session audio before this sample could not be re-sent after a failure.
  std::int64_t lost_before_ = 0;
  std::int64_t reconnect_from_ = 0;
  std::vector<std::int64_t> resumes_pending_;  // session samples re-sending will start at
  std::function<void(const LiveText&)> on_text_;
  // Google said the voice stopped (SPEECH_ACTIVITY_END after the last
  // BEGIN), and words came after that: the live text covers the end.
  bool activity_ended_ = false;
  bool text_since_end_ = false;
};

// The RecognizerSession handed out: forwards to the shared session, closes
// it when destroyed.
class GoogleSessionHandle final : public RecognizerSession {
 public:
  explicit GoogleSessionHandle(std::shared_ptr<GoogleSession> s) : session_(std::move(s)) {}
  ~GoogleSessionHandle() override { session_->Close(); }
  void SpeechStart(std::span<const std::int16_t> pre_roll) override {
    session_->SpeechStart(pre_roll);
  }
  void SpeechAudio(std::span<const std::int16_t> pcm) override { session_->SpeechAudio(pcm); }
  void FlushAudio() override { session_->FlushAudio(); }
  void SpeechEnd(std::function<void(SpeechResult)> done) override {
    session_->SpeechEnd(std::move(done));
  }
  void Close() override { session_->Close(); }
  void SetLiveTextListener(std::function<void(const LiveText&)> on_text) override {
    session_->SetLiveTextListener(std::move(on_text));
  }

 private:
  std::shared_ptr<GoogleSession> session_;
};

}  // namespace aicc::stt::internal
