#include "app/module_options.h"

#include <algorithm>
#include <fstream>

#include "pii/masker.h"

namespace aicc::app {
namespace {
std::chrono::milliseconds Ms(const core::Config& c, std::string_view name) {
  return std::chrono::milliseconds(c.GetInt(name));
}
}  // namespace

vad::EngineOptions VadEngineOptionsFrom(const core::Config& cfg) {
  vad::EngineOptions o;
  o.engine = cfg.GetString("vad.engine");
  o.model_path = cfg.GetString("vad.model");
  o.energy_threshold = cfg.GetDouble("vad.threshold");
  return o;
}

vad::SegmenterOptions SegmenterOptionsFrom(const core::Config& cfg) {
  vad::SegmenterOptions o;
  o.threshold = cfg.GetDouble("vad.threshold");
  // The end threshold can never exceed the start threshold (hysteresis).
  o.end_threshold = std::min(cfg.GetDouble("vad.end_threshold"), o.threshold);
  o.min_speech = Ms(cfg, "vad.min_speech_ms");
  o.min_silence = Ms(cfg, "vad.min_silence_ms");
  o.end_trim = Ms(cfg, "vad.end_trim_ms");
  o.pre_roll = Ms(cfg, "vad.pre_roll_ms");
  o.max_segment = Ms(cfg, "vad.max_segment_ms");
  return o;
}

stt::GoogleOptions SttOptionsFrom(const core::Config& cfg) {
  stt::GoogleOptions o;
  o.engine = cfg.GetString("stt.engine");
  o.credentials_path = cfg.GetString("stt.credentials");
  o.project = cfg.GetString("stt.project");
  o.location = cfg.GetString("stt.location");
  o.recognizer = cfg.GetString("stt.recognizer");
  o.language = cfg.GetString("stt.language");
  o.model = cfg.GetString("stt.model");
  o.encoding = cfg.GetString("stt.encoding");
  o.sample_rate = static_cast<int>(std::stoi(cfg.GetString("stt.sample_rate")));
  o.phrases = cfg.GetList("stt.phrases");
  o.phrases_path = cfg.GetString("stt.phrases_path");
  o.phrase_boost = cfg.GetDouble("stt.phrase_boost");
  o.rotation_sec = static_cast<int>(cfg.GetInt("stt.rotation_sec"));
  o.idle_close_ms = static_cast<int>(cfg.GetInt("stt.idle_close_ms"));
  o.final_wait_ms = static_cast<int>(cfg.GetInt("stt.final_wait_ms"));
  o.outage_wait_ms = static_cast<int>(cfg.GetInt("stt.outage_wait_ms"));
  o.max_streams_per_channel = static_cast<int>(cfg.GetInt("stt.max_streams_per_channel"));
  o.endpoint = cfg.GetString("stt.endpoint");
  o.insecure = cfg.GetBool("stt.insecure");
  return o;
}

turn::DetectorOptions TurnOptionsFrom(const core::Config& cfg) {
  turn::DetectorOptions o;
  o.mode = cfg.GetString("turn.mode") == "seed" ? turn::Mode::kSeed : turn::Mode::kAicc;
  o.morpheme_weight = cfg.GetDouble("turn.morpheme_weight");
  o.duration_weight = cfg.GetDouble("turn.duration_weight");
  o.silence_weight = cfg.GetDouble("turn.silence_weight");
  o.complete_threshold = cfg.GetDouble("turn.complete_threshold");
  return o;
}

sink::DispatcherOptions SinkOptionsFrom(const core::Config& cfg) {
  sink::DispatcherOptions o;
  o.urls = cfg.GetList("sink.urls");
  o.journal.directory = cfg.GetString("sink.journal_dir") + "/journal";
  o.journal.max_bytes = static_cast<std::uint64_t>(cfg.GetInt("sink.journal_max_bytes"));
  o.journal.segment_bytes = std::min<std::uint64_t>(4u << 20, o.journal.max_bytes / 4);
  const std::string fsync = cfg.GetString("sink.fsync");
  o.journal.fsync = fsync == "always"  ? sink::FsyncPolicy::kAlways
                    : fsync == "never" ? sink::FsyncPolicy::kNever
                                       : sink::FsyncPolicy::kInterval;
  o.journal.full_policy = cfg.GetString("sink.journal_full_policy") == "block"
                              ? sink::FullPolicy::kBlock
                              : sink::FullPolicy::kDropOldest;
  o.new_backend_start = cfg.GetString("sink.new_backend_start") == "retained"
                            ? sink::NewBackendStart::kRetained
                            : sink::NewBackendStart::kNow;
  o.fsync_interval = Ms(cfg, "sink.fsync_interval_ms");
  o.stdout_output = cfg.GetBool("sink.stdout");
  o.jsonl_path = cfg.GetString("sink.jsonl_path");
  o.ack = cfg.GetBool("sink.ack");
  o.tls_verify = cfg.GetBool("sink.tls_verify");
  o.ca_file = cfg.GetString("sink.ca_file");
  o.ping_interval = std::chrono::seconds(cfg.GetInt("sink.ping_interval_sec"));
  o.reconnect_min = Ms(cfg, "sink.reconnect_min_ms");
  o.reconnect_max = Ms(cfg, "sink.reconnect_max_ms");
  o.jwt.secret = cfg.GetString("sink.auth_secret");
  o.jwt.client_id = cfg.GetString("sink.auth_client_id");
  o.jwt.algorithm = cfg.GetString("sink.auth_algorithm");
  o.jwt.ttl_hours = cfg.GetDouble("sink.auth_token_ttl_hours");
  return o;
}

rtp::ReceiverOptions ReceiverOptionsFrom(const core::Config& cfg) {
  rtp::ReceiverOptions o;
  o.bind_address = cfg.GetString("media.bind_address");
  o.customer_port = static_cast<std::uint16_t>(cfg.GetInt("media.customer_port"));
  o.agent_port = static_cast<std::uint16_t>(cfg.GetInt("media.agent_port"));
  o.stream.depth = Ms(cfg, "media.jitter_buffer_ms");
  o.stream.concealment = cfg.GetString("media.loss_concealment") == "repeat"
                             ? rtp::Concealment::kRepeat
                             : rtp::Concealment::kSilence;
  o.socket_buffer_bytes = static_cast<int>(cfg.GetInt("media.socket_buffer_bytes"));
  o.unknown_source_grace = Ms(cfg, "media.unknown_source_grace_ms");
  o.probation_packets = static_cast<std::size_t>(cfg.GetInt("media.stream_probation_packets"));
  o.max_new_streams_per_second =
      static_cast<double>(cfg.GetInt("media.max_new_streams_per_second"));
  o.max_new_streams_per_second_per_address =
      static_cast<double>(cfg.GetInt("media.max_new_streams_per_second_per_address"));
  o.slin16_payload_type = static_cast<std::uint8_t>(cfg.GetInt("media.slin16_payload_type"));
  return o;
}

pipeline::PipelineOptions PipelineOptionsFrom(const core::Config& cfg, bool pipeline_only) {
  pipeline::PipelineOptions o;
  o.speaker.segmenter = SegmenterOptionsFrom(cfg);
  o.speaker.drop_empty_transcripts = cfg.GetString("pipeline.empty_transcript") == "drop";
  o.speaker.early.enabled = cfg.GetBool("turn.early");
  o.speaker.early.short_pause = Ms(cfg, "turn.early_pause_ms");
  o.speaker.early.backchannel_pause = Ms(cfg, "turn.early_backchannel_pause_ms");
  o.speaker.early.min_text_score = cfg.GetDouble("turn.early_min_score");
  o.speaker.early.update_events = cfg.GetBool("turn.update_events");
  o.speaker.closing_silence = Ms(cfg, "stt.closing_silence_ms");
  o.pipeline_only = pipeline_only;
  o.call_idle_timeout = std::chrono::seconds(cfg.GetInt("pipeline.call_idle_timeout_sec"));
  // A call ending during a Google outage waits for its held utterances too.
  o.finish_timeout = std::max(Ms(cfg, "stt.final_wait_ms"), Ms(cfg, "stt.outage_wait_ms")) +
                     std::chrono::milliseconds(3000);
  o.pii.reset();
  if (cfg.GetString("pii.mask") == "on") {
    pii::Options p;
    p.categories.reset();
    for (const auto& name : cfg.GetList("pii.categories")) {
      // The setting's validator admits only these names.
      if (const auto c = pii::ParseCategory(name)) p.categories.set(static_cast<std::size_t>(*c));
    }
    p.keep_last4 = cfg.GetBool("pii.keep_last4");
    o.pii = p;
  }
  return o;
}

boost::system::result<ari::ControllerOptions, std::string> AriOptionsFrom(
    const core::Config& cfg, std::uint16_t customer_port, std::uint16_t agent_port) {
  ari::ControllerOptions o;
  o.url = cfg.GetString("ari.url");
  o.username = cfg.GetString("ari.username");
  o.password = cfg.GetString("ari.password");
  o.app = cfg.GetString("ari.app");
  o.external_host = cfg.GetString("ari.external_host");
  o.customer_port = customer_port;
  o.agent_port = agent_port;
  o.format = cfg.GetString("ari.format");
  o.routing =
      cfg.GetString("ari.routing") == "dialplan" ? ari::Routing::kDialplan : ari::Routing::kAri;
  o.agents = cfg.GetList("ari.agents");
  auto priority = ari::ParseAgentPriority(cfg.GetList("ari.agent_priority"));
  if (!priority) return {boost::system::in_place_error, priority.error()};
  o.priority = std::move(*priority);
  o.agent_dial_timeout = std::chrono::seconds(cfg.GetInt("ari.agent_dial_timeout_sec"));
  o.agent_wait = std::chrono::seconds(cfg.GetInt("ari.agent_wait_sec"));
  o.agent_retry = std::chrono::seconds(cfg.GetInt("ari.agent_retry_sec"));
  o.call_started_url = cfg.GetString("ari.call_started_url");
  o.moh_class = cfg.GetString("ari.moh_class");
  o.max_calls = static_cast<std::size_t>(cfg.GetInt("ari.max_calls"));
  o.request_timeout = Ms(cfg, "ari.request_timeout_ms");
  o.on_shutdown = cfg.GetString("ari.on_shutdown") == "hangup" ? ari::ShutdownPolicy::kHangup
                                                               : ari::ShutdownPolicy::kKeepCalls;
  return o;
}

}  // namespace aicc::app
