// Errors of the ARI client as values: an error code (transport errors pass
// through as Asio's codes; aicc's own are ari::Error) plus, when Asterisk
// answered, the HTTP status and ARI's `message`.
#pragma once

#include <boost/system/error_code.hpp>
#include <string>
#include <type_traits>

namespace aicc::ari {

enum class Error {
  kTimeout = 1,  // no complete answer within the request timeout
  kHttpStatus,   // Asterisk answered with a status >= 300 (see RestError::status)
  kOverloaded,   // too many requests waiting for a connection (bounded queue)
  kStopped,      // the client was closed
  kBadResponse,  // the answer is not what ARI sends (unparsable JSON, missing fields)
  kBadUrl,       // the configured URL cannot be used
};

const boost::system::error_category& ErrorCategory();
inline boost::system::error_code make_error_code(Error e) {
  return {static_cast<int>(e), ErrorCategory()};
}

struct RestError {
  boost::system::error_code code;
  unsigned status = 0;  // HTTP status when Asterisk answered, else 0
  std::string message;  // ARI's "message", or what went wrong on the way
  std::string request;  // "POST /channels/…" (never credentials), for logs

  bool NotFound() const { return status == 404; }
  // Worth another try: no answer, or a server-side failure. A 4xx is an
  // answer about the request and is not retried.
  bool Transient() const { return status == 0 || status >= 500; }
  std::string Describe() const;
};

}  // namespace aicc::ari

template <>
struct boost::system::is_error_code_enum<aicc::ari::Error> : std::true_type {};
