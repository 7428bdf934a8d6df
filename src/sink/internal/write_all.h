// write(2) until every byte is out (short writes, EINTR): the journal and
// the call ledger append records with it. Included only by the sink module.
#pragma once

#include <unistd.h>

#include <cerrno>
#include <cstddef>

namespace aicc::sink::internal {

inline bool WriteAll(int fd, const void* data, std::size_t size) {
  const auto* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd, p, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    p += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace aicc::sink::internal
