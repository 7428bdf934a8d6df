// Table-driven: each row is one utterance, the other speaker's previous
// utterance (or ""), the expected masked text and how many values.
#include "pii/masker.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/config.h"

namespace aicc::pii {
namespace {

struct Row {
  const char* name;
  const char* context;
  const char* text;
  const char* expected;
  int values;
};

const Row kRows[] = {
    // Every category, in the forms callers say them.
    {"rrn_written", "주민등록번호 말씀해 주세요", "850312-1234567이요", "**************이요", 1},
    {"rrn_spoken_dasi", "", "주민번호는 팔오공삼일이 다시 일이삼사오육칠입니다",
     "주민번호는 ****** ** *******입니다", 1},
    {"card_groups", "카드번호 말씀해 주세요", "1234 5678 9012 3456이요", "**** **** **** ****이요",
     1},
    {"card_chunk_after_question", "카드번호 앞 네 자리부터 말씀해 주세요", "구사공일이요",
     "****이요", 1},
    {"card_chunk_bare_context", "네", "오육공공이고요", "****이고요", 1},
    {"card_correction", "네 카드 앞자리부터요", "오사일이 칠오사삼 아니 팔이 아니라 칠이요",
     "**** **** 아니 *이 아니라 *이요", 1},
    {"cvc", "카드 뒷면 세 자리 말씀해 주세요", "칠사이요", "***요", 1},
    {"expiry_counters", "유효기간 말씀해 주세요", "27년 3월까지요", "**년 *월까지요", 1},
    {"account_hyphens", "환불받으실 계좌번호 말씀해 주세요", "110-123-456789요", "**************요",
     1},
    {"phone_e_joiner", "전화번호가 어떻게 되세요?", "공일공에 구팔칠육에 오사삼이요",
     "**** ***** ****요", 1},
    {"phone_prefix_alone", "전화번호 앞자리가 어떻게 되세요", "공일공이요", "***이요", 1},
    {"phone_no_context", "", "저한테 010-2468-1357로 전화 주세요",
     "저한테 *************로 전화 주세요", 1},
    {"dob_place_value", "생년월일 말씀해 주세요", "팔십오 년 삼 월 십이 일생이에요",
     "*** 년 * 월 ** 일생이에요", 1},
    {"dob_day_after_month", "생일이 어떻게 되세요?", "구십 년 칠월 이십일이요",
     "** 년 *월 **일이요", 1},
    {"pin_one_digit_correction", "비밀번호 확인할게요", "7이 아니라 1이요", "*이 아니라 *이요", 1},
    {"pin_alphanumeric", "", "비밀번호는 abcd1234요", "비밀번호는 ********요", 1},
    {"email_written", "", "메일은 hong123@naver.com이에요", "메일은 *****************이에요", 1},
    {"email_spoken", "이메일 알려 주세요", "kimcs 골뱅이 gmail 닷컴이요", "***** *** ***** **이요",
     1},
    {"address_pair", "", "저희 집이 105동 802호예요", "저희 집이 ***동 ***호예요", 1},
    {"address_road", "", "강남구 테헤란로 123에 살아요", "강남구 테헤란로 ***에 살아요", 1},

    // Numbers that are not personal information.
    {"amount_place_value", "카드로 결제하셨나요?", "네 카드로 오만 원 결제했어요",
     "네 카드로 오만 원 결제했어요", 0},
    {"amount_comma", "", "35,000원이요", "35,000원이요", 0},
    {"amount_round_without_won", "", "35000이요", "35000이요", 0},
    {"transaction_date", "언제 결제하셨어요?", "3월 12일에 결제했어요", "3월 12일에 결제했어요", 0},
    {"written_date", "", "2024-03-15에 가입했어요", "2024-03-15에 가입했어요", 0},
    {"birth_year_not_alone", "생년월일 말씀해 주세요", "2020년에 가입했는데 그거 말고요",
     "2020년에 가입했는데 그거 말고요", 0},
    {"time", "", "14시 20분에 결제 문자가 왔어요", "14시 20분에 결제 문자가 왔어요", 0},
    {"duration_in_card_context", "카드번호 말씀해 주세요", "카드로 삼 개월 할부 하고 싶어요",
     "카드로 삼 개월 할부 하고 싶어요", 0},
    {"product", "", "5G 요금제로 바꾸고 싶어요", "5G 요금제로 바꾸고 싶어요", 0},
    {"order_number", "주문번호 말씀해 주세요", "공일이삼 사오육칠 팔구요",
     "공일이삼 사오육칠 팔구요", 0},
    {"tracking_in_context", "운송장 번호 불러 주시겠어요?", "일이삼사 오육칠팔 구공일이요",
     "일이삼사 오육칠팔 구공일이요", 0},
    {"floor", "", "엘리베이터 타고 십오 층으로 오세요", "엘리베이터 타고 십오 층으로 오세요", 0},
    {"floor_after_road", "배송지요", "광교로 42 1층이에요", "광교로 ** 1층이에요", 1},
    {"age", "연세가 어떻게 되세요?", "칠십이 세입니다", "칠십이 세입니다", 0},
    {"agent_instruction", "", "인증번호 여섯 자리 말씀해 주세요",
     "인증번호 여섯 자리 말씀해 주세요", 0},
    {"business_number", "", "고객센터 1588-1234로 전화 주세요", "고객센터 1588-1234로 전화 주세요",
     0},
    {"determiner_i", "전화번호 말씀해 주세요", "지금 거신 이 번호로 해 주세요",
     "지금 거신 이 번호로 해 주세요", 0},
    {"words_made_of_numerals", "", "일단 오늘 이거 사용하셨어요", "일단 오늘 이거 사용하셨어요", 0},

    {"service_number", "", "114에 전화했어요", "114에 전화했어요", 0},
    {"prefix_mentioned", "", "010으로 시작하는 번호요", "010으로 시작하는 번호요", 0},
    {"points", "", "마일리지 12500 남았어요", "마일리지 12500 남았어요", 0},
    {"order_said_loosely", "", "주문한 거 번호가 1234567이에요", "주문한 거 번호가 1234567이에요",
     0},
    {"chunk_length_decides_i", "인증번호 여섯 자리 불러 주시겠어요?", "삼팔일 구이칠이요",
     "*** ***이요", 1},
    {"corrected_chunk_decides_i", "인증번호 다시 불러 주세요", "육칠팔 공일이 아 공일삼이요",
     "*** *** 아 ***이요", 1},

    {"phone_place_value_chunks", "", "공일공 천이백삼십사 오천육백칠십팔이요",
     "*** ****** *******이요", 1},
    {"toll_free", "", "수신거부 080-123-4567", "수신거부 080-123-4567", 0},

    {"particles_stack", "유효기간 말씀해 주세요", "네 이칠년 삼월까지예요", "네 **년 *월까지예요",
     1},
    {"announced_length_decides_i", "카드 뒷면 번호요", "뒤에 세자리 칠칠칠이요",
     "뒤에 세자리 ***이요", 1},
    {"email_spoken_underscore", "", "이메일은 kim 언더바 cs 골뱅이 naver 닷컴이요",
     "이메일은 *** *** ** *** ***** **이요", 1},
    {"birth_date_said_as_such", "", "85년 3월 12일생이요", "**년 *월 **일생이요", 1},
    {"birth_year_alone", "", "85년생이에요", "85년생이에요", 0},

    {"no_spaces_card", "", "카드번호는1234567812345678이요", "카드번호는****************이요", 1},
    {"no_spaces_date", "", "2024년3월12일에결제했어요", "2024년3월12일에결제했어요", 0},

    // Edges.
    {"empty", "", "", "", 0},
    {"spaces_only", "", "   ", "   ", 0},
    {"single_digit_no_context", "", "1번 눌렀어요", "1번 눌렀어요", 0},
    {"mobile_overrides_order_context", "주문번호 말씀해 주세요", "01012345678이요",
     "***********이요", 1},
};

class MaskerTable : public ::testing::TestWithParam<Row> {};

TEST_P(MaskerTable, MasksExactly) {
  const Row& row = GetParam();
  std::vector<std::string> context;
  if (*row.context) context.emplace_back(row.context);
  const Result r = Masker().Mask(row.text, Context{context, std::nullopt});
  EXPECT_EQ(r.text, row.expected) << row.text;
  EXPECT_EQ(r.values, row.values) << row.text;
}

INSTANTIATE_TEST_SUITE_P(Rows, MaskerTable, ::testing::ValuesIn(kRows),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(MaskerTest, InvalidUtf8IsKeptAndDigitsStillMasked) {
  const std::string text = std::string("\xff\xfe 010-1234-5678 \xc3");
  const Result r = Masker().Mask(text);
  EXPECT_EQ(r.text, std::string("\xff\xfe ************* \xc3"));
  EXPECT_EQ(r.values, 1);
}

TEST(MaskerTest, DisabledCategoryIsLeft) {
  Options options;
  options.categories.reset(static_cast<std::size_t>(Category::kPhone));
  const Masker masker(options);
  EXPECT_EQ(masker.Mask("010-1234-5678이요").text, "010-1234-5678이요");
  EXPECT_EQ(masker.Mask("850312-1234567이요").text, "**************이요");
}

TEST(MaskerTest, KeepLast4ShowsTheLastFourDigitsOfCardsOnly) {
  Options options;
  options.keep_last4 = true;
  const Masker masker(options);
  std::vector<std::string> card = {"카드번호 말씀해 주세요"};
  EXPECT_EQ(masker.Mask("1234 5678 9012 3456이요", {card, std::nullopt}).text,
            "**** **** **** 3456이요");
  std::vector<std::string> phone = {"연락처 말씀해 주세요"};
  EXPECT_EQ(masker.Mask("010-1234-5678이요", {phone, std::nullopt}).text, "*************이요");
}

TEST(MaskerTest, DictatingCarriesAShortChunkWithoutKeywords) {
  const Masker masker;
  EXPECT_EQ(masker.Mask("칠팔이요").text, "칠팔이요");  // two digits, nothing says PII
  EXPECT_EQ(masker.Mask("칠팔이요", {{}, Category::kCard}).text, "**이요");
}

TEST(MaskerTest, ReportsTheCategoryOfTheLastValue) {
  const Result r = Masker().Mask("인증번호가 482913이에요");
  ASSERT_TRUE(r.last_category);
  EXPECT_EQ(*r.last_category, Category::kPin);
}

TEST(MaskerTest, CategoryNamesRoundTrip) {
  for (std::size_t i = 0; i < kCategoryCount; ++i) {
    const auto c = static_cast<Category>(i);
    EXPECT_EQ(ParseCategory(ToString(c)), c);
  }
  EXPECT_FALSE(ParseCategory("passport"));
}

// core validates `pii.categories` with its own copy of the names (core sits
// below pii); its default must list every category, in order.
TEST(MaskerTest, TheSettingListsEveryCategory) {
  const core::SettingSpec* spec = core::FindSetting("pii.categories");
  ASSERT_NE(spec, nullptr);
  std::string all;
  for (std::size_t i = 0; i < kCategoryCount; ++i) {
    all += (i ? "," : "") + std::string(ToString(static_cast<Category>(i)));
  }
  EXPECT_EQ(spec->default_value, all);
  EXPECT_TRUE(spec->validate);
}

}  // namespace
}  // namespace aicc::pii
