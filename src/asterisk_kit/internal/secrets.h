// Secrets the rendered files need: random passwords, and the agents' SIP
// passwords from asterisk.agent_password_file (`agent=password` lines, mode
// 0600), to which generated ones are appended. Nothing here prints a secret;
// notes name agents and files only.
#pragma once

#include <cstddef>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "core/config.h"

namespace aicc::asterisk_kit::internal {

// `length` characters of [A-Za-z0-9] from getrandom(2), uniformly.
std::string RandomSecret(std::size_t length);

// Reads `name=password` lines; blank lines and lines starting with '#' are
// skipped. Throws RenderError naming file and line on anything else.
std::map<std::string, std::string> ReadPasswordFile(const std::filesystem::path& path);

struct AgentSecrets {
  std::map<std::string, std::string> passwords;  // agent → SIP password
  std::vector<std::string> generated;            // agents whose password is new
};

// The SIP password of every agent: generated on every call with
// asterisk.agent_password_source = generate; otherwise read from
// asterisk.agent_password_file, with missing ones generated and appended
// (mode 0600) when `generate_missing`, or a RenderError naming them.
// Adds a note for what it generated or finds unsafe (file mode).
AgentSecrets LoadAgentPasswords(const core::Config& cfg, const std::vector<std::string>& agents,
                                bool generate_missing, std::vector<std::string>& notes);

}  // namespace aicc::asterisk_kit::internal
