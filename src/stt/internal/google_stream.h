// One StreamingRecognize call: a grpc::ClientBidiReactor with one write in
// flight behind a bounded queue of audio requests.
//
// Threading: the reactor callbacks run on gRPC threads; they only copy what
// they got and post it to the session's executor, where the owner
// (StreamOwner) handles it. Every other method is called on that executor.
// Lifetime: the stream keeps itself alive until OnDone; posted handlers hold
// a shared_ptr, so late callbacks after the owner is gone are harmless. After
// Detach() nothing more is posted (the executor may be gone).
#pragma once

#include <grpcpp/client_context.h>
#include <grpcpp/support/client_callback.h>

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/metrics.h"
#include "google/cloud/speech/v2/cloud_speech.grpc.pb.h"
#include "stt/internal/channel_pool.h"
#include "stt/internal/google_config.h"
#include "stt/internal/transcript.h"
#include "stt/recognizer.h"

namespace aicc::stt::internal {

// What every stream and session of one recognizer shares.
struct ClientShared {
  StreamSettings settings;
  ChannelPool* pool = nullptr;  // owned by the recognizer, which outlives every call
  core::Counter* opens = nullptr;
  core::Counter* rotations = nullptr;
  core::Counter* queue_full = nullptr;
  core::Counter* audio_seconds = nullptr;
  core::Gauge* open_gauge = nullptr;
  core::Histogram* final_latency = nullptr;
  core::MetricsRegistry* metrics = nullptr;
  std::atomic<std::uint64_t> audio_us{0};  // carried into audio_seconds whole seconds
  std::atomic<bool> permanent_logged{false};
  std::atomic<int> next_stream_id{0};

  // The first request of new streams (its phrase hints change on SIGHUP);
  // settings.first_request is the start-up one.
  std::mutex first_request_mutex;
  std::shared_ptr<const speech::StreamingRecognizeRequest> first_request;
  std::shared_ptr<const speech::StreamingRecognizeRequest> FirstRequest();

  // Stream objects alive (each owns a ClientContext of a call on one of the
  // pool's channels), so the recognizer can wait for them before it destroys
  // the channels.
  std::mutex live_mutex;
  std::condition_variable live_cv;
  int live_streams = 0;

  core::Counter& ErrorCounter(std::string_view code);
  void AddAudio(std::chrono::microseconds d);

  // Health of the recognizer as a whole (every session): failing from a
  // stream's error until a stream of any session gets a response again. Each
  // change is logged once, plainly; any thread.
  void StreamFailed(std::string_view code, const std::string& message, bool permanent);
  void StreamAnswered();
  RecognizerHealth Health() const;
  core::Gauge* failing_gauge = nullptr;  // aicc_stt_failing: 1 while failing

 private:
  mutable std::mutex health_mutex_;
  std::atomic<bool> failing_{false};
  std::chrono::steady_clock::time_point failing_since_;  // guarded by health_mutex_
  std::string failure_;                                  // guarded by health_mutex_
  bool failure_permanent_ = false;                       // guarded by health_mutex_
};

class GoogleStream;

// Google's voice-activity events (enable_voice_activity_events).
enum class SpeechActivity { kNone, kBegin, kEnd };

class StreamOwner {
 public:
  virtual ~StreamOwner() = default;
  // On the executor, in the order the responses arrived. Offsets are
  // relative to the stream's audio.
  virtual void OnStreamResponse(const std::shared_ptr<GoogleStream>& stream,
                                std::vector<ResultPiece> pieces, SpeechActivity activity) = 0;
  virtual void OnStreamDone(const std::shared_ptr<GoogleStream>& stream, grpc::Status status) = 0;
};

class GoogleStream final
    : public grpc::ClientBidiReactor<::google::cloud::speech::v2::StreamingRecognizeRequest,
                                     ::google::cloud::speech::v2::StreamingRecognizeResponse>,
      public std::enable_shared_from_this<GoogleStream> {
 public:
  // `session_start`: session audio time of this stream's first audio byte,
  // in samples at the Google rate.
  GoogleStream(std::shared_ptr<ClientShared> shared, boost::asio::any_io_executor executor,
               std::weak_ptr<StreamOwner> owner, std::int64_t session_start);
  ~GoogleStream() override;

  // Sends the config request and starts the call.
  void Start();
  // Queues one audio request. When the queue holds more than the bound, the
  // oldest queued audio is dropped (counted); its gap is remembered so result
  // offsets stay right.
  void Enqueue(std::string audio);
  // Raises the queue bound by `bytes` for audio re-sent from the session's
  // retained window (itself bounded), so a re-send is not cut by the bound
  // meant for live audio.
  void AllowBacklog(std::size_t bytes) { queue_limit_ += bytes; }
  // No more audio: WritesDone once the queue is written. Results still come.
  void FinishWrites();
  // Cancels the call (Close, permanent errors).
  void Cancel();
  // No more posts to the executor after this returns.
  void Detach();

  int id() const { return id_; }
  std::int64_t session_start() const { return session_start_; }
  // Samples queued or written on this stream (including dropped ones).
  std::int64_t samples() const { return samples_; }
  // Session sample where this stream's audio ends so far.
  std::int64_t session_end() const { return session_start_ + samples_; }
  std::chrono::steady_clock::time_point opened_at() const { return opened_at_; }
  bool finishing() const { return finish_requested_; }
  bool cancelled() const { return cancelled_; }
  // Session sample of the stream offset `stream_us` (microseconds), with
  // gaps of dropped audio added back.
  std::int64_t ToSessionSamples(std::chrono::microseconds stream_offset) const;

  // Owner bookkeeping (executor only).
  std::int64_t last_final_end = -1;   // session samples; -1: none yet
  std::int64_t last_result_end = -1;  // of any result, final or interim
  // Opened to re-send retained audio: the session sample where that backlog
  // ends (-1: a fresh stream).
  std::int64_t resend_to = -1;
  bool got_response = false;

  // grpc::ClientBidiReactor (gRPC threads).
  void OnWriteDone(bool ok) override;
  void OnReadDone(bool ok) override;
  void OnWritesDoneDone(bool ok) override;
  void OnDone(const grpc::Status& status) override;

 private:
  template <class F>
  void PostToExecutor(F&& f);
  void WriteNext();
  void ReleaseHold();
  std::vector<ResultPiece> ParseResponse() const;
  SpeechActivity ParseActivity() const;

  // Counts this stream in ClientShared::live_streams. Declared first so it is
  // destroyed last, after the ClientContext.
  class LiveToken {
   public:
    explicit LiveToken(std::shared_ptr<ClientShared> shared);
    ~LiveToken();
    LiveToken(const LiveToken&) = delete;
    LiveToken& operator=(const LiveToken&) = delete;

   private:
    std::shared_ptr<ClientShared> shared_;
  };
  LiveToken live_;
  const std::shared_ptr<ClientShared> shared_;
  const boost::asio::any_io_executor executor_;
  const std::weak_ptr<StreamOwner> owner_;
  const int id_;
  const std::int64_t session_start_;
  const std::chrono::steady_clock::time_point opened_at_;
  std::unique_ptr<ChannelPool::Lease> lease_;
  grpc::ClientContext context_;
  std::shared_ptr<GoogleStream> self_;  // until OnDone

  std::mutex post_mutex_;
  bool detached_ = false;  // guarded by post_mutex_

  // Executor only.
  ::google::cloud::speech::v2::StreamingRecognizeRequest write_request_;
  ::google::cloud::speech::v2::StreamingRecognizeResponse read_response_;  // gRPC read side only
  std::deque<std::string> queue_;
  std::size_t queued_bytes_ = 0;
  std::size_t queue_limit_ = 0;
  std::int64_t dispatched_samples_ = 0;  // handed to gRPC
  std::int64_t samples_ = 0;
  std::vector<std::pair<std::int64_t, std::int64_t>> gaps_;  // (stream sample, dropped samples)
  bool started_ = false;
  bool write_in_flight_ = false;
  bool finish_requested_ = false;
  bool writes_done_sent_ = false;
  bool hold_released_ = false;
  bool read_ended_ = false;
  bool cancelled_ = false;
};

}  // namespace aicc::stt::internal
