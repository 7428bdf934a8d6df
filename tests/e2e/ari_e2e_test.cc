// End to end with call control: the real `aicc run` (ARI mode) against a
// fake Asterisk (tests/fakes/ari) that sends real RTP from each
// ExternalMedia channel, events to a real WebSocket backend.
#include <fmt/format.h>

#include <set>

#include "ari/ids.h"
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

class AriE2eTest : public AiccProcessTest {
 protected:
  void StartFake(int agents) {
    const auto customer = audio::ReadWav(Audio("call1-customer.wav"));
    ASSERT_TRUE(customer) << "run scripts/make-audio.sh";
    // The sample call once through, then silence until the hang-up.
    call_packets_ = customer->samples.size() / 160;
    fakes::FakeAriOptions o;
    o.app = "aicc-test";
    o.customer_wav = Audio("call1-customer.wav");
    o.agent_wav = Audio("call1-agent.wav");
    o.rtp_packets = call_packets_;
    fake_ = std::make_unique<FakeAri>(o);
    for (int i = 1; i <= agents; ++i) {
      const std::string agent = fmt::format("agent{:02}", i);
      agents_ += (agents_.empty() ? "" : ",") + agent;
      fake_->SetAgent(agent, AgentBehavior::kAnswer);
    }
  }
  void StartAicc(const std::vector<std::string>& extra = {}, const std::string& stt = "none") {
    std::vector<std::string> args = {AICC_BINARY, "run", "--vad", "energy", "--stt", stt};
    for (auto& a : CommonArgs()) args.push_back(std::move(a));
    for (const std::string& s :
         {"ari.url=" + fake_->AriUrl(), std::string("ari.app=aicc-test"),
          std::string("ari.external_host=127.0.0.1"), "ari.agents=" + agents_,
          "ari.call_started_url=" + fake_->NoticeUrl(),
          std::string("ari.request_timeout_ms=2000")}) {
      args.push_back("--set");
      args.push_back(s);
    }
    for (const auto& a : extra) args.push_back(a);
    // The old system's variable names; the password only in the environment.
    Launch(args, true, {{"ARI_USERNAME", "aicc"}, {"ARI_PASSWORD", "s3cret-pass"}});
  }
  // Waits until every stream of the call has sent the whole sample call.
  bool CallPlayed(const std::string& customer, std::chrono::seconds timeout) {
    return WaitUntil(
        [&] {
          std::size_t done = 0;
          for (const auto& s : fake_->RtpStreams()) {
            done += s.target_channel == customer && s.sent >= call_packets_;
          }
          return done == 2;
        },
        timeout);
  }
  // One call: the sample call played once, its last pause, the hang-up;
  // returns the call's events (empty on a timeout).
  std::vector<Json> PlayOneCall(const std::string& number, std::string* customer_out = nullptr) {
    const std::string customer = fake_->StartCall(number);
    if (customer_out) *customer_out = customer;
    if (!CallPlayed(customer, 60s)) return {};
    std::this_thread::sleep_for(1500ms);  // the last turn's pause
    fake_->HangUp(customer);
    return WaitFor(1, 30s);
  }
  std::map<std::string, std::vector<Json>> ByCall(const std::vector<Json>& events) {
    std::map<std::string, std::vector<Json>> out;
    for (const auto& e : events) out[e["call_id"]].push_back(e);
    return out;
  }

  std::unique_ptr<FakeAri> fake_;
  std::string agents_;
  std::size_t call_packets_ = 0;
};

TEST_F(AriE2eTest, CallFromStasisStartToMetadataEnd) {
  StartFake(2);
  StartAicc();
  ASSERT_NE(HttpGet(http_port_, "/readyz").find("ari: connected"), std::string::npos) << Log();
  std::string customer;
  const auto events = PlayOneCall("01012345678", &customer);
  ASSERT_GE(events.size(), 3u) << Log();

  // metadata_start: the call id aicc gave the call (the same as in the
  // CALL_STARTED notice), the caller's number, the agent, the channel.
  const Json& start = events.front();
  EXPECT_EQ(start["type"], "metadata_start");
  EXPECT_EQ(start["customer_number"], "01012345678");
  EXPECT_EQ(start["agent_id"], "agent01");
  EXPECT_EQ(start["channel_id"], customer);
  ASSERT_FALSE(fake_->Notices().empty());
  EXPECT_EQ(Json::parse(fake_->Notices().front())["callId"], start["call_id"]);

  std::map<std::string, int> turns;
  for (std::size_t i = 0; i < events.size(); ++i) {
    const auto& e = events[i];
    EXPECT_EQ(e["call_id"], start["call_id"]);
    EXPECT_EQ(e["seq"], i);
    if (e["type"] == "turn_complete") {
      turns[e["speaker"]]++;
      EXPECT_LT(e["start_time"].get<double>(), e["end_time"].get<double>());
    }
  }
  // Each voice reached the right speaker: three turns each in the sample.
  EXPECT_EQ(turns["customer"], 3) << Log();
  EXPECT_EQ(turns["agent"], 3) << Log();
  EXPECT_EQ(events.back()["type"], "metadata_end");
  EXPECT_EQ(events.back()["end_reason"], "hangup");
  ExpectSchemaValid();

  // Asterisk is left clean; the metrics tell the story.
  ASSERT_TRUE(
      WaitUntil([&] { return fake_->Channels().empty() && fake_->Bridges().empty(); }, 10s));
  const std::string metrics = HttpGet(http_port_, "/metrics");
  EXPECT_NE(metrics.find("aicc_ari_calls_total 1"), std::string::npos);
  EXPECT_NE(metrics.find("aicc_rtp_packets_received_total{speaker=\"agent\"}"), std::string::npos);
  EXPECT_EQ(Log().find("s3cret-pass"), std::string::npos) << "the ARI password was logged";
}

// routing = dialplan: metadata_start goes before the dialplan's Dial()
// picks the agent, so the agent reaches the backend on the later turns and
// on metadata_end (before: no event ever named the agent).
TEST_F(AriE2eTest, DialplanRoutingTheAgentLearnedLateReachesTheBackend) {
  StartFake(1);
  fake_->SetDialplanAgent("agent01");
  StartAicc({"--set", "ari.routing=dialplan"});
  const auto events = PlayOneCall("01012345678");
  ASSERT_GE(events.size(), 3u) << Log();
  EXPECT_EQ(events.front()["type"], "metadata_start");
  EXPECT_TRUE(events.front()["agent_id"].is_null()) << events.front().dump();
  int turns = 0;
  for (const auto& e : events) {
    if (e["type"] != "turn_complete") continue;
    ++turns;
    // The Dial is answered as soon as the call continues, well before the
    // first utterance of the sample call ends.
    EXPECT_EQ(e["agent_id"], "agent01") << e.dump();
  }
  EXPECT_GE(turns, 4) << Log();
  EXPECT_EQ(events.back()["type"], "metadata_end");
  EXPECT_EQ(events.back()["agent_id"], "agent01") << events.back().dump();
  ExpectSchemaValid();
}

TEST_F(AriE2eTest, TwentyConcurrentCalls) {
  constexpr int kCalls = 20;
  StartFake(kCalls);
  StartAicc();
  std::vector<std::string> customers;
  for (int i = 0; i < kCalls; ++i)
    customers.push_back(fake_->StartCall(fmt::format("0102000{:04}", i)));
  for (const auto& c : customers) ASSERT_TRUE(CallPlayed(c, 90s)) << Log();
  std::this_thread::sleep_for(1500ms);
  for (const auto& c : customers) fake_->HangUp(c);
  const auto by_call = ByCall(WaitFor(kCalls, 60s));
  ASSERT_EQ(by_call.size(), static_cast<std::size_t>(kCalls)) << Log();
  std::set<std::string> channels, agents;
  for (const auto& [id, events] : by_call) {
    ASSERT_EQ(events.front()["type"], "metadata_start");
    channels.insert(events.front()["channel_id"]);
    agents.insert(events.front()["agent_id"]);
    std::map<std::string, int> turns;
    for (const auto& e : events) {
      if (e["type"] == "turn_complete") turns[e["speaker"]]++;
    }
    EXPECT_EQ(turns["customer"], 3) << id;
    EXPECT_EQ(turns["agent"], 3) << id;
    EXPECT_EQ(events.back()["end_reason"], "hangup");
  }
  EXPECT_EQ(channels.size(), static_cast<std::size_t>(kCalls));
  EXPECT_EQ(agents.size(), static_cast<std::size_t>(kCalls));
  ExpectSchemaValid();
}

// on_shutdown = keep_calls: SIGTERM leaves the call up in Asterisk and open
// in the journal (no metadata_end); the restarted aicc re-adopts it and the
// call goes on under the same call_id: one metadata_start, one metadata_end
// when it really ends, seq 0, 1, 2 … without restarting (DESIGN.md §4).
TEST_F(AriE2eTest, SigtermWithKeepCallsSuspendsTheCallAndARestartContinuesIt) {
  StartFake(1);
  StartAicc();
  const std::string customer = fake_->StartCall("01012345678");
  auto sent = [&] {
    std::size_t n = 0;
    for (const auto& s : fake_->RtpStreams()) n += s.sent;
    return n;
  };
  ASSERT_TRUE(WaitUntil([&] { return sent() > 400; }, 30s));
  kill(pid_, SIGTERM);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << Log();
  const auto before = WaitFor(0, 1s);
  ASSERT_FALSE(before.empty()) << Log();
  EXPECT_EQ(before.front()["type"], "metadata_start");
  for (const auto& e : before) EXPECT_NE(e["type"], "metadata_end") << "the call is kept";
  // The customer and the agent still talk; nothing else of aicc's is left.
  ASSERT_TRUE(fake_->Channel(customer));
  std::size_t helpers = 0;
  for (const auto& c : fake_->Channels()) helpers += c.kind == "snoop" || c.kind == "media";
  EXPECT_EQ(helpers, 0u);
  EXPECT_EQ(fake_->Bridges().size(), 1u);

  // The next aicc takes the call over and analyses it again.
  const std::size_t sent_before = sent();
  StartAicc();
  ASSERT_TRUE(WaitUntil([&] { return sent() > sent_before + 200; }, 30s)) << Log();
  fake_->HangUp(customer);
  // Delivery is at least once: a redelivered event keeps its event_id.
  std::vector<Json> events;
  std::set<std::string> seen;
  for (const auto& e : WaitFor(1, 30s)) {
    if (seen.insert(e["event_id"].get<std::string>()).second) events.push_back(e);
  }
  ASSERT_FALSE(events.empty()) << Log();
  std::size_t starts = 0, ends = 0;
  for (std::size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(events[i]["call_id"], before.front()["call_id"]);
    EXPECT_EQ(events[i]["seq"], i) << events[i]["type"];
    starts += events[i]["type"] == "metadata_start";
    ends += events[i]["type"] == "metadata_end";
  }
  EXPECT_EQ(starts, 1u);
  EXPECT_EQ(ends, 1u);
  EXPECT_EQ(events.back()["type"], "metadata_end");
  EXPECT_EQ(events.back()["end_reason"], "hangup");
  ExpectSchemaValid();
}

TEST_F(AriE2eTest, BackendDownForPartOfTheCallLosesNothing) {
  StartFake(1);
  StopSink();
  StartAicc();
  const std::string customer = fake_->StartCall("01012345678");
  ASSERT_TRUE(CallPlayed(customer, 60s)) << Log();
  std::this_thread::sleep_for(1500ms);
  fake_->HangUp(customer);
  std::this_thread::sleep_for(500ms);
  RestartSink();
  const auto events = WaitFor(1, 30s);
  ASSERT_FALSE(events.empty()) << Log();
  EXPECT_EQ(events.front()["type"], "metadata_start");
  EXPECT_EQ(events.back()["type"], "metadata_end");
  for (std::size_t i = 0; i < events.size(); ++i) EXPECT_EQ(events[i]["seq"], i);
  EXPECT_EQ(events.size(), 8u) << "metadata_start, six turns, metadata_end";
}

// The whole chain with speech-to-text: Google Speech V2 is a fake gRPC
// server on loopback; each utterance's stream gets one final transcript.
TEST_F(AriE2eTest, TranscriptsFromSpeechV2ReachTheTurns) {
  fakes::FakeSpeechOptions speech_options;
  speech_options.scripts = {{{.kind = fakes::SpeechStep::Kind::kFinal,
                              .at_half_close = true,
                              .text = "문장 {stream} 입니다",
                              .end_offset = std::chrono::milliseconds(-1)}}};
  fakes::FakeSpeechServer speech(speech_options);
  StartFake(1);
  StartAicc({"--set", "stt.endpoint=" + speech.Endpoint(), "--set", "stt.insecure=true", "--set",
             "stt.project=test-project", "--set", "stt.idle_close_ms=500"},
            "google");
  const std::string customer = fake_->StartCall("01012345678");
  ASSERT_TRUE(CallPlayed(customer, 60s)) << Log();
  std::this_thread::sleep_for(2500ms);  // the last turn's pause and final
  fake_->HangUp(customer);
  const auto events = WaitFor(1, 30s);
  ASSERT_GE(events.size(), 3u) << Log();
  std::map<std::string, int> turns;
  std::set<std::string> transcripts;
  for (const auto& e : events) {
    if (e["type"] != "turn_complete") continue;
    turns[e["speaker"]]++;
    EXPECT_TRUE(e["stt_final"].get<bool>()) << e.dump();
    const std::string text = e["transcript"];
    EXPECT_TRUE(text.starts_with("문장 ")) << e.dump();
    EXPECT_TRUE(transcripts.insert(text).second) << "a transcript in two turns: " << text;
  }
  EXPECT_EQ(turns["customer"], 3) << Log();
  EXPECT_EQ(turns["agent"], 3) << Log();
  ExpectSchemaValid();
  // What Google was asked for: Korean, the telephony model, 8 kHz audio.
  const auto streams = speech.Streams();
  ASSERT_GE(streams.size(), 6u);
  const auto& config = streams.front().first_request.streaming_config().config();
  EXPECT_EQ(config.language_codes(0), "ko-KR");
  EXPECT_EQ(config.model(), "telephony");
  EXPECT_EQ(config.explicit_decoding_config().sample_rate_hertz(), 8000);
  EXPECT_NE(HttpGet(http_port_, "/metrics").find("aicc_stt_"), std::string::npos);
}

TEST_F(AriE2eTest, BadAriSettingsStopStartUpWithAClearError) {
  StartFake(1);
  std::vector<std::string> args = {AICC_BINARY, "run", "--vad", "energy", "--stt", "none"};
  for (auto& a : CommonArgs()) args.push_back(std::move(a));
  args.insert(args.end(), {"--set", "ari.external_host=", "--set", "ari.url=" + fake_->AriUrl()});
  Launch(args, false);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_NE(WEXITSTATUS(status), 0);
  EXPECT_NE(Log().find("ari.external_host"), std::string::npos) << Log();
}

}  // namespace
}  // namespace aicc::e2e
