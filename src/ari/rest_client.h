// HTTP/1.1 client for ARI's REST API (and the CALL_STARTED notice):
// keep-alive connections in a small pool, HTTP basic auth, a timeout on
// every request, errors as values with the HTTP status and ARI's message.
//
// Usage (inside a coroutine):
//   RestClient rest(executor, {.endpoint = *net::ParseEndpoint("http://127.0.0.1:8088/ari"),
//                              .username = "aicc", .password = secret});
//   auto r = co_await rest.Request(Method::kPost, "/channels/1795.1/answer");
//   if (!r && !r.error().NotFound()) log(r.error().Describe());
//
// Threading: Request() may be awaited from any executor, concurrently; the
// connections and the pool live on the client's own strand, and the caller
// resumes on its own executor. Close() may be called from any thread. The
// password is only ever put into the Authorization header: never logged,
// never in RestError.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/system/result.hpp>
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ari/error.h"
#include "core/metrics.h"
#include "net/url.h"

namespace aicc::ari {

enum class Method { kGet, kPost, kPut, kDelete };
std::string_view ToString(Method m);

// Query parameters, percent-encoded by the client.
using Query = std::vector<std::pair<std::string, std::string>>;

struct RestResponse {
  unsigned status = 0;
  std::string body;
};

using RestResult = boost::system::result<RestResponse, RestError>;

struct RestClientOptions {
  net::Endpoint endpoint;  // http:// only; the target is the path prefix ("/ari")
  std::string username;    // basic auth when not empty
  std::string password;
  std::chrono::milliseconds timeout{5000};  // whole request: connect, write, read
  std::size_t max_connections = 16;
  std::size_t max_waiting = 4096;  // requests queued for a connection; more → kOverloaded
  std::string metrics_name = "ari";
};

class RestClient {
 public:
  RestClient(boost::asio::any_io_executor executor, RestClientOptions options,
             core::MetricsRegistry* metrics = nullptr);
  ~RestClient();
  RestClient(const RestClient&) = delete;
  RestClient& operator=(const RestClient&) = delete;

  // `path` is appended to the endpoint's prefix ("/channels" → "/ari/channels").
  // A JSON `body` is sent with Content-Type application/json. Any status
  // >= 300 is an error carrying the status and ARI's {"message"}.
  boost::asio::awaitable<RestResult> Request(Method method, std::string path, Query query = {},
                                             std::string body = {});

  // Fails queued and future requests with kStopped and closes idle
  // connections; requests in flight finish (bounded by their timeout).
  void Close();

  // The address of the last connected server (to complete an unspecified
  // UNICASTRTP_LOCAL_ADDRESS); empty before the first connection.
  std::string PeerAddress() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

// Percent-encodes a query value (RFC 3986 unreserved characters pass).
std::string PercentEncode(std::string_view value);
// The Authorization header value for HTTP basic auth.
std::string BasicAuthorization(std::string_view user, std::string_view password);
// "/channels?endpoint=PJSIP%2Fagent01&app=aicc".
std::string BuildTarget(std::string_view prefix, std::string_view path, const Query& query);

}  // namespace aicc::ari
