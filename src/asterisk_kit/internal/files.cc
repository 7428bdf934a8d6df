#include "asterisk_kit/internal/files.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include "asterisk_kit/asterisk_kit.h"
#include "core/data_file.h"

namespace aicc::asterisk_kit::internal {

namespace fs = std::filesystem;

fs::path FindTemplates(const std::string& flag) {
  std::vector<fs::path> candidates;
  if (!flag.empty()) {
    candidates.emplace_back(flag);
  } else {
    const fs::path bin = core::ExecutableDir();
    if (!bin.empty()) {
      candidates.push_back(bin / "../share/aicc/asterisk/templates");
      candidates.push_back(bin / "../asterisk/templates");
    }
    candidates.emplace_back(AICC_TEMPLATE_SOURCE_DIR);
  }
  for (const auto& dir : candidates) {
    std::error_code ec;
    if (fs::is_regular_file(dir / "pjsip.conf", ec)) return fs::weakly_canonical(dir, ec);
  }
  std::string tried;
  for (const auto& d : candidates) tried += "\n  " + d.lexically_normal().string();
  throw RenderError("Asterisk templates not found (pass --templates DIR); looked in:" + tried);
}

std::string ReadTemplate(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw RenderError(fmt::format("cannot read template {}", path.string()));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteFileAtomic(const fs::path& path, const std::string& content, mode_t mode) {
  const fs::path tmp = path.string() + ".aicc-tmp";
  ::unlink(tmp.c_str());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) {
    throw RenderError(fmt::format("cannot create {}: {}", tmp.string(), std::strerror(errno)));
  }
  bool ok = ::fchmod(fd, mode) == 0;  // the umask may have taken bits away
  std::size_t done = 0;
  while (ok && done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) done += static_cast<std::size_t>(n);
  }
  ok = ok && ::fsync(fd) == 0;
  ok = ::close(fd) == 0 && ok;
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    throw RenderError(fmt::format("cannot write {}: {}", path.string(), std::strerror(err)));
  }
}

}  // namespace aicc::asterisk_kit::internal
