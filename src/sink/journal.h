// The durable event journal: every event is appended here before any send,
// and removed only when every destination has taken it.
//
// On disk: a directory of segment files `segment-<first index>.log`; each
// record is [u32 length LE][u32 CRC-32 LE of the payload][payload]. Record
// indexes are global and increase by one per record. Each destination's
// cursor (the next index it has not taken) lives in `cursors/<name>`.
// Recovery at open: every segment is scanned; a torn or corrupt tail (a crash
// mid-write) is truncated at the last good record and reported.
//
// Thread safety: none; the Dispatcher owns the journal on its strand.
#pragma once

#include <boost/system/result.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

namespace aicc::sink {

enum class FsyncPolicy { kAlways, kInterval, kNever };
enum class FullPolicy { kDropOldest, kBlock };

struct JournalOptions {
  std::string directory;
  std::uint64_t max_bytes = 1ull << 30;
  std::uint64_t segment_bytes = 4u << 20;
  FsyncPolicy fsync = FsyncPolicy::kInterval;
  FullPolicy full_policy = FullPolicy::kDropOldest;
};

struct RecoveryReport {
  std::uint64_t records = 0;          // good records found
  std::uint64_t truncated_bytes = 0;  // torn tail removed
  int segments = 0;
  // Destination cursors past the journal's end (an ack beyond what was ever
  // written, saved by an older aicc): reset to the oldest retained record.
  int cursors_reset = 0;
};

struct JournalError {
  std::string message;
};

// Records a destination had not taken when the bound removed them.
struct Drop {
  std::string destination;
  std::uint64_t records = 0;
};

// Parses one record at the start of `bytes`: nullopt when incomplete or
// corrupt (length past the end, CRC mismatch). Exposed for the fuzzer.
struct ParsedRecord {
  std::span<const std::uint8_t> payload;
  std::size_t size = 0;  // bytes consumed, header included
};
std::optional<ParsedRecord> ParseRecord(std::span<const std::uint8_t> bytes,
                                        std::size_t max_payload = 16u << 20);
std::uint32_t Crc32(std::span<const std::uint8_t> bytes);

class Journal {
 public:
  static boost::system::result<std::unique_ptr<Journal>, JournalError> Open(
      JournalOptions options, RecoveryReport* report = nullptr);
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;
  ~Journal();

  // Appends one record; returns its index. Under the `block` policy a full
  // journal refuses (error). Under `drop_oldest` the oldest segments go
  // first, but only the destinations holding them lose records: a segment
  // that only disconnected destinations still need is deleted at
  // max_bytes; one a connected destination still needs is kept until the
  // journal reaches twice max_bytes (a connected backend briefly behind
  // during a burst keeps its events), and only then deleted. `drops` (if
  // given) gets, per destination, how many records it lost.
  boost::system::result<std::uint64_t, JournalError> Append(std::string_view payload,
                                                            std::vector<Drop>* drops = nullptr);
  // fsync now (interval policy calls this from a timer).
  void Sync();

  // Reads up to `max_records` records starting at `index` (clamped to the
  // first record still on disk).
  std::vector<std::pair<std::uint64_t, std::string>> Read(std::uint64_t index,
                                                          std::size_t max_records) const;

  std::uint64_t FirstIndex() const { return first_index_; }
  std::uint64_t NextIndex() const { return next_index_; }
  std::uint64_t Bytes() const { return total_bytes_; }
  bool Full() const { return total_bytes_ >= options_.max_bytes; }

  // Destination cursors: persisted; segments every cursor has passed are
  // deleted. A cursor never goes past NextIndex() (SetCursor clamps).
  std::uint64_t Cursor(const std::string& destination) const;
  void SetCursor(const std::string& destination, std::uint64_t next_index);
  // The lowest cursor of every destination known (NextIndex() with none):
  // records below it are needed by nobody now.
  std::uint64_t MinCursor() const;
  // Payload bytes of the records kept in memory (see cache_).
  std::uint64_t CachedBytes() const { return cache_bytes_; }
  // A destination never seen before starts at `start` (clamped to the
  // journal: FirstIndex() means everything retained, NextIndex() from now);
  // a known one keeps its saved cursor.
  void RegisterDestination(const std::string& destination, std::uint64_t start);
  // Whether the destination is connected now (see Append). Not persisted.
  void SetConnected(const std::string& destination, bool connected);
  // Twice max_bytes: the most the journal holds while a connected
  // destination catches up.
  std::uint64_t CeilingBytes() const;

 private:
  struct Segment {
    std::uint64_t first_index;
    std::uint64_t records;
    std::uint64_t bytes;
    std::string path;
    std::vector<std::uint32_t> offsets;  // start of each record, for reads by index
  };
  explicit Journal(JournalOptions options) : options_(std::move(options)) {}
  boost::system::result<void, JournalError> OpenTail();
  void DeleteSegmentsBelow(std::uint64_t index);
  void DropOldestSegment(std::vector<Drop>* drops);
  bool OldestHeldByConnected() const;
  void TrimCacheBelow(std::uint64_t index);
  std::string CursorPath(const std::string& destination) const;

  JournalOptions options_;
  std::deque<Segment> segments_;
  int tail_fd_ = -1;
  std::uint64_t first_index_ = 0;
  std::uint64_t next_index_ = 0;
  std::uint64_t total_bytes_ = 0;
  std::map<std::string, std::uint64_t> cursors_;
  std::set<std::string> connected_;
  bool dirty_ = false;
  // The newest records in memory, so destinations that keep up never read
  // the disk: only those some destination has not confirmed yet (records
  // every cursor has passed leave at once), and at most cache_limit_ bytes.
  // Memory therefore follows the slowest backend's backlog, not the event
  // rate: a daemon whose backends keep up holds next to nothing here.
  std::deque<std::pair<std::uint64_t, std::string>> cache_;
  std::uint64_t cache_bytes_ = 0;
  std::uint64_t cache_limit_ = 8u << 20;
};

}  // namespace aicc::sink
