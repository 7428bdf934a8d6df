#include "pii/masker.h"

namespace aicc::pii {

Result CallMemory::Mask(const Masker& masker, core::Speaker speaker, std::string_view utf8) {
  Side& self = sides_[static_cast<std::size_t>(speaker)];
  const Side& other = sides_[1 - static_cast<std::size_t>(speaker)];
  Context context;
  context.other_recent = other.recent;
  context.dictating = self.dictating;
  Result r = masker.Mask(utf8, context);
  if (r.last_category) {
    self.dictating = r.last_category;
    self.turns_without_value = 0;
  } else if (self.dictating && ++self.turns_without_value >= kDictationTurns) {
    self.dictating.reset();
  }
  // Only masked text is kept: the memory holds no PII either.
  self.recent.push_back(r.text);
  if (self.recent.size() > kRecentUtterances) self.recent.erase(self.recent.begin());
  return r;
}

}  // namespace aicc::pii
