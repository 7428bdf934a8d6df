// Results → turns: which finals answer which utterance, when an utterance is
// ready, and the interim fallback without repeated words.
#include "stt/internal/transcript.h"

#include <gtest/gtest.h>

namespace aicc::stt::internal {
namespace {

using namespace std::chrono_literals;

ResultPiece Final(std::string text, Micros end, double conf = 0.9) {
  return {std::move(text), true, end, conf};
}
ResultPiece Interim(std::string text, Micros end) { return {std::move(text), false, end, {}}; }

TEST(AppendTextTest, Joins) {
  std::string s;
  AppendText(s, " 안녕하세요");
  AppendText(s, "반갑습니다");
  AppendText(s, " 네.");
  AppendText(s, "");
  EXPECT_EQ(s, "안녕하세요 반갑습니다 네.");
}

TEST(TranscriptAssemblerTest, FinalsSplitBetweenAdjacentTurns) {
  TranscriptAssembler a;
  a.BeginUtterance(0us);
  ResultPiece r1[] = {Final("하나", 800ms)};
  a.OnResponse(0, r1);
  a.EndUtterance(1000ms);
  a.BeginUtterance(1000ms);
  // The next utterance's final arrives before the first is taken.
  ResultPiece r2[] = {Final("둘", 1900ms)};
  a.OnResponse(0, r2);
  a.EndUtterance(2000ms);
  ASSERT_TRUE(a.Ready());
  auto t1 = a.Take(false);
  EXPECT_EQ(t1.transcript, "하나");
  EXPECT_TRUE(t1.is_final);
  ASSERT_TRUE(t1.confidence);
  EXPECT_NEAR(*t1.confidence, 0.9, 1e-6);
  ASSERT_TRUE(a.Ready());
  auto t2 = a.Take(false);
  EXPECT_EQ(t2.transcript, "둘");
  EXPECT_EQ(a.UnconsumedFinals(), 0u);
}

TEST(TranscriptAssemblerTest, NotReadyWhileAnInterimCoversTheUtterance) {
  TranscriptAssembler a;
  a.BeginUtterance(0us);
  ResultPiece r1[] = {Final("앞부분", 500ms), Interim("뒷부", 900ms)};
  a.OnResponse(0, r1);
  a.EndUtterance(1000ms);
  EXPECT_FALSE(a.Ready());
  ResultPiece r2[] = {Final("뒷부분", 950ms)};
  a.OnResponse(0, r2);
  ASSERT_TRUE(a.Ready());
  auto t = a.Take(false);
  EXPECT_EQ(t.transcript, "앞부분 뒷부분");
  EXPECT_TRUE(t.is_final);
}

TEST(TranscriptAssemblerTest, InterimOfTheNextUtteranceDoesNotBlock) {
  TranscriptAssembler a;
  a.BeginUtterance(0us);
  a.EndUtterance(1000ms);
  a.BeginUtterance(1000ms);
  ResultPiece r[] = {Final("하나", 900ms), Interim("두", 1600ms)};
  a.OnResponse(0, r);
  EXPECT_TRUE(a.Ready());
}

TEST(TranscriptAssemblerTest, TimeoutUsesInterimAndDropsItsLateFinal) {
  TranscriptAssembler a;
  a.BeginUtterance(0us);
  ResultPiece r1[] = {Interim("잠정", 700ms)};
  a.OnResponse(0, r1);
  a.EndUtterance(1000ms);
  EXPECT_FALSE(a.Ready());
  auto t1 = a.Take(true);
  EXPECT_EQ(t1.transcript, "잠정");
  EXPECT_FALSE(t1.is_final);
  EXPECT_FALSE(t1.confidence);
  // The late final for the same audio must not reappear in the next turn.
  a.BeginUtterance(1000ms);
  ResultPiece r2[] = {Final("잠정적", 750ms)};
  a.OnResponse(0, r2);
  EXPECT_EQ(a.DroppedFinals(), 1u);
  ResultPiece r3[] = {Final("다음", 1800ms)};
  a.OnResponse(0, r3);
  a.EndUtterance(2000ms);
  ASSERT_TRUE(a.Ready());
  EXPECT_EQ(a.Take(false).transcript, "다음");
}

TEST(TranscriptAssemblerTest, NothingAtAllGivesEmptyNonFinal) {
  TranscriptAssembler a;
  a.BeginUtterance(0us);
  a.EndUtterance(500ms);
  EXPECT_FALSE(a.Ready());
  auto t = a.Take(true);
  EXPECT_EQ(t.transcript, "");
  EXPECT_FALSE(t.is_final);
}

TEST(TranscriptAssemblerTest, FinalsFromTwoStreamsInTimeOrder) {
  TranscriptAssembler a;
  a.BeginUtterance(0us);
  // A rotated stream's final (later audio) arrives before the old stream's.
  ResultPiece from_new[] = {Final("셋", 2500ms)};
  a.OnResponse(1, from_new);
  ResultPiece from_old[] = {Final("하나 둘", 1800ms)};
  a.OnResponse(0, from_old);
  a.EndUtterance(3000ms);
  ASSERT_TRUE(a.Ready());
  EXPECT_EQ(a.Take(false).transcript, "하나 둘 셋");
}

TEST(TranscriptAssemblerTest, DroppedStreamInterimNoLongerBlocks) {
  TranscriptAssembler a;
  a.BeginUtterance(0us);
  ResultPiece r0[] = {Interim("끊긴", 400ms)};
  a.OnResponse(0, r0);
  ResultPiece r1[] = {Final("이어진", 900ms)};
  a.OnResponse(1, r1);
  a.EndUtterance(1000ms);
  EXPECT_FALSE(a.Ready());
  a.DropStream(0);
  ASSERT_TRUE(a.Ready());
  EXPECT_EQ(a.Take(false).transcript, "이어진");
}

}  // namespace
}  // namespace aicc::stt::internal

namespace aicc::stt::internal {
namespace {

// Live text of the open utterance (issue 17): its finals then the latest
// interims, the last interim's stability, final only when no interim
// follows; nothing from the utterance before, nothing outside an utterance.
TEST(TranscriptAssemblerTest, OpenTextIsTheOpenUtterancesWordsSoFar) {
  TranscriptAssembler a;
  EXPECT_TRUE(a.OpenText().transcript.empty());
  a.BeginUtterance(0us);
  ResultPiece first[] = {Final("이전 문장", 900ms)};
  a.OnResponse(0, first);
  a.EndUtterance(1700ms);
  a.BeginUtterance(1700ms);
  EXPECT_TRUE(a.OpenText().transcript.empty());  // the earlier utterance's final is not its
  ResultPiece i1[] = {{"네", false, 2100ms, {}, 0.01f}};
  a.OnResponse(0, i1);
  auto t = a.OpenText();
  EXPECT_EQ(t.transcript, "네");
  EXPECT_FALSE(t.is_final);
  EXPECT_FLOAT_EQ(t.last_stability, 0.01f);
  ResultPiece i2[] = {{"네", false, 2200ms, {}, 0.9f}, {" 알겠습니다", false, 2500ms, {}, 0.9f}};
  a.OnResponse(0, i2);
  t = a.OpenText();
  EXPECT_EQ(t.transcript, "네 알겠습니다");
  EXPECT_FLOAT_EQ(t.last_stability, 0.9f);
  ResultPiece f[] = {Final("네 알겠습니다.", 2500ms, 0.95)};
  a.OnResponse(0, f);
  t = a.OpenText();
  EXPECT_EQ(t.transcript, "네 알겠습니다.");
  EXPECT_TRUE(t.is_final);
  EXPECT_EQ(t.confidence, 0.95);
  ResultPiece i3[] = {{"그런데", false, 3000ms, {}, 0.01f}};
  a.OnResponse(0, i3);
  t = a.OpenText();
  EXPECT_EQ(t.transcript, "네 알겠습니다. 그런데");
  EXPECT_FALSE(t.is_final);
  a.EndUtterance(3800ms);
  EXPECT_TRUE(a.OpenText().transcript.empty());
}

}  // namespace
}  // namespace aicc::stt::internal
