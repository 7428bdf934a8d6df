// Issue 19 end to end: the real `aicc run` (ARI mode, fake Asterisk sending
// the sample call's RTP, fake Google Speech V2 answering each utterance) with
// a card number dictated over several turns after the agent asks for it. The
// digits must reach neither the backend, nor the journal on disk, nor the
// debug log.
#include <fmt/format.h>

#include "audio/wav.h"
#include "e2e/e2e_support.h"
#include "fakes/ari/fake_ari.h"
#include "fakes/speech/fake_speech.h"

namespace aicc::e2e {
namespace {
using fakes::AgentBehavior;
using fakes::FakeAri;
using fakes::WaitUntil;

std::string Audio(const char* name) {
  return std::string(AICC_SOURCE_DIR) + "/.cache/audio/" + name;
}

// The sample call alternates customer and agent, three utterances each
// (scripts/make-audio.sh), so the recognizer's streams arrive in this order.
const std::vector<std::string> kUtterances = {
    "네 카드로 결제하려고요",              // customer
    "카드번호 열여섯 자리 말씀해 주세요",  // agent: the question
    "사오일팔 사사공공이요",               // customer: eight digits
    "네",                                  // agent
    "칠팔이요",                            // customer: two digits, only the context says PII
    "네 확인되었습니다",                   // agent
};
// What must not leave the process.
const std::vector<std::string> kSecrets = {"사오일팔", "사사공공", "칠팔"};

class PiiE2eTest : public AiccProcessTest {
 protected:
  std::string ReadAll(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }
  // Every byte under the journal directory, file by file.
  std::vector<std::pair<std::string, std::string>> JournalFiles() {
    std::vector<std::pair<std::string, std::string>> files;
    const fs::path state = dir_ / "state";
    if (!fs::exists(state)) return files;
    for (const auto& entry : fs::recursive_directory_iterator(state)) {
      if (entry.is_regular_file()) files.emplace_back(entry.path().string(), ReadAll(entry.path()));
    }
    return files;
  }
};

TEST_F(PiiE2eTest, CardNumberDictatedOverSeveralTurnsNeverLeavesTheProcess) {
  const auto customer_wav = audio::ReadWav(Audio("call1-customer.wav"));
  ASSERT_TRUE(customer_wav) << "run scripts/make-audio.sh";
  const std::size_t call_packets = customer_wav->samples.size() / 160;

  fakes::FakeSpeechOptions speech_options;
  for (const auto& text : kUtterances) {
    speech_options.scripts.push_back({{.kind = fakes::SpeechStep::Kind::kFinal,
                                       .at_half_close = true,
                                       .text = text,
                                       .end_offset = std::chrono::milliseconds(-1)}});
  }
  // Streams past the sixth (none expected) repeat the last line.
  fakes::FakeSpeechServer speech(speech_options);

  fakes::FakeAriOptions o;
  o.app = "aicc-test";
  o.customer_wav = Audio("call1-customer.wav");
  o.agent_wav = Audio("call1-agent.wav");
  o.rtp_packets = call_packets;
  FakeAri fake(o);
  fake.SetAgent("agent01", AgentBehavior::kAnswer);

  std::vector<std::string> args = {AICC_BINARY, "run",    "--vad",       "energy",
                                   "--stt",     "google", "--log-level", "debug"};
  for (auto& a : CommonArgs()) args.push_back(std::move(a));
  for (const std::string& s :
       {"ari.url=" + fake.AriUrl(), std::string("ari.app=aicc-test"),
        std::string("ari.external_host=127.0.0.1"), std::string("ari.agents=agent01"),
        "ari.call_started_url=" + fake.NoticeUrl(), std::string("ari.request_timeout_ms=2000"),
        "stt.endpoint=" + speech.Endpoint(), std::string("stt.insecure=true"),
        std::string("stt.project=test-project"), std::string("stt.idle_close_ms=500")}) {
    args.push_back("--set");
    args.push_back(s);
  }
  Launch(args, true, {{"ARI_USERNAME", "aicc"}, {"ARI_PASSWORD", "s3cret-pass"}});

  const std::string channel = fake.StartCall("01099998888");
  ASSERT_TRUE(WaitUntil(
      [&] {
        std::size_t done = 0;
        for (const auto& s : fake.RtpStreams()) {
          done += s.target_channel == channel && s.sent >= call_packets;
        }
        return done == 2;
      },
      60s))
      << Log();
  std::this_thread::sleep_for(2500ms);  // the last turn's pause and final
  // While the call is still open, its events sit in the journal too.
  const auto journal_during = JournalFiles();
  fake.HangUp(channel);
  const auto events = WaitFor(1, 30s);
  ASSERT_GE(events.size(), 3u) << Log();

  // The backend: masked transcripts, with the count of masked values.
  std::map<std::string, int> masked_by_text;
  int turns = 0;
  for (const auto& e : events) {
    const std::string raw = e.dump();
    for (const auto& secret : kSecrets) {
      EXPECT_EQ(raw.find(secret), std::string::npos) << "the backend received " << raw;
    }
    if (e["type"] != "turn_complete") continue;
    ++turns;
    ASSERT_TRUE(e.contains("pii_masked")) << raw;
    masked_by_text[e["transcript"]] = e["pii_masked"].get<int>();
  }
  EXPECT_EQ(turns, 6) << Log();
  EXPECT_EQ(masked_by_text["**** ****이요"], 1) << Log();
  EXPECT_EQ(masked_by_text["**이요"], 1) << Log();
  EXPECT_EQ(masked_by_text["카드번호 열여섯 자리 말씀해 주세요"], 0);
  ExpectSchemaValid();

  // The journal on disk, during the call and after it.
  auto journal = JournalFiles();
  journal.insert(journal.end(), journal_during.begin(), journal_during.end());
  EXPECT_FALSE(journal_during.empty()) << "no journal file was written";
  bool journal_has_masked = false;
  for (const auto& [path, bytes] : journal) {
    for (const auto& secret : kSecrets) {
      EXPECT_EQ(bytes.find(secret), std::string::npos) << path << " holds " << secret;
    }
    journal_has_masked |= bytes.find("**** ****") != std::string::npos;
  }
  EXPECT_TRUE(journal_has_masked) << "the journal never held the masked turn";

  // The debug log: turns are logged, masked.
  const std::string log = Log();
  EXPECT_NE(log.find("**** ****"), std::string::npos) << "no turn in the debug log:\n" << log;
  for (const auto& secret : kSecrets) {
    EXPECT_EQ(log.find(secret), std::string::npos) << "the debug log holds " << secret;
  }
}

}  // namespace
}  // namespace aicc::e2e
