#include "net/listener.h"

#include <fmt/format.h>

#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "core/logging.h"

namespace aicc::net {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

bool IsResourceShortage(const boost::system::error_code& ec) {
  return ec == boost::system::errc::too_many_files_open ||
         ec == boost::system::errc::too_many_files_open_in_system ||
         ec == boost::system::errc::no_buffer_space || ec == boost::system::errc::not_enough_memory;
}

}  // namespace

struct Listener::Impl : std::enable_shared_from_this<Impl> {
  Impl(asio::any_io_executor ex, ListenerOptions o)
      : strand(asio::make_strand(ex)),
        acceptor(strand),
        pause_timer(strand),
        options(std::move(o)) {}

  void Accept() {
    acceptor.async_accept(
        asio::make_strand(strand.get_inner_executor()),
        [self = shared_from_this()](boost::system::error_code ec, tcp::socket s) {
          if (ec == asio::error::operation_aborted || !self->acceptor.is_open()) return;
          if (ec) return self->AcceptFailed(ec);
          if (self->open->load(std::memory_order_relaxed) >= self->options.max_connections) {
            // A client holding idle connections loses them to its server's
            // own timeouts; new ones are not answered meanwhile.
            if (self->cap_log.ShouldLog()) {
              core::Logger("net")->warn(
                  "{}: {} connections open, the most allowed; closing new ones ({} more "
                  "suppressed)",
                  self->options.name, self->options.max_connections, self->cap_log.Suppressed());
            }
            boost::system::error_code ignored;
            s.close(ignored);
          } else {
            self->open->fetch_add(1, std::memory_order_relaxed);
            Slot slot(nullptr, [open = self->open](void*) {
              open->fetch_sub(1, std::memory_order_relaxed);
            });
            if (self->on_accept) self->on_accept(std::move(s), std::move(slot));
          }
          self->Accept();
        });
  }

  void AcceptFailed(const boost::system::error_code& ec) {
    const bool shortage = IsResourceShortage(ec);
    if (accept_log.ShouldLog()) {
      core::Logger("net")->error(
          "{}: accept failed: {} ({} more suppressed){}", options.name, ec.message(),
          accept_log.Suppressed(),
          shortage ? fmt::format("; pausing accepts for {} ms", options.accept_pause.count())
                   : std::string());
    }
    if (!shortage) return Accept();  // e.g. the peer reset it: the next one
    pause_timer.expires_after(options.accept_pause);
    pause_timer.async_wait([self = shared_from_this()](boost::system::error_code wait_ec) {
      if (wait_ec || !self->acceptor.is_open()) return;
      self->Accept();
    });
  }

  asio::strand<asio::any_io_executor> strand;
  tcp::acceptor acceptor;
  asio::steady_timer pause_timer;
  ListenerOptions options;
  OnAccept on_accept;
  tcp::endpoint bound;
  std::shared_ptr<std::atomic<std::size_t>> open = std::make_shared<std::atomic<std::size_t>>(0);
  core::RateLimitedLog accept_log{std::chrono::seconds(10)};
  core::RateLimitedLog cap_log{std::chrono::seconds(10)};
};

boost::system::result<std::shared_ptr<Listener>, std::string> Listener::Open(
    asio::any_io_executor executor, const HostPort& at, ListenerOptions options) {
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(at.host, ec);
  if (ec) return "'" + at.host + "' is not an IP address";
  const tcp::endpoint ep(address, at.port);
  auto impl = std::make_shared<Impl>(std::move(executor), std::move(options));
  auto& a = impl->acceptor;
  a.open(ep.protocol(), ec);
  if (!ec) a.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) a.bind(ep, ec);
  if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
  const std::string shown = address.is_v6() ? fmt::format("[{}]:{}", at.host, at.port)
                                            : fmt::format("{}:{}", at.host, at.port);
  if (ec) return "cannot listen on " + shown + ": " + ec.message();
  impl->bound = a.local_endpoint(ec);
  return std::shared_ptr<Listener>(new Listener(std::move(impl)));
}

Listener::~Listener() { Stop(); }

void Listener::Start(OnAccept on_accept) {
  asio::dispatch(impl_->strand, [impl = impl_, on_accept = std::move(on_accept)]() mutable {
    if (!impl->acceptor.is_open()) return;
    impl->on_accept = std::move(on_accept);
    impl->Accept();
  });
}

void Listener::Stop() {
  asio::dispatch(impl_->strand, [impl = impl_] {
    boost::system::error_code ec;
    impl->acceptor.close(ec);
    impl->pause_timer.cancel();
    // The callback may hold its owner: let it go.
    impl->on_accept = nullptr;
  });
}

tcp::endpoint Listener::local_endpoint() const { return impl_->bound; }

std::size_t Listener::open_connections() const {
  return impl_->open->load(std::memory_order_relaxed);
}

}  // namespace aicc::net
