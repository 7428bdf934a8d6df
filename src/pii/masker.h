// Personal information masked in Korean call transcripts (issue 19), before
// any transcript leaves the process: events, journal, logs.
//
// Every character of a PII value becomes '*'; spaces, particles, counters
// and the surrounding words stay ("{101}동 {1203}호요" → "***동 ****호요").
// Callers dictate values the way people speak and the recognizer writes them
// in several forms — digits (1234 5678), sino-Korean digits read one by one
// (공일공 일이삼사), mixed, groups joined by 에 / 다시, corrections (팔이
// 아니라 칠이요), four digits per turn — so the masker reads numbers, their
// counters and the words around them, plus the call's context: what the
// other speaker last asked for (a card number or an amount) and what this
// speaker was dictating. docs/privacy.md says what is masked and what is not.
//
// Usage:
//   pii::Masker masker;                        // immutable, share it
//   pii::CallMemory memory;                    // one per call
//   pii::Result r = memory.Mask(masker, core::Speaker::kCustomer, "일이삼사요");
//   // r.text == "****요", r.values == 1 (after the agent asked for a card number)
//
// Thread safety: Masker is immutable after construction; Mask is const and
// may run on any thread. CallMemory belongs to one call (its strand). Cost:
// 2-5 µs per utterance (bench/README.md); each call allocates a little
// (the decoded text and the result). Invalid UTF-8 is kept as is, never fatal.
#pragma once

#include <array>
#include <bitset>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/speaker.h"

namespace aicc::pii {

enum class Category : std::uint8_t {
  kRegistration,  // 주민등록번호, 외국인등록번호
  kCard,          // card number (15-16 digits, or a chunk in a card context)
  kCvc,           // card security code
  kExpiry,        // card expiry
  kAccount,       // bank account number
  kPhone,         // mobile and landline numbers
  kBirthDate,     // a date of birth given to verify identity
  kPin,           // PINs, passwords, one-time codes
  kEmail,         // e-mail addresses, also spoken (골뱅이, 닷컴)
  kAddress,       // building and unit numbers of a home address (101동 1203호)
};
inline constexpr std::size_t kCategoryCount = 10;

// "registration", "card", "cvc", "expiry", "account", "phone", "birth_date",
// "pin", "email", "address" (the names of the `pii.categories` setting).
std::string_view ToString(Category c);
std::optional<Category> ParseCategory(std::string_view name);

struct Options {
  // Which categories are masked (all by default).
  std::bitset<kCategoryCount> categories = std::bitset<kCategoryCount>().set();
  // Leave the last 4 digits of a card or account number (8+ digits) visible.
  bool keep_last4 = false;
};

// What the call said before this utterance.
struct Context {
  // The other speaker's last utterances, oldest first (their masked text is
  // fine: masking keeps the words that say what was asked).
  std::span<const std::string> other_recent;
  // What this speaker was dictating in their previous turns, if anything.
  std::optional<Category> dictating;
};

struct Result {
  std::string text;  // the utterance with every PII character replaced by '*'
  int values = 0;    // how many values were masked (a correction is one value)
  // The category of the last value masked: what this speaker is dictating.
  std::optional<Category> last_category;
};

class Masker {
 public:
  explicit Masker(Options options = {});
  Result Mask(std::string_view utf8, const Context& context = {}) const;
  const Options& options() const { return options_; }

 private:
  Options options_;
};

// The recent context of one call: each speaker's last utterances (masked)
// and what each was dictating. Not thread-safe; owned by the call.
class CallMemory {
 public:
  static constexpr std::size_t kRecentUtterances = 2;
  // A dictation is remembered for this many of the speaker's turns without
  // a value ("네 잠깐만요" between two chunks).
  static constexpr int kDictationTurns = 2;

  // Masks `utf8` spoken by `speaker` with the call's context, then records it.
  Result Mask(const Masker& masker, core::Speaker speaker, std::string_view utf8);

 private:
  struct Side {
    std::vector<std::string> recent;  // masked, oldest first
    std::optional<Category> dictating;
    int turns_without_value = 0;
  };
  std::array<Side, 2> sides_;
};

}  // namespace aicc::pii
