// One way to listen (issue 18): bind a TCP address, accept on a strand, cap
// the connections open at once, and pause when accept fails for want of
// descriptors or memory (the listening socket then stays readable and every
// accept fails at once: without a pause the loop spins a core).
//
// Usage:
//   auto l = net::Listener::Open(ex, *net::ParseHostPort("127.0.0.1:0"), {.name = "http"});
//   (*l)->Start([](tcp::socket s, net::Listener::Slot slot) {
//     // keep `slot` as long as the connection lives: it holds a place under the cap
//   });
//   (*l)->Stop();
//
// Threading: Start/Stop from any thread; `on_accept` runs on the listener's
// strand; local_endpoint() and open_connections() from any thread.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/system/result.hpp>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "net/url.h"

namespace aicc::net {

struct ListenerOptions {
  std::string name = "listener";  // in log lines: "<name>: accept failed: ..."
  // Over the cap a new connection is closed at once, unanswered (counted in
  // the log, once per 10 s).
  std::size_t max_connections = 64;
  std::chrono::milliseconds accept_pause{100};
};

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  // Holds one place under the cap until released.
  using Slot = std::shared_ptr<void>;
  using OnAccept = std::function<void(boost::asio::ip::tcp::socket socket, Slot slot)>;

  // Binds and listens (SO_REUSEADDR); port 0 picks a free one. Errors name
  // the address and the reason. `at.host` must be an IP address.
  static boost::system::result<std::shared_ptr<Listener>, std::string> Open(
      boost::asio::any_io_executor executor, const HostPort& at, ListenerOptions options);
  ~Listener();

  void Start(OnAccept on_accept);
  // Closes the listening socket; connections already accepted are not
  // touched.
  void Stop();
  boost::asio::ip::tcp::endpoint local_endpoint() const;
  std::size_t open_connections() const;

 private:
  struct Impl;
  explicit Listener(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<Impl> impl_;
};

}  // namespace aicc::net
