#include "pii/evaluation.h"

#include <gtest/gtest.h>

#include <sstream>

namespace aicc::pii {
namespace {

TEST(EvaluationTest, CountsCharactersAndPrintsTheLastLine) {
  std::istringstream corpus(
      "# comment\n"
      "card\t카드번호 말씀해 주세요\t1234 5678이요\t**** ****이요\n"
      "amount\t-\t오만 원이요\t오만 원이요\n"
      "phone\t-\t저 칠팔이요\t저 **이요\n"  // missed: 2 digits with no context
      "broken line without tabs\n"
      "card\t-\tabc\t**\n");  // length mismatch: malformed
  const EvalReport r = Evaluate(corpus, Masker());
  EXPECT_EQ(r.malformed, 2);
  EXPECT_EQ(r.all.lines, 3);
  EXPECT_EQ(r.all.exact, 2);
  EXPECT_EQ(r.all.pii_chars, 10);
  EXPECT_EQ(r.all.pii_masked, 8);
  EXPECT_EQ(r.all.numeral_chars, 5);  // 오, 만 and each particle 이
  EXPECT_EQ(r.all.numeral_masked, 0);
  ASSERT_EQ(r.misses.size(), 1u);
  EXPECT_EQ(r.misses[0].got, "저 칠팔이요");
  const std::string text = FormatReport(r);
  EXPECT_NE(text.find("pii recall 0.8000 (8/10) false-mask 0.0000 (0/5) exact 0.6667 (2/3)\n"),
            std::string::npos)
      << text;
}

}  // namespace
}  // namespace aicc::pii
