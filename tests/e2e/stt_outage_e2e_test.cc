// End to end, with speech-to-text failing for real (issue 18, item 1): the
// real `aicc run --no-ari` binary, the sample two-speaker call as real RTP
// over loopback, and the fake Google Speech V2 gRPC server, which goes away
// (its port closes: streams in flight end UNAVAILABLE, new connections are
// refused) and comes back on the same port.
#include "audio/wav.h"
#include "e2e/e2e_support.h"
#include "fakes/speech/fake_speech.h"
#include "rtp/sender.h"

namespace aicc::e2e {
namespace {

// One final per stretch of speech, as Google endpoints.
fakes::FakeSpeechOptions EndpointingFake() {
  fakes::FakeSpeechOptions o;
  o.final_on_pause = 400ms;
  return o;
}

class SttOutageTest : public AiccProcessTest {
 protected:
  void StartAicc(const std::string& stt_endpoint, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {AICC_BINARY, "run",   "--no-ari", "--vad",
                                     "energy",    "--stt", "google"};
    for (auto& a : CommonArgs()) args.push_back(std::move(a));
    const std::vector<std::string> settings = {"pipeline.call_idle_timeout_sec=2",
                                               "stt.insecure=true", "stt.project=test-project",
                                               "stt.endpoint=" + stt_endpoint};
    for (const auto& s : settings) {
      args.push_back("--set");
      args.push_back(s);
    }
    for (auto& a : extra) args.push_back(std::move(a));
    Launch(args);
  }

  // The sample call (34 s; customer turns at 0.5-4.7, 13.1-16.3, 23.7-26.3 s,
  // agent turns at 6.2-11.5, 17.9-22.2, 27.9-32.4 s), paced in real time.
  void Replay() {
    auto customer =
        audio::ReadWav(std::string(AICC_SOURCE_DIR) + "/.cache/audio/call1-customer.ulaw.wav");
    auto agent =
        audio::ReadWav(std::string(AICC_SOURCE_DIR) + "/.cache/audio/call1-agent.ulaw.wav");
    ASSERT_TRUE(customer && agent) << "run scripts/make-audio.sh";
    asio::io_context io;
    rtp::Sender sender(io.get_executor());
    const auto lo = asio::ip::make_address("127.0.0.1");
    ASSERT_TRUE(sender.AddStream(
        {asio::ip::udp::endpoint(lo, customer_port_), rtp::Codec::kUlaw, customer->coded}));
    ASSERT_TRUE(sender.AddStream(
        {asio::ip::udp::endpoint(lo, agent_port_), rtp::Codec::kUlaw, agent->coded}));
    sender.Start([&io] { io.stop(); });
    io.run();
  }

  std::vector<Json> Turns(const std::vector<Json>& events) {
    std::vector<Json> turns;
    for (const auto& e : events) {
      if (e["type"] == "turn_complete") turns.push_back(e);
    }
    return turns;
  }

  // Polls /readyz until it answers 503 naming failing speech-to-text, or
  // `until`.
  bool SawSttFailing(std::chrono::steady_clock::time_point until) {
    while (std::chrono::steady_clock::now() < until) {
      const std::string r = HttpGet(http_port_, "/readyz");
      if (r.rfind("503", 0) == 0 && r.find("stt: google/telephony FAILING") != std::string::npos) {
        readyz_failing_ = r;
        return true;
      }
      std::this_thread::sleep_for(200ms);
    }
    return false;
  }

  std::string readyz_failing_;
};

// Google goes away 8 s into the call and comes back 6 s later: the agent's
// first turn (6.2-11.5 s) ends, and the customer's second (13.1-16.3 s)
// starts, while it is down. Every turn still reaches the backend, with text:
// the audio Google had not answered is re-sent when it is back.
TEST_F(SttOutageTest, ShortOutageLosesNoTurnAndReSendsTheAudio) {
  fakes::FakeSpeechServer speech(EndpointingFake());
  StartAicc(speech.Endpoint());
  ASSERT_EQ(HttpGet(http_port_, "/readyz").rfind("200", 0), 0u);

  const auto start = std::chrono::steady_clock::now();
  bool saw_failing = false;
  std::size_t streams_before_outage = 0;
  std::thread outage([&] {
    std::this_thread::sleep_until(start + 8s);
    streams_before_outage = speech.StreamCount();
    const auto stop_at = std::chrono::steady_clock::now();
    speech.Stop();
    fprintf(stderr, "fake stopped %.2f s into the call (Stop took %.2f s)\n",
            std::chrono::duration<double>(stop_at - start).count(),
            std::chrono::duration<double>(std::chrono::steady_clock::now() - stop_at).count());
    saw_failing = SawSttFailing(start + 14s);
    std::this_thread::sleep_until(start + 14s);
    EXPECT_TRUE(speech.Restart()) << "the fake could not bind its port again";
  });
  Replay();
  outage.join();
  const auto events = WaitFor(1, 60s);
  ASSERT_FALSE(events.empty()) << Log();
  ASSERT_EQ(events.back()["type"], "metadata_end") << Log();

  const auto turns = Turns(events);
  std::map<std::string, int> by_speaker;
  for (const auto& t : turns) {
    by_speaker[t["speaker"]]++;
    EXPECT_NE(t["transcript"], "") << t.dump() << "\n" << Log();
    EXPECT_FALSE(t.contains("transcript_missing")) << t.dump();
  }
  EXPECT_EQ(by_speaker["customer"], 3) << Log();
  EXPECT_EQ(by_speaker["agent"], 3) << Log();
  EXPECT_EQ(events.back()["turn_count"], 6);

  // The outage was real, and seen: streams failed, /readyz said so while
  // Google was away, and is ready again now.
  EXPECT_TRUE(saw_failing) << Log();
  EXPECT_NE(readyz_failing_.find("UNAVAILABLE"), std::string::npos) << readyz_failing_;
  EXPECT_GT(speech.StreamCount(), streams_before_outage);
  EXPECT_EQ(HttpGet(http_port_, "/readyz").rfind("200", 0), 0u) << HttpGet(http_port_, "/readyz");
  const std::string metrics = HttpGet(http_port_, "/metrics");
  EXPECT_EQ(metrics.find("aicc_stt_errors_total{code=\"UNAVAILABLE\"} 0"), std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("aicc_stt_failing 0"), std::string::npos) << metrics;
  EXPECT_NE(
      metrics.find("aicc_turns_without_text_total{reason=\"stt_unavailable\",outcome=\"sent\"} 0"),
      std::string::npos)
      << metrics;
  // The agent's audio from before the outage was sent again after it.
  const auto log = Log();
  EXPECT_NE(log.find("speech-to-text is failing"), std::string::npos) << log;
  EXPECT_NE(log.find("speech-to-text recovered"), std::string::npos) << log;
  ExpectSchemaValid();
}

// Google cannot be reached at all (here: nothing listens on its port): every
// turn is still sent, marked, and counted, and /readyz says plainly that
// speech-to-text is failing.
TEST_F(SttOutageTest, UnreachableGoogleSendsEveryTurnMarkedAndCounted) {
  const std::uint16_t dead = FreePort(false);  // closed again: connections are refused
  StartAicc("127.0.0.1:" + std::to_string(dead), {"--set", "stt.outage_wait_ms=3000"});
  const auto start = std::chrono::steady_clock::now();
  bool saw_failing = false;
  std::thread probe([&] { saw_failing = SawSttFailing(start + 30s); });
  Replay();
  probe.join();
  const auto events = WaitFor(1, 60s);
  ASSERT_FALSE(events.empty()) << Log();
  const auto turns = Turns(events);
  EXPECT_EQ(turns.size(), 6u) << Log();
  for (const auto& t : turns) {
    EXPECT_EQ(t["transcript"], "");
    EXPECT_FALSE(t["stt_final"].get<bool>());
    EXPECT_EQ(t.value("transcript_missing", ""), "stt_unavailable") << t.dump();
  }
  EXPECT_EQ(events.back()["turn_count"], 6);
  EXPECT_TRUE(saw_failing) << Log();
  const std::string metrics = HttpGet(http_port_, "/metrics");
  EXPECT_NE(
      metrics.find("aicc_turns_without_text_total{reason=\"stt_unavailable\",outcome=\"sent\"} 6"),
      std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("aicc_stt_failing 1"), std::string::npos) << metrics;
  EXPECT_NE(Log().find("speech-to-text is failing"), std::string::npos) << Log();
  ExpectSchemaValid();
}

}  // namespace
}  // namespace aicc::e2e
