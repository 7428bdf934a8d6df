// Redaction of URLs for logs, metrics labels, `aicc config` and error
// messages. In core because the configuration's own errors need it.
#pragma once

#include <string>
#include <string_view>

namespace aicc::core {

// The one redaction of URLs for logs, metrics labels and `aicc config`: the
// userinfo (`user:password@`) becomes `***@`, the value of every query
// parameter becomes `***` (backends take tokens as `?token=`, `?key=`,
// `?access_token=`, ...; masking all values needs no list of names), and a
// fragment is dropped. Text that is not a URL is handled the same way, as
// far as it has those parts, so an invalid setting is still safe to print.
std::string RedactUrl(std::string_view url);
// RedactUrl on each item of a comma-separated list (`sink.urls` as set).
std::string RedactUrlList(std::string_view urls);
// path?query#fragment -> path?query with every value masked, no fragment.
std::string MaskUrlTarget(std::string_view target);

}  // namespace aicc::core
