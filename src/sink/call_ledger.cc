#include "sink/call_ledger.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "sink/internal/write_all.h"

namespace aicc::sink {
namespace fs = std::filesystem;
namespace {

constexpr std::uint64_t kCompactBytes = 1u << 20;

std::string Frame(std::string_view payload) {
  const auto length = static_cast<std::uint32_t>(payload.size());
  const std::uint32_t crc = Crc32(std::span<const std::uint8_t>(
      reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size()));
  std::string record(8, '\0');
  for (int i = 0; i < 4; ++i) {
    record[static_cast<std::size_t>(i)] = static_cast<char>(length >> (8 * i));
    record[static_cast<std::size_t>(4 + i)] = static_cast<char>(crc >> (8 * i));
  }
  record.append(payload);
  return record;
}

}  // namespace

boost::system::result<std::unique_ptr<CallLedger>, JournalError> CallLedger::Open(
    const std::string& directory, FsyncPolicy fsync) {
  std::error_code ec;
  fs::create_directories(directory, ec);
  if (ec) return JournalError{"cannot create " + directory + ": " + ec.message()};
  std::unique_ptr<CallLedger> l(
      new CallLedger((fs::path(directory) / "calls.log").string(), fsync));
  {
    std::ifstream in(l->path_, std::ios::binary);
    const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                          std::istreambuf_iterator<char>());
    std::size_t offset = 0;
    while (offset < bytes.size()) {
      auto rec = ParseRecord(std::span<const std::uint8_t>(bytes).subspan(offset));
      if (!rec) break;
      offset += rec->size;
      auto p = events::ProgressFromJson(std::string_view(
          reinterpret_cast<const char*>(rec->payload.data()), rec->payload.size()));
      if (p) l->calls_[p->call_id] = std::move(*p);
    }
    l->truncated_bytes_ = bytes.size() - offset;
  }
  for (const auto& [id, p] : l->calls_) {
    if (p.Open()) l->open_at_start_.push_back(p);
  }
  std::sort(l->open_at_start_.begin(), l->open_at_start_.end(),
            [](const auto& a, const auto& b) { return a.origin < b.origin; });
  // Start from a clean file: the open calls only (also drops a torn tail).
  l->Compact();
  if (l->fd_ < 0) return JournalError{"cannot write " + l->path_ + ": " + std::strerror(errno)};
  return l;
}

CallLedger::~CallLedger() {
  if (fd_ < 0) return;
  if (fsync_ != FsyncPolicy::kNever) ::fsync(fd_);
  ::close(fd_);
}

const events::CallProgress* CallLedger::Find(const std::string& call_id) const {
  const auto it = calls_.find(call_id);
  return it == calls_.end() ? nullptr : &it->second;
}

events::CallProgress CallLedger::Record(const events::Event& e) {
  events::CallProgress& p = calls_[e.call_id];
  events::CallProgress before = p;
  events::Apply(p, e);
  open_calls_ += static_cast<std::size_t>(p.Open()) - static_cast<std::size_t>(before.Open());
  Write(p);
  return before;
}

void CallLedger::Revert(events::CallProgress before, const events::Event& e) {
  before.call_id = e.call_id;
  before.next_seq = std::max(before.next_seq, e.seq + 1);
  events::CallProgress& p = calls_[e.call_id];
  open_calls_ += static_cast<std::size_t>(before.Open()) - static_cast<std::size_t>(p.Open());
  p = before;
  Write(p);
}

void CallLedger::Write(const events::CallProgress& p) {
  const std::string record = Frame(events::ToJson(p));
  if (fd_ >= 0 && internal::WriteAll(fd_, record.data(), record.size())) {
    file_bytes_ += record.size();
    if (fsync_ == FsyncPolicy::kAlways) {
      ::fdatasync(fd_);
    } else {
      dirty_ = true;
    }
  }
  // Rewritten once mostly ended calls: bounded by the open calls.
  if (file_bytes_ > kCompactBytes && file_bytes_ > 1024 * open_calls_) Compact();
}

void CallLedger::Sync() {
  if (dirty_ && fd_ >= 0) ::fdatasync(fd_);
  dirty_ = false;
}

void CallLedger::Compact() {
  // Write-then-rename: a crash leaves the old file or the new one.
  // Only open calls matter to the next process.
  std::erase_if(calls_, [](const auto& kv) { return !kv.second.Open(); });
  open_calls_ = calls_.size();
  std::string contents;
  for (const auto& [id, p] : calls_) contents += Frame(events::ToJson(p));
  const std::string tmp = path_ + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return;
  const bool ok = internal::WriteAll(fd, contents.data(), contents.size()) &&
                  (fsync_ == FsyncPolicy::kNever || ::fsync(fd) == 0);
  ::close(fd);
  std::error_code ec;
  if (ok) fs::rename(tmp, path_, ec);
  if (!ok || ec) {
    fs::remove(tmp, ec);
    if (fd_ >= 0) return;  // keep appending to the old file
  }
  if (fd_ >= 0) ::close(fd_);
  fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  file_bytes_ = contents.size();
  dirty_ = false;
}

}  // namespace aicc::sink
