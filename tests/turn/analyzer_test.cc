#include <gtest/gtest.h>

#include "turn/internal/hangul.h"
#include "turn/korean_analyzer.h"

namespace aicc::turn {
namespace {

using E = EndingClass;

struct Row {
  const char* text;
  E ending;
  bool complete;
};

void Check(const std::vector<Row>& rows) {
  KoreanAnalyzer analyzer;
  for (const auto& r : rows) {
    SCOPED_TRACE(r.text);
    const Analysis a = analyzer.Analyze(r.text);
    EXPECT_EQ(ToString(a.ending), ToString(r.ending)) << a.reason;
    EXPECT_EQ(a.complete(), r.complete) << a.score << " " << a.reason;
    EXPECT_FALSE(a.reason.empty());
  }
}

TEST(HangulTest, DecomposesSyllablesArithmetically) {
  using internal::DecodeUtf8;
  using internal::ToJamo;
  EXPECT_EQ(ToJamo(DecodeUtf8("합니다")), DecodeUtf8("ㅎㅏㅂㄴㅣㄷㅏ"));
  EXPECT_EQ(ToJamo(DecodeUtf8("갔어")), DecodeUtf8("ㄱㅏㅆㅇㅓ"));
  EXPECT_EQ(ToJamo(DecodeUtf8("a1!")), DecodeUtf8("a1!"));
  EXPECT_EQ(internal::FinalConsonant(U'습'), U'ㅂ');
  EXPECT_EQ(internal::FinalConsonant(U'니'), 0u);
}

TEST(AnalyzerTest, FormalAndPoliteFinals) {
  Check({
      {"카드 분실 신고가 접수되었습니다", E::kFormalFinal, true},
      {"잠시만 기다려 주십시오", E::kFormalFinal, true},
      {"다른 문의 사항 있으십니까", E::kFormalFinal, true},
      {"지금 갑니다", E::kFormalFinal, true},  // -ㅂ니다 merged into 갑
      {"확인해 드릴게요", E::kPoliteFinal, true},
      {"주소를 알려 주세요", E::kPoliteFinal, true},
      {"그건 제가 안 했죠", E::kPoliteFinal, true},
      {"월요일 오전이요", E::kPoliteFinal, true},
  });
}

TEST(AnalyzerTest, ConnectiveEndingsVersusTheirPoliteFinalUses) {
  Check({
      {"카드를 잃어버렸는데", E::kConnective, false},
      {"카드를 잃어버렸는데요", E::kPoliteFinal, true},
      {"어제 신청했거든", E::kConnective, false},
      {"어제 신청했거든요", E::kPoliteFinal, true},
      {"요금도 확인하고", E::kConnective, false},
      {"요금도 확인하고요", E::kPoliteFinal, true},
      {"시간이 없어서", E::kConnective, false},
      {"해지하시면", E::kConnective, false},
      {"보니까", E::kConnective, false},
      {"비싸지만", E::kConnective, false},
      {"가다가", E::kConnective, false},
      {"바꾸려고", E::kConnective, false},
      {"큰데", E::kConnective, false},  // -ㄴ데 merged into 큰
      {"동의하셔야", E::kConnective, false},
  });
}

TEST(AnalyzerTest, CasualFinals) {
  Check({
      {"알았어 고마워", E::kCasualFinal, true},
      {"오늘은 좀 바빠", E::kCasualFinal, true},
      {"아 진짜 짜증 나네", E::kCasualFinal, true},
      {"야 너 그 택배 받았니", E::kCasualFinal, true},
      {"이따 다시 할게", E::kCasualFinal, true},
      {"그럼 내일 하자", E::kCasualFinal, true},
      {"다 끝났다", E::kCasualFinal, true},
  });
}

TEST(AnalyzerTest, ParticlesAdnominalsNounsAndCutoffs) {
  Check({
      {"제 카드를", E::kParticle, false},
      {"요금이", E::kParticle, false},
      {"지점에서", E::kParticle, false},
      {"계좌로", E::kParticle, false},
      {"그 전에 살던", E::kAdnominal, false},
      {"지금 말씀하시는", E::kParticle, false},  // -는: topic particle or adnominal, both open
      {"제가 드릴", E::kAdnominal, false},
      {"아 그 보험 갱신 안내 문자", E::kNoun, false},
      {"네 고객님 그 자동이체 출금 계좌", E::kNoun, false},
      {"매월 십사 일로 되어 있", E::kCutoff, false},
      {"계좌 번호가 어떻게 되시", E::kCutoff, false},
  });
}

TEST(AnalyzerTest, BackchannelsFillersTrailingWordsNumbersAndPunctuation) {
  Check({
      {"네", E::kBackchannel, true},
      {"아니요", E::kBackchannel, true},
      {"감사합니다", E::kBackchannel, true},
      {"아 네 저기", E::kFiller, false},
      {"요금이 어 그러니까 음", E::kFiller, false},
      {"고지서 좀", E::kFiller, false},
      {"네 알겠습니다 그리고", E::kTrailingWord, false},
      {"네. 그런데", E::kTrailingWord, false},
      {"또?", E::kQuestionMark, true},  // alone, a question
      {"운송장 번호는 6 3 2 4", E::kNumber, false},
      {"제 생일이 1992년 11월", E::kNumber, false},
      {"집 전화는 공삼일 칠", E::kNumber, false},
      {"송장 번호 6320 4417 8812요", E::kPoliteFinal, true},
      {"주소 변경?", E::kQuestionMark, true},
      {"배송이 늦어요.  ", E::kPoliteFinal, true},
      {"그래서 제가.", E::kParticle, false},  // a period does not close an open clause
  });
}

TEST(AnalyzerTest, NumbersDictatedToTheirFullLengthAreComplete) {
  Check({
      {"공일공 일이삼사 오육칠팔", E::kNumber, true},
      {"제 번호는 010 1234 5678", E::kNumber, true},
      {"010-1234-5678", E::kNumber, true},
      {"01012345678", E::kNumber, true},
      {"02 123 4567", E::kNumber, true},
      {"카드 번호 5412 7512 3344 9080", E::kNumber, true},
      // Still being dictated: a group short, or not a phone/card shape.
      {"공일공 일이삼사 오육칠", E::kNumber, false},
      {"카드 번호 5412 7512 3344", E::kNumber, false},
      {"카드 번호 말씀드릴게요 4518 2033", E::kNumber, false},
      {"4518-2033", E::kNumber, false},
      {"쇼핑몰 주문 번호 불러 드릴게요 2023 1108", E::kNumber, false},
  });
}

TEST(AnalyzerTest, AWordOfAddressLeavesTheDecisionToTheWordsBefore) {
  Check({
      {"네 고객님", E::kBackchannel, true},
      {"네, 고객님.", E::kBackchannel, true},
      {"잠시만 기다려 주세요 고객님", E::kPoliteFinal, true},
      {"그래서 고객님", E::kTrailingWord, false},
      {"제가 확인해 보니까 고객님", E::kConnective, false},
      {"감사합니다 고객님 고객님", E::kBackchannel, true},
      {"고객님", E::kNoun, false},  // alone it opens the turn
  });
}

TEST(AnalyzerTest, AnIntensifierAfterAClosedSentenceIsAnAfterthought) {
  Check({
      {"뭐 하는 거야 지금", E::kCasualFinal, true},
      {"왜 이렇게 안 돼요 진짜", E::kPoliteFinal, true},
      {"엄마 잠깐만 그 고지서 좀", E::kFiller, false},  // after a noun: waits
      {"제가 어제 갔는데 진짜", E::kFiller, false},     // after a connective: waits
      {"네 알겠습니다 혹시", E::kFiller, false},        // 혹시 opens a question
      {"아 됐어요 그냥", E::kBackchannel, true},
  });
  // Hostile input: alternating words of address and afterthoughts.
  std::string long_text;
  for (int i = 0; i < 2000; ++i) long_text += i % 2 ? "고객님 " : "진짜 ";
  EXPECT_FALSE(KoreanAnalyzer().Analyze(long_text).reason.empty());
}

TEST(AnalyzerTest, AWordMovedAfterAFinishedSentenceKeepsItComplete) {
  Check({
      {"몰라 나도", E::kCasualFinal, true},
      {"뭐야 이게", E::kCasualFinal, true},  // 뭐야: a filler alone, a question here
      {"아 뭐야 이게", E::kCasualFinal, true},
      {"그 뭐야 이게", E::kConnective, false},  // still looking for the word
      {"안 돼요 이거", E::kPoliteFinal, true},
      {"안 왔어요 아직", E::kPoliteFinal, true},
      {"해 주세요 빨리", E::kPoliteFinal, true},
      {"괜찮아요 저는", E::kBackchannel, true},  // a backchannel that is a sentence
      {"네 이거", E::kNoun, false},              // after a bare 네: the next sentence starts
      {"아니요 저는", E::kParticle, false},
      {"그래서 제가", E::kParticle, false},  // after a connective word: waits
      {"제가 확인했는데 아직", E::kFiller, false},
  });
}

TEST(AnalyzerTest, CasualCopulaOnAVowelIsNotTheConditionEnding) {
  Check({
      {"그거 내가 한 거 아니야", E::kCasualFinal, true},
      {"지금 어디야", E::kCasualFinal, true},
      {"이게 얼마야", E::kCasualFinal, true},
      {"그렇게 해야", E::kConnective, false},  // the condition -어야 stays
  });
}

// The recognizer's spacing errors at the end: a split-off ending is read
// with its word (an ending that only matches across the space, a stem no
// word ends in, or two halves of a word the analyzer knows).
TEST(AnalyzerTest, AnEndingSplitOffByTheRecognizerIsReadWithItsWord) {
  Check({
      {"확인 부탁 드립니 다", E::kFormalFinal, true},
      {"그거 벌써 했 어", E::kCasualFinal, true},
      {"이상하 다", E::kCasualFinal, true},
      {"해 주세 요", E::kPoliteFinal, true},
      {"제가 할 게", E::kCasualFinal, true},
      {"그게 아니 라", E::kConnective, false},
      {"요금이 왜 이렇게 나왔 는지", E::kConnective, false},
      {"그 뭐 냐", E::kFiller, false},
      {"뭐 하는 거야 지 금", E::kCasualFinal, true},
      {"네 고객 님", E::kBackchannel, true},
      {"그거 다", E::kFiller, false},  // the adverb 다 ("all") still waits
  });
}

TEST(AnalyzerTest, NounsThatLookLikeCasualFinals) {
  Check({
      {"부가 서비스 해지", E::kNoun, false},
      {"카드해지", E::kNoun, false},
      {"이용정지", E::kNoun, false},
      {"최근 카드 거래", E::kNoun, false},
      {"우리 동네", E::kNoun, false},
      {"그건 알지", E::kCasualFinal, true},  // a verb's casual -지 stays final
      {"이게 제대로 안 되길래", E::kConnective, false},
      {"제가 할래", E::kCasualFinal, true},
      {"아하", E::kBackchannel, true},
  });
}

TEST(AnalyzerTest, SttSpellingsOfConnectiveDe) {
  Check({
      {"제가 어제 신청 했는대", E::kConnective, false},
      {"가격은 좋은대", E::kConnective, false},
      {"그 사람도 온대", E::kCasualFinal, true},  // hearsay -ㄴ대 is a final
  });
}

TEST(AnalyzerTest, BadInputHasADefinedResult) {
  KoreanAnalyzer analyzer;
  for (const std::string& text :
       {std::string(), std::string("   \t "), std::string("..."), std::string("hello world"),
        std::string("OK 알겠어요"), std::string("\xff\xfe\x80"), std::string("네\xff요"),
        std::string(1000, 'a'), std::string("12345")}) {
    SCOPED_TRACE(text.substr(0, 20));
    const Analysis a = analyzer.Analyze(text);
    EXPECT_GE(a.score, 0.0);
    EXPECT_LE(a.score, 1.0);
    EXPECT_FALSE(a.reason.empty());
  }
  EXPECT_EQ(analyzer.Analyze("").ending, E::kEmpty);
  EXPECT_EQ(analyzer.Analyze("OK 알겠어요").ending, E::kPoliteFinal);
  EXPECT_EQ(analyzer.Analyze("hello").ending, E::kUnknown);
}

TEST(SeedTest, ReproducesTheOldRules) {
  EXPECT_DOUBLE_EQ(SeedAnalyze("접수되었습니다").score, 0.95);
  EXPECT_DOUBLE_EQ(SeedAnalyze("신청했는데").score, 0.2);
  // Its known weakness: polite connective finals count as connectives.
  EXPECT_DOUBLE_EQ(SeedAnalyze("신청했는데요").score, 0.2);
  EXPECT_DOUBLE_EQ(SeedAnalyze("음").score, 0.5);
  EXPECT_DOUBLE_EQ(SeedAnalyze("").score, 0.5);
}

}  // namespace
}  // namespace aicc::turn
