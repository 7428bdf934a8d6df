#include "net/connect.h"

#include <openssl/ssl.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/ssl.hpp>

namespace aicc::net {
namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

namespace {
constexpr auto kAsTuple = asio::as_tuple(asio::use_awaitable);
}  // namespace

asio::awaitable<boost::system::result<tcp::endpoint>> ConnectTcp(
    beast::tcp_stream& stream, const Endpoint& to, std::chrono::steady_clock::time_point deadline) {
  tcp::resolver resolver(stream.get_executor());
  auto [rec, results] = co_await resolver.async_resolve(to.host, std::to_string(to.port), kAsTuple);
  if (rec) co_return rec;
  stream.expires_at(deadline);
  auto [cec, peer] = co_await stream.async_connect(results, kAsTuple);
  if (cec) co_return cec;
  boost::system::error_code ignored;
  stream.socket().set_option(tcp::no_delay(true), ignored);
  co_return peer;
}

asio::awaitable<boost::system::error_code> HandshakeTls(
    beast::ssl_stream<beast::tcp_stream>& stream, const std::string& host,
    std::chrono::steady_clock::time_point deadline) {
  if (!SSL_set_tlsext_host_name(stream.native_handle(), host.c_str())) {
    co_return boost::system::error_code(static_cast<int>(::ERR_get_error()),
                                        asio::error::get_ssl_category());
  }
  stream.set_verify_callback(asio::ssl::host_name_verification(host));
  beast::get_lowest_layer(stream).expires_at(deadline);
  auto [ec] = co_await stream.async_handshake(asio::ssl::stream_base::client, kAsTuple);
  co_return ec;
}

}  // namespace aicc::net
