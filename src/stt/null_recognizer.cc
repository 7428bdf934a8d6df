#include <boost/asio/post.hpp>

#include "stt/recognizer.h"

namespace aicc::stt {
namespace {

class NullSession final : public RecognizerSession {
 public:
  explicit NullSession(boost::asio::any_io_executor ex) : executor_(std::move(ex)) {}
  void SpeechStart(std::span<const std::int16_t>) override {}
  void SpeechAudio(std::span<const std::int16_t>) override {}
  void SpeechEnd(std::function<void(SpeechResult)> done) override {
    // Answer asynchronously, as a real recognizer would, so callers never
    // depend on a synchronous callback.
    boost::asio::post(executor_, [done = std::move(done)] {
      SpeechResult r;
      r.missing = MissingText::kOff;
      done(std::move(r));
    });
  }
  void Close() override {}

 private:
  boost::asio::any_io_executor executor_;
};

class NullRecognizer final : public Recognizer {
 public:
  std::unique_ptr<RecognizerSession> Open(SessionContext ctx) override {
    return std::make_unique<NullSession>(ctx.executor);
  }
  std::string_view Name() const override { return "none"; }
};

}  // namespace

std::string_view WireName(MissingText m) {
  switch (m) {
    case MissingText::kNone:
      return "";
    case MissingText::kUnavailable:
      return "stt_unavailable";
    case MissingText::kError:
      return "stt_error";
    case MissingText::kAudioNotResent:
      return "audio_not_resent";
    case MissingText::kOff:
      return "stt_off";
  }
  return "";
}

std::unique_ptr<Recognizer> MakeNullRecognizer() { return std::make_unique<NullRecognizer>(); }

}  // namespace aicc::stt
