// E-mail addresses, written (hong123@naver.com) or spoken (kimcs 골뱅이
// gmail 닷컴, gildong 골뱅이 naver 점 com): masked whole, local part to
// top-level domain; their words are marked consumed so the number reader
// does not see the digits of "park1985".
#pragma once

#include "pii/internal/text.h"

namespace aicc::pii::internal {

// Masks every address in `text`; returns how many.
int MaskEmails(Text& text);

}  // namespace aicc::pii::internal
