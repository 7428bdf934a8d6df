#include "asterisk_kit/internal/values.h"

#include <fmt/format.h>

#include <algorithm>

#include "asterisk_kit/asterisk_kit.h"
#include "core/config.h"

namespace aicc::asterisk_kit::internal {

std::string SettingLabel(std::string_view name) {
  const core::SettingSpec* spec = core::FindSetting(name);
  if (spec == nullptr || spec->env.empty()) return std::string(name);
  return fmt::format("{} ({})", name, spec->env.front());
}

void CheckNoControl(std::string_view label, std::string_view value) {
  for (unsigned char c : value) {
    if (c < 0x20 || c == 0x7f) {
      throw RenderError(
          fmt::format("{}: control characters (newline, tab, ...) are not allowed", label));
    }
  }
}

void CheckName(std::string_view label, std::string_view value) {
  const bool ok = !value.empty() && std::all_of(value.begin(), value.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.';
  });
  if (!ok) {
    throw RenderError(
        fmt::format("{} = '{}': only letters, digits, '_', '-' and '.' are allowed", label, value));
  }
}

void CheckHost(std::string_view label, std::string_view value) {
  const bool ok = std::all_of(value.begin(), value.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '-' || c == ':' || c == '/' || c == '[' || c == ']';
  });
  if (!ok) {
    throw RenderError(fmt::format("{} = '{}': not a host, address or network", label, value));
  }
}

std::string HostOfUri(std::string_view uri) {
  std::string_view rest = uri.substr(uri.find(':') + 1);
  if (auto at = rest.find('@'); at != std::string_view::npos) rest = rest.substr(at + 1);
  if (auto semi = rest.find(';'); semi != std::string_view::npos) rest = rest.substr(0, semi);
  if (!rest.empty() && rest.front() == '[') {
    const auto end = rest.find(']');
    return std::string(rest.substr(0, end == rest.npos ? rest.size() : end + 1));
  }
  if (auto colon = rest.find(':'); colon != std::string_view::npos) rest = rest.substr(0, colon);
  return std::string(rest);
}

}  // namespace aicc::asterisk_kit::internal
