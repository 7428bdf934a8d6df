// Everything the templates may use, built from the settings and checked:
// names that become section names or SIP users, hosts, ports, secrets.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "asterisk_kit/asterisk_kit.h"
#include "asterisk_kit/internal/template.h"
#include "core/config.h"

namespace aicc::asterisk_kit::internal {

// The dialplan extension of the agents' echo test; no agent may be named so.
inline constexpr std::string_view kEchoExtension = "600";

// Builds the template context. Throws RenderError naming the setting on
// anything missing or unsafe; appends warnings to `notes`. Generates the
// ARI password when it is missing and `options.generate_secrets` (then sets
// `ari_password_generated`), and reads or creates agent passwords
// (LoadAgentPasswords) when pjsip.conf or the seed SQL needs them.
Context BuildContext(const core::Config& cfg, const Options& options,
                     std::vector<std::string>& notes, bool& ari_password_generated);

}  // namespace aicc::asterisk_kit::internal
