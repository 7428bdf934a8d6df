// One backend of the Dispatcher, behind a small interface so that the
// dispatcher (journal, ledger, fan-out) and the WebSocket connection
// (handshake, batches, confirmations, reconnects) live in their own files.
// Sink-internal: included by dispatcher.cc and ws_destination.cc only.
//
// Threading: everything runs on the dispatcher's strand (DeliveryState::
// strand), except connected() and backlog(), which any thread may read.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <utility>

#include "core/metrics.h"
#include "net/url.h"
#include "sink/dispatcher.h"
#include "sink/journal.h"

namespace aicc::sink::internal {

inline constexpr const char* kDroppedHelp =
    "Events a backend had not taken when the journal bound removed them (drop_oldest)";

// What the dispatcher shares with its destinations; owned by the dispatcher,
// touched only on `strand`.
struct DeliveryState {
  DeliveryState(boost::asio::any_io_executor executor, DispatcherOptions o)
      : strand(boost::asio::make_strand(executor)), options(std::move(o)) {}

  boost::asio::strand<boost::asio::any_io_executor> strand;
  DispatcherOptions options;
  core::MetricsRegistry* metrics = nullptr;
  std::unique_ptr<Journal> journal;
  // Append times of recent records, for the delivery latency.
  std::deque<std::pair<std::uint64_t, std::chrono::steady_clock::time_point>> append_times;
  core::Histogram* latency = nullptr;
};

class Destination {
 public:
  virtual ~Destination() = default;
  // The name of its cursor in the journal (DestinationName of its URL).
  virtual const std::string& name() const = 0;
  // Safe to log (net::RedactUrl rules); also its metrics label.
  virtual std::string redacted_url() const = 0;
  virtual bool connected() const = 0;
  // Events it has not taken yet, as last published on the strand.
  virtual std::uint64_t backlog() const = 0;
  // Connects and sends until Stop; `keep_alive` (the dispatcher's state) is
  // held by the running connection loop, not by the destination.
  virtual void Start(std::shared_ptr<void> keep_alive) = 0;
  // New events were journaled (or cursors moved): send, update the backlog.
  virtual void Wake() = 0;
  virtual void Stop() = 0;
  // The journal bound skipped it past `records` events it had not taken.
  virtual void CountDropped(std::uint64_t records) = 0;
};

// A ws:// or wss:// backend (`tls` set for wss). `owner` must outlive the
// destination's connection loop (Start's keep_alive sees to it).
std::shared_ptr<Destination> MakeWsDestination(DeliveryState* owner, std::string url,
                                               net::Endpoint endpoint,
                                               std::shared_ptr<boost::asio::ssl::context> tls);

// A destination's name on disk (its cursor file): stable for a URL.
std::string DestinationName(const std::string& url);

}  // namespace aicc::sink::internal
