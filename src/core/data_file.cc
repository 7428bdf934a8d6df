#include "core/data_file.h"

#include <algorithm>

namespace aicc::core {

namespace fs = std::filesystem;

fs::path ExecutableDir() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path() : exe.parent_path();
}

DataFileSearch FindDataFile(const fs::path& name, const fs::path& source_dir) {
  DataFileSearch search;
  if (name.empty()) return search;
  if (name.is_absolute()) {
    search.tried.push_back(name);
  } else {
    std::error_code ec;
    const fs::path cwd = fs::current_path(ec);
    search.tried.push_back(ec ? name : cwd / name);
    if (const fs::path bin = ExecutableDir(); !bin.empty()) {
      search.tried.push_back(bin / ".." / "share" / "aicc" / name);
      search.tried.push_back(bin / ".." / name);
    }
    if (!source_dir.empty()) search.tried.push_back(source_dir / name);
  }
  // A build directory inside the source tree makes two candidates the same.
  std::vector<fs::path> unique;
  for (const auto& p : search.tried) {
    const fs::path n = p.lexically_normal();
    if (std::find(unique.begin(), unique.end(), n) == unique.end()) unique.push_back(n);
  }
  search.tried = std::move(unique);
  for (const auto& p : search.tried) {
    std::error_code ec;
    if (fs::is_regular_file(p, ec)) {
      search.path = p;
      break;
    }
  }
  return search;
}

std::string JoinTried(const std::vector<fs::path>& tried) {
  std::string out;
  for (const auto& p : tried) {
    if (!out.empty()) out += ", ";
    out += p.string();
  }
  return out;
}

}  // namespace aicc::core
