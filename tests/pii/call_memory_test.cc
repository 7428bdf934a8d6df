// A card number dictated over several turns, the agent asking first: every
// chunk is masked, including a two-digit chunk no keyword names.
#include <gtest/gtest.h>

#include "pii/masker.h"

namespace aicc::pii {
namespace {

using core::Speaker;

TEST(CallMemoryTest, CardDictatedOverSeveralTurns) {
  const Masker masker;
  CallMemory memory;
  EXPECT_EQ(memory.Mask(masker, Speaker::kAgent, "카드번호 열여섯 자리 말씀해 주세요").values, 0);
  EXPECT_EQ(memory.Mask(masker, Speaker::kCustomer, "사오일팔이요").text, "****이요");
  EXPECT_EQ(memory.Mask(masker, Speaker::kAgent, "네").text, "네");
  EXPECT_EQ(memory.Mask(masker, Speaker::kCustomer, "사사공공").text, "****");
  EXPECT_EQ(memory.Mask(masker, Speaker::kCustomer, "음 잠깐만요").text, "음 잠깐만요");
  // Two digits alone: the dictation in progress says what they are.
  EXPECT_EQ(memory.Mask(masker, Speaker::kCustomer, "일이").text, "**");
  EXPECT_EQ(memory.Mask(masker, Speaker::kCustomer, "삼사 오육칠팔이요").text, "** ****이요");
}

TEST(CallMemoryTest, TheAgentsNextQuestionEndsTheDictation) {
  const Masker masker;
  CallMemory memory;
  memory.Mask(masker, Speaker::kAgent, "카드번호 말씀해 주세요");
  EXPECT_EQ(memory.Mask(masker, Speaker::kCustomer, "1234 5678").text, "**** ****");
  memory.Mask(masker, Speaker::kAgent, "결제 금액이 얼마였어요?");
  EXPECT_EQ(memory.Mask(masker, Speaker::kCustomer, "35000이요").text, "35000이요");
}

TEST(CallMemoryTest, DictationIsForgottenAfterTurnsWithoutValues) {
  const Masker masker;
  CallMemory memory;
  memory.Mask(masker, Speaker::kCustomer, "비밀번호는 1234요");
  for (int i = 0; i < CallMemory::kDictationTurns; ++i) {
    memory.Mask(masker, Speaker::kCustomer, "네 알겠습니다");
  }
  EXPECT_EQ(memory.Mask(masker, Speaker::kCustomer, "칠팔이요").text, "칠팔이요");
}

TEST(CallMemoryTest, KeepsOnlyMaskedText) {
  const Masker masker;
  CallMemory memory;
  // The agent reads the number back: it is masked too, and the customer's
  // answer still sees the agent's words.
  EXPECT_EQ(memory.Mask(masker, Speaker::kAgent, "카드번호 1234 5678 맞으세요?").text,
            "카드번호 **** **** 맞으세요?");
  EXPECT_EQ(memory.Mask(masker, Speaker::kCustomer, "아니요 일이삼오요").text, "아니요 ****요");
}

}  // namespace
}  // namespace aicc::pii
