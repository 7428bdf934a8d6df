// The settings table: the single source of every aicc setting (STYLE.md §9).
// Designated initializers leave unnamed fields at their defaults on purpose.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
// Environment names after the first are the old system's, kept so aicc is a
// drop-in replacement. docs/configuration.md is generated from this table.
#include <string_view>

#include "core/config.h"

namespace aicc::core {
namespace {

using T = SettingType;

std::optional<std::string> IsWebSocketUrl(std::string_view v) {
  if (v.rfind("ws://", 0) == 0 || v.rfind("wss://", 0) == 0) {
    const auto host_start = v.find("//") + 2;
    if (host_start < v.size() && v[host_start] != '/' && v[host_start] != ':') return std::nullopt;
  }
  return "a ws:// or wss:// URL with a host";
}

std::optional<std::string> IsHttpUrl(std::string_view v) {
  if (v.empty()) return std::nullopt;
  if (v.rfind("http://", 0) == 0 || v.rfind("https://", 0) == 0) {
    const auto host_start = v.find("//") + 2;
    if (host_start < v.size() && v[host_start] != '/' && v[host_start] != ':') return std::nullopt;
  }
  return "an http:// or https:// URL with a host";
}

std::optional<std::string> IsHostPort(std::string_view v) {
  const auto colon = v.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 >= v.size()) {
    return "host:port, e.g. 127.0.0.1:9100";
  }
  for (char c : v.substr(colon + 1)) {
    if (c < '0' || c > '9') return "host:port, e.g. 127.0.0.1:9100";
  }
  return std::nullopt;
}

std::optional<std::string> IsKeyValue(std::string_view v) {
  const auto eq = v.find('=');
  if (eq == std::string_view::npos || eq == 0 || eq + 1 >= v.size()) return "key=value items";
  return std::nullopt;
}

std::vector<SettingSpec> BuildTable() {
  return {
      // --- logging -------------------------------------------------------
      {.name = "log.level", .env = {"AICC_LOG_LEVEL"}, .flag = "log-level", .type = T::kEnum,
       .default_value = "info", .choices = {"trace", "debug", "info", "warn", "error", "off"},
       .help = "Log level of every module."},
      {.name = "log.debug", .env = {"AICC_DEBUG"}, .flag = "debug", .type = T::kBool,
       .default_value = "false", .help = "Debug logging (the old system's switch); forces at least `debug`."},

      // --- media (RTP intake) ---------------------------------------------
      {.name = "media.bind_address", .env = {"AICC_BIND_ADDRESS"}, .flag = "bind", .type = T::kString,
       .default_value = "0.0.0.0",
       .help = "Address the RTP sockets bind to. Asterisk's ExternalMedia channels send here."},
      {.name = "media.customer_port", .env = {"AICC_CUSTOMER_PORT", "CUSTOMER_PORT"},
       .flag = "customer-port", .type = T::kInt, .default_value = "12345", .min = 0, .max = 65535,
       .help = "UDP port for the customer's voice (snoop `spy=in`). 0 picks a free port (tests, demo)."},
      {.name = "media.agent_port", .env = {"AICC_AGENT_PORT", "AGENT_PORT"}, .flag = "agent-port",
       .type = T::kInt, .default_value = "12346", .min = 0, .max = 65535,
       .help = "UDP port for the agent's voice (snoop `spy=out`). 0 picks a free port (tests, demo)."},
      {.name = "media.jitter_buffer_ms", .env = {"AICC_JITTER_BUFFER_MS"}, .type = T::kInt,
       .default_value = "60", .min = 0, .max = 1000,
       .help = "Reorder buffer depth per stream; packets later than this count as late."},
      {.name = "media.loss_concealment", .env = {"AICC_LOSS_CONCEALMENT"}, .type = T::kEnum,
       .default_value = "silence", .choices = {"silence", "repeat"},
       .help = "What fills a lost packet's 20 ms: silence, or the previous packet repeated once then silence."},
      {.name = "media.socket_buffer_bytes", .env = {"AICC_SOCKET_BUFFER_BYTES"}, .type = T::kInt,
       .default_value = "8388608", .min = 65536, .max = 1073741824,
       .help = "SO_RCVBUF requested for each RTP socket (the kernel may cap it at net.core.rmem_max)."},
      {.name = "media.unknown_source_grace_ms", .env = {"AICC_UNKNOWN_SOURCE_GRACE_MS"}, .type = T::kInt,
       .default_value = "2000", .min = 0, .max = 60000,
       .help = "With ARI: how long packets from a source not yet registered are held (the HTTP response "
               "naming it may arrive after its first packets) before they are counted and dropped."},
      {.name = "media.slin16_payload_type", .env = {"AICC_SLIN16_PAYLOAD_TYPE"}, .type = T::kInt,
       .default_value = "118", .min = 96, .max = 127,
       .help = "Dynamic payload type Asterisk uses for slin16 ExternalMedia streams."},

      // --- pipeline ---------------------------------------------------------
      {.name = "pipeline.call_idle_timeout_sec", .env = {"AICC_CALL_IDLE_TIMEOUT_SEC"}, .type = T::kInt,
       .default_value = "30", .min = 1, .max = 3600,
       .help = "Without ARI: a call ends after this long without RTP on both ports."},
      {.name = "pipeline.empty_transcript", .env = {"AICC_EMPTY_TRANSCRIPT"}, .type = T::kEnum,
       .default_value = "drop", .choices = {"drop", "send"},
       .help = "Turns whose recognizer returned no text: dropped (as the old system did) or sent. "
               "Always sent (with `stt_final=false`) when no recognizer is configured."},

      // --- vad ----------------------------------------------------------------
      {.name = "vad.engine", .env = {"AICC_VAD_ENGINE"}, .flag = "vad", .type = T::kEnum,
       .default_value = "silero", .choices = {"silero", "energy"},
       .help = "Speech detector. `silero` falls back to `energy` (with a warning) when the model file is missing."},
      {.name = "vad.model", .env = {"AICC_VAD_MODEL"}, .flag = "vad-model", .type = T::kString,
       .default_value = "models/silero_vad_v5.onnx", .help = "Path of the Silero VAD v5 ONNX file."},
      {.name = "vad.threshold", .env = {"AICC_VAD_THRESHOLD"}, .type = T::kDouble,
       .default_value = "0.6", .min = 0, .max = 1, .help = "Speech probability that starts speech."},
      {.name = "vad.end_threshold", .env = {"AICC_VAD_END_THRESHOLD"}, .type = T::kDouble,
       .default_value = "0.45", .min = 0, .max = 1,
       .help = "Probability below which a frame counts as silence while in speech (hysteresis)."},
      {.name = "vad.min_speech_ms", .env = {"AICC_MIN_SPEECH_MS"}, .type = T::kInt,
       .default_value = "250", .min = 0, .max = 10000, .help = "Shorter speech is ignored."},
      {.name = "vad.min_silence_ms", .env = {"AICC_MIN_SILENCE_MS"}, .type = T::kInt,
       .default_value = "800", .min = 20, .max = 10000, .help = "Pause that ends an utterance."},
      {.name = "vad.pre_roll_ms", .env = {"AICC_VAD_PRE_ROLL_MS"}, .type = T::kInt,
       .default_value = "300", .min = 0, .max = 2000,
       .help = "Audio before the detected start handed to the recognizer with the speech start."},
      {.name = "vad.max_segment_ms", .env = {"AICC_VAD_MAX_SEGMENT_MS"}, .type = T::kInt,
       .default_value = "30000", .min = 1000, .max = 600000,
       .help = "An utterance is cut here even without a pause."},

      // --- stt ----------------------------------------------------------------
      {.name = "stt.engine", .env = {"AICC_STT_ENGINE"}, .flag = "stt", .type = T::kEnum,
       .default_value = "auto", .choices = {"auto", "google", "none"},
       .help = "`auto`: Google when credentials are configured, else none (turns still flow, without text)."},
      {.name = "stt.credentials", .env = {"GOOGLE_APPLICATION_CREDENTIALS"}, .type = T::kString,
       .help = "Service-account JSON file for Google Cloud."},
      {.name = "stt.project", .env = {"AICC_STT_PROJECT", "GOOGLE_CLOUD_PROJECT"}, .type = T::kString,
       .help = "Google Cloud project; default: `project_id` of the credentials file."},
      {.name = "stt.location", .env = {"AICC_STT_LOCATION"}, .type = T::kString,
       .default_value = "global",
       .help = "Speech location; not `global` selects the regional endpoint `<location>-speech.googleapis.com`."},
      {.name = "stt.recognizer", .env = {"AICC_STT_RECOGNIZER"}, .type = T::kString,
       .help = "Full recognizer name; default `projects/<project>/locations/<location>/recognizers/_`."},
      {.name = "stt.language", .env = {"AICC_STT_LANGUAGE"}, .type = T::kString,
       .default_value = "ko-KR", .help = "Recognition language."},
      {.name = "stt.model", .env = {"AICC_STT_MODEL"}, .type = T::kString, .default_value = "telephony",
       .help = "Google model (`telephony`, `long`, `chirp_2`, `chirp_3`, ...)."},
      {.name = "stt.encoding", .env = {"AICC_STT_ENCODING"}, .type = T::kEnum,
       .default_value = "linear16", .choices = {"linear16", "mulaw"}, .help = "Audio encoding sent to Google."},
      {.name = "stt.sample_rate", .env = {"AICC_STT_SAMPLE_RATE"}, .type = T::kEnum,
       .default_value = "8000", .choices = {"8000", "16000"},
       .help = "Rate sent to Google: 8000 (native telephony, Google's advice) or 16000 (the old system's)."},
      {.name = "stt.phrases", .env = {"AICC_STT_PHRASES"}, .type = T::kList,
       .help = "Phrase hints (comma-separated)."},
      {.name = "stt.phrases_path", .env = {"AICC_STT_PHRASES_PATH"}, .type = T::kString,
       .help = "File with one phrase hint per line (reloaded on SIGHUP)."},
      {.name = "stt.phrase_boost", .env = {"AICC_STT_PHRASE_BOOST"}, .type = T::kDouble,
       .default_value = "10", .min = 0, .max = 20, .help = "Boost of the phrase hints."},
      {.name = "stt.rotation_sec", .env = {"AICC_STT_ROTATION_SEC"}, .type = T::kInt,
       .default_value = "270", .min = 2, .max = 295,
       .help = "A stream is replaced (with overlap) after this long, before Google's 5-minute limit."},
      {.name = "stt.idle_close_ms", .env = {"AICC_STT_IDLE_CLOSE_MS"}, .type = T::kInt,
       .default_value = "5000", .min = 500, .max = 9000,
       .help = "A stream without speech for this long is closed (Google stops streams idle ~10 s)."},
      {.name = "stt.final_wait_ms", .env = {"AICC_STT_FINAL_WAIT_MS"}, .type = T::kInt,
       .default_value = "1500", .min = 0, .max = 10000,
       .help = "How long a finished utterance waits for a final transcript before using the latest interim."},
      {.name = "stt.max_streams_per_channel", .env = {"AICC_STT_MAX_STREAMS_PER_CHANNEL"}, .type = T::kInt,
       .default_value = "50", .min = 1, .max = 100, .help = "gRPC channel pooling: streams per channel."},
      {.name = "stt.endpoint", .env = {"AICC_STT_ENDPOINT"}, .type = T::kString,
       .help = "Override the Speech endpoint host:port. For tests against a fake server."},
      {.name = "stt.insecure", .env = {"AICC_STT_INSECURE"}, .type = T::kBool, .default_value = "false",
       .help = "Plaintext gRPC without credentials. Only for tests against a local fake server."},

      // --- turn ---------------------------------------------------------------
      {.name = "turn.mode", .env = {"AICC_TURN_MODE"}, .type = T::kEnum, .default_value = "aicc",
       .choices = {"aicc", "seed"},
       .help = "`aicc`: calibrated fusion (docs/turn-detection.md); `seed`: the old formula exactly."},
      {.name = "turn.morpheme_weight", .env = {"AICC_TURN_MORPHEME_WEIGHT"}, .type = T::kDouble,
       .default_value = "0.6", .min = 0, .max = 1, .help = "Weight of the text (ending) score."},
      {.name = "turn.duration_weight", .env = {"AICC_TURN_DURATION_WEIGHT"}, .type = T::kDouble,
       .default_value = "0.2", .min = 0, .max = 1, .help = "Weight of the utterance-duration score."},
      {.name = "turn.silence_weight", .env = {"AICC_TURN_SILENCE_WEIGHT"}, .type = T::kDouble,
       .default_value = "0.2", .min = 0, .max = 1, .help = "Weight of the pause score."},
      {.name = "turn.complete_threshold", .env = {"AICC_TURN_COMPLETE_THRESHOLD"}, .type = T::kDouble,
       .default_value = "0.65", .min = 0, .max = 1, .help = "`complete` when the fusion score reaches this."},

      // --- sink (event delivery) ---------------------------------------------
      {.name = "sink.urls", .env = {"AICC_WS_URL", "AICC_WS_URL_*", "WEBSOCKET_URLS"}, .flag = "ws-url",
       .type = T::kList, .help = "WebSocket backends; every event goes to every one (at least once).",
       .merge_env = true, .validate = IsWebSocketUrl},
      {.name = "sink.stdout", .env = {"AICC_SINK_STDOUT"}, .type = T::kBool, .default_value = "false",
       .help = "Also print every event as a JSON line on stdout."},
      {.name = "sink.jsonl_path", .env = {"AICC_SINK_JSONL"}, .type = T::kString,
       .help = "Also append every event as a JSON line to this file."},
      {.name = "sink.journal_dir", .env = {"AICC_JOURNAL_DIR", "STATE_DIRECTORY"}, .flag = "journal-dir",
       .type = T::kString, .default_value = "/var/lib/aicc",
       .help = "Directory of the on-disk event journal (systemd's StateDirectory)."},
      {.name = "sink.journal_max_bytes", .env = {"AICC_JOURNAL_MAX_BYTES"}, .type = T::kInt,
       .default_value = "1073741824", .min = 1048576, .max = 1099511627776,
       .help = "Size bound of the journal."},
      {.name = "sink.journal_full_policy", .env = {"AICC_JOURNAL_FULL_POLICY"}, .type = T::kEnum,
       .default_value = "drop_oldest", .choices = {"drop_oldest", "block"},
       .help = "At the bound: drop the oldest undelivered events (counted as lost) or refuse new ones (counted)."},
      {.name = "sink.fsync", .env = {"AICC_JOURNAL_FSYNC"}, .type = T::kEnum, .default_value = "interval",
       .choices = {"always", "interval", "never"},
       .help = "When the journal is fsynced: every event, every `sink.fsync_interval_ms`, or never (OS decides)."},
      {.name = "sink.fsync_interval_ms", .env = {"AICC_JOURNAL_FSYNC_INTERVAL_MS"}, .type = T::kInt,
       .default_value = "100", .min = 1, .max = 60000, .help = "fsync period for `interval`."},
      {.name = "sink.ack", .env = {"AICC_WS_ACK"}, .type = T::kBool, .default_value = "false",
       .help = "Application acks: a backend's cursor advances only when it replies {\"ack\": \"<event_id>\"}."},
      {.name = "sink.ca_file", .env = {"AICC_WS_CA_FILE"}, .type = T::kString,
       .help = "Extra CA certificates (PEM) for wss:// backends."},
      {.name = "sink.tls_verify", .env = {"AICC_WS_TLS_VERIFY"}, .type = T::kBool, .default_value = "true",
       .help = "Verify wss:// certificates."},
      {.name = "sink.ping_interval_sec", .env = {"AICC_WS_PING_SEC"}, .type = T::kInt,
       .default_value = "20", .min = 1, .max = 3600, .help = "Ping idle connections this often."},
      {.name = "sink.reconnect_min_ms", .env = {"AICC_WS_RECONNECT_MIN_MS"}, .type = T::kInt,
       .default_value = "500", .min = 10, .max = 600000, .help = "First reconnect backoff."},
      {.name = "sink.reconnect_max_ms", .env = {"AICC_WS_RECONNECT_MAX_MS"}, .type = T::kInt,
       .default_value = "30000", .min = 10, .max = 3600000, .help = "Longest reconnect backoff."},
      {.name = "sink.auth_secret", .env = {"WS_AUTH_SECRET_KEY"}, .type = T::kSecret,
       .help = "JWT signing secret; when set, backends get `Authorization: Bearer <jwt>`."},
      {.name = "sink.auth_client_id", .env = {"WS_AUTH_CLIENT_ID"}, .type = T::kString,
       .default_value = "aicc", .help = "JWT `client_id` claim."},
      {.name = "sink.auth_algorithm", .env = {"WS_AUTH_ALGORITHM"}, .type = T::kEnum,
       .default_value = "HS256", .choices = {"HS256"}, .help = "JWT algorithm."},
      {.name = "sink.auth_token_ttl_hours", .env = {"WS_AUTH_TOKEN_TTL_HOURS"}, .type = T::kDouble,
       .default_value = "1.0", .min = 0.01, .max = 720, .help = "JWT lifetime; renewed with < 5 min left."},

      // --- ari (call control) -----------------------------------------------
      {.name = "ari.enabled", .env = {"AICC_ARI_ENABLED"}, .type = T::kBool, .default_value = "true",
       .help = "Control calls over ARI. `--no-ari` turns it off (pipeline-only mode)."},
      {.name = "ari.url", .env = {"ARI_URL"}, .flag = "ari-url", .type = T::kString,
       .default_value = "http://127.0.0.1:8088/ari", .help = "Asterisk ARI base URL.", .validate = IsHttpUrl},
      {.name = "ari.username", .env = {"ARI_USERNAME"}, .type = T::kString, .help = "ARI user."},
      {.name = "ari.password", .env = {"ARI_PASSWORD"}, .type = T::kSecret, .help = "ARI password."},
      {.name = "ari.app", .env = {"APP_NAME"}, .type = T::kString, .default_value = "linphone-handler",
       .help = "Stasis application name."},
      {.name = "ari.external_host", .env = {"EXTERNAL_HOST"}, .type = T::kString,
       .default_value = "127.0.0.1", .help = "Address Asterisk sends ExternalMedia RTP to (aicc's address)."},
      {.name = "ari.format", .env = {"AICC_ARI_FORMAT"}, .type = T::kEnum, .default_value = "ulaw",
       .choices = {"ulaw", "alaw", "slin16"}, .help = "ExternalMedia audio format."},
      {.name = "ari.routing", .env = {"AICC_ROUTING"}, .type = T::kEnum, .default_value = "ari",
       .choices = {"ari", "dialplan"},
       .help = "`ari`: aicc picks and dials an agent; `dialplan`: continue in the dialplan after the snoops."},
      {.name = "ari.agents", .env = {"AICC_AGENTS"}, .type = T::kList,
       .default_value = "agent01,agent02,agent03,agent04,agent05,agent06",
       .help = "Agent pool (PJSIP endpoint names), reloaded on SIGHUP."},
      {.name = "ari.agent_priority", .env = {"AICC_AGENT_PRIORITY"}, .type = T::kList,
       .help = "Caller SIP host → preferred agent, as `host=agent` items (TOML: a table).",
       .validate = IsKeyValue},
      {.name = "ari.agent_dial_timeout_sec", .env = {"AICC_AGENT_DIAL_TIMEOUT_SEC"}, .type = T::kInt,
       .default_value = "30", .min = 1, .max = 300, .help = "Ring an agent this long."},
      {.name = "ari.agent_wait_sec", .env = {"AICC_AGENT_WAIT_SEC"}, .type = T::kInt,
       .default_value = "60", .min = 0, .max = 3600, .help = "With no free agent: music on hold up to this long, then hang up."},
      {.name = "ari.agent_retry_sec", .env = {"AICC_AGENT_RETRY_SEC"}, .type = T::kInt,
       .default_value = "3", .min = 1, .max = 60, .help = "Retry period while waiting for a free agent."},
      {.name = "ari.call_started_url", .env = {"AICC_CALL_STARTED_URL"}, .type = T::kString,
       .default_value = "http://127.0.0.1:8000/ai/api/v1/agent/broadcast",
       .help = "HTTP URL that gets the `CALL_STARTED` notice when a call rings (empty: off).",
       .validate = IsHttpUrl},
      {.name = "ari.request_timeout_ms", .env = {"AICC_ARI_TIMEOUT_MS"}, .type = T::kInt,
       .default_value = "5000", .min = 100, .max = 60000, .help = "Timeout of each ARI request."},
      {.name = "ari.on_shutdown", .env = {"AICC_ON_SHUTDOWN"}, .type = T::kEnum,
       .default_value = "keep_calls", .choices = {"keep_calls", "hangup"},
       .help = "At shutdown, leave customer–agent calls up or hang them up."},

      // --- http (health and metrics) ------------------------------------------
      {.name = "http.listen", .env = {"AICC_HTTP_LISTEN"}, .flag = "http-listen", .type = T::kString,
       .default_value = "127.0.0.1:9100", .help = "`/healthz`, `/readyz`, `/metrics` listen here.",
       .validate = IsHostPort},
      {.name = "http.shutdown_timeout_sec", .env = {"AICC_SHUTDOWN_TIMEOUT_SEC"}, .type = T::kInt,
       .default_value = "10", .min = 1, .max = 300, .help = "Bound on a graceful stop."},
  };
}

}  // namespace

const std::vector<SettingSpec>& SettingsTable() {
  static const std::vector<SettingSpec> table = BuildTable();
  return table;
}

}  // namespace aicc::core
