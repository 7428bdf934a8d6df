// GoogleRecognizer against the fake Speech V2 server over loopback gRPC:
// the first request, audio framing, turns from finals and interims, stream
// rotation without lost or repeated audio, and each class of error.
#include <gtest/gtest.h>

#include <algorithm>

#include "stt/internal/google_config.h"
#include "stt_harness.h"

namespace aicc::stt::testing {
namespace {

using fakes::FakeSpeechOptions;
using fakes::FakeSpeechServer;
using fakes::SpeechStep;
using K = SpeechStep::Kind;

SpeechStep Step(K kind, std::chrono::milliseconds at, std::string text,
                std::chrono::milliseconds end) {
  SpeechStep s;
  s.kind = kind;
  s.at_audio = at;
  s.text = std::move(text);
  s.end_offset = end;
  return s;
}
SpeechStep FinalAt(std::chrono::milliseconds at, std::string text, std::chrono::milliseconds end) {
  return Step(K::kFinal, at, std::move(text), end);
}
// At the client's WritesDone; end -1: the end of the stream's audio.
SpeechStep FinalAtHalfClose(std::string text, std::chrono::milliseconds end = -1ms,
                            std::chrono::milliseconds delay = 0ms) {
  SpeechStep s = Step(K::kFinal, 0ms, std::move(text), end);
  s.at_half_close = true;
  s.delay = delay;
  return s;
}
SpeechStep InterimAt(std::chrono::milliseconds at, std::string text,
                     std::chrono::milliseconds end) {
  return Step(K::kInterim, at, std::move(text), end);
}
SpeechStep ErrorAt(std::chrono::milliseconds at, grpc::StatusCode code) {
  SpeechStep s = Step(K::kError, at, "", 0ms);
  s.code = code;
  return s;
}

std::string Concat(const std::vector<fakes::RecordedStream>& streams) {
  std::string all;
  for (const auto& s : streams) all += s.audio;
  return all;
}

struct Fixture {
  explicit Fixture(FakeSpeechOptions fo, std::function<void(GoogleOptions&)> tweak = {})
      : server(std::move(fo)) {
    options = FakeOptions(server);
    if (tweak) tweak(options);
    auto r = MakeRecognizer(options, &metrics);
    EXPECT_TRUE(r) << r.error();
    recognizer = std::move(*r);
  }
  FakeSpeechServer server;
  core::MetricsRegistry metrics;
  GoogleOptions options;
  Loop loop;
  std::unique_ptr<Recognizer> recognizer;
};

TEST(GoogleRecognizerTest, FirstRequestPreRollAndRequestSizes) {
  FakeSpeechOptions fo;
  fo.scripts = {{FinalAt(1000ms, "안녕하세요", 900ms)}};
  Fixture f(fo, [](GoogleOptions& o) {
    o.phrases = {"상담원", "해지"};
    o.phrase_boost = 8;
    o.idle_close_ms = 500;
  });
  EXPECT_EQ(f.recognizer->Name(), "google/telephony");
  const auto pcm = Audio(8000 + 2400 + 77, 1);  // 1.3 s and an odd tail
  {
    Speaker spk(f.loop, *f.recognizer);
    spk.Utterance(pcm, 2400);  // 300 ms pre-roll
    ASSERT_TRUE(spk.WaitTurns(1));
    auto t = spk.Turns()[0];
    EXPECT_EQ(t.result.transcript, "안녕하세요");
    EXPECT_TRUE(t.result.is_final);
    ASSERT_TRUE(t.result.confidence);
    EXPECT_NEAR(*t.result.confidence, 0.9, 1e-3);
    EXPECT_TRUE(t.on_strand);
    // Idle close: WritesDone, the stream ends OK with all the audio.
    ASSERT_TRUE(f.server.WaitForIdle(1, 10s));
  }
  auto streams = f.server.Streams();
  ASSERT_EQ(streams.size(), 1u);
  const auto& s = streams[0];
  EXPECT_TRUE(s.half_closed);
  EXPECT_EQ(s.status, grpc::StatusCode::OK);
  EXPECT_EQ(s.request_params,
            "recognizer=projects%2Ftest-project%2Flocations%2Fglobal%2Frecognizers%2F_");
  EXPECT_FALSE(s.first_had_audio);
  const auto& req = s.first_request;
  EXPECT_EQ(req.recognizer(), "projects/test-project/locations/global/recognizers/_");
  const auto& c = req.streaming_config().config();
  EXPECT_EQ(c.explicit_decoding_config().encoding(),
            google::cloud::speech::v2::ExplicitDecodingConfig::LINEAR16);
  EXPECT_EQ(c.explicit_decoding_config().sample_rate_hertz(), 8000);
  EXPECT_EQ(c.explicit_decoding_config().audio_channel_count(), 1);
  ASSERT_EQ(c.language_codes_size(), 1);
  EXPECT_EQ(c.language_codes(0), "ko-KR");
  EXPECT_EQ(c.model(), "telephony");
  EXPECT_TRUE(c.features().enable_automatic_punctuation());
  EXPECT_TRUE(req.streaming_config().streaming_features().interim_results());
  ASSERT_EQ(c.adaptation().phrase_sets_size(), 1);
  const auto& set = c.adaptation().phrase_sets(0).inline_phrase_set();
  EXPECT_FLOAT_EQ(set.boost(), 8);
  ASSERT_EQ(set.phrases_size(), 2);
  EXPECT_EQ(set.phrases(0).value(), "상담원");
  // Pre-roll first, then the rest, byte for byte.
  EXPECT_TRUE(SameBytes(s.audio, Linear16(pcm)));
  // ~100 ms per request, never more than 25,600 bytes.
  ASSERT_GE(s.chunk_sizes.size(), 2u);
  for (std::size_t i = 0; i + 1 < s.chunk_sizes.size(); ++i) {
    EXPECT_EQ(s.chunk_sizes[i], 1600u) << i;
  }
  EXPECT_LE(s.chunk_sizes.back(), 1600u);
  EXPECT_GT(s.chunk_sizes.back(), 0u);
  EXPECT_EQ(CounterValue(f.metrics, "aicc_stt_stream_opens_total"), 1u);
  auto& open = f.metrics.GetGauge("aicc_stt_streams_open", "");
  EXPECT_TRUE(WaitFor([&] { return open.Value() == 0; })) << open.Value();
  EXPECT_EQ(CounterValue(f.metrics, "aicc_stt_audio_seconds_total"), 1u);  // 1.31 s
}

// SIGHUP: new phrase hints apply to the streams opened afterwards; a bad
// phrase file keeps the old ones and names the setting.
TEST(GoogleRecognizerTest, ReloadedPhrasesReachNewStreams) {
  FakeSpeechOptions fo;
  fo.scripts = {{FinalAtHalfClose("네")}};
  Fixture f(fo, [](GoogleOptions& o) {
    o.phrases = {"상담원"};
    o.idle_close_ms = 500;
  });
  const auto pcm = Audio(4000, 1);
  auto one_stream = [&](std::size_t n) {
    Speaker spk(f.loop, *f.recognizer);
    spk.Utterance(pcm, 800);
    ASSERT_TRUE(spk.WaitTurns(1));
    ASSERT_TRUE(f.server.WaitForIdle(n, 10s));
  };
  auto phrases_of = [&](std::size_t i) {
    std::vector<std::string> out;
    const auto streams = f.server.Streams();
    const auto& c = streams.at(i).first_request.streaming_config().config();
    for (const auto& set : c.adaptation().phrase_sets()) {
      for (const auto& p : set.inline_phrase_set().phrases()) out.push_back(p.value());
    }
    return out;
  };
  one_stream(1);
  EXPECT_EQ(phrases_of(0), std::vector<std::string>{"상담원"});
  ASSERT_TRUE(f.recognizer->ReloadPhrases({"해지", "요금제"}, ""));
  one_stream(2);
  EXPECT_EQ(phrases_of(1), (std::vector<std::string>{"해지", "요금제"}));
  auto bad = f.recognizer->ReloadPhrases({"x"}, "/nonexistent/phrases.txt");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().find("stt.phrases_path"), std::string::npos) << bad.error();
  one_stream(3);
  EXPECT_EQ(phrases_of(2), (std::vector<std::string>{"해지", "요금제"}));
}

TEST(GoogleRecognizerTest, RealTimeAudioLeavesEvery100Ms) {
  // Audio pushed in real time (20 ms frames every 20 ms) reaches the server
  // as one ~100 ms request about every 100 ms: nothing is held back.
  FakeSpeechOptions fo;
  Fixture f(fo, [](GoogleOptions& o) { o.final_wait_ms = 200; });
  const auto pcm = Audio(12000, 20);  // 1.5 s
  Speaker spk(f.loop, *f.recognizer);
  spk.Start({});
  auto next = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < pcm.size(); i += 160) {
    std::this_thread::sleep_until(next);
    next += 20ms;
    spk.Push(std::span<const std::int16_t>(pcm).subspan(i, 160));
  }
  spk.End();
  ASSERT_TRUE(spk.WaitTurns(1));
  ASSERT_TRUE(WaitFor([&] { return f.server.Streams().at(0).audio.size() == 24000; }));
  auto s = f.server.Streams().at(0);
  ASSERT_EQ(s.chunk_sizes.size(), 15u);
  std::vector<double> gaps;
  for (std::size_t i = 1; i < s.arrivals.size(); ++i) {
    gaps.push_back(
        std::chrono::duration<double, std::milli>(s.arrivals[i] - s.arrivals[i - 1]).count());
  }
  std::sort(gaps.begin(), gaps.end());
  const double median = gaps[gaps.size() / 2];
  std::printf("request spacing: median %.1f ms, min %.1f, max %.1f\n", median, gaps.front(),
              gaps.back());
  EXPECT_GT(median, 60);  // generous bounds: a loaded machine
  EXPECT_LT(median, 160);
}

TEST(GoogleRecognizerTest, MulawAnd16kHz) {
  {
    FakeSpeechOptions fo;
    fo.scripts = {{FinalAt(500ms, "뮤로", 400ms)}};
    Fixture f(fo, [](GoogleOptions& o) {
      o.encoding = "mulaw";
      o.idle_close_ms = 500;
    });
    const auto pcm = Audio(8000, 2);
    Speaker spk(f.loop, *f.recognizer);
    spk.Utterance(pcm, 1600);
    ASSERT_TRUE(spk.WaitTurns(1));
    EXPECT_EQ(spk.Turns()[0].result.transcript, "뮤로");
    ASSERT_TRUE(f.server.WaitForIdle(1, 10s));
    auto s = f.server.Streams().at(0);
    EXPECT_EQ(s.first_request.streaming_config().config().explicit_decoding_config().encoding(),
              google::cloud::speech::v2::ExplicitDecodingConfig::MULAW);
    EXPECT_TRUE(SameBytes(s.audio, Mulaw(pcm)));
    for (auto n : s.chunk_sizes) EXPECT_LE(n, 800u);
  }
  {
    FakeSpeechOptions fo;
    fo.scripts = {{FinalAt(500ms, "광대역", 400ms)}};
    Fixture f(fo, [](GoogleOptions& o) {
      o.sample_rate = 16000;
      o.idle_close_ms = 500;
    });
    const auto pcm = Audio(8000, 3);
    Speaker spk(f.loop, *f.recognizer);  // 8 kHz in, 16 kHz to Google
    spk.Utterance(pcm, 1600);
    ASSERT_TRUE(spk.WaitTurns(1));
    ASSERT_TRUE(f.server.WaitForIdle(1, 10s));
    auto s = f.server.Streams().at(0);
    EXPECT_EQ(
        s.first_request.streaming_config().config().explicit_decoding_config().sample_rate_hertz(),
        16000);
    // Resampled 2×, less the filter's delay.
    EXPECT_NEAR(static_cast<double>(s.audio.size()), 16000.0 * 2, 200.0);
    for (auto n : s.chunk_sizes) EXPECT_LE(n, 3200u);
  }
}

TEST(GoogleRecognizerTest, FinalsSplitBetweenTwoTurns) {
  FakeSpeechOptions fo;
  fo.scripts = {{FinalAt(1000ms, "하나", 800ms), FinalAt(2000ms, "둘", 1800ms)}};
  Fixture f(fo);
  Speaker spk(f.loop, *f.recognizer);
  spk.Utterance(Audio(8000, 4), 800);
  spk.Utterance(Audio(8000, 5), 800);
  ASSERT_TRUE(spk.WaitTurns(2));
  auto turns = spk.Turns();
  EXPECT_EQ(turns[0].result.transcript, "하나");
  EXPECT_EQ(turns[1].result.transcript, "둘");
  EXPECT_TRUE(turns[0].result.is_final);
  EXPECT_TRUE(turns[1].result.is_final);
  EXPECT_EQ(f.server.StreamCount(), 1u);  // kept open across the pause
  EXPECT_GE(
      f.metrics.GetHistogram("aicc_stt_final_latency_seconds", "", core::LatencyBuckets()).Count(),
      2u);
}

TEST(GoogleRecognizerTest, FinalWaitBoundUsesInterimAndDropsItsLateFinal) {
  FakeSpeechOptions fo;
  fo.scripts = {{InterimAt(500ms, "잠정", 500ms),
                 // The final for the first utterance arrives only during the
                 // second one: it must not be repeated there.
                 FinalAt(1500ms, "잠정적", 700ms), FinalAt(2000ms, "다음", 1900ms)}};
  Fixture f(fo, [](GoogleOptions& o) { o.final_wait_ms = 400; });
  Speaker spk(f.loop, *f.recognizer);
  spk.Utterance(Audio(8000, 6), 800);
  ASSERT_TRUE(spk.WaitTurns(1));
  auto t1 = spk.Turns()[0];
  const auto waited = t1.at - spk.Ended()[0];
  EXPECT_EQ(t1.result.transcript, "잠정");
  EXPECT_FALSE(t1.result.is_final);
  EXPECT_FALSE(t1.result.confidence);
  EXPECT_GE(waited, 390ms);
  EXPECT_LT(waited, 3s);
  spk.Utterance(Audio(8000, 7), 800);
  ASSERT_TRUE(spk.WaitTurns(2));
  auto t2 = spk.Turns()[1];
  EXPECT_EQ(t2.result.transcript, "다음");
  EXPECT_TRUE(t2.result.is_final);
}

TEST(GoogleRecognizerTest, NothingRecognizedGivesEmptyAfterTheBound) {
  FakeSpeechOptions fo;  // no script: no results at all
  Fixture f(fo, [](GoogleOptions& o) { o.final_wait_ms = 300; });
  Speaker spk(f.loop, *f.recognizer);
  spk.Utterance(Audio(4000, 8), 800);
  ASSERT_TRUE(spk.WaitTurns(1, 5s));
  auto t = spk.Turns()[0];
  EXPECT_EQ(t.result.transcript, "");
  EXPECT_FALSE(t.result.is_final);
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(spk.TurnCount(), 1u);  // exactly once
}

TEST(GoogleRecognizerTest, RotationAtUtteranceStartCorrectsOffsets) {
  // rotation_sec=2: a stream older than 1.5 s is replaced at the next speech
  // start. Stream 0 carries utterance 1 (1.6 s), stream 1 utterance 2 (1 s).
  // Stream 1's final (0.9 s into its audio = 2.5 s session time) arrives
  // before stream 0's final: only a corrected offset keeps it in turn 2.
  FakeSpeechOptions fo;
  fo.scripts = {{InterimAt(1000ms, "가", 900ms), FinalAtHalfClose("가나", 1500ms, 600ms)},
                {FinalAt(1000ms, "다라", 900ms)}};
  Fixture f(fo, [](GoogleOptions& o) {
    o.rotation_sec = 2;
    o.idle_close_ms = 500;
    o.final_wait_ms = 5000;
  });
  const auto u1 = Audio(12800, 9);
  const auto u2 = Audio(8000, 10);
  Speaker spk(f.loop, *f.recognizer);
  spk.Utterance(u1, 800);
  ASSERT_TRUE(f.server.WaitForStreams(1, 5s));  // stream 0 gets script 0
  spk.Utterance(u2, 800);
  ASSERT_TRUE(spk.WaitTurns(2));
  auto turns = spk.Turns();
  EXPECT_EQ(turns[0].result.transcript, "가나");
  EXPECT_TRUE(turns[0].result.is_final);
  EXPECT_EQ(turns[1].result.transcript, "다라");
  ASSERT_TRUE(f.server.WaitForIdle(2, 10s));
  auto streams = f.server.Streams();
  ASSERT_EQ(streams.size(), 2u);
  EXPECT_TRUE(SameBytes(streams[0].audio, Linear16(u1)));
  EXPECT_TRUE(SameBytes(streams[1].audio, Linear16(u2)));
  EXPECT_EQ(CounterValue(f.metrics, "aicc_stt_rotations_total"), 1u);
}

TEST(GoogleRecognizerTest, RotationMidSpeechLosesAndRepeatsNothing) {
  // One 7 s utterance with rotation_sec=2: streams of 2+2+2+1 s.
  FakeSpeechOptions fo;
  fo.scripts = {{FinalAtHalfClose("s{stream}")}};
  Fixture f(fo, [](GoogleOptions& o) {
    o.rotation_sec = 2;
    o.idle_close_ms = 500;
    o.final_wait_ms = 5000;
  });
  const auto pcm = Audio(56000, 11);
  Speaker spk(f.loop, *f.recognizer);
  spk.Utterance(pcm, 2400);
  ASSERT_TRUE(spk.WaitTurns(1));
  ASSERT_TRUE(f.server.WaitForIdle(4, 10s));
  auto streams = f.server.Streams();
  ASSERT_EQ(streams.size(), 4u);
  // The fake numbers streams as their calls arrive, which may differ from
  // the order they were opened in: order them by where their audio is.
  const std::string all = Linear16(pcm);
  std::sort(streams.begin(), streams.end(), [&](const auto& a, const auto& b) {
    return OffsetIn(all, a.audio) < OffsetIn(all, b.audio);
  });
  EXPECT_TRUE(SameBytes(Concat(streams), all));
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(streams[i].AudioMs(), 2000, 1) << i;
  // Each stream's final ends at its audio end; only corrected offsets put
  // them in audio order.
  std::string want;
  for (const auto& st : streams) want += (want.empty() ? "s" : " s") + std::to_string(st.index);
  auto t = spk.Turns()[0];
  EXPECT_EQ(t.result.transcript, want);
  EXPECT_TRUE(t.result.is_final);
  EXPECT_EQ(CounterValue(f.metrics, "aicc_stt_rotations_total"), 3u);
}

TEST(GoogleRecognizerTest, OutOfRangeRotatesAndResendsUnsettledAudio) {
  FakeSpeechOptions fo;
  fo.max_stream_audio = 3000ms;  // like Google's limit, scaled down
  fo.scripts = {{FinalAt(1000ms, "앞", 1000ms)}, {FinalAtHalfClose("뒤")}};
  Fixture f(fo, [](GoogleOptions& o) {
    o.idle_close_ms = 500;
    o.final_wait_ms = 5000;
  });
  // 3.5 s: stream 0 ends after 3.1 s; its successor gets 2.5 s again.
  const auto pcm = Audio(28000, 12);
  Speaker spk(f.loop, *f.recognizer);
  spk.Utterance(pcm, 2400);
  ASSERT_TRUE(spk.WaitTurns(1));
  ASSERT_TRUE(f.server.WaitForIdle(2, 10s));
  auto streams = f.server.Streams();
  ASSERT_EQ(streams.size(), 2u);
  EXPECT_EQ(streams[0].status, grpc::StatusCode::OUT_OF_RANGE);
  const std::string all = Linear16(pcm);
  EXPECT_TRUE(SameBytes(streams[0].audio, all.substr(0, streams[0].audio.size())));
  // The new stream starts where the last final ended (1.0 s).
  EXPECT_TRUE(SameBytes(streams[1].audio, all.substr(16000)));
  auto t = spk.Turns()[0];
  EXPECT_EQ(t.result.transcript, "앞 뒤");
  EXPECT_TRUE(t.result.is_final);
  EXPECT_EQ(CounterValue(f.metrics, "aicc_stt_errors_total", {{"code", "OUT_OF_RANGE"}}), 1u);
  EXPECT_EQ(CounterValue(f.metrics, "aicc_stt_rotations_total"), 1u);
}

TEST(GoogleRecognizerTest, TransientErrorReconnectsAndResends) {
  for (auto code : {grpc::StatusCode::UNAVAILABLE, grpc::StatusCode::RESOURCE_EXHAUSTED,
                    grpc::StatusCode::INTERNAL, grpc::StatusCode::DEADLINE_EXCEEDED}) {
    SCOPED_TRACE(std::to_string(static_cast<int>(code)));
    FakeSpeechOptions fo;
    fo.scripts = {{FinalAt(1000ms, "하나", 1000ms), ErrorAt(1500ms, code)},
                  {FinalAtHalfClose("둘")}};
    Fixture f(fo, [](GoogleOptions& o) {
      o.idle_close_ms = 500;
      o.final_wait_ms = 5000;
    });
    const auto pcm = Audio(24000, 13);  // 3 s
    Speaker spk(f.loop, *f.recognizer);
    spk.Utterance(pcm, 2400);
    ASSERT_TRUE(spk.WaitTurns(1));
    ASSERT_TRUE(f.server.WaitForIdle(2, 10s));
    auto streams = f.server.Streams();
    ASSERT_EQ(streams.size(), 2u);
    EXPECT_EQ(streams[0].status, code);
    EXPECT_TRUE(SameBytes(streams[1].audio, Linear16(pcm).substr(16000)));  // from the last final
    auto t = spk.Turns()[0];
    EXPECT_EQ(t.result.transcript, "하나 둘");
    EXPECT_TRUE(t.result.is_final);
    EXPECT_EQ(CounterValue(f.metrics, "aicc_stt_errors_total",
                           {{"code", std::string(stt::internal::StatusCodeName(code))}}),
              1u);
  }
}

TEST(GoogleRecognizerTest, PermanentErrorGivesEmptyTurnsAndStops) {
  for (auto code : {grpc::StatusCode::UNAUTHENTICATED, grpc::StatusCode::PERMISSION_DENIED,
                    grpc::StatusCode::INVALID_ARGUMENT, grpc::StatusCode::NOT_FOUND}) {
    SCOPED_TRACE(std::to_string(static_cast<int>(code)));
    FakeSpeechOptions fo;
    fo.scripts = {{ErrorAt(0ms, code)}};
    Fixture f(fo, [](GoogleOptions& o) { o.final_wait_ms = 5000; });
    Speaker spk(f.loop, *f.recognizer);
    spk.Utterance(Audio(8000, 14), 800);
    ASSERT_TRUE(spk.WaitTurns(1, 4s));  // well before the final wait
    spk.Utterance(Audio(8000, 15), 800);
    ASSERT_TRUE(spk.WaitTurns(2, 4s));
    for (const auto& t : spk.Turns()) {
      EXPECT_EQ(t.result.transcript, "");
      EXPECT_FALSE(t.result.is_final);
      EXPECT_EQ(t.result.missing, MissingText::kError);
      EXPECT_TRUE(t.on_strand);
    }
    EXPECT_EQ(f.recognizer->Health().state, RecognizerHealth::State::kFailing);
    EXPECT_EQ(f.server.StreamCount(), 1u);  // no retries against a refusal
    EXPECT_EQ(CounterValue(f.metrics, "aicc_stt_errors_total",
                           {{"code", std::string(stt::internal::StatusCodeName(code))}}),
              1u);
  }
}

// Google goes away (the port closes) before an utterance and comes back
// after its final wait: the utterance is held, its audio re-sent on the
// first stream that gets through, and it is answered with that text.
TEST(GoogleRecognizerTest, OutageHoldsTheTurnAndResendsItsAudio) {
  FakeSpeechOptions fo;
  fo.scripts = {{FinalAtHalfClose("다시 보낸 말")}};
  Fixture f(fo, [](GoogleOptions& o) {
    o.idle_close_ms = 300;
    o.final_wait_ms = 100;
    o.outage_wait_ms = 60000;
  });
  EXPECT_EQ(f.recognizer->Health().state, RecognizerHealth::State::kOk);
  f.server.Stop();
  const auto pcm = Audio(16000, 21);  // 2 s
  Speaker spk(f.loop, *f.recognizer);
  spk.Utterance(pcm, 1600);
  ASSERT_TRUE(
      WaitFor([&] { return f.recognizer->Health().state == RecognizerHealth::State::kFailing; }));
  EXPECT_NE(f.recognizer->Health().detail.find("UNAVAILABLE"), std::string::npos)
      << f.recognizer->Health().detail;
  std::this_thread::sleep_for(1s);  // ten final waits
  EXPECT_EQ(spk.TurnCount(), 0u) << "answered while Google was away";
  ASSERT_TRUE(f.server.Restart());
  ASSERT_TRUE(spk.WaitTurns(1, 20s));
  const auto t = spk.Turns()[0];
  EXPECT_EQ(t.result.transcript, "다시 보낸 말");
  EXPECT_TRUE(t.result.is_final);
  EXPECT_EQ(t.result.missing, MissingText::kNone);
  const auto streams = f.server.Streams();
  ASSERT_FALSE(streams.empty());
  EXPECT_TRUE(SameBytes(streams.back().audio, Linear16(pcm)));
  EXPECT_EQ(f.recognizer->Health().state, RecognizerHealth::State::kOk);
  EXPECT_GE(CounterValue(f.metrics, "aicc_stt_errors_total", {{"code", "UNAVAILABLE"}}), 1u);
}

// Google stays away past stt.outage_wait_ms: the turn is answered without
// text, marked unavailable (never silently empty).
TEST(GoogleRecognizerTest, OutagePastTheWaitAnswersMarkedUnavailable) {
  FakeSpeechOptions fo;
  fo.scripts = {{FinalAtHalfClose("늦은 말")}};
  Fixture f(fo, [](GoogleOptions& o) {
    o.final_wait_ms = 100;
    o.outage_wait_ms = 500;
  });
  f.server.Stop();
  Speaker spk(f.loop, *f.recognizer);
  spk.Utterance(Audio(8000, 22), 800);
  ASSERT_TRUE(spk.WaitTurns(1, 10s));
  const auto t = spk.Turns()[0];
  EXPECT_EQ(t.result.transcript, "");
  EXPECT_FALSE(t.result.is_final);
  EXPECT_EQ(t.result.missing, MissingText::kUnavailable);
  EXPECT_EQ(WireName(t.result.missing), "stt_unavailable");
  EXPECT_TRUE(t.on_strand);
}

TEST(GoogleRecognizerTest, CloseAnswersPendingTurnsBeforeReturning) {
  FakeSpeechOptions fo;
  fo.scripts = {{InterimAt(500ms, "말하는 중", 500ms)}};
  Fixture f(fo, [](GoogleOptions& o) { o.final_wait_ms = 5000; });
  Speaker spk(f.loop, *f.recognizer);
  spk.Utterance(Audio(8000, 16), 800);
  ASSERT_TRUE(f.server.WaitForStreams(1, 5s));
  std::this_thread::sleep_for(300ms);  // let the interim arrive
  spk.Close();
  ASSERT_EQ(spk.TurnCount(), 1u);
  EXPECT_EQ(spk.Turns()[0].result.transcript, "말하는 중");
  EXPECT_FALSE(spk.Turns()[0].result.is_final);
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(spk.TurnCount(), 1u);
  ASSERT_TRUE(f.server.WaitForIdle(1, 5s));
  EXPECT_EQ(f.server.Streams()[0].status, grpc::StatusCode::CANCELLED);
}

TEST(GoogleRecognizerTest, IdleCloseThenReopenOnSpeech) {
  FakeSpeechOptions fo;
  fo.scripts = {{FinalAt(1000ms, "첫째", 900ms)}, {FinalAt(1000ms, "둘째", 900ms)}};
  Fixture f(fo, [](GoogleOptions& o) { o.idle_close_ms = 500; });
  Speaker spk(f.loop, *f.recognizer);
  spk.Utterance(Audio(8000, 17), 800);
  ASSERT_TRUE(spk.WaitTurns(1));
  ASSERT_TRUE(f.server.WaitForFinished(1, 5s));
  EXPECT_TRUE(f.server.Streams()[0].half_closed);
  spk.Utterance(Audio(8000, 18), 800);
  ASSERT_TRUE(spk.WaitTurns(2));
  EXPECT_EQ(spk.Turns()[1].result.transcript, "둘째");
  EXPECT_EQ(f.server.StreamCount(), 2u);
}

TEST(GoogleRecognizerTest, FullQueueDropsOldestAudioAndCountsIt) {
  // 30 s of audio arrive at once on the strand (faster than one write in
  // flight can drain; the server also stalls for 3 s): the stream's queue
  // (10 s) overflows, the oldest audio is dropped and counted, the rest
  // arrives in order, and the turn is still answered once.
  FakeSpeechOptions fo;
  SpeechStep stall = InterimAt(100ms, "", 0ms);
  stall.delay = 3000ms;
  fo.scripts = {{stall}};
  Fixture f(fo, [](GoogleOptions& o) {
    o.final_wait_ms = 500;
    o.idle_close_ms = 500;
  });
  const auto pcm = Audio(240000, 19);  // 30 s
  const std::string all = Linear16(pcm);
  Speaker spk(f.loop, *f.recognizer);
  spk.Utterance(pcm, 2400);
  ASSERT_TRUE(spk.WaitTurns(1, 10s));
  ASSERT_TRUE(f.server.WaitForIdle(1, 20s));
  const auto dropped = CounterValue(f.metrics, "aicc_stt_queue_full_total");
  EXPECT_GT(dropped, 0u);
  std::printf("queue full: %llu of 300 requests dropped\n",
              static_cast<unsigned long long>(dropped));
  auto s = f.server.Streams().at(0);
  EXPECT_EQ(s.audio.size() + dropped * 1600, all.size());
  // What arrived is the source with whole requests left out, in order.
  std::size_t pos = 0;
  std::size_t off = 0;
  for (auto n : s.chunk_sizes) {
    const std::string chunk = s.audio.substr(off, n);
    off += n;
    const auto at = all.find(chunk, pos);
    ASSERT_NE(at, std::string::npos);
    ASSERT_EQ(at % 1600, 0u);
    pos = at + n;
  }
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(spk.TurnCount(), 1u);
}

TEST(MakeRecognizerTest, EngineChoice) {
  core::MetricsRegistry metrics;
  GoogleOptions o;
  o.engine = "none";
  auto r = MakeRecognizer(o, &metrics);
  ASSERT_TRUE(r);
  EXPECT_EQ((*r)->Name(), "none");
  o.engine = "auto";  // no credentials: null recognizer, with a warning
  r = MakeRecognizer(o, &metrics);
  ASSERT_TRUE(r);
  EXPECT_EQ((*r)->Name(), "none");
  o.engine = "google";
  o.insecure = true;
  o.endpoint = "127.0.0.1:1";
  r = MakeRecognizer(o, &metrics);  // no project
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("stt.project"), std::string::npos);
}

}  // namespace
}  // namespace aicc::stt::testing

namespace aicc::stt::testing {
namespace {

FakeSpeechOptions TimingFake() {
  FakeSpeechOptions fo;
  fo.timing.enabled = true;
  fo.timing.segment_texts = {"네 알겠습니다"};
  return fo;
}

// The timing fake over real gRPC (issue 17): while the speech is sent the
// live text lacks the last word and is unstable; once 150 ms of silence has
// arrived the whole text comes at stability 0.9; the final comes once the
// closing silence (350 + 150 ms) has arrived, and answers the utterance.
TEST(GoogleRecognizerTest, TimingFakeLiveTextThenFinalAfterTheClosingSilence) {
  Fixture f(TimingFake());
  Speaker spk(f.loop, *f.recognizer);
  spk.ListenLive();
  const auto speech = Audio(8000, 21);  // 1 s
  spk.Start({});
  spk.Push(speech);
  ASSERT_TRUE(WaitFor([&] { return !spk.Live().empty(); }));
  for (const auto& t : spk.Live()) {
    EXPECT_EQ(t.transcript, "네");  // never the last word before the end
    EXPECT_LT(t.last_stability, 0.5f);
    EXPECT_FALSE(t.is_final);
    EXPECT_FALSE(t.heard_end);
  }
  // 450 ms of silence: the segment closes (150 ms) and an interim tick
  // (every 100-300 ms) follows; the final needs 500 ms.
  spk.Push(std::vector<std::int16_t>(8 * 450, 0));
  const auto full = [&] {
    for (const auto& t : spk.Live()) {
      if (t.transcript == "네 알겠습니다" && t.last_stability >= 0.8f && !t.is_final &&
          t.heard_end) {
        return true;
      }
    }
    return false;
  };
  EXPECT_TRUE(WaitFor(full)) << spk.Live().back().transcript;
  EXPECT_EQ(spk.TurnCount(), 0u);
  spk.Push(std::vector<std::int16_t>(8 * 250, 0));
  spk.End();
  ASSERT_TRUE(spk.WaitTurns(1));
  const auto t = spk.Turns()[0];
  EXPECT_EQ(t.result.transcript, "네 알겠습니다");
  EXPECT_TRUE(t.result.is_final);
  // The voice-activity responses came and were not taken for results.
  EXPECT_TRUE(f.server.Streams()[0]
                  .first_request.streaming_config()
                  .streaming_features()
                  .enable_voice_activity_events());
}

// No final before the audio holding the closing silence has arrived: with
// only 300 ms of silence sent, the utterance is answered from the interim
// at the final-wait bound.
TEST(GoogleRecognizerTest, TimingFakeSendsNoFinalBeforeTheSilenceArrived) {
  Fixture f(TimingFake(), [](GoogleOptions& o) { o.final_wait_ms = 400; });
  Speaker spk(f.loop, *f.recognizer);
  spk.Start({});
  spk.Push(Audio(8000, 22));
  const std::vector<std::int16_t> silence(8 * 300, 0);
  spk.Push(silence);
  spk.End();
  ASSERT_TRUE(spk.WaitTurns(1));
  const auto t = spk.Turns()[0];
  EXPECT_EQ(t.result.transcript, "네 알겠습니다");
  EXPECT_FALSE(t.result.is_final);
}

}  // namespace
}  // namespace aicc::stt::testing
