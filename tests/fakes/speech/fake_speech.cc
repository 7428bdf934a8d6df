#include "fakes/speech/fake_speech.h"

#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>
#include <grpcpp/server_context.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "google/cloud/speech/v2/cloud_speech.grpc.pb.h"

namespace aicc::fakes {
namespace speech = ::google::cloud::speech::v2;

double RecordedStream::AudioMs() const {
  if (sample_rate <= 0 || bytes_per_sample <= 0) return 0;
  return static_cast<double>(audio.size()) / bytes_per_sample * 1000.0 / sample_rate;
}

struct FakeSpeechServer::State {
  FakeSpeechOptions options;
  mutable std::mutex mutex;
  mutable std::condition_variable cv;
  std::vector<RecordedStream> streams;
  int active = 0;
  int max_active = 0;
  std::atomic<bool> down{false};             // Stop() called: answer UNAVAILABLE
  std::atomic<std::size_t> next_segment{0};  // Timing: segments started, server-wide
};

namespace {

std::string Expand(std::string text, int stream) {
  const std::string key = "{stream}";
  for (auto pos = text.find(key); pos != std::string::npos; pos = text.find(key)) {
    text.replace(pos, key.size(), std::to_string(stream));
  }
  return text;
}

speech::StreamingRecognizeResponse MakeResponse(const SpeechStep& step, int stream,
                                                double received_ms) {
  speech::StreamingRecognizeResponse resp;
  auto* r = resp.add_results();
  auto* alt = r->add_alternatives();
  alt->set_transcript(Expand(step.text, stream));
  r->set_is_final(step.kind == SpeechStep::Kind::kFinal);
  if (step.kind == SpeechStep::Kind::kFinal) {
    alt->set_confidence(step.confidence);
  } else {
    r->set_stability(0.5f);
  }
  const auto ms = step.end_offset.count() < 0 ? static_cast<std::int64_t>(received_ms)
                                              : static_cast<std::int64_t>(step.end_offset.count());
  r->mutable_result_end_offset()->set_seconds(ms / 1000);
  r->mutable_result_end_offset()->set_nanos(static_cast<int>(ms % 1000) * 1'000'000);
  r->set_language_code("ko-kr");
  return resp;
}

int DecodeUlaw(std::uint8_t u) {
  u = static_cast<std::uint8_t>(~u);
  int t = ((u & 0x0F) << 3) + 0x84;
  t <<= (u & 0x70) >> 4;
  return (u & 0x80) ? (0x84 - t) : (t - 0x84);
}

// The fakes' voice detector: the stream's audio (μ-law or 16-bit little
// endian) cut into 10 ms frames, voiced when their mean absolute level is
// above 300. Keeps a partial frame across Feed calls.
class VoicedFrames {
 public:
  VoicedFrames(int rate, int bps) : frame_(rate / 100), bps_(bps) {}

  // Calls on_frame(voiced) for every 10 ms frame completed by `audio`.
  template <typename OnFrame>
  void Feed(const std::string& audio, OnFrame&& on_frame) {
    if (frame_ <= 0) return;
    for (std::size_t i = 0; i + static_cast<std::size_t>(bps_) <= audio.size();
         i += static_cast<std::size_t>(bps_)) {
      int v;
      if (bps_ == 1) {
        v = DecodeUlaw(static_cast<std::uint8_t>(audio[i]));
      } else {
        v = static_cast<std::int16_t>(static_cast<std::uint16_t>(
            static_cast<std::uint8_t>(audio[i]) | (static_cast<std::uint8_t>(audio[i + 1]) << 8)));
      }
      sum_ += std::abs(v);
      if (++n_ < frame_) continue;
      const bool voiced = sum_ / n_ > 300;
      sum_ = 0;
      n_ = 0;
      on_frame(voiced);
    }
  }

 private:
  int frame_;
  int bps_;
  std::int64_t sum_ = 0;
  int n_ = 0;
};

// Google-like endpointing for FakeSpeechOptions::final_on_pause: 10 ms
// frames, speech above a mean absolute level, a final once the silence after
// speech lasts `pause`.
class PauseEndpointer {
 public:
  PauseEndpointer(std::chrono::milliseconds pause, int rate, int bps)
      : pause_frames_(pause.count() / 10), voiced_(rate, bps) {}

  // Feeds audio; returns the end offsets (ms, stream-relative) of the
  // stretches of speech that a long enough pause has closed.
  std::vector<std::int64_t> Feed(const std::string& audio) {
    std::vector<std::int64_t> ends;
    if (pause_frames_ <= 0) return ends;
    voiced_.Feed(audio, [&](bool speech) {
      ++frames_;
      if (speech) {
        in_speech_ = true;
        silent_ = 0;
        speech_end_ms_ = frames_ * 10;
      } else if (in_speech_ && ++silent_ >= pause_frames_) {
        in_speech_ = false;
        ends.push_back(speech_end_ms_);
      }
    });
    return ends;
  }
  // At WritesDone: the end of speech not yet closed by a pause.
  std::optional<std::int64_t> Flush() {
    if (!in_speech_) return std::nullopt;
    in_speech_ = false;
    return speech_end_ms_;
  }

 private:
  std::int64_t pause_frames_;
  VoicedFrames voiced_;
  std::int64_t frames_ = 0;
  bool in_speech_ = false;
  std::int64_t silent_ = 0;
  std::int64_t speech_end_ms_ = 0;
};

std::vector<std::string> SplitWords(const std::string& text) {
  std::vector<std::string> words;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && text[i] == ' ') ++i;
    const std::size_t j = text.find(' ', i);
    const std::size_t end = j == std::string::npos ? text.size() : j;
    if (end > i) words.push_back(text.substr(i, end - i));
    i = end;
  }
  return words;
}

std::string JoinWords(const std::vector<std::string>& words, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n && i < words.size(); ++i) {
    if (!out.empty()) out += ' ';
    out += words[i];
  }
  return out;
}

void SetOffset(google::protobuf::Duration* d, std::int64_t ms) {
  d->set_seconds(ms / 1000);
  d->set_nanos(static_cast<int>(ms % 1000) * 1'000'000);
}

// FakeSpeechOptions::Timing: Google-like streaming results in received-audio
// time. Feed returns the responses the audio just received calls for.
class TimingModel {
 public:
  using Timing = FakeSpeechOptions::Timing;
  TimingModel(const Timing& t, std::atomic<std::size_t>& next_segment, int stream, int rate,
              int bps, bool activity_events)
      : t_(t),
        next_segment_(next_segment),
        voiced_(rate, bps),
        activity_events_(activity_events),
        rng_(t.seed * 7919u + static_cast<unsigned>(stream)) {
    ScheduleInterim();
  }

  std::vector<speech::StreamingRecognizeResponse> Feed(const std::string& audio) {
    std::vector<speech::StreamingRecognizeResponse> out;
    voiced_.Feed(audio, [&](bool speech) { Frame(speech, out); });
    return out;
  }

  // WritesDone: the open stretch ends now.
  std::vector<speech::StreamingRecognizeResponse> Flush() {
    std::vector<speech::StreamingRecognizeResponse> out;
    if (seg_open_) CloseSegment(out);
    if (in_stretch_) Final(out);
    return out;
  }

 private:
  void Frame(bool speech, std::vector<speech::StreamingRecognizeResponse>& out) {
    ms_ += 10;
    if (speech) {
      if (!seg_open_) OpenSegment(out);
      seg_speech_ms_ += 10;
      silence_ms_ = 0;
      speech_end_ms_ = ms_;
    } else if (in_stretch_) {
      silence_ms_ += 10;
      if (seg_open_ && silence_ms_ >= t_.segment_gap.count()) CloseSegment(out);
      if (silence_ms_ >= t_.final_pause.count() + t_.final_delay.count()) {
        Final(out);
        return;
      }
    }
    if (in_stretch_ && ms_ >= next_interim_ms_) {
      Interim(out);
      ScheduleInterim();
    } else if (!in_stretch_ && ms_ >= next_interim_ms_) {
      ScheduleInterim();  // the cadence runs on; nothing to say in silence
    }
  }

  void OpenSegment(std::vector<speech::StreamingRecognizeResponse>& out) {
    in_stretch_ = true;
    seg_open_ = true;
    seg_speech_ms_ = 0;
    const std::size_t n = next_segment_.fetch_add(1);
    seg_words_ = t_.segment_texts.empty()
                     ? std::vector<std::string>{"seg" + std::to_string(n)}
                     : SplitWords(t_.segment_texts[n % t_.segment_texts.size()]);
    seg_final_words_ = n < t_.final_texts.size() && !t_.final_texts[n].empty()
                           ? SplitWords(t_.final_texts[n])
                           : seg_words_;
    if (activity_events_)
      out.push_back(Activity(speech::StreamingRecognizeResponse::SPEECH_ACTIVITY_BEGIN, ms_ - 10));
  }

  void CloseSegment(std::vector<speech::StreamingRecognizeResponse>& out) {
    seg_open_ = false;
    done_words_.insert(done_words_.end(), seg_words_.begin(), seg_words_.end());
    final_words_.insert(final_words_.end(), seg_final_words_.begin(), seg_final_words_.end());
    seg_words_.clear();
    if (activity_events_)
      out.push_back(
          Activity(speech::StreamingRecognizeResponse::SPEECH_ACTIVITY_END, speech_end_ms_));
  }

  void Interim(std::vector<speech::StreamingRecognizeResponse>& out) {
    speech::StreamingRecognizeResponse resp;
    if (!done_words_.empty()) {
      auto* r = resp.add_results();
      r->add_alternatives()->set_transcript(JoinWords(done_words_, done_words_.size()));
      r->set_stability(0.9f);
      SetOffset(r->mutable_result_end_offset(),
                seg_open_ ? speech_end_ms_ - seg_speech_ms_ : speech_end_ms_);
      r->set_language_code("ko-kr");
    }
    if (seg_open_ && !seg_words_.empty()) {
      const std::size_t heard = static_cast<std::size_t>(1 + seg_speech_ms_ / t_.word_ms.count());
      const std::size_t shown = std::min(heard, seg_words_.size() - 1);
      if (shown > 0) {
        auto* r = resp.add_results();
        std::string text = JoinWords(seg_words_, shown);
        if (!done_words_.empty()) text = " " + text;
        r->add_alternatives()->set_transcript(text);
        r->set_stability(0.01f);
        SetOffset(r->mutable_result_end_offset(), ms_);
        r->set_language_code("ko-kr");
      }
    }
    if (resp.results_size() > 0) out.push_back(std::move(resp));
  }

  void Final(std::vector<speech::StreamingRecognizeResponse>& out) {
    speech::StreamingRecognizeResponse resp;
    auto* r = resp.add_results();
    auto* alt = r->add_alternatives();
    alt->set_transcript(JoinWords(final_words_, final_words_.size()));
    alt->set_confidence(0.92f);
    r->set_is_final(true);
    SetOffset(r->mutable_result_end_offset(), speech_end_ms_);
    r->set_language_code("ko-kr");
    out.push_back(std::move(resp));
    done_words_.clear();
    final_words_.clear();
    in_stretch_ = false;
    silence_ms_ = 0;
  }

  speech::StreamingRecognizeResponse Activity(
      speech::StreamingRecognizeResponse::SpeechEventType type, std::int64_t at_ms) {
    speech::StreamingRecognizeResponse resp;
    resp.set_speech_event_type(type);
    SetOffset(resp.mutable_speech_event_offset(), std::max<std::int64_t>(0, at_ms));
    return resp;
  }

  void ScheduleInterim() {
    std::uniform_int_distribution<std::int64_t> d(t_.interim_min.count(), t_.interim_max.count());
    next_interim_ms_ = ms_ + d(rng_);
  }

  const Timing& t_;
  std::atomic<std::size_t>& next_segment_;
  VoicedFrames voiced_;
  bool activity_events_;
  std::mt19937 rng_;
  std::int64_t ms_ = 0;  // received audio
  std::int64_t next_interim_ms_ = 0;
  bool in_stretch_ = false;
  bool seg_open_ = false;
  std::int64_t seg_speech_ms_ = 0;
  std::int64_t silence_ms_ = 0;
  std::int64_t speech_end_ms_ = 0;
  std::vector<std::string> seg_words_;
  std::vector<std::string> done_words_;
  std::vector<std::string> seg_final_words_;
  std::vector<std::string> final_words_;
};

speech::StreamingRecognizeResponse PauseFinal(int stream, int n, std::int64_t end_ms) {
  SpeechStep step;
  step.kind = SpeechStep::Kind::kFinal;
  step.text = "s" + std::to_string(stream) + "u" + std::to_string(n);
  step.end_offset = std::chrono::milliseconds(end_ms);
  return MakeResponse(step, stream, 0);
}

class Service final : public speech::Speech::Service {
 public:
  explicit Service(std::shared_ptr<FakeSpeechServer::State> state) : state_(std::move(state)) {}

  grpc::Status StreamingRecognize(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<speech::StreamingRecognizeResponse,
                               speech::StreamingRecognizeRequest>* stream) override {
    int index;
    SpeechScript script;
    std::chrono::milliseconds max_audio;
    if (state_->down) return {grpc::StatusCode::UNAVAILABLE, "the service is unavailable"};
    {
      std::lock_guard lock(state_->mutex);
      index = static_cast<int>(state_->streams.size());
      RecordedStream rec;
      rec.index = index;
      rec.opened_at = std::chrono::steady_clock::now();
      const auto& md = context->client_metadata();
      if (auto it = md.find("x-goog-request-params"); it != md.end()) {
        rec.request_params.assign(it->second.data(), it->second.size());
      }
      state_->streams.push_back(std::move(rec));
      ++state_->active;
      state_->max_active = std::max(state_->max_active, state_->active);
      const auto& scripts = state_->options.scripts;
      if (!scripts.empty()) {
        script =
            scripts[std::min<std::size_t>(static_cast<std::size_t>(index), scripts.size() - 1)];
      }
      max_audio = state_->options.max_stream_audio;
      state_->cv.notify_all();
    }
    const grpc::Status status = Run(index, script, max_audio, context, stream);
    {
      std::lock_guard lock(state_->mutex);
      auto& rec = state_->streams[static_cast<std::size_t>(index)];
      rec.finished = true;
      rec.status = status.error_code();
      --state_->active;
      state_->cv.notify_all();
    }
    return status;
  }

 private:
  grpc::Status Run(int index, const SpeechScript& script, std::chrono::milliseconds max_audio,
                   grpc::ServerContext* context,
                   grpc::ServerReaderWriter<speech::StreamingRecognizeResponse,
                                            speech::StreamingRecognizeRequest>* stream) {
    std::vector<bool> fired(script.size(), false);
    speech::StreamingRecognizeRequest req;
    bool first = true;
    int rate = 0;
    int bps = 0;
    std::size_t bytes = 0;
    std::optional<PauseEndpointer> endpointer;
    std::optional<TimingModel> timing;
    int pause_finals = 0;
    while (stream->Read(&req)) {
      if (state_->down) {
        return {grpc::StatusCode::UNAVAILABLE, "the service is unavailable (connection reset)"};
      }
      const auto now = std::chrono::steady_clock::now();
      if (first) {
        first = false;
        const auto& dec = req.streaming_config().config().explicit_decoding_config();
        rate = dec.sample_rate_hertz();
        bps = dec.encoding() == speech::ExplicitDecodingConfig::MULAW ? 1 : 2;
        std::lock_guard lock(state_->mutex);
        auto& rec = state_->streams[static_cast<std::size_t>(index)];
        rec.first_request = req;
        rec.first_had_audio = !req.audio().empty();
        rec.sample_rate = rate;
        rec.bytes_per_sample = bps;
        if (state_->options.timing.enabled) {
          timing.emplace(
              state_->options.timing, state_->next_segment, index, rate, bps,
              req.streaming_config().streaming_features().enable_voice_activity_events());
        } else if (state_->options.final_on_pause.count() > 0) {
          endpointer.emplace(state_->options.final_on_pause, rate, bps);
        }
        if (!req.has_streaming_config()) {
          return {grpc::StatusCode::INVALID_ARGUMENT, "first request without streaming_config"};
        }
        continue;
      }
      if (req.has_streaming_config()) {
        return {grpc::StatusCode::INVALID_ARGUMENT, "streaming_config after the first request"};
      }
      {
        std::lock_guard lock(state_->mutex);
        auto& rec = state_->streams[static_cast<std::size_t>(index)];
        rec.audio += req.audio();
        rec.chunk_sizes.push_back(req.audio().size());
        rec.arrivals.push_back(now);
      }
      bytes += req.audio().size();
      if (req.audio().size() > 25600) {
        return {grpc::StatusCode::INVALID_ARGUMENT, "audio request over 25600 bytes"};
      }
      if (timing) {
        for (auto& resp : timing->Feed(req.audio())) {
          if (!stream->Write(resp)) return {grpc::StatusCode::CANCELLED, "gone"};
        }
        if (max_audio.count() > 0 && static_cast<double>(bytes) / bps * 1000.0 / rate >
                                         static_cast<double>(max_audio.count())) {
          return {grpc::StatusCode::OUT_OF_RANGE, "Exceeded maximum allowed stream duration of " +
                                                      std::to_string(max_audio.count()) + " ms."};
        }
        continue;
      }
      if (endpointer) {
        for (const auto end_ms : endpointer->Feed(req.audio())) {
          if (!stream->Write(PauseFinal(index, pause_finals++, end_ms))) {
            return {grpc::StatusCode::CANCELLED, "gone"};
          }
        }
      }
      const double ms = rate > 0 && bps > 0 ? static_cast<double>(bytes) / bps * 1000.0 / rate : 0;
      for (std::size_t i = 0; i < script.size(); ++i) {
        const auto& step = script[i];
        if (fired[i] || step.at_half_close ||
            ms + 1e-6 < static_cast<double>(step.at_audio.count())) {
          continue;
        }
        fired[i] = true;
        if (step.delay.count() > 0) std::this_thread::sleep_for(step.delay);
        if (step.kind == SpeechStep::Kind::kError) return {step.code, step.message};
        if (!stream->Write(MakeResponse(step, index, ms))) {
          return {grpc::StatusCode::CANCELLED, "gone"};
        }
      }
      if (max_audio.count() > 0 && ms > static_cast<double>(max_audio.count())) {
        return {grpc::StatusCode::OUT_OF_RANGE, "Exceeded maximum allowed stream duration of " +
                                                    std::to_string(max_audio.count()) + " ms."};
      }
    }
    if (context->IsCancelled()) return {grpc::StatusCode::CANCELLED, "cancelled by the client"};
    {
      std::lock_guard lock(state_->mutex);
      state_->streams[static_cast<std::size_t>(index)].half_closed = true;
    }
    if (state_->down) return {grpc::StatusCode::UNAVAILABLE, "the service is unavailable"};
    if (timing) {
      for (auto& resp : timing->Flush()) {
        if (!stream->Write(resp)) return {grpc::StatusCode::CANCELLED, "gone"};
      }
      return grpc::Status::OK;
    }
    if (endpointer) {
      if (const auto end_ms = endpointer->Flush()) {
        if (!stream->Write(PauseFinal(index, pause_finals++, *end_ms))) {
          return {grpc::StatusCode::CANCELLED, "gone"};
        }
      }
    }
    const double ms = rate > 0 && bps > 0 ? static_cast<double>(bytes) / bps * 1000.0 / rate : 0;
    for (std::size_t i = 0; i < script.size(); ++i) {
      const auto& step = script[i];
      if (fired[i] || !step.at_half_close) continue;
      fired[i] = true;
      if (step.delay.count() > 0) std::this_thread::sleep_for(step.delay);
      if (step.kind == SpeechStep::Kind::kError) return {step.code, step.message};
      if (!stream->Write(MakeResponse(step, index, ms))) {
        return {grpc::StatusCode::CANCELLED, "gone"};
      }
    }
    return grpc::Status::OK;
  }

  std::shared_ptr<FakeSpeechServer::State> state_;
};

}  // namespace

class FakeSpeechServer::Impl {
 public:
  Impl(std::shared_ptr<State> state, int port) : service_(state) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:" + std::to_string(port), grpc::InsecureServerCredentials(),
                             &port_);
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
  }
  // Streams still reading when the deadline passes are cancelled.
  void Shutdown(std::chrono::milliseconds grace) {
    if (server_) server_->Shutdown(std::chrono::system_clock::now() + grace);
    server_.reset();  // closes the listening port
  }
  ~Impl() { Shutdown(std::chrono::seconds(2)); }
  int port_ = 0;
  Service service_;
  std::unique_ptr<grpc::Server> server_;
};

FakeSpeechServer::FakeSpeechServer(FakeSpeechOptions options) : state_(std::make_shared<State>()) {
  state_->options = std::move(options);
  impl_ = std::make_unique<Impl>(state_, state_->options.port);
  port_ = static_cast<std::uint16_t>(impl_->port_);
}

FakeSpeechServer::~FakeSpeechServer() = default;

void FakeSpeechServer::Stop() {
  std::lock_guard lock(impl_mutex_);
  if (!impl_) return;
  state_->down = true;
  // Streams that send audio in the grace period end UNAVAILABLE at their next
  // request; idle ones are cancelled at its end.
  impl_->Shutdown(std::chrono::milliseconds(300));
  impl_.reset();
}

bool FakeSpeechServer::Restart() {
  std::lock_guard lock(impl_mutex_);
  if (impl_) return true;
  state_->down = false;
  auto impl = std::make_unique<Impl>(state_, port_);
  if (impl->port_ != port_) return false;
  impl_ = std::move(impl);
  return true;
}

bool FakeSpeechServer::Running() const {
  std::lock_guard lock(impl_mutex_);
  return impl_ != nullptr;
}

std::uint16_t FakeSpeechServer::port() const { return port_; }

std::string FakeSpeechServer::Endpoint() const { return "127.0.0.1:" + std::to_string(port_); }

void FakeSpeechServer::SetScripts(std::vector<SpeechScript> scripts) {
  std::lock_guard lock(state_->mutex);
  state_->options.scripts = std::move(scripts);
}

std::vector<RecordedStream> FakeSpeechServer::Streams() const {
  std::lock_guard lock(state_->mutex);
  return state_->streams;
}

std::size_t FakeSpeechServer::StreamCount() const {
  std::lock_guard lock(state_->mutex);
  return state_->streams.size();
}

int FakeSpeechServer::MaxConcurrent() const {
  std::lock_guard lock(state_->mutex);
  return state_->max_active;
}

bool FakeSpeechServer::WaitForStreams(std::size_t n, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(state_->mutex);
  return state_->cv.wait_for(lock, timeout, [&] { return state_->streams.size() >= n; });
}

bool FakeSpeechServer::WaitForFinished(std::size_t n, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(state_->mutex);
  return state_->cv.wait_for(lock, timeout, [&] {
    return std::count_if(state_->streams.begin(), state_->streams.end(),
                         [](const RecordedStream& s) { return s.finished; }) >=
           static_cast<std::ptrdiff_t>(n);
  });
}

bool FakeSpeechServer::WaitForIdle(std::size_t n, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(state_->mutex);
  return state_->cv.wait_for(lock, timeout,
                             [&] { return state_->streams.size() >= n && state_->active == 0; });
}

std::string ParseSpeechScript(const std::string& text, FakeSpeechOptions& options) {
  auto json = nlohmann::json::parse(text, nullptr, false);
  if (json.is_discarded() || !json.is_object()) return "script is not a JSON object";
  options.max_stream_audio = std::chrono::milliseconds(json.value("max_stream_audio_ms", 0));
  options.final_on_pause = std::chrono::milliseconds(json.value("final_on_pause_ms", 0));
  if (json.contains("timing")) {
    const auto& t = json["timing"];
    if (!t.is_object()) return "timing is not an object";
    auto& o = options.timing;
    o.enabled = true;
    o.segment_texts.clear();
    for (const auto& s : t.value("segments", nlohmann::json::array())) {
      if (!s.is_string()) return "timing.segments holds a non-string";
      o.segment_texts.push_back(s.get<std::string>());
    }
    o.interim_min = std::chrono::milliseconds(t.value("interim_min_ms", 100));
    o.interim_max = std::chrono::milliseconds(t.value("interim_max_ms", 300));
    o.word_ms = std::chrono::milliseconds(t.value("word_ms", 300));
    o.segment_gap = std::chrono::milliseconds(t.value("segment_gap_ms", 150));
    o.final_pause = std::chrono::milliseconds(t.value("final_pause_ms", 350));
    o.final_delay = std::chrono::milliseconds(t.value("final_delay_ms", 150));
    o.seed = t.value("seed", 1u);
    if (o.interim_min.count() < 10 || o.interim_max < o.interim_min || o.word_ms.count() <= 0 ||
        o.segment_gap.count() < 10 || o.final_pause < o.segment_gap) {
      return "timing: need 10 <= interim_min <= interim_max, word_ms > 0, "
             "10 <= segment_gap <= final_pause";
    }
  }
  static const std::map<std::string, grpc::StatusCode> kCodes = {
      {"CANCELLED", grpc::StatusCode::CANCELLED},
      {"UNKNOWN", grpc::StatusCode::UNKNOWN},
      {"INVALID_ARGUMENT", grpc::StatusCode::INVALID_ARGUMENT},
      {"DEADLINE_EXCEEDED", grpc::StatusCode::DEADLINE_EXCEEDED},
      {"NOT_FOUND", grpc::StatusCode::NOT_FOUND},
      {"PERMISSION_DENIED", grpc::StatusCode::PERMISSION_DENIED},
      {"UNAUTHENTICATED", grpc::StatusCode::UNAUTHENTICATED},
      {"RESOURCE_EXHAUSTED", grpc::StatusCode::RESOURCE_EXHAUSTED},
      {"ABORTED", grpc::StatusCode::ABORTED},
      {"OUT_OF_RANGE", grpc::StatusCode::OUT_OF_RANGE},
      {"INTERNAL", grpc::StatusCode::INTERNAL},
      {"UNAVAILABLE", grpc::StatusCode::UNAVAILABLE},
  };
  options.scripts.clear();
  for (const auto& s : json.value("scripts", nlohmann::json::array())) {
    SpeechScript script;
    for (const auto& j : s) {
      SpeechStep step;
      const std::string kind = j.value("kind", "final");
      if (kind == "final") {
        step.kind = SpeechStep::Kind::kFinal;
      } else if (kind == "interim") {
        step.kind = SpeechStep::Kind::kInterim;
      } else if (kind == "error") {
        step.kind = SpeechStep::Kind::kError;
        auto it = kCodes.find(j.value("code", "UNAVAILABLE"));
        if (it == kCodes.end()) return "unknown status code " + j.value("code", "");
        step.code = it->second;
      } else {
        return "unknown step kind " + kind;
      }
      step.at_audio = std::chrono::milliseconds(j.value("at_ms", 0));
      step.at_half_close = j.value("at_half_close", false);
      step.text = j.value("text", "");
      step.end_offset = std::chrono::milliseconds(j.value("end_ms", 0));
      step.confidence = j.value("confidence", 0.9f);
      step.delay = std::chrono::milliseconds(j.value("delay_ms", 0));
      script.push_back(std::move(step));
    }
    options.scripts.push_back(std::move(script));
  }
  return {};
}

}  // namespace aicc::fakes
