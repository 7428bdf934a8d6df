// 50 concurrent sessions (50 gRPC streams over a pool of channels, no thread
// per stream) against the fake server: every turn answered with its final,
// every stream carrying exactly its session's audio.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "stt_harness.h"

namespace aicc::stt::testing {
namespace {

TEST(GoogleRecognizerLoadTest, FiftyConcurrentStreams) {
  constexpr int kSessions = 50;
  fakes::FakeSpeechOptions fo;
  fo.scripts = {{{.kind = fakes::SpeechStep::Kind::kFinal,
                  .at_audio = std::chrono::milliseconds(1000),
                  .text = "확인했습니다",
                  .end_offset = std::chrono::milliseconds(950)}}};
  fakes::FakeSpeechServer server(fo);
  core::MetricsRegistry metrics;
  auto options = FakeOptions(server);
  options.max_streams_per_channel = 10;  // → 5 channels
  options.idle_close_ms = 5000;          // all streams stay open together
  auto r = MakeRecognizer(options, &metrics);
  ASSERT_TRUE(r) << r.error();
  auto& recognizer = **r;

  Loop loop;
  std::vector<std::unique_ptr<Speaker>> speakers;
  std::vector<std::vector<std::int16_t>> sources;
  for (int i = 0; i < kSessions; ++i) {
    speakers.push_back(std::make_unique<Speaker>(loop, recognizer, "call" + std::to_string(i)));
    sources.push_back(Audio(9600, 1000 + static_cast<std::uint32_t>(i)));  // 1.2 s
  }
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < kSessions; ++i) speakers[i]->Utterance(sources[i], 2400);
  std::vector<double> latency_ms;
  for (int i = 0; i < kSessions; ++i) {
    ASSERT_TRUE(speakers[i]->WaitTurns(1, std::chrono::seconds(20))) << i;
    auto t = speakers[i]->Turns()[0];
    EXPECT_EQ(t.result.transcript, "확인했습니다") << i;
    EXPECT_TRUE(t.result.is_final) << i;
    EXPECT_TRUE(t.on_strand) << i;
    latency_ms.push_back(
        std::chrono::duration<double, std::milli>(t.at - speakers[i]->Ended()[0]).count());
  }
  const double total_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(server.StreamCount(), static_cast<std::size_t>(kSessions));
  EXPECT_EQ(server.MaxConcurrent(), kSessions);
  EXPECT_EQ(metrics.GetGauge("aicc_stt_streams_open", "").Value(), kSessions);
  EXPECT_EQ(CounterValue(metrics, "aicc_stt_stream_opens_total"),
            static_cast<std::uint64_t>(kSessions));

  for (auto& s : speakers) s->Close();
  ASSERT_TRUE(server.WaitForIdle(kSessions, std::chrono::seconds(10)));
  // Each stream holds exactly one session's audio, byte for byte.
  std::map<std::string, int> by_audio;
  for (int i = 0; i < kSessions; ++i) by_audio[Linear16(sources[i])] = i;
  std::vector<bool> seen(kSessions, false);
  for (const auto& s : server.Streams()) {
    auto it = by_audio.find(s.audio);
    ASSERT_NE(it, by_audio.end()) << "stream " << s.index << " audio matches no session";
    EXPECT_FALSE(seen[it->second]);
    seen[it->second] = true;
  }
  EXPECT_EQ(CounterValue(metrics, "aicc_stt_audio_seconds_total"), 60u);  // 50 × 1.2 s

  std::sort(latency_ms.begin(), latency_ms.end());
  std::printf("50 streams: all turns in %.0f ms; end-of-speech→turn p50 %.1f ms, max %.1f ms\n",
              total_ms, latency_ms[latency_ms.size() / 2], latency_ms.back());
}

}  // namespace
}  // namespace aicc::stt::testing
