#include "vad/segmenter.h"

#include <gtest/gtest.h>

#include <cmath>
#include <deque>

namespace aicc::vad {
namespace {

using std::chrono::milliseconds;

// A Vad that returns scripted probabilities, one per chunk (256 samples at
// 8 kHz = 32 ms), and checks it gets whole chunks.
class ScriptedVad final : public Vad {
 public:
  explicit ScriptedVad(std::deque<float> script) : script_(std::move(script)) {}
  int SampleRate() const override { return 8000; }
  std::size_t ChunkSamples() const override { return 256; }
  float Process(std::span<const float> chunk) override {
    EXPECT_EQ(chunk.size(), 256u);
    if (script_.empty()) return 0;
    const float p = script_.front();
    script_.pop_front();
    return p;
  }
  void Reset() override {}
  std::string_view Engine() const override { return "scripted"; }

 private:
  std::deque<float> script_;
};

struct Recorder : Segmenter::Listener {
  struct Segment {
    std::uint64_t start = 0, end = 0;
    std::size_t pre_roll = 0, audio = 0;
    milliseconds pause{0};
    std::int16_t first_pre_roll_sample = 0;
  };
  void OnSpeechStart(std::uint64_t start, std::span<const std::int16_t> pre) override {
    segments.push_back(
        {start, 0, pre.size(), 0, milliseconds(0), pre.empty() ? std::int16_t{-1} : pre[0]});
    open = true;
  }
  void OnSpeechAudio(std::span<const std::int16_t> pcm) override {
    ASSERT_TRUE(open);
    segments.back().audio += pcm.size();
  }
  void OnSpeechEnd(std::uint64_t end, milliseconds pause) override {
    ASSERT_TRUE(open);
    segments.back().end = end;
    segments.back().pause = pause;
    open = false;
  }
  void OnSpeechPause(std::uint64_t end, milliseconds pause) override {
    ASSERT_TRUE(open);
    pauses.push_back({end, pause});
  }
  void OnSpeechResume(std::uint64_t sample) override {
    ASSERT_TRUE(open);
    resumes.push_back(sample);
  }
  std::vector<Segment> segments;
  std::vector<std::pair<std::uint64_t, milliseconds>> pauses;
  std::vector<std::uint64_t> resumes;
  bool open = false;
};

// Feeds `chunks` chunks whose samples hold their chunk index (so pre-roll
// content can be checked), in odd-sized pieces.
void Feed(Segmenter& s, int chunks) {
  std::vector<std::int16_t> pcm(static_cast<std::size_t>(chunks) * 256);
  for (std::size_t i = 0; i < pcm.size(); ++i) pcm[i] = static_cast<std::int16_t>(i / 256);
  std::size_t pos = 0;
  const std::size_t pieces[] = {160, 97, 333, 1};
  for (int k = 0; pos < pcm.size(); ++k) {
    const std::size_t n = std::min(pieces[k % 4], pcm.size() - pos);
    s.Push(std::span<const std::int16_t>(pcm.data() + pos, n));
    pos += n;
  }
}

std::deque<float> Script(std::initializer_list<std::pair<int, float>> runs) {
  std::deque<float> d;
  for (auto [n, p] : runs) d.insert(d.end(), static_cast<std::size_t>(n), p);
  return d;
}

SegmenterOptions Opts() {
  SegmenterOptions o;
  o.threshold = 0.6;
  o.end_threshold = 0.45;
  o.min_speech = milliseconds(250);   // 8 chunks (256 ms)
  o.min_silence = milliseconds(800);  // 25 chunks (800 ms)
  o.pre_roll = milliseconds(300);     // 2400 samples
  o.max_segment = milliseconds(30000);
  return o;
}

TEST(SegmenterTest, StartEndPauseAndPreRoll) {
  Recorder r;
  Segmenter s(Opts(), std::make_unique<ScriptedVad>(Script({{20, 0.1f}, {40, 0.9f}, {30, 0.1f}})),
              r);
  Feed(s, 90);
  ASSERT_EQ(r.segments.size(), 1u);
  const auto& seg = r.segments[0];
  EXPECT_EQ(seg.start, 20u * 256);
  EXPECT_EQ(seg.end, 60u * 256);
  EXPECT_EQ(seg.pause, milliseconds(25 * 256 * 1000 / 8000));
  // Pre-roll: 300 ms before the start up to the confirmation (8 chunks in).
  EXPECT_EQ(seg.pre_roll, 2400u + 8 * 256);
  EXPECT_EQ(seg.first_pre_roll_sample, static_cast<std::int16_t>((20 * 256 - 2400) / 256));
  EXPECT_NEAR(s.SpeechRatio(), 40.0 / 90.0, 1e-9);
}

// A model that holds its probability up for three chunks after the voice
// stops (as Silero does): the end of speech, and the pause that ends the
// utterance, count from where the voice's energy stopped, so the utterance
// ends three chunks sooner. With end_trim = 0, the model's end as before.
TEST(SegmenterTest, TheEndIsWhereTheVoiceStoppedNotWhereTheModelLetGo) {
  // Quiet line noise, then 10 chunks + 100 samples of a loud tone, then the
  // noise again; the model says speech for chunks 5..17 (three past the tone).
  constexpr std::uint64_t kToneStart = 5 * 256, kToneEnd = 15 * 256 + 100;
  std::vector<std::int16_t> pcm(60 * 256);
  for (std::size_t i = 0; i < pcm.size(); ++i) {
    const bool tone = i >= kToneStart && i < kToneEnd;
    pcm[i] = static_cast<std::int16_t>((tone ? 8000 : 60) * std::sin(0.3 * double(i)));
  }
  struct Run {
    std::uint64_t end = 0;
    milliseconds pause{0};
    std::size_t ended_after = 0;  // samples pushed when the end was reported
  };
  auto run = [&](milliseconds trim) {
    SegmenterOptions o = Opts();
    o.end_trim = trim;
    Recorder r;
    Segmenter s(o, std::make_unique<ScriptedVad>(Script({{5, 0.1f}, {13, 0.9f}, {42, 0.1f}})), r);
    Run out;
    for (std::size_t pos = 0; pos < pcm.size(); pos += 160) {
      s.Push(std::span<const std::int16_t>(pcm.data() + pos,
                                           std::min<std::size_t>(160, pcm.size() - pos)));
      if (!r.segments.empty() && r.segments[0].end && !out.ended_after) {
        out = {r.segments[0].end, r.segments[0].pause, pos + 160};
      }
    }
    EXPECT_EQ(r.segments.size(), 1u);
    return out;
  };
  const Run model = run(milliseconds(0));
  EXPECT_EQ(model.end, 18u * 256);
  const Run trimmed = run(milliseconds(160));
  // The 8 ms window holding the tone's last sample.
  EXPECT_GE(trimmed.end, kToneEnd);
  EXPECT_LE(trimmed.end, kToneEnd + 64);
  EXPECT_GE(trimmed.pause, milliseconds(800));
  EXPECT_LT(trimmed.pause, milliseconds(800 + 32 + 8));
  // Two chunks (64 ms) sooner here: three chunks of the model's tail, less
  // the part of a chunk the tone still held (seen at 20 ms frames).
  EXPECT_GE(model.ended_after - trimmed.ended_after, 3u * 160);
}

// No energy to go by (digital silence under a scripted model): nothing moves.
TEST(SegmenterTest, WithoutEnergyTheModelsEndStands) {
  Recorder r;
  Segmenter s(Opts(), std::make_unique<ScriptedVad>(Script({{20, 0.1f}, {40, 0.9f}, {30, 0.1f}})),
              r);
  std::vector<std::int16_t> zeros(90 * 256, 0);
  s.Push(zeros);
  ASSERT_EQ(r.segments.size(), 1u);
  EXPECT_EQ(r.segments[0].end, 60u * 256);
}

TEST(SegmenterTest, TooShortSpeechIsIgnored) {
  Recorder r;
  Segmenter s(Opts(), std::make_unique<ScriptedVad>(Script({{10, 0.1f}, {5, 0.9f}, {40, 0.1f}})),
              r);
  Feed(s, 55);
  EXPECT_TRUE(r.segments.empty());
}

TEST(SegmenterTest, HysteresisKeepsSpeechBetweenThresholds) {
  Recorder r;
  // 0.5 is below the start threshold but above the end threshold: speech
  // continues through it; 0.3 is silence.
  Segmenter s(Opts(),
              std::make_unique<ScriptedVad>(
                  Script({{12, 0.9f}, {30, 0.5f}, {24, 0.3f}, {12, 0.9f}, {30, 0.1f}})),
              r);
  Feed(s, 108);
  ASSERT_EQ(r.segments.size(), 1u) << "a 24-chunk (768 ms) dip is shorter than min_silence";
  EXPECT_EQ(r.segments[0].start, 0u);
  EXPECT_EQ(r.segments[0].end, 78u * 256);
}

TEST(SegmenterTest, MinSilenceSplitsUtterances) {
  Recorder r;
  Segmenter s(
      Opts(),
      std::make_unique<ScriptedVad>(Script({{12, 0.9f}, {26, 0.1f}, {12, 0.9f}, {30, 0.1f}})), r);
  Feed(s, 80);
  ASSERT_EQ(r.segments.size(), 2u);
  EXPECT_EQ(r.segments[1].start, 38u * 256);
}

TEST(SegmenterTest, MaxSegmentCuts) {
  auto o = Opts();
  o.max_segment = milliseconds(1000);  // 31.25 chunks
  Recorder r;
  Segmenter s(o, std::make_unique<ScriptedVad>(Script({{80, 0.9f}})), r);
  Feed(s, 80);
  ASSERT_GE(r.segments.size(), 2u);
  EXPECT_EQ(r.segments[0].pause, milliseconds(0));
  EXPECT_EQ(r.segments[0].end - r.segments[0].start, 32u * 256);
}

TEST(SegmenterTest, FlushClosesAnOpenUtterance) {
  Recorder r;
  Segmenter s(Opts(), std::make_unique<ScriptedVad>(Script({{20, 0.9f}, {3, 0.1f}})), r);
  Feed(s, 23);
  EXPECT_TRUE(r.open);
  s.Flush();
  ASSERT_EQ(r.segments.size(), 1u);
  EXPECT_FALSE(r.open);
  EXPECT_EQ(r.segments[0].end, 20u * 256);
}

}  // namespace
}  // namespace aicc::vad

namespace aicc::vad {
namespace {

// Short pauses: reported once each, within the utterance, with the voice's
// end; a resume only after a reported pause; none when the long pause ends
// the utterance, and none at all with short_pause 0.
TEST(SegmenterTest, ShortPauseAndResumeInsideAnUtterance) {
  struct Row {
    const char* name;
    std::initializer_list<std::pair<int, float>> script;
    std::size_t segments, pauses, resumes;
  };
  // 250 ms = 7.8 chunks → reported at the 8th silent chunk; 800 ms = 25.
  const Row rows[] = {
      {"pause then the long pause", {{10, 0.9f}, {30, 0.1f}}, 1, 1, 0},
      {"pause, resume, long pause", {{10, 0.9f}, {10, 0.1f}, {10, 0.9f}, {30, 0.1f}}, 1, 2, 1},
      {"dip shorter than the short pause",
       {{10, 0.9f}, {7, 0.1f}, {10, 0.9f}, {30, 0.1f}},
       1,
       1,
       0},
      {"two resumes",
       {{10, 0.9f}, {9, 0.1f}, {5, 0.9f}, {24, 0.1f}, {5, 0.9f}, {30, 0.1f}},
       1,
       3,
       2},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    Recorder r;
    auto o = Opts();
    o.short_pause = milliseconds(250);
    Segmenter s(o, std::make_unique<ScriptedVad>(Script(row.script)), r);
    int total = 0;
    for (auto [n, p] : row.script) total += n;
    Feed(s, total);
    EXPECT_EQ(r.segments.size(), row.segments);
    EXPECT_EQ(r.pauses.size(), row.pauses);
    EXPECT_EQ(r.resumes.size(), row.resumes);
  }
  {
    Recorder r;
    auto o = Opts();
    o.short_pause = milliseconds(250);
    Segmenter s(
        o, std::make_unique<ScriptedVad>(Script({{10, 0.9f}, {10, 0.1f}, {10, 0.9f}, {30, 0.1f}})),
        r);
    Feed(s, 60);
    ASSERT_EQ(r.pauses.size(), 2u);
    EXPECT_EQ(r.pauses[0].first, 10u * 256);  // where the voice stopped
    EXPECT_EQ(r.pauses[0].second, milliseconds(8 * 256 * 1000 / 8000));
    ASSERT_EQ(r.resumes.size(), 1u);
    EXPECT_EQ(r.resumes[0], 20u * 256);
    EXPECT_EQ(r.pauses[1].first, 30u * 256);
  }
  {
    Recorder r;  // off by default
    Segmenter s(
        Opts(),
        std::make_unique<ScriptedVad>(Script({{10, 0.9f}, {10, 0.1f}, {10, 0.9f}, {30, 0.1f}})), r);
    Feed(s, 60);
    EXPECT_TRUE(r.pauses.empty());
    EXPECT_TRUE(r.resumes.empty());
  }
}

}  // namespace
}  // namespace aicc::vad
