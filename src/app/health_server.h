// The operator's HTTP endpoint: /healthz (alive), /readyz (ready to take
// calls), /metrics (Prometheus text). Listens on loopback by default
// (`http.listen`); a warning is logged when it listens beyond loopback.
//
// Thread safety: Start/Stop from any thread; handlers run on the server's
// strand; the readiness callback must be thread-safe.
//
// Limits: at most `max_connections` open at once (more are closed at once,
// unanswered); when accept fails for want of descriptors or memory, accepting
// pauses 100 ms instead of spinning.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/system/result.hpp>
#include <functional>
#include <memory>
#include <string>

#include "core/metrics.h"

namespace aicc::app {

struct Readiness {
  bool ready = false;
  std::string detail;  // what is (not) ready, one line per part
};

class HealthServer {
 public:
  static constexpr std::size_t kDefaultMaxConnections = 64;
  HealthServer(boost::asio::any_io_executor ex, const core::MetricsRegistry& metrics,
               std::function<Readiness()> readiness,
               std::size_t max_connections = kDefaultMaxConnections);
  ~HealthServer();
  // Binds host:port (port 0 = ephemeral); error text names the address.
  boost::system::result<void, std::string> Start(const std::string& host_port);
  void Stop();
  boost::asio::ip::tcp::endpoint LocalEndpoint() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace aicc::app
