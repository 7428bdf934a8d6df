// URL parsing for the endpoints aicc talks to (ws/wss backends, ARI over
// http/https, the CALL_STARTED notice). Thin layer over Boost.URL that fills
// in default ports and the request target, and says what is wrong.
#pragma once

#include <boost/system/result.hpp>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/redact.h"

namespace aicc::net {

struct Endpoint {
  std::string scheme;      // lowercase: ws, wss, http, https
  std::string host;        // without brackets for IPv6
  std::uint16_t port = 0;  // explicit or the scheme's default
  std::string target;      // path + query, at least "/"
  std::string user;        // userinfo, if any (never logged)
  std::string password;
  bool tls() const { return scheme == "wss" || scheme == "https"; }
  // scheme://host:port/target without credentials, query values masked
  // (see RedactUrl): safe to log and to use as a metrics label.
  std::string Redacted() const;
};

// Parses an absolute ws/wss/http/https URL. Errors carry a message naming
// what is wrong (unknown scheme, missing host, bad port).
struct UrlError {
  std::string message;
};
boost::system::result<Endpoint, UrlError> ParseEndpoint(std::string_view url);

// The one redaction of URLs (core/redact.h; core's configuration errors use it
// too), under the name the network code knows it by.
using core::RedactUrl;
using core::RedactUrlList;

// "host:port" or "[v6 address]:port" with a port in [0, 65535] (0: any free
// port, for listeners). Errors say what is wrong; nothing wraps around.
struct HostPort {
  std::string host;  // without brackets
  std::uint16_t port = 0;
};
boost::system::result<HostPort, UrlError> ParseHostPort(std::string_view text);

}  // namespace aicc::net
