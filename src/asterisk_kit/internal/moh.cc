#include "asterisk_kit/internal/moh.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <array>
#include <set>

namespace aicc::asterisk_kit::internal {
namespace {

namespace fs = std::filesystem;

// The extensions of the format modules asterisk/templates/modules.conf loads
// (Asterisk 22: format_gsm, format_wav, format_wav_gsm, format_pcm, format_sln).
constexpr std::array<std::string_view, 25> kPlayable = {
    "gsm",   "wav",   "wav16", "WAV",   "wav49", "pcm",   "ulaw",  "ulw", "ul",
    "mu",    "alaw",  "alw",   "al",    "au",    "g722",  "sln",   "raw", "sln12",
    "sln16", "sln24", "sln32", "sln44", "sln48", "sln96", "sln192"};

constexpr std::string_view kPackageHint =
    "on Debian/Ubuntu `apt-get install asterisk-moh-opsound-gsm` fills /usr/share/asterisk/moh";

std::string_view Extension(std::string_view file_name) {
  const auto dot = file_name.rfind('.');
  if (dot == std::string_view::npos || dot == 0) return {};
  return file_name.substr(dot + 1);
}

}  // namespace

bool IsPlayableAudio(std::string_view file_name) {
  const std::string_view ext = Extension(file_name);
  for (std::string_view p : kPlayable) {
    if (ext == p) return true;
  }
  return false;
}

std::optional<std::string> CheckMohDirectory(const fs::path& dir, std::string_view label) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return fmt::format(
        "warning: {} = {} is not a directory: callers waiting for an agent hear silence ({})",
        label, dir.string(), kPackageHint);
  }
  std::set<std::string> other;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code type_ec;
    if (!it->is_regular_file(type_ec)) continue;
    const std::string name = it->path().filename().string();
    if (IsPlayableAudio(name)) return std::nullopt;
    if (!Extension(name).empty()) other.insert("." + std::string(Extension(name)));
  }
  if (ec) {
    return fmt::format("warning: {} = {}: cannot list it ({}): callers may hear silence", label,
                       dir.string(), ec.message());
  }
  return fmt::format(
      "warning: {} = {} has no audio file Asterisk can play (.gsm, .wav, .ulaw, .alaw, .sln, "
      ".g722){}: callers waiting for an agent hear silence ({})",
      label, dir.string(),
      other.empty() ? ""
                    : fmt::format("; {} need a format module modules.conf does not load",
                                  fmt::join(other, ", ")),
      kPackageHint);
}

}  // namespace aicc::asterisk_kit::internal
