// Checks on values taken from the settings before they reach a template.
// Each throws RenderError naming the setting (with its environment name).
#pragma once

#include <string>
#include <string_view>

namespace aicc::asterisk_kit::internal {

// "name (ENV_NAME)" for messages, so the user knows where to set it.
std::string SettingLabel(std::string_view name);

// No control characters (newline, tab, ...): a newline would inject configuration.
void CheckNoControl(std::string_view label, std::string_view value);

// Names that become section names, dialplan extensions and SIP users:
// letters, digits, '_', '-' and '.', not empty.
void CheckName(std::string_view label, std::string_view value);

// Addresses, hosts and networks: letters, digits, ".-:/[]".
void CheckHost(std::string_view label, std::string_view value);

// "sip:user@host:port;params" → "host" ("[v6]" keeps its brackets).
std::string HostOfUri(std::string_view uri);

}  // namespace aicc::asterisk_kit::internal
