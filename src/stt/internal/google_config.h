// Settings of the Google Speech V2 client derived once from GoogleOptions:
// endpoint, recognizer name, the first request of every stream, audio
// framing; and the one place where gRPC status codes are classified.
//
// Thread safety: StreamSettings is immutable after BuildSettings and shared
// by every session of a recognizer.
#pragma once

#include <grpcpp/support/status.h>

#include <boost/system/result.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "google/cloud/speech/v2/cloud_speech.pb.h"
#include "stt/recognizer.h"

namespace aicc::stt::internal {

namespace speech = ::google::cloud::speech::v2;

struct StreamSettings {
  std::string endpoint;   // host:port
  bool insecure = false;  // plaintext, no credentials (tests)
  std::string credentials_path;
  std::string recognizer;      // projects/<p>/locations/<l>/recognizers/<r>
  std::string request_params;  // value of x-goog-request-params
  speech::StreamingRecognizeRequest first_request;
  std::string model;
  std::string language;
  float phrase_boost = 10;  // of the inline phrase set (also on SIGHUP reloads)
  int sample_rate = 8000;   // sent to Google
  bool mulaw = false;       // else LINEAR16 (little-endian)
  int bytes_per_sample = 2;
  std::size_t chunk_bytes = 1600;  // ~100 ms per audio request
  std::size_t queue_bytes = 0;     // per-stream pending audio bound (10 s)
  // Session audio kept for re-sending after a failed stream (30 s of audio
  // at the Google rate: 480 KB per speaker at 8 kHz LINEAR16; the buffer is
  // compacted lazily, so it may briefly hold up to twice that).
  std::size_t retain_bytes = 0;
  std::chrono::seconds rotation{270};
  std::chrono::milliseconds idle_close{5000};
  std::chrono::milliseconds final_wait{1500};
  std::chrono::milliseconds outage_wait{20000};  // GoogleOptions::outage_wait_ms
  int max_streams_per_channel = 50;
  std::chrono::milliseconds backoff_initial{200};
  std::chrono::milliseconds backoff_max{5000};
};

// Largest audio request Google accepts per message (bytes).
inline constexpr std::size_t kMaxRequestBytes = 25600;

// `speech.googleapis.com:443` for `global`, else `<location>-speech...:443`;
// a non-empty `override_endpoint` wins.
std::string EndpointFor(std::string_view location, std::string_view override_endpoint);

// Percent-encodes everything but unreserved characters (RFC 3986), as
// google-cloud-cpp does for routing headers.
std::string UrlEncode(std::string_view s);

// `project_id` of a service-account / ADC JSON file, or an error naming it.
boost::system::result<std::string, std::string> ProjectFromCredentials(const std::string& path);

// Phrase hints: `phrases` plus the non-empty lines of `phrases_path` (lines
// starting with '#' are comments), trimmed, duplicates removed, in order.
boost::system::result<std::vector<std::string>, std::string> LoadPhrases(
    const std::vector<std::string>& phrases, const std::string& phrases_path);

// Validates the options and derives everything a stream needs. Errors name
// the setting to fix.
boost::system::result<StreamSettings, std::string> BuildSettings(const GoogleOptions& options);

// What to do about a finished stream, decided from its status code only.
enum class StatusClass {
  kOk,         // normal end (after WritesDone)
  kCancelled,  // CANCELLED: we cancelled it (Close) or the peer went away
  kTransient,  // reconnect with backoff and re-send the unfinalized audio
  kRotate,     // Google's stream limit: open the next stream at once
  kPermanent,  // configuration error: stop, answer turns without text
};

StatusClass ClassifyStatus(grpc::StatusCode code);

// "UNAVAILABLE", "OUT_OF_RANGE", ... (the metric label).
std::string_view StatusCodeName(grpc::StatusCode code);

// For a permanent error: the cause and the setting(s) to fix, one sentence.
std::string PermanentErrorAdvice(grpc::StatusCode code, const StreamSettings& settings);

}  // namespace aicc::stt::internal
