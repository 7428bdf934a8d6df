// stt::MakeRecognizer and the Google Speech-to-Text V2 recognizer.
#include <grpcpp/security/credentials.h>
#include <stdlib.h>

#include <chrono>
#include <mutex>

#include "core/logging.h"
#include "stt/internal/google_session.h"
#include "stt/recognizer.h"

namespace aicc::stt {
namespace {

using internal::ClientShared;

class GoogleRecognizer final : public Recognizer {
 public:
  GoogleRecognizer(std::shared_ptr<ClientShared> shared,
                   std::unique_ptr<internal::ChannelPool> pool,
                   std::unique_ptr<core::MetricsRegistry> owned_metrics)
      : owned_metrics_(std::move(owned_metrics)),
        pool_(std::move(pool)),
        shared_(std::move(shared)),
        name_("google/" + shared_->settings.model) {}

  ~GoogleRecognizer() override {
    // Sessions are closed before the recognizer goes; their cancelled calls
    // end on gRPC threads shortly after, and the last handlers holding the
    // streams run on the sessions' executors. The channels may only be
    // destroyed once no stream (no ClientContext) is left, and nothing may
    // touch the metrics registry after this returns: wait for them.
    std::unique_lock lock(shared_->live_mutex);
    if (!shared_->live_cv.wait_for(lock, std::chrono::seconds(5),
                                   [&] { return shared_->live_streams == 0; })) {
      core::Logger("stt")->warn(
          "{} speech streams still alive at shutdown (was a session not closed, or its executor "
          "stopped?); leaving the gRPC channels to the process exit",
          shared_->live_streams);
      (void)pool_.release();  // deliberately leaked: destroying them under live calls crashes
    }
  }

  boost::system::result<void, std::string> ReloadPhrases(const std::vector<std::string>& phrases,
                                                         const std::string& phrases_path) override {
    auto loaded = internal::LoadPhrases(phrases, phrases_path);
    if (!loaded) return {boost::system::in_place_error, loaded.error()};
    auto request =
        std::make_shared<internal::speech::StreamingRecognizeRequest>(*shared_->FirstRequest());
    auto* config = request->mutable_streaming_config()->mutable_config();
    const float boost = shared_->settings.phrase_boost;
    config->clear_adaptation();
    if (!loaded->empty()) {
      auto* set = config->mutable_adaptation()->add_phrase_sets()->mutable_inline_phrase_set();
      set->set_boost(boost);
      for (const auto& p : *loaded) set->add_phrases()->set_value(p);
    }
    {
      std::lock_guard lock(shared_->first_request_mutex);
      shared_->first_request = std::move(request);
    }
    core::Logger("stt")->info("phrase hints reloaded: {} phrases for new streams", loaded->size());
    return {};
  }

  std::unique_ptr<RecognizerSession> Open(SessionContext ctx) override {
    std::unique_ptr<audio::Resampler> resampler;
    if (ctx.sample_rate != shared_->settings.sample_rate) {
      auto r = audio::Resampler::Create(ctx.sample_rate, shared_->settings.sample_rate);
      if (r) {
        resampler = std::move(*r);
      } else {
        core::Logger("stt")->error("no resampler {} → {} Hz: {}", ctx.sample_rate,
                                   shared_->settings.sample_rate, r.error());
      }
    }
    return std::make_unique<internal::GoogleSessionHandle>(
        std::make_shared<internal::GoogleSession>(shared_, std::move(ctx), std::move(resampler)));
  }

  std::string_view Name() const override { return name_; }
  RecognizerHealth Health() const override { return shared_->Health(); }

 private:
  std::unique_ptr<core::MetricsRegistry> owned_metrics_;  // when none was given
  std::unique_ptr<internal::ChannelPool> pool_;           // destroyed after every call ended
  std::shared_ptr<ClientShared> shared_;
  std::string name_;
};

}  // namespace

boost::system::result<std::unique_ptr<Recognizer>, std::string> MakeRecognizer(
    const GoogleOptions& options, core::MetricsRegistry* metrics) {
  if (options.engine == "none") return MakeNullRecognizer();
  if (options.engine == "auto" && options.credentials_path.empty() && !options.insecure) {
    core::Logger("stt")->warn(
        "speech-to-text off: no Google credentials (set GOOGLE_APPLICATION_CREDENTIALS to a "
        "service-account "
        "JSON file); turns are still detected and sent with empty transcripts");
    return MakeNullRecognizer();
  }
  auto settings = internal::BuildSettings(options);
  if (!settings) return settings.error();

  std::shared_ptr<grpc::ChannelCredentials> credentials;
  if (options.insecure) {
    credentials = grpc::InsecureChannelCredentials();
  } else {
    // gRPC's Google default credentials read GOOGLE_APPLICATION_CREDENTIALS;
    // stt.credentials may have come from the config file instead.
    if (!options.credentials_path.empty()) {
      ::setenv("GOOGLE_APPLICATION_CREDENTIALS", options.credentials_path.c_str(), 1);
    }
    credentials = grpc::GoogleDefaultCredentials();
    if (!credentials) {
      return std::string(
          "could not load Google credentials: set stt.credentials (GOOGLE_APPLICATION_CREDENTIALS) "
          "to a service-account JSON file");
    }
  }

  std::unique_ptr<core::MetricsRegistry> owned;
  if (metrics == nullptr) {
    owned = std::make_unique<core::MetricsRegistry>();
    metrics = owned.get();
  }
  auto shared = std::make_shared<ClientShared>();
  shared->settings = std::move(*settings);
  auto pool = std::make_unique<internal::ChannelPool>(shared->settings.endpoint, credentials,
                                                      shared->settings.max_streams_per_channel);
  shared->pool = pool.get();
  shared->metrics = metrics;
  shared->opens = &metrics->GetCounter("aicc_stt_stream_opens_total", "Speech streams opened");
  shared->rotations = &metrics->GetCounter(
      "aicc_stt_rotations_total", "Speech streams replaced (time limit, or Google's OUT_OF_RANGE)");
  shared->queue_full = &metrics->GetCounter(
      "aicc_stt_queue_full_total", "Audio requests dropped because a stream's queue was full");
  shared->audio_seconds =
      &metrics->GetCounter("aicc_stt_audio_seconds_total", "Seconds of audio sent to Google");
  shared->open_gauge = &metrics->GetGauge("aicc_stt_streams_open", "Speech streams open now");
  shared->failing_gauge = &metrics->GetGauge(
      "aicc_stt_failing",
      "1 while speech-to-text fails (a stream error, no response since), else 0");
  shared->final_latency = &metrics->GetHistogram(
      "aicc_stt_final_latency_seconds",
      "End of the utterance (the VAD's long pause) to its final transcript; 0 when the final "
      "came first",
      core::LatencyBuckets());
  for (auto code :
       {"UNAVAILABLE", "RESOURCE_EXHAUSTED", "INTERNAL", "DEADLINE_EXCEEDED", "OUT_OF_RANGE",
        "ABORTED", "UNAUTHENTICATED", "PERMISSION_DENIED", "INVALID_ARGUMENT", "NOT_FOUND"}) {
    shared->ErrorCounter(code);  // exported at 0 from the start
  }
  core::Logger("stt")->info(
      "speech-to-text: Google V2 {} at {} (model {}, {}, {} Hz {})", shared->settings.recognizer,
      shared->settings.endpoint, shared->settings.model, shared->settings.language,
      shared->settings.sample_rate, shared->settings.mulaw ? "MULAW" : "LINEAR16");
  return std::unique_ptr<Recognizer>(
      std::make_unique<GoogleRecognizer>(std::move(shared), std::move(pool), std::move(owned)));
}

}  // namespace aicc::stt
