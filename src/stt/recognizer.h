// Speech-to-text behind one interface: a Recognizer opens one session per
// speaker stream; the session gets each utterance's audio as the segmenter
// finds it and answers, per utterance, with the text that covers it.
//
// Usage (all on the call's strand):
//   auto session = recognizer.Open({call_id, Speaker::kCustomer, 8000, strand});
//   session->SpeechStart(pre_roll);
//   session->SpeechAudio(pcm);          // repeatedly
//   session->SpeechEnd([](stt::SpeechResult r) { ... });   // exactly once per utterance
//   session->Close();
//
// Threading: sessions are used only on ctx.executor and call back only on it.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/system/result.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/metrics.h"
#include "core/speaker.h"

namespace aicc::stt {

// Why an utterance got no text from the recognizer. Each has a wire name,
// the `transcript_missing` of a turn_complete event (docs/events.md).
enum class MissingText {
  kNone,            // the recognizer answered (its text may still be empty)
  kUnavailable,     // "stt_unavailable": Google unreachable or its streams
                    // failing, and not back (audio re-sent) within the wait
  kError,           // "stt_error": a permanent error (credentials, permission,
                    // recognizer configuration); no text until fixed
  kAudioNotResent,  // "audio_not_resent": the utterance's audio had left the
                    // re-send buffer by the time Google was back
  kOff,             // "stt_off": no recognizer configured
};
std::string_view WireName(MissingText m);

struct SpeechResult {
  std::string transcript;
  bool is_final = false;
  std::optional<double> confidence;
  // Set when the transcript is empty because the recognizer could not give
  // one (not because it heard no words).
  MissingText missing = MissingText::kNone;
};

// The recognizer's words so far for the utterance still being spoken, for
// deciding a turn before its long pause (docs/turn-detection.md, "Early
// decisions").
struct LiveText {
  std::string transcript;  // the finals so far, then the latest interims
  bool is_final = false;   // no interim after the last final: all of it is final
  // Google's stability of the interim result holding the last word (0 when
  // final or not given): its estimate that it will not change that guess.
  float last_stability = 0;
  std::optional<double> confidence;  // of the finals, when all final
  // The recognizer had told that the voice stopped (Google's
  // SPEECH_ACTIVITY_END, with no BEGIN since) before these words: they
  // cover the end of the speech. Text from before that may lag the speech
  // by a word or more.
  bool heard_end = false;
};

// Whether speech-to-text works right now, for /readyz and the log.
struct RecognizerHealth {
  enum class State { kOff, kOk, kFailing };
  State state = State::kOff;
  // One line: "off", "ok", or why it fails and since when.
  std::string detail = "off";
};

struct SessionContext {
  std::string call_id;
  core::Speaker speaker = core::Speaker::kCustomer;
  int sample_rate = 8000;                 // of the PCM pushed: 8000 or 16000
  boost::asio::any_io_executor executor;  // the call's strand
};

class RecognizerSession {
 public:
  virtual ~RecognizerSession() = default;
  virtual void SpeechStart(std::span<const std::int16_t> pre_roll) = 0;
  virtual void SpeechAudio(std::span<const std::int16_t> pcm) = 0;
  // Sends now any audio held back to fill a request: the utterance's audio
  // so far (its closing silence included) is all the recognizer will get
  // until the next SpeechAudio, so none of it may wait for more.
  virtual void FlushAudio() {}
  // `done` is called exactly once on the session's executor: with the final
  // text covering the utterance, or after the final-wait bound the latest
  // interim (is_final=false), or empty on error / without a recognizer.
  virtual void SpeechEnd(std::function<void(SpeechResult)> done) = 0;
  // No callbacks after Close returns (pending ones are answered first).
  virtual void Close() = 0;
  // `on_text` gets the open utterance's LiveText each time the recognizer
  // changes it (between SpeechStart and SpeechEnd), on the executor.
  // Recognizers without interim results never call it.
  virtual void SetLiveTextListener(std::function<void(const LiveText&)> /*on_text*/) {}
};

class Recognizer {
 public:
  virtual ~Recognizer() = default;
  virtual std::unique_ptr<RecognizerSession> Open(SessionContext ctx) = 0;
  // "none", or "google/<model>".
  virtual std::string_view Name() const = 0;
  // Thread-safe. Failing from a stream's error (other than Google's stream
  // limit) until a stream of any session gets a response again.
  virtual RecognizerHealth Health() const { return {}; }
  // New phrase hints (SIGHUP) for the streams opened from now on; streams
  // already open keep theirs. Thread-safe. The error names the setting.
  virtual boost::system::result<void, std::string> ReloadPhrases(
      const std::vector<std::string>& /*phrases*/, const std::string& /*phrases_path*/) {
    return {};
  }
};

// No speech-to-text: every utterance gets an empty, non-final result marked
// MissingText::kOff (turns still flow, decided from pause and duration).
std::unique_ptr<Recognizer> MakeNullRecognizer();

struct GoogleOptions {
  std::string engine = "auto";  // auto | google | none
  std::string credentials_path;
  std::string project;
  std::string location = "global";
  std::string recognizer;
  std::string language = "ko-KR";
  std::string model = "telephony";
  std::string encoding = "linear16";
  int sample_rate = 8000;
  std::vector<std::string> phrases;
  std::string phrases_path;
  double phrase_boost = 10;
  int rotation_sec = 270;
  int idle_close_ms = 5000;
  int final_wait_ms = 1500;
  // While Google is unreachable, an ended utterance waits up to this long
  // (from its end) for its audio to be re-sent and answered; then it is
  // answered without text (MissingText::kUnavailable).
  int outage_wait_ms = 20000;
  int max_streams_per_channel = 50;
  std::string endpoint;
  bool insecure = false;
};

// Chooses the recognizer from the options: `none`, or `auto` without
// credentials, gives the null recognizer (with one clear warning for auto).
boost::system::result<std::unique_ptr<Recognizer>, std::string> MakeRecognizer(
    const GoogleOptions& options, core::MetricsRegistry* metrics);

}  // namespace aicc::stt
