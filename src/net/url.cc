#include "net/url.h"

#include <algorithm>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <charconv>

namespace aicc::net {

std::string Endpoint::Redacted() const {
  const bool v6 = host.find(':') != std::string::npos;
  return scheme + "://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port) +
         core::MaskUrlTarget(target);
}

boost::system::result<HostPort, UrlError> ParseHostPort(std::string_view text) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 >= text.size()) {
    return UrlError{"'" + std::string(text) + "' is not host:port (e.g. 127.0.0.1:9100)"};
  }
  HostPort hp;
  std::string_view host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string_view::npos) {
    return UrlError{"'" + std::string(text) + "': an IPv6 address needs brackets ([::1]:9100)"};
  }
  hp.host = std::string(host);
  const std::string_view port = text.substr(colon + 1);
  unsigned value = 0;
  const auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc() || ptr != port.data() + port.size() || value > 65535) {
    return UrlError{"'" + std::string(text) + "': the port must be a number in [0, 65535]"};
  }
  hp.port = static_cast<std::uint16_t>(value);
  return hp;
}

boost::system::result<Endpoint, UrlError> ParseEndpoint(std::string_view url) {
  auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed) return UrlError{"not an absolute URL: " + parsed.error().message()};
  const boost::urls::url_view u = *parsed;
  Endpoint ep;
  ep.scheme = std::string(u.scheme());
  std::transform(ep.scheme.begin(), ep.scheme.end(), ep.scheme.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  std::uint16_t default_port = 0;
  if (ep.scheme == "ws" || ep.scheme == "http")
    default_port = 80;
  else if (ep.scheme == "wss" || ep.scheme == "https")
    default_port = 443;
  else
    return UrlError{"unsupported scheme '" + ep.scheme + "' (ws, wss, http, https)"};
  if (!u.has_authority() || u.host().empty()) return UrlError{"URL has no host"};
  ep.host = u.host_type() == boost::urls::host_type::ipv6 ? std::string(u.encoded_host_address())
                                                          : std::string(u.host());
  if (u.has_port()) {
    const auto p = u.port();
    unsigned value = 0;
    const auto [ptr, ec] = std::from_chars(p.data(), p.data() + p.size(), value);
    if (ec != std::errc() || ptr != p.data() + p.size() || value == 0 || value > 65535) {
      return UrlError{"bad port '" + std::string(p) + "'"};
    }
    ep.port = static_cast<std::uint16_t>(value);
  } else {
    ep.port = default_port;
  }
  ep.target = std::string(u.encoded_path());
  // Boost.URL 1.81 reads "h:12ab/" as port 12 and path "ab/"; a path after
  // an authority must start with '/', so this is a bad port.
  if (!ep.target.empty() && ep.target[0] != '/') return UrlError{"bad port or path in URL"};
  if (ep.target.empty()) ep.target = "/";
  if (u.has_query()) ep.target += "?" + std::string(u.encoded_query());
  if (u.has_userinfo()) {
    ep.user = std::string(u.user());
    ep.password = std::string(u.password());
  }
  return ep;
}

}  // namespace aicc::net
