// Where the templates are, reading them, and writing rendered files.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>

namespace aicc::asterisk_kit::internal {

// The template directory: `flag` when set; otherwise the first of
// <bin>/../share/aicc/asterisk/templates (installed: /usr/local/bin/aicc →
// /usr/local/share/aicc/...), <bin>/../asterisk/templates (a build directory
// inside the source tree) and the source tree's asterisk/templates that holds
// pjsip.conf. Throws RenderError listing the places tried.
std::filesystem::path FindTemplates(const std::string& flag);

// The whole file; throws RenderError.
std::string ReadTemplate(const std::filesystem::path& path);

// Writes `content` to `path` with exactly `mode` (whatever the umask),
// atomically: a temporary file next to it, fsync, rename. Throws RenderError.
void WriteFileAtomic(const std::filesystem::path& path, const std::string& content, mode_t mode);

}  // namespace aicc::asterisk_kit::internal
