// The ARI events WebSocket (`/ari/events?app=<app>&subscribeAll=false`):
// connects with basic auth, hands each text frame to a callback, pings an
// idle connection, and reconnects with exponential backoff and full jitter
// until stopped.
//
// Usage:
//   EventStream events(strand, options, {.on_connected = [&] { reconcile(); },
//                                        .on_disconnected = [&](std::string_view why) {},
//                                        .on_message = [&](std::string text) { handle(text); }});
//   events.Start();
//   ...
//   events.Stop();  // closes; no callback runs after the stopped callback
//
// Threading: every callback runs on the executor given (make it a strand;
// the controller's). Start/Stop may be called from any thread.
#pragma once

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/metrics.h"
#include "net/url.h"

namespace aicc::ari {

struct EventStreamOptions {
  net::Endpoint endpoint;  // ws:// URL with the events target and query
  std::string username;
  std::string password;
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds reconnect_min{500};
  std::chrono::milliseconds reconnect_max{30000};
  // A ping after half of this idle time; no answer within it → reconnect.
  std::chrono::milliseconds idle_timeout{20000};
  std::size_t max_frame_bytes = 1 << 20;
};

struct EventStreamHandlers {
  std::function<void()> on_connected;
  std::function<void(std::string_view why)> on_disconnected;
  std::function<void(std::string text)> on_message;
  std::function<void()> on_stopped;  // after Stop(), once nothing runs any more
};

class EventStream {
 public:
  EventStream(boost::asio::any_io_executor executor, EventStreamOptions options,
              EventStreamHandlers handlers, core::MetricsRegistry* metrics = nullptr);
  ~EventStream();
  EventStream(const EventStream&) = delete;
  EventStream& operator=(const EventStream&) = delete;

  void Start();
  void Stop();
  bool Connected() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

// ws://host:port/<prefix>/events?app=<app>&subscribeAll=false from the ARI
// base URL (http → ws, https → wss).
std::string EventsUrl(const net::Endpoint& ari, std::string_view app);

}  // namespace aicc::ari
