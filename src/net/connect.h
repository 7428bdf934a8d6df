// One way to connect (issue 18): resolve, TCP connect within a deadline with
// TCP_NODELAY (events and requests are small; latency matters), and for TLS
// the client handshake with SNI and host-name verification. Used by the ARI
// REST client and events WebSocket and by the sink's WebSocket destinations.
//
// Errors are values (the resolver's, the socket's or the TLS layer's code);
// nothing throws. Run on the stream's executor.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/system/result.hpp>
#include <chrono>
#include <string>

#include "net/url.h"

namespace aicc::net {

// Connects `stream` to `to.host`:`to.port` (every resolved address in turn)
// before `deadline`; returns the peer's endpoint. The stream's timer is left
// at `deadline`: call expires_never() before using it as a long-lived
// connection.
boost::asio::awaitable<boost::system::result<boost::asio::ip::tcp::endpoint>> ConnectTcp(
    boost::beast::tcp_stream& stream, const Endpoint& to,
    std::chrono::steady_clock::time_point deadline);

// The TLS client handshake on a connected stream: SNI set to `host`, the
// certificate checked against `host` (and the context's CAs) before
// `deadline`.
boost::asio::awaitable<boost::system::error_code> HandshakeTls(
    boost::beast::ssl_stream<boost::beast::tcp_stream>& stream, const std::string& host,
    std::chrono::steady_clock::time_point deadline);

}  // namespace aicc::net
