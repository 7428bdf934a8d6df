#include "turn/detector.h"

#include <gtest/gtest.h>

namespace aicc::turn {
namespace {

using std::chrono::milliseconds;

TEST(DetectorTest, SeedModeIsTheOldFormulaExactly) {
  Detector d({Mode::kSeed, 0.6, 0.2, 0.2, 0.65});
  struct Row {
    const char* text;
    int duration_ms;
    int pause_ms;
    double morpheme, duration, silence, fusion;
    bool complete;
  };
  const Row rows[] = {
      // 0.6·0.95 + 0.2·0.8 + 0.2·0.8 = 0.89
      {"접수되었습니다", 1500, 900, 0.95, 0.8, 0.8, 0.89, true},
      // 0.6·0.2 + 0.2·1.0 + 0.2·1.0 = 0.52
      {"신청했는데", 3500, 1500, 0.2, 1.0, 1.0, 0.52, false},
      // 0.6·0.5 + 0.2·0.3 + 0.2·0.6 = 0.48
      {"음", 300, 700, 0.5, 0.3, 0.6, 0.48, false},
      // 0.6·0.95 + 0.2·0.5 + 0.2·0.4 = 0.75
      {"네 맞아요", 800, 400, 0.95, 0.5, 0.4, 0.75, true},
      // 0.6·0.5 + 0.2·1.0 + 0.2·0.8 = 0.66 ≥ 0.65
      {"카드 번호는", 3000, 1199, 0.5, 1.0, 0.8, 0.66, true},
  };
  for (const auto& r : rows) {
    SCOPED_TRACE(r.text);
    const auto out = d.Decide(
        {r.text, milliseconds(r.duration_ms), milliseconds(r.pause_ms), std::nullopt, true});
    EXPECT_DOUBLE_EQ(out.morpheme_score, r.morpheme);
    EXPECT_DOUBLE_EQ(out.duration_score, r.duration);
    EXPECT_DOUBLE_EQ(out.silence_score, r.silence);
    EXPECT_NEAR(out.fusion_score, r.fusion, 1e-12);
    EXPECT_EQ(out.complete, r.complete);
  }
}

TEST(DetectorTest, SeedCurvesAtTheirBoundaries) {
  EXPECT_DOUBLE_EQ(Detector::SeedDurationScore(milliseconds(499)), 0.3);
  EXPECT_DOUBLE_EQ(Detector::SeedDurationScore(milliseconds(500)), 0.5);
  EXPECT_DOUBLE_EQ(Detector::SeedDurationScore(milliseconds(2999)), 0.8);
  EXPECT_DOUBLE_EQ(Detector::SeedDurationScore(milliseconds(3000)), 1.0);
  EXPECT_DOUBLE_EQ(Detector::SeedSilenceScore(milliseconds(299)), 0.2);
  EXPECT_DOUBLE_EQ(Detector::SeedSilenceScore(milliseconds(800)), 0.8);
  EXPECT_DOUBLE_EQ(Detector::SeedSilenceScore(milliseconds(1200)), 1.0);
}

TEST(DetectorTest, AiccWordsLeadAndPauseTipsTheAmbiguous) {
  Detector d({});
  const auto final_ = d.Decide({"네 알겠습니다", milliseconds(900), milliseconds(800), 0.95, true});
  EXPECT_TRUE(final_.complete);
  const auto connective =
      d.Decide({"카드를 잃어버렸는데", milliseconds(3000), milliseconds(2000), 0.95, true});
  EXPECT_FALSE(connective.complete) << connective.fusion_score;
  // Parts are in [0, 1] and fusion is their weighted sum.
  EXPECT_NEAR(
      final_.fusion_score,
      0.6 * final_.morpheme_score + 0.2 * final_.duration_score + 0.2 * final_.silence_score,
      1e-12);
  // An uncertain interim says less than a confident final.
  const auto interim =
      d.Decide({"네 알겠습니다", milliseconds(900), milliseconds(800), std::nullopt, false});
  EXPECT_LT(interim.morpheme_score, final_.morpheme_score);
  EXPECT_GT(interim.morpheme_score, 0.5);
}

TEST(DetectorTest, AiccWithoutTranscriptUsesPauseAndDuration) {
  Detector d({});
  const auto long_pause =
      d.Decide({"", milliseconds(1500), milliseconds(1500), std::nullopt, false});
  EXPECT_TRUE(long_pause.complete);
  EXPECT_DOUBLE_EQ(long_pause.morpheme_score, 0.5);
  const auto blip = d.Decide({"", milliseconds(100), milliseconds(300), std::nullopt, false});
  EXPECT_FALSE(blip.complete);
}

TEST(DetectorTest, WeightsAndThresholdAreSettings) {
  Detector strict({Mode::kAicc, 0.6, 0.2, 0.2, 0.95});
  EXPECT_FALSE(
      strict.Decide({"네 알겠습니다", milliseconds(900), milliseconds(800), 0.95, true}).complete);
  Detector text_only({Mode::kAicc, 1.0, 0.0, 0.0, 0.5});
  EXPECT_TRUE(
      text_only.Decide({"맞아요", milliseconds(100), milliseconds(100), 0.9, true}).complete);
}

}  // namespace
}  // namespace aicc::turn

namespace aicc::turn {
namespace {

// Early decisions (issue 17): only clear finals at the minimum score; the
// open and ambiguous endings never, whatever the minimum.
TEST(DetectorTest, EndsClearlyOnlyForClearFinals) {
  Detector d({});
  struct Row {
    const char* text;
    bool at_090;
    bool at_060;
  };
  const Row rows[] = {
      {"네 알겠습니다", true, true},
      {"카드 분실 신고 하려고 하는데요", true, true},
      {"확인해 드릴게요", true, true},
      {"네", true, true},
      {"결제일이 언제예요?", true, true},
      {"그거 내가 할게", false, true},  // casual final 0.8: only at a lower minimum
      {"그렇지", false, true},          // weak -지 (0.6)
      {"카드를 분실했는데", false, false},
      {"제 카드 번호는", false, false},
      {"그러니까 음", false, false},
      {"공일공 일이삼사", false, false},
      {"", false, false},
  };
  for (const auto& r : rows) {
    SCOPED_TRACE(r.text);
    EXPECT_EQ(d.EndsClearly(r.text, 0.9), r.at_090);
    EXPECT_EQ(d.EndsClearly(r.text, 0.6), r.at_060);
  }
}

}  // namespace
}  // namespace aicc::turn
