#include "ari/error.h"

#include <fmt/format.h>

namespace aicc::ari {
namespace {

class Category final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "aicc.ari"; }
  std::string message(int ev) const override {
    switch (static_cast<Error>(ev)) {
      case Error::kTimeout:
        return "request timed out";
      case Error::kHttpStatus:
        return "ARI answered with an error status";
      case Error::kOverloaded:
        return "too many ARI requests waiting";
      case Error::kStopped:
        return "ARI client stopped";
      case Error::kBadResponse:
        return "unexpected ARI response";
      case Error::kBadUrl:
        return "unusable URL";
    }
    return "unknown ARI error";
  }
};

}  // namespace

const boost::system::error_category& ErrorCategory() {
  static const Category category;
  return category;
}

std::string RestError::Describe() const {
  if (status != 0) {
    return fmt::format("{} → {}{}{}", request, status, message.empty() ? "" : " ", message);
  }
  return fmt::format("{} → {}", request, message.empty() ? code.message() : message);
}

}  // namespace aicc::ari
