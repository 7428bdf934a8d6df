// One WebSocket client handshake (issue 18), for the ARI events stream and
// the sink's backends: the handshake deadline, the idle timeout with
// keep-alive pings (a peer silent for the idle timeout is dead), the
// User-Agent and an optional Authorization header, then the upgrade on a
// stream already connected (ConnectTcp, HandshakeTls).
//
// Errors are values: Beast's code, plus the HTTP status and reason when the
// server answered the upgrade with something other than 101.
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <chrono>
#include <optional>
#include <string>

#include "net/url.h"

namespace aicc::net {

struct WebSocketClientOptions {
  std::chrono::steady_clock::duration handshake_timeout = std::chrono::seconds(10);
  std::chrono::steady_clock::duration idle_timeout = std::chrono::seconds(30);
  std::string authorization;  // the header's value; empty: none
};

struct WebSocketHandshakeError {
  boost::system::error_code code;
  unsigned http_status = 0;  // 0 when the server never answered
  std::string reason;
};

template <typename WsStream>
boost::asio::awaitable<std::optional<WebSocketHandshakeError>> HandshakeWebSocket(
    WsStream& ws, const Endpoint& to, const WebSocketClientOptions& options) {
  namespace websocket = boost::beast::websocket;
  websocket::stream_base::timeout timeouts{};
  timeouts.handshake_timeout = options.handshake_timeout;
  timeouts.idle_timeout = options.idle_timeout;
  timeouts.keep_alive_pings = true;
  ws.set_option(timeouts);
  ws.set_option(websocket::stream_base::decorator(
      [authorization = options.authorization](websocket::request_type& req) {
        req.set(boost::beast::http::field::user_agent, "aicc");
        if (!authorization.empty())
          req.set(boost::beast::http::field::authorization, authorization);
      }));
  websocket::response_type response;
  // RFC 7230 Host: an IPv6 address goes in brackets.
  const bool v6 = to.host.find(':') != std::string::npos;
  const std::string host = (v6 ? "[" + to.host + "]" : to.host) + ":" + std::to_string(to.port);
  auto [ec] = co_await ws.async_handshake(response, host, to.target,
                                          boost::asio::as_tuple(boost::asio::use_awaitable));
  if (!ec) co_return std::nullopt;
  co_return WebSocketHandshakeError{ec, response.result_int(), std::string(response.reason())};
}

}  // namespace aicc::net
