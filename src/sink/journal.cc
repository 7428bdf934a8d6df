#include "sink/journal.h"

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

constexpr std::size_t kHeader = 8;

std::uint32_t Le32(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(p[0]) | (static_cast<std::uint32_t>(p[1]) << 8) |
         (static_cast<std::uint32_t>(p[2]) << 16) | (static_cast<std::uint32_t>(p[3]) << 24);
}

const std::array<std::uint32_t, 256>& CrcTable() {
  static const auto table = [] {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
      std::uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  return table;
}

std::string SegmentName(std::uint64_t first_index) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "segment-%020llu.log",
                static_cast<unsigned long long>(first_index));
  return buf;
}

std::vector<std::uint8_t> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<std::uint8_t>((std::istreambuf_iterator<char>(in)),
                                   std::istreambuf_iterator<char>());
}

}  // namespace

// Table-driven CRC-32 (IEEE 802.3). zlib has one, but nothing else here links
// zlib and the record check is a dozen lines.
std::uint32_t Crc32(std::span<const std::uint8_t> bytes) {
  std::uint32_t c = 0xFFFFFFFFu;
  const auto& t = CrcTable();
  for (std::uint8_t b : bytes) c = t[(c ^ b) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

std::optional<ParsedRecord> ParseRecord(std::span<const std::uint8_t> bytes,
                                        std::size_t max_payload) {
  if (bytes.size() < kHeader) return std::nullopt;
  const std::uint32_t length = Le32(bytes.data());
  const std::uint32_t crc = Le32(bytes.data() + 4);
  if (length == 0 || length > max_payload || length > bytes.size() - kHeader) return std::nullopt;
  const auto payload = bytes.subspan(kHeader, length);
  if (Crc32(payload) != crc) return std::nullopt;
  return ParsedRecord{payload, kHeader + length};
}

boost::system::result<std::unique_ptr<Journal>, JournalError> Journal::Open(
    JournalOptions options, RecoveryReport* report) {
  std::error_code ec;
  fs::create_directories(fs::path(options.directory) / "cursors", ec);
  if (ec)
    return JournalError{"cannot create journal directory " + options.directory + ": " +
                        ec.message()};
  std::unique_ptr<Journal> j(new Journal(std::move(options)));
  RecoveryReport local;
  RecoveryReport& r = report ? *report : local;

  std::vector<std::pair<std::uint64_t, std::string>> files;
  for (const auto& entry : fs::directory_iterator(j->options_.directory, ec)) {
    const std::string name = entry.path().filename().string();
    unsigned long long first = 0;
    if (std::sscanf(name.c_str(), "segment-%llu.log", &first) == 1)
      files.emplace_back(first, entry.path().string());
  }
  if (ec) return JournalError{"cannot list " + j->options_.directory + ": " + ec.message()};
  std::sort(files.begin(), files.end());
  for (const auto& [first, path] : files) {
    const auto bytes = ReadFile(path);
    std::size_t offset = 0;
    std::uint64_t records = 0;
    std::vector<std::uint32_t> offsets;
    while (offset < bytes.size()) {
      auto rec = ParseRecord(std::span<const std::uint8_t>(bytes).subspan(offset));
      if (!rec) break;
      offsets.push_back(static_cast<std::uint32_t>(offset));
      offset += rec->size;
      ++records;
    }
    if (offset < bytes.size()) {
      // A torn tail: cut the file at the last complete record.
      r.truncated_bytes += bytes.size() - offset;
      fs::resize_file(path, offset, ec);
      if (ec)
        return JournalError{"cannot truncate torn journal segment " + path + ": " + ec.message()};
    }
    if (!j->segments_.empty() && first != j->next_index_) {
      // A gap between segments (deleted by hand?): indexes restart here.
      j->next_index_ = first;
    }
    if (j->segments_.empty()) j->first_index_ = first;
    j->segments_.push_back(Segment{first, records, offset, path, std::move(offsets)});
    j->next_index_ = first + records;
    j->total_bytes_ += offset;
    r.records += records;
    ++r.segments;
  }
  // Cursors.
  for (const auto& entry :
       fs::directory_iterator(fs::path(j->options_.directory) / "cursors", ec)) {
    std::ifstream in(entry.path());
    unsigned long long value = 0;
    if (in >> value) j->cursors_[entry.path().filename().string()] = value;
  }
  if (auto t = j->OpenTail(); !t) return t.error();
  // A cursor past the end cannot be a position anything was sent from: it
  // would hold back every new record from that destination. Resend what is
  // retained instead (at least once).
  for (auto& [name, cursor] : j->cursors_) {
    if (cursor <= j->next_index_) continue;
    ++r.cursors_reset;
    j->SetCursor(name, j->first_index_);
  }
  return j;
}

Journal::~Journal() {
  if (tail_fd_ >= 0) {
    if (options_.fsync != FsyncPolicy::kNever) ::fsync(tail_fd_);
    ::close(tail_fd_);
  }
}

boost::system::result<void, JournalError> Journal::OpenTail() {
  if (segments_.empty() || segments_.back().bytes >= options_.segment_bytes) {
    Segment s{
        next_index_, 0, 0, (fs::path(options_.directory) / SegmentName(next_index_)).string(), {}};
    if (segments_.empty()) first_index_ = next_index_;
    segments_.push_back(s);
  }
  if (tail_fd_ >= 0) ::close(tail_fd_);
  tail_fd_ = ::open(segments_.back().path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (tail_fd_ < 0)
    return JournalError{"cannot open journal segment " + segments_.back().path + ": " +
                        std::strerror(errno)};
  return {};
}

boost::system::result<std::uint64_t, JournalError> Journal::Append(std::string_view payload,
                                                                   std::vector<Drop>* drops) {
  const std::uint64_t record_bytes = kHeader + payload.size();
  while (total_bytes_ + record_bytes > options_.max_bytes) {
    if (options_.full_policy == FullPolicy::kBlock || segments_.size() <= 1) {
      return JournalError{"journal full (" + std::to_string(total_bytes_) + " bytes, bound " +
                          std::to_string(options_.max_bytes) + ")"};
    }
    // A connected backend behind during a burst is not the one holding the
    // bound; it gets headroom up to the ceiling.
    if (OldestHeldByConnected() && total_bytes_ + record_bytes <= CeilingBytes()) break;
    DropOldestSegment(drops);
  }
  if (segments_.back().bytes >= options_.segment_bytes) {
    if (tail_fd_ >= 0 && options_.fsync != FsyncPolicy::kNever) ::fsync(tail_fd_);
    if (auto r = OpenTail(); !r) return r.error();
  }
  std::array<std::uint8_t, kHeader> header{};
  const auto length = static_cast<std::uint32_t>(payload.size());
  const std::uint32_t crc = Crc32(std::span<const std::uint8_t>(
      reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size()));
  for (int i = 0; i < 4; ++i) {
    header[i] = static_cast<std::uint8_t>(length >> (8 * i));
    header[4 + i] = static_cast<std::uint8_t>(crc >> (8 * i));
  }
  // One write for header and payload so a crash tears at most the tail record.
  std::string record(reinterpret_cast<const char*>(header.data()), header.size());
  record.append(payload);
  if (!internal::WriteAll(tail_fd_, record.data(), record.size())) {
    return JournalError{std::string("journal write failed: ") + std::strerror(errno)};
  }
  if (options_.fsync == FsyncPolicy::kAlways)
    ::fdatasync(tail_fd_);
  else
    dirty_ = true;
  // Cached only while a destination still needs it (none is configured:
  // nobody reads it).
  if (!cursors_.empty()) {
    cache_.emplace_back(next_index_, std::string(payload));
    cache_bytes_ += payload.size();
    while (cache_bytes_ > cache_limit_ && !cache_.empty()) {
      cache_bytes_ -= cache_.front().second.size();
      cache_.pop_front();
    }
  }
  Segment& tail = segments_.back();
  tail.offsets.push_back(static_cast<std::uint32_t>(tail.bytes));
  tail.records++;
  tail.bytes += record.size();
  total_bytes_ += record.size();
  return next_index_++;
}

void Journal::Sync() {
  if (dirty_ && tail_fd_ >= 0) ::fdatasync(tail_fd_);
  dirty_ = false;
}

std::uint64_t Journal::CeilingBytes() const {
  return options_.max_bytes > UINT64_MAX / 2 ? UINT64_MAX : options_.max_bytes * 2;
}

bool Journal::OldestHeldByConnected() const {
  const Segment& oldest = segments_.front();
  for (const auto& name : connected_) {
    if (Cursor(name) < oldest.first_index + oldest.records) return true;
  }
  return false;
}

void Journal::DropOldestSegment(std::vector<Drop>* drops) {
  const Segment oldest = segments_.front();
  segments_.pop_front();
  std::error_code ec;
  fs::remove(oldest.path, ec);
  total_bytes_ -= oldest.bytes;
  first_index_ = segments_.empty() ? next_index_ : segments_.front().first_index;
  TrimCacheBelow(first_index_);
  for (auto& [name, cursor] : cursors_) {
    if (cursor >= first_index_) continue;
    if (drops) {
      // Clang 14 (the fuzz build) cannot capture a structured binding.
      const std::string& destination = name;
      auto it = std::find_if(drops->begin(), drops->end(),
                             [&](const Drop& d) { return d.destination == destination; });
      if (it == drops->end()) it = drops->insert(drops->end(), Drop{name, 0});
      it->records += first_index_ - cursor;
    }
    SetCursor(name, first_index_);
  }
}

std::vector<std::pair<std::uint64_t, std::string>> Journal::Read(std::uint64_t index,
                                                                 std::size_t max_records) const {
  std::vector<std::pair<std::uint64_t, std::string>> out;
  index = std::max(index, first_index_);
  if (!cache_.empty() && index >= cache_.front().first) {
    for (std::size_t i = static_cast<std::size_t>(index - cache_.front().first);
         i < cache_.size() && out.size() < max_records; ++i) {
      out.push_back(cache_[i]);
    }
    return out;
  }
  // From disk: one pread of the contiguous records wanted from a segment,
  // located through the segment's offset table.
  for (const auto& seg : segments_) {
    if (out.size() >= max_records) break;
    if (index >= seg.first_index + seg.records) continue;
    const std::size_t first = static_cast<std::size_t>(index - seg.first_index);
    const std::size_t count = std::min<std::size_t>(max_records - out.size(), seg.records - first);
    const std::uint64_t begin = seg.offsets[first];
    const std::uint64_t end =
        first + count < seg.offsets.size() ? seg.offsets[first + count] : seg.bytes;
    std::vector<std::uint8_t> bytes(static_cast<std::size_t>(end - begin));
    const int fd = ::open(seg.path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) break;
    const ssize_t n = ::pread(fd, bytes.data(), bytes.size(), static_cast<off_t>(begin));
    ::close(fd);
    if (n != static_cast<ssize_t>(bytes.size())) break;
    std::size_t offset = 0;
    for (std::size_t i = 0; i < count; ++i) {
      auto rec = ParseRecord(std::span<const std::uint8_t>(bytes).subspan(offset));
      if (!rec) return out;  // corrupted under us: stop; recovery handles it at the next start
      out.emplace_back(seg.first_index + first + i,
                       std::string(rec->payload.begin(), rec->payload.end()));
      offset += rec->size;
    }
    index = seg.first_index + first + count;
  }
  return out;
}

std::string Journal::CursorPath(const std::string& destination) const {
  return (fs::path(options_.directory) / "cursors" / destination).string();
}

void Journal::RegisterDestination(const std::string& destination, std::uint64_t start) {
  if (!cursors_.count(destination))
    SetCursor(destination, std::clamp(start, first_index_, next_index_));
}

void Journal::SetConnected(const std::string& destination, bool connected) {
  if (connected)
    connected_.insert(destination);
  else
    connected_.erase(destination);
}

std::uint64_t Journal::Cursor(const std::string& destination) const {
  auto it = cursors_.find(destination);
  return it == cursors_.end() ? first_index_ : std::max(it->second, first_index_);
}

void Journal::SetCursor(const std::string& destination, std::uint64_t next_index) {
  next_index = std::min(next_index, next_index_);
  cursors_[destination] = next_index;
  // Write-then-rename so a crash leaves the old or the new cursor, never a
  // torn one. A stale cursor only means redelivery (at least once).
  const std::string path = CursorPath(destination);
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << next_index << "\n";
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  const std::uint64_t min_cursor = MinCursor();
  TrimCacheBelow(min_cursor);
  DeleteSegmentsBelow(min_cursor);
}

std::uint64_t Journal::MinCursor() const {
  std::uint64_t min_cursor = next_index_;
  for (const auto& [name, c] : cursors_) min_cursor = std::min(min_cursor, c);
  return min_cursor;
}

void Journal::TrimCacheBelow(std::uint64_t index) {
  while (!cache_.empty() && cache_.front().first < index) {
    cache_bytes_ -= cache_.front().second.size();
    cache_.pop_front();
  }
}

void Journal::DeleteSegmentsBelow(std::uint64_t index) {
  // Never delete the tail segment (it is open for appends).
  while (segments_.size() > 1 &&
         segments_.front().first_index + segments_.front().records <= index) {
    std::error_code ec;
    fs::remove(segments_.front().path, ec);
    total_bytes_ -= segments_.front().bytes;
    segments_.pop_front();
    first_index_ = segments_.front().first_index;
  }
}

}  // namespace aicc::sink
