// A fake Google Cloud Speech-to-Text V2 server for tests: a real grpc::Server
// on 127.0.0.1 (plaintext) implementing Speech.StreamingRecognize from the
// generated code, so the client under test talks real gRPC/HTTP/2.
//
// It records each stream (the first request, the x-goog-request-params
// metadata, every audio byte, request sizes and arrival times) and answers
// from a script: interim/final results when a given amount of the stream's
// audio has arrived (or at the client's WritesDone), errors with a given
// status code, and Google's maximum stream duration (OUT_OF_RANGE). With
// `final_on_pause` it endpoints as Google does: one final per stretch of
// speech, sent once the audio after it has been silent for that long.
//
// Outages: Stop() closes the port (streams in flight end UNAVAILABLE, new
// ones are refused by the kernel, which gRPC clients see as UNAVAILABLE);
// Restart() serves again on the same port, recording on from where it was.
//
// Usage:
//   fakes::FakeSpeechOptions o;
//   o.scripts = {{{.kind = fakes::SpeechStep::Kind::kFinal, .at_audio = 1000ms,
//                  .text = "안녕하세요", .end_offset = 900ms}}};
//   fakes::FakeSpeechServer server(o);
//   options.endpoint = server.Endpoint(); options.insecure = true;
//   ... server.WaitForFinished(1, 5s); auto streams = server.Streams();
//
// Threading: gRPC's sync server runs each stream on a gRPC thread; every
// public method is thread-safe.
#pragma once

#include <grpcpp/support/status.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "google/cloud/speech/v2/cloud_speech.pb.h"

namespace aicc::fakes {

struct SpeechStep {
  enum class Kind { kInterim, kFinal, kError };
  Kind kind = Kind::kFinal;
  // Fires once the stream has received this much audio...
  std::chrono::milliseconds at_audio{0};
  // ...or, when set, at the client's WritesDone.
  bool at_half_close = false;
  // Result text; "{stream}" is replaced by the stream's index.
  std::string text;
  // result_end_offset, stream-relative; negative: the audio received so far.
  std::chrono::milliseconds end_offset{0};
  float confidence = 0.9f;
  grpc::StatusCode code = grpc::StatusCode::UNAVAILABLE;  // kError
  std::string message = "injected by the fake";
  std::chrono::milliseconds delay{0};  // wait this long before answering
};
using SpeechScript = std::vector<SpeechStep>;

struct FakeSpeechOptions {
  // Stream i (in arrival order) follows scripts[min(i, size-1)]; none: no
  // responses, the stream ends OK at WritesDone.
  std::vector<SpeechScript> scripts;
  // > 0: a stream that receives more audio than this ends with OUT_OF_RANGE
  // (like Google's maximum stream duration).
  std::chrono::milliseconds max_stream_audio{0};
  std::uint16_t port = 0;  // 0: ephemeral
  // > 0: besides the script, a final for each stretch of speech (audio above
  // a low energy floor) once this much silence follows it, and one for the
  // rest at WritesDone. Text "s<stream>u<n>" (n from 0 per stream), end
  // offset where the speech stopped, stream-relative.
  std::chrono::milliseconds final_on_pause{0};
  // Timing like Google's streaming recognizer (docs/stt-google.md, "Timing
  // model"); replaces the script and final_on_pause when enabled. Audio is
  // cut into 10 ms frames, speech above a low energy floor:
  // - a *segment* is a run of speech that `segment_gap` of silence closes;
  //   segment n (counted over the whole server, in the order segments start)
  //   says segment_texts[n % size] (words split at spaces);
  // - while a stretch of speech is open (from its first segment to its
  //   final), an interim every interim_min..interim_max of received audio
  //   (seeded per stream): the words of the closed segments (stability 0.9),
  //   then the open segment's words so far, one per `word_ms` of its speech
  //   but never its last word (stability 0.01); once `segment_gap` of silence
  //   followed it, its whole text (stability 0.9);
  // - `final_pause` + `final_delay` of silence closes the stretch: one final
  //   with all its segments' words, ending where its speech ended; at the
  //   client's WritesDone the open stretch is finalized at once. Every
  //   duration counts *received* audio, so nothing is said about audio that
  //   has not arrived;
  // - with streaming_features.enable_voice_activity_events, a
  //   SPEECH_ACTIVITY_BEGIN response when a segment starts and
  //   SPEECH_ACTIVITY_END when one closes.
  struct Timing {
    bool enabled = false;
    std::vector<std::string> segment_texts;
    // Where entry n is not empty, segment n's words in the final differ from
    // its interims (Google revising its guess when it finalizes).
    std::vector<std::string> final_texts;
    std::chrono::milliseconds interim_min{100};
    std::chrono::milliseconds interim_max{300};
    std::chrono::milliseconds word_ms{300};
    std::chrono::milliseconds segment_gap{150};
    std::chrono::milliseconds final_pause{350};
    std::chrono::milliseconds final_delay{150};
    unsigned seed = 1;
  };
  Timing timing;
};

struct RecordedStream {
  int index = 0;
  std::string request_params;  // x-goog-request-params metadata
  google::cloud::speech::v2::StreamingRecognizeRequest first_request;
  bool first_had_audio = false;
  int sample_rate = 0;
  int bytes_per_sample = 0;
  std::string audio;  // every audio byte, in order
  std::vector<std::size_t> chunk_sizes;
  std::vector<std::chrono::steady_clock::time_point> arrivals;
  std::chrono::steady_clock::time_point opened_at;
  bool half_closed = false;
  bool finished = false;
  grpc::StatusCode status = grpc::StatusCode::OK;

  double AudioMs() const;
};

class FakeSpeechServer {
 public:
  explicit FakeSpeechServer(FakeSpeechOptions options);
  ~FakeSpeechServer();
  FakeSpeechServer(const FakeSpeechServer&) = delete;
  FakeSpeechServer& operator=(const FakeSpeechServer&) = delete;

  std::uint16_t port() const;
  std::string Endpoint() const;  // "127.0.0.1:<port>"
  // The service goes away: streams in flight end with UNAVAILABLE and the
  // listening port is closed (connections are refused). Returns once the
  // port is closed. Idempotent.
  void Stop();
  // Serves again on the same port. False if the port could not be bound.
  bool Restart();
  bool Running() const;
  // Replaces the scripts for streams that start from now on.
  void SetScripts(std::vector<SpeechScript> scripts);

  std::vector<RecordedStream> Streams() const;
  std::size_t StreamCount() const;
  int MaxConcurrent() const;
  bool WaitForStreams(std::size_t n, std::chrono::milliseconds timeout) const;
  bool WaitForFinished(std::size_t n, std::chrono::milliseconds timeout) const;
  // Waits until all started streams are finished and at least `n` exist.
  bool WaitForIdle(std::size_t n, std::chrono::milliseconds timeout) const;

  struct State;

 private:
  std::shared_ptr<State> state_;
  std::uint16_t port_ = 0;
  class Impl;
  mutable std::mutex impl_mutex_;
  std::unique_ptr<Impl> impl_;  // null while stopped
};

// Script file for the fake_speech_server program (JSON):
//   {"max_stream_audio_ms": 3000, "final_on_pause_ms": 400,
//    "timing": {"segments": ["네 알겠습니다", ...], "interim_min_ms": 100,
//               "interim_max_ms": 300, "word_ms": 300, "segment_gap_ms": 150,
//               "final_pause_ms": 350, "final_delay_ms": 150, "seed": 1},
//    "scripts": [[{"kind": "final", "at_ms": 1000, "text": "...", "end_ms": 900,
//                  "confidence": 0.9, "at_half_close": false, "delay_ms": 0},
//                 {"kind": "error", "at_ms": 500, "code": "UNAVAILABLE"}]]}
// Returns an empty string on success, else the problem.
std::string ParseSpeechScript(const std::string& json, FakeSpeechOptions& options);

}  // namespace aicc::fakes
