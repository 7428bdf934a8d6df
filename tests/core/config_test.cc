#include "core/config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace aicc::core {
namespace {

std::string WriteToml(const std::string& text) {
  static int n = 0;
  const auto path =
      std::filesystem::temp_directory_path() /
      ("aicc_config_test_" + std::to_string(::getpid()) + "_" + std::to_string(n++) + ".toml");
  std::ofstream(path) << text;
  return path.string();
}

TEST(ConfigTest, DefaultsMatchTheOldSystem) {
  const Config cfg = Config::Defaults();
  EXPECT_EQ(cfg.GetInt("media.customer_port"), 12345);
  EXPECT_EQ(cfg.GetInt("media.agent_port"), 12346);
  EXPECT_DOUBLE_EQ(cfg.GetDouble("vad.threshold"), 0.6);
  EXPECT_EQ(cfg.GetInt("vad.min_speech_ms"), 250);
  EXPECT_EQ(cfg.GetInt("vad.min_silence_ms"), 800);
  EXPECT_EQ(cfg.GetInt("stt.rotation_sec"), 270);
  EXPECT_EQ(cfg.GetString("stt.language"), "ko-KR");
  EXPECT_DOUBLE_EQ(cfg.GetDouble("turn.morpheme_weight"), 0.6);
  EXPECT_DOUBLE_EQ(cfg.GetDouble("turn.complete_threshold"), 0.65);
  EXPECT_EQ(cfg.GetString("ari.url"), "http://127.0.0.1:8088/ari");
  EXPECT_EQ(cfg.GetString("ari.app"), "linphone-handler");
  EXPECT_EQ(cfg.GetInt("pipeline.call_idle_timeout_sec"), 30);
  EXPECT_EQ(cfg.Source("media.customer_port"), "default");
}

TEST(ConfigTest, PrecedenceFlagsOverEnvOverFileOverDefault) {
  const auto toml =
      WriteToml("[media]\ncustomer_port = 20000\nagent_port = 20001\njitter_buffer_ms = 80\n");
  const Environment env = {{"AICC_CUSTOMER_PORT", "30000"}, {"AICC_AGENT_PORT", "30001"}};
  const Config cfg = Config::Load({{"media.customer_port", "40000"}}, env, toml);
  EXPECT_EQ(cfg.GetInt("media.customer_port"), 40000);
  EXPECT_EQ(cfg.Source("media.customer_port"), "flag");
  EXPECT_EQ(cfg.GetInt("media.agent_port"), 30001);
  EXPECT_EQ(cfg.Source("media.agent_port"), "env:AICC_AGENT_PORT");
  EXPECT_EQ(cfg.GetInt("media.jitter_buffer_ms"), 80);
  EXPECT_EQ(cfg.Source("media.jitter_buffer_ms"), "file");
  EXPECT_EQ(cfg.GetInt("vad.min_speech_ms"), 250);
}

// Every environment name the old system used, with a value that differs from
// the default, must land in its setting.
TEST(ConfigTest, EveryOldEnvironmentNameIsHonoured) {
  struct Row {
    const char* env;
    const char* value;
    const char* setting;
  };
  const Row rows[] = {
      {"AICC_CUSTOMER_PORT", "1111", "media.customer_port"},
      {"CUSTOMER_PORT", "1112", "media.customer_port"},
      {"AICC_AGENT_PORT", "2221", "media.agent_port"},
      {"AGENT_PORT", "2222", "media.agent_port"},
      {"AICC_VAD_THRESHOLD", "0.5", "vad.threshold"},
      {"AICC_MIN_SPEECH_MS", "300", "vad.min_speech_ms"},
      {"AICC_MIN_SILENCE_MS", "700", "vad.min_silence_ms"},
      {"AICC_STT_LANGUAGE", "en-US", "stt.language"},
      {"AICC_STT_PHRASES", "a,b", "stt.phrases"},
      {"AICC_STT_PHRASES_PATH", "/tmp/p.txt", "stt.phrases_path"},
      {"AICC_STT_PHRASE_BOOST", "15", "stt.phrase_boost"},
      {"AICC_STT_ROTATION_SEC", "200", "stt.rotation_sec"},
      {"AICC_TURN_MORPHEME_WEIGHT", "0.5", "turn.morpheme_weight"},
      {"AICC_TURN_DURATION_WEIGHT", "0.3", "turn.duration_weight"},
      {"AICC_TURN_SILENCE_WEIGHT", "0.25", "turn.silence_weight"},
      {"AICC_TURN_COMPLETE_THRESHOLD", "0.7", "turn.complete_threshold"},
      {"AICC_DEBUG", "true", "log.debug"},
      {"GOOGLE_APPLICATION_CREDENTIALS", "/tmp/sa.json", "stt.credentials"},
      {"ARI_URL", "http://10.0.0.1:8088/ari", "ari.url"},
      {"ARI_USERNAME", "aicc", "ari.username"},
      {"ARI_PASSWORD", "pw", "ari.password"},
      {"EXTERNAL_HOST", "10.0.0.2", "ari.external_host"},
      {"APP_NAME", "my-app", "ari.app"},
      {"AICC_WS_URL", "ws://a:1/x", "sink.urls"},
      {"WEBSOCKET_URLS", "ws://c:1/x", "sink.urls"},
      {"WS_AUTH_SECRET_KEY", "k", "sink.auth_secret"},
      {"WS_AUTH_CLIENT_ID", "cid", "sink.auth_client_id"},
      {"WS_AUTH_TOKEN_TTL_HOURS", "2", "sink.auth_token_ttl_hours"},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.env);
    const Config cfg = Config::Load({}, {{row.env, row.value}}, std::nullopt);
    EXPECT_EQ(cfg.Source(row.setting), std::string("env:") + row.env);
    EXPECT_EQ(cfg.GetString(row.setting), row.value);
  }
}

TEST(ConfigTest, WebSocketUrlsMergeAllSourcesAndSkipEmptyAndComments) {
  const Environment env = {
      {"AICC_WS_URL", "ws://main:1/e"},
      {"AICC_WS_URL_1", ""},  // must not hide _2 (an old bug)
      {"AICC_WS_URL_2", "ws://two:2/e"},
      {"AICC_WS_URL_10", "wss://ten:10/e"},
      {"AICC_WS_URL_3", "#ws://disabled:3/e"},
      {"WEBSOCKET_URLS", "ws://a:4/e, ,ws://b:5/e,ws://main:1/e"},
  };
  const Config cfg = Config::Load({}, env, std::nullopt);
  EXPECT_EQ(cfg.GetList("sink.urls"),
            (std::vector<std::string>{"ws://main:1/e", "ws://two:2/e", "wss://ten:10/e",
                                      "ws://a:4/e", "ws://b:5/e"}));
}

TEST(ConfigTest, InvalidValuesNameSettingValueAndWhatIsAllowed) {
  struct Row {
    std::string env;
    std::string value;
    std::string expect_in_message;
  };
  const std::vector<Row> rows = {
      {"AICC_CUSTOMER_PORT", "70000", "media.customer_port"},
      {"AICC_AGENT_PORT", "-1", "an integer in [0, 65535]"},
      {"AICC_CUSTOMER_PORT", "12a", "an integer in [0, 65535]"},
      {"AICC_VAD_THRESHOLD", "1.5", "a number in [0, 1]"},
      {"AICC_VAD_THRESHOLD", "nan", "vad.threshold"},
      {"AICC_DEBUG", "maybe", "true|false"},
      {"AICC_TURN_MODE", "magic", "one of aicc|seed"},
      {"AICC_WS_URL", "http://x/y", "ws:// or wss://"},
      {"ARI_URL", "ftp://x", "http:// or https://"},
      {"AICC_HTTP_LISTEN", "9100", "host:port"},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.env + "=" + row.value);
    try {
      Config::Load({}, {{row.env, row.value}}, std::nullopt);
      ADD_FAILURE() << "no error";
    } catch (const ConfigError& e) {
      const std::string msg = e.what();
      EXPECT_NE(msg.find(row.expect_in_message), std::string::npos) << msg;
      EXPECT_NE(msg.find(row.value), std::string::npos) << msg;
      EXPECT_NE(msg.find("env:" + row.env), std::string::npos) << msg;
    }
  }
}

TEST(ConfigTest, SecretsAreNeverEchoed) {
  const Config cfg = Config::Load({}, {{"ARI_PASSWORD", "hunter2"}}, std::nullopt);
  EXPECT_EQ(cfg.Describe().find("hunter2"), std::string::npos);
  EXPECT_NE(cfg.Describe().find("ari.password = ***"), std::string::npos);
}

// An invalid URL setting is named in its error, but its credentials are not
// (the error goes to the log and the terminal).
TEST(ConfigTest, InvalidUrlsAreEchoedWithoutCredentials) {
  const std::vector<std::pair<std::string, std::string>> rows = {
      {"ARI_URL", "ftp://asterisk:pa55w0rd@host:8088/ari"},
      {"AICC_WS_URL", "http://backend:9000/events?token=s3cret"},
      {"AICC_WS_URL", "ws://ok:9000/,https://user:s3cret@backend:9000/"},
  };
  for (const auto& [env, value] : rows) {
    SCOPED_TRACE(env + "=" + value);
    try {
      Config::Load({}, {{env, value}}, std::nullopt);
      ADD_FAILURE() << "no error";
    } catch (const ConfigError& e) {
      const std::string msg = e.what();
      EXPECT_EQ(msg.find("pa55w0rd"), std::string::npos) << msg;
      EXPECT_EQ(msg.find("s3cret"), std::string::npos) << msg;
      EXPECT_NE(msg.find("***"), std::string::npos) << msg;
    }
  }
}

TEST(ConfigTest, FileErrors) {
  EXPECT_THROW(Config::Load({}, {}, WriteToml("[media\n")), ConfigError);
  try {
    Config::Load({}, {}, WriteToml("[media]\ncustomer_prot = 1\n"));
    ADD_FAILURE();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("media.customer_prot"), std::string::npos);
  }
  EXPECT_THROW(Config::Load({}, {}, std::string("/nonexistent/aicc.toml")), ConfigError);
  EXPECT_THROW(Config::Load({{"no.such", "1"}}, {}, std::nullopt), ConfigError);
}

TEST(ConfigTest, TomlArraysAndTablesBecomeLists) {
  const auto toml = WriteToml(
      "[ari]\nagents = [\"a1\", \"a2\"]\n[ari.agent_priority]\n\"sip.example.com\" = \"a2\"\n");
  const Config cfg = Config::Load({}, {}, toml);
  EXPECT_EQ(cfg.GetList("ari.agents"), (std::vector<std::string>{"a1", "a2"}));
  EXPECT_EQ(cfg.GetList("ari.agent_priority"), (std::vector<std::string>{"sip.example.com=a2"}));
}

// docs/configuration.md is generated from the table and must stay in sync.
TEST(ConfigTest, DocumentationMatchesTheTable) {
  std::ifstream in(std::string(AICC_SOURCE_DIR) + "/docs/configuration.md");
  ASSERT_TRUE(in) << "docs/configuration.md missing";
  const std::string doc((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(doc, ConfigurationMarkdown())
      << "regenerate with: build/aicc config --markdown > docs/configuration.md";
}

}  // namespace
}  // namespace aicc::core
