// `aicc config` as a user runs it (the real binary): secrets inside URLs are
// redacted, and a port out of range is refused with the setting named.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <string>

namespace {

struct Outcome {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

// `environment` is a list of NAME='value' words put before the command.
Outcome RunAicc(const std::string& environment, const std::string& args) {
  const std::string command =
      "env -i " + environment + " " + AICC_BINARY + " " + args + " --config /dev/null 2>&1";
  Outcome r;
  FILE* p = ::popen(command.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), p)) > 0) r.output.append(buf, n);
  const int status = ::pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

TEST(ConfigCommandTest, CredentialsAndTokensInUrlsAreRedacted) {
  const Outcome r = RunAicc(
      "ARI_URL='http://asterisk:ari-pa55w0rd@127.0.0.1:8088/ari' "
      "AICC_WS_URL='wss://backend.example/ws?token=s3cr3t-t0ken' "
      "AICC_WS_URL_1='ws://bob:b0b-pw@127.0.0.1:9000/e'",
      "config");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output.find("ari-pa55w0rd"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("s3cr3t-t0ken"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("b0b-pw"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("ari.url = http://***@127.0.0.1:8088/ari"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("wss://backend.example/ws?token=***"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("ws://***@127.0.0.1:9000/e"), std::string::npos) << r.output;
}

// 99999 was accepted and listened on 34463 (the number wrapped around).
TEST(ConfigCommandTest, PortOutOfRangeIsRefusedNamingTheSetting) {
  for (const char* env : {"AICC_HTTP_LISTEN=127.0.0.1:99999", "AICC_HTTP_LISTEN=127.0.0.1:65536",
                          "AICC_ASTERISK_HTTP_BIND=127.0.0.1:4294967297"}) {
    SCOPED_TRACE(env);
    const Outcome r = RunAicc(env, "config");
    EXPECT_NE(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("[0, 65535]"), std::string::npos) << r.output;
  }
  const Outcome ok = RunAicc("AICC_HTTP_LISTEN=127.0.0.1:65535", "config");
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
  EXPECT_NE(ok.output.find("http.listen = 127.0.0.1:65535"), std::string::npos) << ok.output;
}

}  // namespace
