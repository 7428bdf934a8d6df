// The journal's record of what was sent per call (events::CallProgress): the
// next seq, whether metadata_start/metadata_end went out, the timeline origin
// and the turn counts. A restarted aicc reads it to continue a call it takes
// over (same call_id: seq goes on, no second metadata_start) or to close a
// call a crash cut (metadata_end with end_reason "recovered").
//
// On disk: `calls.log` in the journal directory, records framed as the
// journal's ([u32 length][u32 CRC-32][payload], payload = one CallProgress as
// JSON); the newest record of a call wins. An event is recorded here BEFORE
// it is appended to the journal, so a crash between the two leaves a gap in
// seq (the backend sees the loss), never a seq used twice. Ended calls are
// forgotten at the next compaction (the file is rewritten with the open calls
// only, at Open and when it grows past 1 MiB and ~1 KiB per open call).
//
// Usage (the Dispatcher, on its strand):
//   auto ledger = CallLedger::Open(dir, FsyncPolicy::kInterval);
//   for (auto& p : (*ledger)->open_at_start()) ...;   // left open by the last process
//   auto before = (*ledger)->Record(event);          // then journal the event
//   if (!journaled) (*ledger)->Revert(before, event);
//
// Thread safety: none; the Dispatcher owns it on its strand. open_at_start()
// is fixed at Open and may be read from any thread.
#pragma once

#include <boost/system/result.hpp>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "events/call_progress.h"
#include "events/event.h"
#include "sink/journal.h"

namespace aicc::sink {

class CallLedger {
 public:
  static boost::system::result<std::unique_ptr<CallLedger>, JournalError> Open(
      const std::string& directory, FsyncPolicy fsync);
  CallLedger(const CallLedger&) = delete;
  CallLedger& operator=(const CallLedger&) = delete;
  ~CallLedger();

  // Calls open (metadata_start sent, no metadata_end) when the ledger was
  // opened, oldest first.
  const std::vector<events::CallProgress>& open_at_start() const { return open_at_start_; }

  // Folds `e` into its call's progress and writes it; returns the progress
  // before (for Revert).
  events::CallProgress Record(const events::Event& e);
  // `e` was recorded but not journaled: the call's progress goes back to
  // `before`, except that `e`'s seq stays used.
  void Revert(events::CallProgress before, const events::Event& e);

  // The progress of a call this ledger knows (open calls, and others
  // recorded since the last compaction); nullptr otherwise.
  const events::CallProgress* Find(const std::string& call_id) const;

  void Sync();
  std::uint64_t FileBytes() const { return file_bytes_; }
  // Records dropped at Open because they were torn or corrupt.
  std::uint64_t truncated_bytes() const { return truncated_bytes_; }

 private:
  CallLedger(std::string path, FsyncPolicy fsync) : path_(std::move(path)), fsync_(fsync) {}
  void Write(const events::CallProgress& p);
  void Compact();

  std::string path_;
  FsyncPolicy fsync_;
  int fd_ = -1;
  bool dirty_ = false;
  std::uint64_t file_bytes_ = 0;
  std::uint64_t truncated_bytes_ = 0;
  std::size_t open_calls_ = 0;  // Open() entries in calls_
  std::unordered_map<std::string, events::CallProgress> calls_;
  std::vector<events::CallProgress> open_at_start_;
};

}  // namespace aicc::sink
