#include "ari/ids.h"

#include <fmt/format.h>

#include <cstdint>
#include <random>

namespace aicc::ari {
namespace {

constexpr std::size_t kUuidLength = 36;

bool LooksLikeUuid(std::string_view s) {
  if (s.size() != kUuidLength) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::string HelperId(std::string_view call_id, std::string_view role) {
  return fmt::format("{}{}-{}", kIdPrefix, call_id, role);
}

std::optional<std::string_view> CallIdOfHelper(std::string_view id) {
  if (!id.starts_with(kIdPrefix)) return std::nullopt;
  const std::string_view rest = id.substr(kIdPrefix.size());
  if (rest.size() < kUuidLength + 2 || rest[kUuidLength] != '-') return std::nullopt;
  const std::string_view call_id = rest.substr(0, kUuidLength);
  if (!LooksLikeUuid(call_id)) return std::nullopt;
  return call_id;
}

std::optional<std::string_view> RoleOfHelper(std::string_view id) {
  if (!CallIdOfHelper(id)) return std::nullopt;
  return id.substr(kIdPrefix.size() + kUuidLength + 1);
}

std::string NewIncarnation() {
  std::random_device device;
  std::uniform_int_distribution<std::uint32_t> pick(0, 0xffffff);
  return fmt::format("{:06x}", pick(device));
}

std::string AgentRole(std::string_view incarnation, int attempt) {
  return fmt::format("agent-{}-{}", incarnation, attempt);
}
std::string SnoopRole(std::string_view spy, std::string_view incarnation, int attempt) {
  return fmt::format("snoop-{}-{}-{}", spy, incarnation, attempt);
}
std::string BridgeRole(std::string_view spy, std::string_view incarnation, int attempt) {
  return fmt::format("bridge-{}-{}-{}", spy, incarnation, attempt);
}
std::string MediaRole(std::string_view spy, std::string_view incarnation, int attempt) {
  return fmt::format("media-{}-{}-{}", spy, incarnation, attempt);
}

}  // namespace aicc::ari
