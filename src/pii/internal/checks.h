// Structure of the numbers that have one: the RRN layout and check digit,
// the Luhn check of card numbers, Korean phone prefixes. A check only ever
// adds masking; a failed check never unmasks what the context says is PII
// (people misspeak, recognizers mishear).
#pragma once

#include <string_view>

namespace aicc::pii::internal {

// 13 digits: YYMMDD, a gender/century digit 1-8 (5-8: foreign residents),
// and the check digit (weights 2..9,2..5, (11 - sum % 11) % 10). Numbers
// issued since October 2020 have random trailing digits, so the check digit
// is an extra signal only where `require_check` is true.
bool LooksLikeRegistration(std::string_view digits, bool require_check);
bool LuhnValid(std::string_view digits);
// 010/011/016/017/018/019 + 7-8 digits.
bool LooksLikeMobile(std::string_view digits);
// 02 / 0[3-6][1-5] / 070 / 050x / 080 + 7-8 digits.
bool LooksLikeLandline(std::string_view digits);

}  // namespace aicc::pii::internal
