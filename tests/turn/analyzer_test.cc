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

// A stem fused with the casual -아/-어 (멈추+어 → 멈춰, 가+아 → 가) is told
// from a noun or a particle spelled the same by the word before it.
TEST(AnalyzerTest, ContractedCasualFinalsAreReadFromTheWordsBeforeThem) {
  Check({
      {"화면이 자꾸 멈춰", E::kCasualFinal, true},  // ㅝ: no noun ends so
      {"앱이 자꾸 꺼져", E::kCasualFinal, true},    // ㅕ
      {"배송이 왜 이렇게 느려", E::kCasualFinal, true},
      {"버튼이 안 눌려", E::kCasualFinal, true},
      {"요금이 너무 비싸", E::kCasualFinal, true},  // ㅏ after an adverb
      {"문자 다시 보내", E::kCasualFinal, true},    // ㅐ after an adverb
      {"나 지금 집에 가", E::kCasualFinal, true},   // 가 after a particle
      {"택배가 아직 안 와", E::kCasualFinal, true},
      {"요즘 잠을 통 못 자", E::kCasualFinal, true},
      {"이제 거의 끝나 가", E::kCasualFinal, true},  // auxiliary 가 after -아
      {"나 지금 버스 타", E::kCasualFinal, true},    // a verb whatever precedes
      {"결제가 또 안 되", E::kCutoff, false},        // 되 is a bare stem (되+어 → 돼)
      {"엄마 지금 나가", E::kCasualFinal, true},     // compound verb, not -가
      {"택배가 안 들어와", E::kCasualFinal, true},
      // Must stay incomplete: nouns and particles spelled like them.
      {"우리 회사", E::kNoun, false},
      {"아 그 사과", E::kParticle, false},
      {"내 친구 아내", E::kNoun, false},
      {"내 차", E::kCutoff, false},
      {"우리 손녀", E::kNoun, false},  // 녀 needs an adverb before it
      {"지금 회사", E::kNoun, false},  // a time word is no predicate cue
      {"지금 엄마가", E::kParticle, false},
      {"카메라가", E::kParticle, false},
      {"제 친구와", E::kParticle, false},  // 와 was listed twice (final and particle)
      {"엄마 가", E::kParticle, false},    // a particle split off, not the verb
      {"화면이 자꾸 멈춰서", E::kConnective, false},
      {"화면이 자꾸", E::kFiller, false},
  });
}

TEST(AnalyzerTest, CopulaYaIsToldFromTheConditionByWhatPrecedesIt) {
  Check({
      {"그게 내 실수야", E::kCasualFinal, true},      // ㅜ: no stem + -어 ends so
      {"이건 할인 쿠폰이야", E::kCasualFinal, true},  // -이야 after a consonant
      {"그거 완전 사기야", E::kCasualFinal, true},
      {"이거 공짜야", E::kCasualFinal, true},       // a two-syllable noun, no verb cue
      {"이거 진짜 공짜야", E::kCasualFinal, true},  // 진짜 also stands before nouns
      {"이번이 벌써 세 번째야", E::kCasualFinal, true},
      {"이게 다야", E::kCasualFinal, true},
      {"밥 먹었어 민지야", E::kCasualFinal, true},  // a name called after a sentence
      // The condition stays incomplete.
      {"본인이 직접 와야", E::kConnective, false},
      {"먼저 로그인을 해야", E::kConnective, false},
      {"비밀번호를 바꿔야", E::kConnective, false},
      {"통장이 있어야", E::kConnective, false},
      {"적어도 사흘은 기다려야", E::kConnective, false},
      {"결제가 돼야", E::kConnective, false},
      {"돈을 빨리 보내야", E::kConnective, false},     // an adverb before: a verb
      {"그 돈이 다 들어와야", E::kConnective, false},  // 와 is 오+아
  });
}

// Each form: 이기갑 (2003) 『국어 방언 문법』 and the 「방언」 entries of
// 표준국어대사전/우리말샘 (ending_tables.cc).
TEST(AnalyzerTest, RegionalFinalEndingsAreComplete) {
  Check({
      {"어디 가노", E::kCasualFinal, true},         // 경상 wh-question
      {"밥은 묵었나", E::kCasualFinal, true},       // 경상 yes/no question
      {"이거 얼마 하능교", E::kFormalFinal, true},  // 경상 polite question
      {"억수로 고맙데이", E::kCasualFinal, true},
      {"이게 뭐꼬", E::kCasualFinal, true},
      {"그래 알았다 아이가", E::kCasualFinal, true},
      {"그거 어제 했심더", E::kFormalFinal, true},
      {"맞제", E::kCasualFinal, true},
      {"이번엔 꼭 해 주이소", E::kPoliteFinal, true},
      {"내가 다시 전화할게예", E::kPoliteFinal, true},
      {"그래유", E::kPoliteFinal, true},  // 충청
      {"아직 안 왔슈", E::kPoliteFinal, true},
      {"돈은 어제 보냈는디유", E::kPoliteFinal, true},
      {"뭐 하는 거여", E::kCasualFinal, true},
      {"밥 먹었어잉", E::kCasualFinal, true},  // 전라
      {"그거 내가 했지라", E::kCasualFinal, true},
      {"어제 분명히 보냈당께", E::kCasualFinal, true},
      // Regional connectives and nouns spelled like the endings stay open.
      {"내가 어제 전화를 했는디", E::kConnective, false},
      {"돈이 없응께", E::kConnective, false},
      {"가 볼라꼬", E::kConnective, false},
      {"그 이유", E::kNoun, false},
      {"우리 아이가", E::kParticle, false},
      {"그 결제", E::kNoun, false},
      {"이거 어제 했는데 그랑께", E::kTrailingWord, false},
  });
}

TEST(AnalyzerTest, ContractedFinalsSplitByTheRecognizerAreJoined) {
  Check({
      {"화면이 자꾸 멈 춰", E::kCasualFinal, true},
      {"엄마 지금 나 가", E::kCasualFinal, true},  // 나가, a compound verb
      {"그게 내 실수 야", E::kCasualFinal, true},
      {"그래 알았다 아이 가", E::kCasualFinal, true},
      {"아 그거 내가 했잖 아", E::kCasualFinal, true},
      {"요즘 통 입맛이 없 어", E::kCasualFinal, true},
      // Not joined: a particle after a noun, a filler after a noun.
      {"우리 아이 가", E::kParticle, false},
      {"그 사람 어", E::kFiller, false},
  });
}

TEST(AnalyzerTest, ResignedMwoHangingQuestionsAndPostpositions) {
  Check({
      {"그냥 내가 하지 뭐", E::kCasualFinal, true},
      {"할 수 없지 뭐", E::kCasualFinal, true},
      {"그 뭐", E::kFiller, false},  // a filler after a hesitation
      {"그래서 뭐", E::kFiller, false},
      {"사람 참 많구먼", E::kCasualFinal, true},
      {"벌써 다 팔렸구만", E::kCasualFinal, true},
      {"내일까지 도착할지", E::kConnective, false},
      {"이게 환불이 될지", E::kConnective, false},
      {"괜찮을지", E::kConnective, false},
      {"너도 알지", E::kCasualFinal, true},  // an ㄹ-stem with -지 stays final
      {"빠른 처리를 위해서", E::kConnective, false},
      {"본인 확인을 위해", E::kConnective, false},
      {"요금에 대해", E::kConnective, false},
      {"문제로 인해", E::kConnective, false},
      {"저희가 다시 확인해", E::kCasualFinal, true},  // 인해 only as a whole word
      {"이거 준비해", E::kCasualFinal, true},
      {"그 계획에 반대해", E::kCasualFinal, true},
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
