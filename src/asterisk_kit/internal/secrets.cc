#include "asterisk_kit/internal/secrets.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <string_view>

#include "asterisk_kit/asterisk_kit.h"
#include "asterisk_kit/internal/values.h"

namespace aicc::asterisk_kit::internal {
namespace {

namespace fs = std::filesystem;

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

}  // namespace

std::string RandomSecret(std::size_t length) {
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::string out;
  while (out.size() < length) {
    unsigned char buf[64];
    const ssize_t n = getrandom(buf, sizeof buf, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw RenderError(fmt::format("getrandom: {}", std::strerror(errno)));
    }
    for (ssize_t i = 0; i < n && out.size() < length; ++i) {
      if (buf[i] >= 248) continue;  // 248 = 4 * 62: keep the choice uniform
      out += kAlphabet[buf[i] % kAlphabet.size()];
    }
  }
  return out;
}

std::map<std::string, std::string> ReadPasswordFile(const fs::path& path) {
  std::map<std::string, std::string> out;
  std::ifstream in(path);
  if (!in) throw RenderError(fmt::format("cannot read {}", path.string()));
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    const std::string_view t = Trim(line);
    if (t.empty() || t.front() == '#') continue;
    const auto eq = t.find('=');
    if (eq == std::string_view::npos || eq == 0 || eq + 1 == t.size()) {
      throw RenderError(fmt::format("{}:{}: expected agent=password", path.string(), line_no));
    }
    out[std::string(Trim(t.substr(0, eq)))] = std::string(t.substr(eq + 1));
  }
  return out;
}

AgentSecrets LoadAgentPasswords(const core::Config& cfg, const std::vector<std::string>& agents,
                                bool generate_missing, std::vector<std::string>& notes) {
  AgentSecrets s;
  if (cfg.GetString("asterisk.agent_password_source") == "generate") {
    for (const auto& a : agents) s.passwords[a] = RandomSecret(20);
    s.generated = agents;
    notes.push_back(
        "asterisk.agent_password_source = generate: new agent SIP passwords, only in the 0600 "
        "output files");
    return s;
  }
  const fs::path path = cfg.GetString("asterisk.agent_password_file");
  if (path.empty()) {
    throw RenderError(fmt::format("{} is empty", SettingLabel("asterisk.agent_password_file")));
  }
  std::error_code ec;
  const bool exists = fs::exists(path, ec);
  if (exists) {
    s.passwords = ReadPasswordFile(path);
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0 && (st.st_mode & 077) != 0) {
      notes.push_back(
          fmt::format("warning: {} is readable by group or others (chmod 600 it)", path.string()));
    }
  }
  std::vector<std::string> missing;
  for (const auto& a : agents) {
    auto it = s.passwords.find(a);
    if (it == s.passwords.end() || it->second.empty()) missing.push_back(a);
  }
  if (missing.empty()) return s;
  if (!generate_missing) {
    throw RenderError(fmt::format(
        "no SIP password for agent(s) {} in {} ({}): add `{}=<password>` lines, or run with "
        "--generate-secrets to create them",
        fmt::join(missing, ", "), path.string(), SettingLabel("asterisk.agent_password_file"),
        missing.front()));
  }
  if (path.has_parent_path()) fs::create_directories(path.parent_path());
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) {
    throw RenderError(fmt::format("cannot write {}: {}", path.string(), std::strerror(errno)));
  }
  std::string lines = exists ? "" : "# aicc agent SIP passwords (agent=password), mode 0600\n";
  for (const auto& a : missing) {
    s.passwords[a] = RandomSecret(20);
    lines += a + "=" + s.passwords[a] + "\n";
  }
  const bool ok = ::fchmod(fd, 0600) == 0 &&
                  ::write(fd, lines.data(), lines.size()) == static_cast<ssize_t>(lines.size());
  ::close(fd);
  if (!ok) throw RenderError(fmt::format("cannot write {}", path.string()));
  s.generated = missing;
  notes.push_back(fmt::format("generated SIP passwords for {}: appended to {} (mode 0600)",
                              fmt::join(missing, ", "), path.string()));
  return s;
}

}  // namespace aicc::asterisk_kit::internal
