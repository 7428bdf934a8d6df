#include "core/redact.h"

#include <algorithm>

namespace aicc::core {

namespace {

// Splits `text` at `separator`, maps each part and joins them again.
template <typename Map>
std::string MapParts(std::string_view text, char separator, Map map) {
  std::string out;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto end = text.find(separator, start);
    if (end == std::string_view::npos) end = text.size();
    out += map(text.substr(start, end - start));
    if (end < text.size()) out += separator;
    start = end + 1;
  }
  return out;
}

// `k1=v1&k2` -> `k1=***&k2`.
std::string MaskQuery(std::string_view query) {
  return MapParts(query, '&', [](std::string_view item) {
    const auto eq = item.find('=');
    return eq == std::string_view::npos ? std::string(item)
                                        : std::string(item.substr(0, eq + 1)) + "***";
  });
}

}  // namespace

std::string MaskUrlTarget(std::string_view target) {
  target = target.substr(0, target.find('#'));
  const auto q = target.find('?');
  if (q == std::string_view::npos) return std::string(target);
  return std::string(target.substr(0, q + 1)) + MaskQuery(target.substr(q + 1));
}

std::string RedactUrl(std::string_view url) {
  // Plain string work rather than Boost.URL: an invalid URL must be
  // redacted too (it is printed in the error that rejects it).
  std::size_t authority = 0;
  if (const auto scheme_end = url.find("://"); scheme_end != std::string_view::npos) {
    authority = scheme_end + 3;
  }
  const auto authority_end = std::min(url.find_first_of("/?#", authority), url.size());
  std::string out(url.substr(0, authority));
  const std::string_view host_part = url.substr(authority, authority_end - authority);
  if (const auto at = host_part.rfind('@'); at != std::string_view::npos) {
    out += "***@";
    out += host_part.substr(at + 1);
  } else {
    out += host_part;
  }
  out += MaskUrlTarget(url.substr(authority_end));
  return out;
}

std::string RedactUrlList(std::string_view urls) { return MapParts(urls, ',', RedactUrl); }

}  // namespace aicc::core
