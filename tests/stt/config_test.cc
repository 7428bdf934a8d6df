// GoogleOptions → stream settings: endpoint, recognizer name, the first
// request, phrase hints; and the status-code classification table.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "stt/internal/google_config.h"

namespace aicc::stt::internal {
namespace {

namespace fs = std::filesystem;

fs::path WriteTemp(const std::string& name, const std::string& text) {
  auto dir = fs::temp_directory_path() / ("stt_config_test_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  auto p = dir / name;
  std::ofstream(p) << text;
  return p;
}

TEST(EndpointTest, GlobalRegionalOverride) {
  struct Row {
    std::string location, override_endpoint, want;
  };
  const Row rows[] = {
      {"global", "", "speech.googleapis.com:443"},
      {"", "", "speech.googleapis.com:443"},
      {"asia-northeast1", "", "asia-northeast1-speech.googleapis.com:443"},
      {"us", "", "us-speech.googleapis.com:443"},
      {"asia-northeast1", "127.0.0.1:5555", "127.0.0.1:5555"},
  };
  for (const auto& r : rows) {
    EXPECT_EQ(EndpointFor(r.location, r.override_endpoint), r.want) << r.location;
  }
}

TEST(UrlEncodeTest, RoutingHeader) {
  EXPECT_EQ(UrlEncode("projects/p-1/locations/global/recognizers/_"),
            "projects%2Fp-1%2Flocations%2Fglobal%2Frecognizers%2F_");
}

TEST(BuildSettingsTest, FirstRequestCarriesTheWholeConfig) {
  GoogleOptions o;
  o.project = "my-proj";
  o.location = "asia-northeast3";
  o.language = "ko-KR";
  o.model = "long";
  o.encoding = "mulaw";
  o.phrases = {"상담원", " 해지 ", "상담원"};
  o.phrases_path = WriteTemp("phrases.txt", "# comment\n요금제\n\n해지\n번호이동\n").string();
  o.phrase_boost = 12.5;
  auto s = BuildSettings(o);
  ASSERT_TRUE(s) << s.error();
  EXPECT_EQ(s->endpoint, "asia-northeast3-speech.googleapis.com:443");
  EXPECT_EQ(s->recognizer, "projects/my-proj/locations/asia-northeast3/recognizers/_");
  EXPECT_EQ(s->request_params,
            "recognizer=projects%2Fmy-proj%2Flocations%2Fasia-northeast3%2Frecognizers%2F_");
  EXPECT_EQ(s->bytes_per_sample, 1);
  EXPECT_EQ(s->chunk_bytes, 800u);  // 100 ms of 8 kHz μ-law
  const auto& f = s->first_request;
  EXPECT_EQ(f.recognizer(), s->recognizer);
  EXPECT_TRUE(f.audio().empty());
  const auto& c = f.streaming_config().config();
  EXPECT_EQ(c.explicit_decoding_config().encoding(), speech::ExplicitDecodingConfig::MULAW);
  EXPECT_EQ(c.explicit_decoding_config().sample_rate_hertz(), 8000);
  EXPECT_EQ(c.explicit_decoding_config().audio_channel_count(), 1);
  ASSERT_EQ(c.language_codes_size(), 1);
  EXPECT_EQ(c.language_codes(0), "ko-KR");
  EXPECT_EQ(c.model(), "long");
  EXPECT_TRUE(c.features().enable_automatic_punctuation());
  EXPECT_TRUE(f.streaming_config().streaming_features().interim_results());
  EXPECT_TRUE(f.streaming_config().streaming_features().enable_voice_activity_events());
  ASSERT_EQ(c.adaptation().phrase_sets_size(), 1);
  const auto& set = c.adaptation().phrase_sets(0).inline_phrase_set();
  EXPECT_FLOAT_EQ(set.boost(), 12.5f);
  std::vector<std::string> got;
  for (const auto& p : set.phrases()) got.push_back(p.value());
  EXPECT_EQ(got, (std::vector<std::string>{"상담원", "해지", "요금제", "번호이동"}));
}

TEST(BuildSettingsTest, Linear16At16kAndNoPhrases) {
  GoogleOptions o;
  o.recognizer = "projects/p/locations/global/recognizers/custom";
  o.sample_rate = 16000;
  auto s = BuildSettings(o);
  ASSERT_TRUE(s) << s.error();
  EXPECT_EQ(s->recognizer, o.recognizer);
  EXPECT_EQ(s->chunk_bytes, 3200u);
  EXPECT_LE(s->chunk_bytes, kMaxRequestBytes);
  const auto& c = s->first_request.streaming_config().config();
  EXPECT_EQ(c.explicit_decoding_config().encoding(), speech::ExplicitDecodingConfig::LINEAR16);
  EXPECT_EQ(c.explicit_decoding_config().sample_rate_hertz(), 16000);
  EXPECT_FALSE(c.has_adaptation());
}

TEST(BuildSettingsTest, ProjectFromCredentialsFile) {
  GoogleOptions o;
  o.credentials_path =
      WriteTemp("sa.json", R"({"type":"service_account","project_id":"from-file"})").string();
  auto s = BuildSettings(o);
  ASSERT_TRUE(s) << s.error();
  EXPECT_EQ(s->recognizer, "projects/from-file/locations/global/recognizers/_");
}

TEST(BuildSettingsTest, ErrorsNameTheSetting) {
  GoogleOptions o;  // no project, no credentials, no recognizer
  auto s = BuildSettings(o);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().find("stt.project"), std::string::npos) << s.error();

  o.credentials_path = WriteTemp("noproj.json", R"({"type":"service_account"})").string();
  s = BuildSettings(o);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().find("stt.project"), std::string::npos) << s.error();

  o.credentials_path = "/nonexistent/sa.json";
  s = BuildSettings(o);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().find("stt.credentials"), std::string::npos) << s.error();

  o = GoogleOptions{};
  o.project = "p";
  o.phrases_path = "/nonexistent/phrases.txt";
  s = BuildSettings(o);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().find("stt.phrases_path"), std::string::npos) << s.error();
}

TEST(ClassifyStatusTest, Table) {
  using C = grpc::StatusCode;
  struct Row {
    C code;
    StatusClass want;
  };
  const Row rows[] = {
      {C::OK, StatusClass::kOk},
      {C::CANCELLED, StatusClass::kCancelled},
      {C::UNAVAILABLE, StatusClass::kTransient},
      {C::RESOURCE_EXHAUSTED, StatusClass::kTransient},
      {C::INTERNAL, StatusClass::kTransient},
      {C::DEADLINE_EXCEEDED, StatusClass::kTransient},
      {C::OUT_OF_RANGE, StatusClass::kRotate},
      {C::ABORTED, StatusClass::kRotate},
      {C::UNAUTHENTICATED, StatusClass::kPermanent},
      {C::PERMISSION_DENIED, StatusClass::kPermanent},
      {C::INVALID_ARGUMENT, StatusClass::kPermanent},
      {C::NOT_FOUND, StatusClass::kPermanent},
  };
  for (const auto& r : rows) {
    EXPECT_EQ(ClassifyStatus(r.code), r.want) << StatusCodeName(r.code);
  }
  StreamSettings s;
  EXPECT_NE(PermanentErrorAdvice(C::UNAUTHENTICATED, s).find("stt.credentials"), std::string::npos);
  EXPECT_NE(PermanentErrorAdvice(C::NOT_FOUND, s).find("stt.recognizer"), std::string::npos);
  EXPECT_NE(PermanentErrorAdvice(C::INVALID_ARGUMENT, s).find("stt.model"), std::string::npos);
  EXPECT_NE(PermanentErrorAdvice(C::PERMISSION_DENIED, s).find("roles/speech.client"),
            std::string::npos);
}

}  // namespace
}  // namespace aicc::stt::internal
