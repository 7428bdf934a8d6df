// Event delivery: every event is journaled on disk, then sent to every
// configured WebSocket backend at least once, in order, across backend
// outages and across aicc's own restarts. Also stdout and JSONL outputs.
//
// Usage:
//   auto d = sink::Dispatcher::Create(io.get_executor(), options, &metrics);   // errors name the
//   setting
//   (*d)->Start();
//   (*d)->Submit(event);        // from any thread; never blocks
//   (*d)->Stop([] { ... });     // flushes the journal, closes connections
//
// Threading: the journal and every connection run on the dispatcher's own
// thread (options.own_thread, the default): journal writes, fsync, cursor
// renames and the backends' sockets never run on the caller's workers, which
// carry media. Submit serializes on the caller's thread and posts; it never
// touches the disk.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/system/result.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/metrics.h"
#include "events/call_progress.h"
#include "events/event.h"
#include "sink/journal.h"
#include "sink/jwt.h"

namespace aicc::sink {

// What a backend that was never configured before receives first.
enum class NewBackendStart {
  kNow,       // events journaled from the moment aicc starts with it configured
  kRetained,  // everything still in the journal (possibly days of earlier calls)
};

struct DispatcherOptions {
  std::vector<std::string> urls;
  JournalOptions journal;
  NewBackendStart new_backend_start = NewBackendStart::kNow;
  bool stdout_output = false;
  std::string jsonl_path;
  bool ack = false;
  bool tls_verify = true;
  std::string ca_file;
  std::chrono::seconds ping_interval{20};
  std::chrono::milliseconds reconnect_min{500};
  std::chrono::milliseconds reconnect_max{30000};
  JwtOptions jwt;
  std::size_t max_pending = 100000;  // submitted but not yet journaled
  std::size_t window = 256;          // ack mode: events in flight per backend
  std::chrono::milliseconds fsync_interval{100};
  // At Stop, how long connected backends get to take the rest.
  std::chrono::milliseconds drain_timeout{3000};
  // Run on a thread of the dispatcher's own ("aicc-sink"); the executor
  // given to Create is then unused. false: run on that executor's strand.
  bool own_thread = true;
};

struct SinkError {
  std::string message;
};

class Dispatcher {
 public:
  static boost::system::result<std::unique_ptr<Dispatcher>, SinkError> Create(
      boost::asio::any_io_executor executor, DispatcherOptions options,
      core::MetricsRegistry* metrics);
  ~Dispatcher();
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  void Start();
  // Thread-safe and non-blocking. An error means the event was not accepted
  // (journal full under `block`, or too many pending): it is counted.
  boost::system::result<void, SinkError> Submit(const events::Event& event);
  // Same, for an already serialized event (tests, benchmarks).
  boost::system::result<void, SinkError> SubmitJson(std::string json);
  // Stops: pending submissions are journaled and synced, connections close;
  // `done` runs on the dispatcher's strand (its own thread: post from there,
  // and do not destroy the dispatcher inside `done`).
  void Stop(std::function<void()> done);

  bool Ready() const;
  std::uint64_t JournalBytes() const;
  // Number of destinations currently connected.
  std::size_t Connected() const;
  // Events not yet taken by the slowest destination. Any thread: a
  // snapshot the strand publishes after each change.
  std::uint64_t Backlog() const;
  const RecoveryReport& recovery() const;
  // Calls the journal showed open when the dispatcher was created
  // (metadata_start sent, no metadata_end): a restarted aicc continues or
  // closes them. Fixed at Create; any thread. Events sent with SubmitJson
  // are not tracked per call.
  const std::vector<events::CallProgress>& OpenCalls() const;

 private:
  struct Impl;
  struct OwnThread;
  Dispatcher(std::shared_ptr<Impl> impl, std::unique_ptr<OwnThread> thread);
  boost::system::result<void, SinkError> SubmitImpl(std::string json,
                                                    std::unique_ptr<events::Event> event);
  // Declared before impl_: the io_context outlives every reference to Impl.
  std::unique_ptr<OwnThread> thread_;
  std::shared_ptr<Impl> impl_;
};

}  // namespace aicc::sink
