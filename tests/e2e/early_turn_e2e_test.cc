// End to end, early turn decisions (issue 17): the real `aicc run --no-ari`
// binary, real RTP over loopback, the fake Speech V2 server in its timing
// mode (interims every 100-300 ms, finals only after the closing silence
// has arrived; docs/stt-google.md) and a real WebSocket backend.
//
// The customer says three things (synthetic voiced audio; the fake says
// which words each stretch held):
//   1. "네 알겠습니다" — a clear final, then 1.5 s of silence: sent early;
//   2. "카드를 분실했는데" — an open clause, then 1.2 s: never early;
//   3. "확인해 드릴게요" — a clear final, 400 ms of silence, then
//      "그리고 하나 더 있어요": the early turn, turn_resumed, and the rest of
//      the words in a turn that continues it.
#include "audio/g711.h"
#include "e2e/e2e_support.h"
#include "fakes/speech/fake_speech.h"
#include "rtp/sender.h"

namespace aicc::e2e {
namespace {

class EarlyTurnE2eTest : public AiccProcessTest {
 protected:
  static fakes::FakeSpeechOptions TimingFake() {
    fakes::FakeSpeechOptions o;
    o.timing.enabled = true;
    o.timing.segment_texts = {"네 알겠습니다", "카드를 분실했는데", "확인해 드릴게요",
                              "그리고 하나 더 있어요"};
    return o;
  }

  void StartAicc(const std::string& stt_endpoint, bool update_events) {
    std::vector<std::string> args = {AICC_BINARY, "run",   "--no-ari", "--vad",
                                     "energy",    "--stt", "google"};
    for (auto& a : CommonArgs()) args.push_back(std::move(a));
    const std::vector<std::string> settings = {
        "pipeline.call_idle_timeout_sec=2",
        "stt.insecure=true",
        "stt.project=test-project",
        "stt.endpoint=" + stt_endpoint,
        "pii.mask=off",
        "turn.early=true",
        std::string("turn.update_events=") + (update_events ? "true" : "false")};
    for (const auto& s : settings) {
      args.push_back("--set");
      args.push_back(s);
    }
    Launch(args);
  }

  // `ms` of a voiced sound (a 200 Hz buzz with harmonics) or of silence.
  static void Append(std::vector<std::uint8_t>& coded, int ms, bool voiced) {
    std::vector<std::int16_t> pcm(static_cast<std::size_t>(ms) * 8);
    for (std::size_t i = 0; i < pcm.size() && voiced; ++i) {
      const double t = static_cast<double>(i) / 8000.0;
      pcm[i] = static_cast<std::int16_t>(4000 * std::sin(2 * M_PI * 200 * t) +
                                         2000 * std::sin(2 * M_PI * 400 * t) +
                                         1000 * std::sin(2 * M_PI * 600 * t));
    }
    const std::size_t old = coded.size();
    coded.resize(old + pcm.size());
    audio::EncodeUlaw(pcm, std::span<std::uint8_t>(coded.data() + old, pcm.size()));
  }

  void Replay() {
    std::vector<std::uint8_t> coded;
    Append(coded, 300, false);
    Append(coded, 1000, true);  // 네 알겠습니다
    Append(coded, 1500, false);
    Append(coded, 1200, true);  // 카드를 분실했는데
    Append(coded, 1200, false);
    Append(coded, 1000, true);  // 확인해 드릴게요
    Append(coded, 400, false);
    Append(coded, 900, true);  // 그리고 하나 더 있어요
    Append(coded, 1500, false);
    asio::io_context io;
    rtp::Sender sender(io.get_executor());
    ASSERT_TRUE(sender.AddStream(
        {asio::ip::udp::endpoint(asio::ip::make_address("127.0.0.1"), customer_port_),
         rtp::Codec::kUlaw, std::move(coded)}));
    sender.Start([&io] { io.stop(); });
    io.run();
  }

  static std::vector<Json> OfType(const std::vector<Json>& events, const std::string& type) {
    std::vector<Json> out;
    for (const auto& e : events) {
      if (e["type"] == type) out.push_back(e);
    }
    return out;
  }
};

TEST_F(EarlyTurnE2eTest, EarlyTurnsResumptionAndTheRestOfTheWords) {
  fakes::FakeSpeechServer speech(TimingFake());
  StartAicc(speech.Endpoint(), true);
  Replay();
  const auto events = WaitFor(1, 30s);
  ASSERT_FALSE(events.empty()) << Log();
  ASSERT_EQ(events.back()["type"], "metadata_end") << Log();
  ExpectSchemaValid();

  const auto turns = OfType(events, "turn_complete");
  ASSERT_EQ(turns.size(), 4u) << Log();
  // 1: early, with exactly the words read.
  EXPECT_EQ(turns[0]["transcript"], "네 알겠습니다");
  EXPECT_EQ(turns[0]["early"], true);
  EXPECT_EQ(turns[0]["decision"], "complete");
  EXPECT_LT(turns[0]["silence_ms"].get<int>(), 800);
  // 2: the open clause waited for the long pause.
  EXPECT_EQ(turns[1]["transcript"], "카드를 분실했는데");
  EXPECT_EQ(turns[1]["early"], false);
  EXPECT_GE(turns[1]["silence_ms"].get<int>(), 800);
  EXPECT_EQ(turns[1]["stt_final"], true);
  // 3: early, then the speaker went on.
  EXPECT_EQ(turns[2]["transcript"], "확인해 드릴게요");
  EXPECT_EQ(turns[2]["early"], true);
  EXPECT_EQ(turns[3]["transcript"], "그리고 하나 더 있어요");
  EXPECT_EQ(turns[3]["early"], false);
  EXPECT_EQ(turns[3]["continues_event_id"], turns[2]["event_id"]);
  EXPECT_FALSE(turns[0].contains("continues_event_id"));
  EXPECT_GT(turns[3]["start_time"].get<double>(), turns[2]["end_time"].get<double>());

  // turn_resumed names the early turn and comes between it and the rest:
  // the early turn was sent before the speaker went on, 400 ms after it.
  const auto resumed = OfType(events, "turn_resumed");
  ASSERT_EQ(resumed.size(), 1u);
  EXPECT_EQ(resumed[0]["resumed_event_id"], turns[2]["event_id"]);
  EXPECT_GT(resumed[0]["seq"].get<int>(), turns[2]["seq"].get<int>());
  EXPECT_LT(resumed[0]["seq"].get<int>(), turns[3]["seq"].get<int>());
  EXPECT_TRUE(OfType(events, "turn_corrected").empty());
  EXPECT_EQ(events.back()["turn_count"], 4);

  const std::string metrics = HttpGet(http_port_, "/metrics");
  EXPECT_NE(metrics.find("aicc_turns_resumed_total 1"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("aicc_turn_end_latency_seconds_count{decision=\"early\"} 2"),
            std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("aicc_turn_end_latency_seconds_count{decision=\"late\"} 2"),
            std::string::npos)
      << metrics;
}

// Without turn.update_events (the default) a backend sees only the event
// types it knows, and still every word exactly once.
TEST_F(EarlyTurnE2eTest, OldConsumersSeeOnlyTurnComplete) {
  fakes::FakeSpeechServer speech(TimingFake());
  StartAicc(speech.Endpoint(), false);
  Replay();
  const auto events = WaitFor(1, 30s);
  ASSERT_FALSE(events.empty()) << Log();
  ASSERT_EQ(events.back()["type"], "metadata_end") << Log();
  ExpectSchemaValid();
  std::string words;
  for (const auto& e : events) {
    const std::string type = e["type"];
    EXPECT_TRUE(type == "metadata_start" || type == "turn_complete" || type == "metadata_end")
        << e.dump();
    if (type == "turn_complete") words += std::string(e["transcript"]) + "|";
  }
  EXPECT_EQ(words, "네 알겠습니다|카드를 분실했는데|확인해 드릴게요|그리고 하나 더 있어요|");
  const std::string metrics = HttpGet(http_port_, "/metrics");
  EXPECT_NE(metrics.find("aicc_turns_resumed_total 1"), std::string::npos) << metrics;
}

// The final has other words for an early turn (Google adds a particle when
// it finalizes): with turn.update_events a backend gets a turn_corrected
// naming the early turn, after it, with the final's words; without it, only
// the early turn_complete, as an old backend expects. Either way one turn.
class EarlyTurnCorrectionE2eTest : public EarlyTurnE2eTest,
                                   public ::testing::WithParamInterface<bool> {};

TEST_P(EarlyTurnCorrectionE2eTest, ADifferingFinalReachesTheBackendOnlyWhenAskedFor) {
  const bool update_events = GetParam();
  fakes::FakeSpeechOptions o;
  o.timing.enabled = true;
  o.timing.segment_texts = {"결제일 변경해 주세요"};
  o.timing.final_texts = {"결제일을 변경해 주세요"};
  fakes::FakeSpeechServer speech(o);
  StartAicc(speech.Endpoint(), update_events);
  std::vector<std::uint8_t> coded;
  Append(coded, 300, false);
  Append(coded, 1200, true);
  Append(coded, 1500, false);
  asio::io_context io;
  rtp::Sender sender(io.get_executor());
  ASSERT_TRUE(sender.AddStream(
      {asio::ip::udp::endpoint(asio::ip::make_address("127.0.0.1"), customer_port_),
       rtp::Codec::kUlaw, std::move(coded)}));
  sender.Start([&io] { io.stop(); });
  io.run();
  const auto events = WaitFor(1, 30s);
  ASSERT_FALSE(events.empty()) << Log();
  ASSERT_EQ(events.back()["type"], "metadata_end") << Log();
  ExpectSchemaValid();

  const auto turns = OfType(events, "turn_complete");
  ASSERT_EQ(turns.size(), 1u) << Log();
  EXPECT_EQ(turns[0]["transcript"], "결제일 변경해 주세요");
  EXPECT_EQ(turns[0]["early"], true);
  EXPECT_EQ(events.back()["turn_count"], 1);
  const auto corrected = OfType(events, "turn_corrected");
  if (update_events) {
    ASSERT_EQ(corrected.size(), 1u) << Log();
    const Json& c = corrected[0];
    EXPECT_EQ(c["corrected_event_id"], turns[0]["event_id"]);
    EXPECT_EQ(c["transcript"], "결제일을 변경해 주세요");
    EXPECT_EQ(c["speaker"], "customer");
    EXPECT_EQ(c["stt_final"], true);
    EXPECT_NEAR(c["stt_confidence"].get<double>(), 0.92, 1e-3);
    EXPECT_EQ(c["pii_masked"], 0);
    EXPECT_EQ(c["call_id"], turns[0]["call_id"]);
    EXPECT_GT(c["seq"].get<int>(), turns[0]["seq"].get<int>());
    EXPECT_LT(c["seq"].get<int>(), events.back()["seq"].get<int>());
    EXPECT_NE(c["event_id"], turns[0]["event_id"]);
  } else {
    EXPECT_TRUE(corrected.empty());
    ASSERT_EQ(events.size(), 3u) << "metadata_start, the early turn, metadata_end";
  }
  const std::string metrics = HttpGet(http_port_, "/metrics");
  EXPECT_NE(metrics.find("aicc_turns_corrected_total 1"), std::string::npos) << metrics;
}

INSTANTIATE_TEST_SUITE_P(UpdateEvents, EarlyTurnCorrectionE2eTest, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "On" : "Off"; });

}  // namespace
}  // namespace aicc::e2e
