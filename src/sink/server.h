// A WebSocket server that receives aicc events: the backend's side, for
// `aicc sink`, the demo and tests. It can verify the JWT, acknowledge
// events, and behave like a bad backend (refuse connections, close after N
// messages, stall).
//
// Usage:
//   sink::SinkServer server(io.get_executor(), options, [](const std::string& json) { ... });
//   auto port = server.Start("127.0.0.1", 0);   // 0 = ephemeral
//
// Threading: handlers run on the server's strand; the callback too.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/system/result.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace aicc::sink {

struct SinkServerOptions {
  bool ack = false;              // reply {"ack": "<event_id>"} to each event
  std::string jwt_secret;        // require a valid HS256 bearer token
  bool refuse = false;           // accept TCP, then close at once
  std::int64_t close_after = 0;  // close each connection after N messages (0: never)
  std::int64_t stall_after = 0;  // stop reading after N messages (0: never)
  std::string tls_cert;          // wss:// when both are set
  std::string tls_key;
};

struct SinkServerStats {
  std::uint64_t messages = 0;
  std::uint64_t connections = 0;
  std::uint64_t rejected_auth = 0;
};

class SinkServer {
 public:
  using OnMessage = std::function<void(const std::string& json)>;
  SinkServer(boost::asio::any_io_executor executor, SinkServerOptions options,
             OnMessage on_message);
  ~SinkServer();
  // Returns the bound port.
  boost::system::result<std::uint16_t, std::string> Start(const std::string& address,
                                                          std::uint16_t port);
  void Stop();
  SinkServerStats stats() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace aicc::sink
