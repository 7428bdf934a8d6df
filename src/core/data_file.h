// Finding the files aicc ships next to its binary (the Silero model, the
// Asterisk templates) wherever it is started from.
//
// Usage:
//   auto found = core::FindDataFile("models/silero_vad_v5.onnx", AICC_SOURCE_DIR);
//   if (found.path.empty()) log("not found; looked in " + core::JoinTried(found.tried));
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace aicc::core {

// The directory of the running executable (/proc/self/exe); empty if unknown.
std::filesystem::path ExecutableDir();

struct DataFileSearch {
  std::filesystem::path path;                // empty when nothing matched
  std::vector<std::filesystem::path> tried;  // every place looked, in order
};

// An absolute `name` is taken as it is. A relative one is looked up, in order:
// the working directory; <bin>/../share/aicc/<name> (installed: /usr/local/bin
// → /usr/local/share/aicc); <bin>/../<name> (a build directory inside the
// source tree); `source_dir`/<name> when given (a build elsewhere). The first
// regular file wins.
DataFileSearch FindDataFile(const std::filesystem::path& name,
                            const std::filesystem::path& source_dir = {});

// "a, b, c" of the places tried, for an error message.
std::string JoinTried(const std::vector<std::filesystem::path>& tried);

}  // namespace aicc::core
