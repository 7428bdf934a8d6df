#include "ari/rest_client.h"

#include <openssl/evp.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>
#include <boost/url/url.hpp>
#include <deque>
#include <mutex>

#include "ari/model.h"
#include "core/logging.h"
#include "net/connect.h"

namespace aicc::ari {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::awaitable;
using asio::use_awaitable;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

// An originate carries the caller's number in `callerId`; the request text
// goes into log lines, which get numbers masked (docs/privacy.md).
std::string LoggableTarget(const std::string& target) {
  auto parsed = boost::urls::parse_origin_form(target);
  if (!parsed || !parsed->has_query()) return target;
  boost::urls::url url(*parsed);
  auto params = url.params();
  if (!params.contains("callerId")) return target;
  params.set("callerId", "***");
  return std::string(url.buffer());
}

constexpr auto kAsTuple = asio::as_tuple(use_awaitable);

http::verb VerbOf(Method m) {
  switch (m) {
    case Method::kGet:
      return http::verb::get;
    case Method::kPost:
      return http::verb::post;
    case Method::kPut:
      return http::verb::put;
    case Method::kDelete:
      return http::verb::delete_;
  }
  return http::verb::get;
}

// The peer closed a kept-alive connection before it read our request: safe
// to send it again on a new connection.
bool IsStaleConnection(const boost::system::error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::broken_pipe;
}

}  // namespace

std::string BasicAuthorization(std::string_view user, std::string_view password) {
  std::string credentials(user);
  credentials += ':';
  credentials += password;
  // EVP_EncodeBlock writes 4 characters per 3 bytes, then a NUL.
  std::string encoded(4 * ((credentials.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(encoded.data()),
                                reinterpret_cast<const unsigned char*>(credentials.data()),
                                static_cast<int>(credentials.size()));
  encoded.resize(static_cast<std::size_t>(n));
  return "Basic " + encoded;
}

std::string_view ToString(Method m) {
  switch (m) {
    case Method::kGet:
      return "GET";
    case Method::kPost:
      return "POST";
    case Method::kPut:
      return "PUT";
    case Method::kDelete:
      return "DELETE";
  }
  return "?";
}

std::string PercentEncode(std::string_view value) {
  // RFC 3986 unreserved characters stay, everything else is %XX.
  return boost::urls::encode(value, boost::urls::unreserved_chars);
}

std::string BuildTarget(std::string_view prefix, std::string_view path, const Query& query) {
  std::string target(prefix);
  while (!target.empty() && target.back() == '/') target.pop_back();
  if (!path.starts_with('/')) target += '/';
  target += path;
  char sep = '?';
  for (const auto& [k, v] : query) {
    target += sep;
    target += PercentEncode(k);
    target += '=';
    target += PercentEncode(v);
    sep = '&';
  }
  return target;
}

struct RestClient::Impl : std::enable_shared_from_this<Impl> {
  struct Conn {
    explicit Conn(asio::any_io_executor ex) : stream(ex) {}
    beast::tcp_stream stream;
    beast::flat_buffer buffer;
    bool used = false;
  };
  using ConnPtr = std::unique_ptr<Conn>;

  Impl(asio::any_io_executor ex, RestClientOptions o, core::MetricsRegistry* m)
      : strand(asio::make_strand(ex)), options(std::move(o)) {
    static core::MetricsRegistry unused;
    core::MetricsRegistry& reg = m ? *m : unused;
    const std::string prefix = "aicc_" + options.metrics_name;
    auto counter = [&](const char* outcome) {
      return &reg.GetCounter(prefix + "_requests_total", "HTTP requests by outcome",
                             {{"outcome", outcome}});
    };
    ok_total = counter("ok");
    status_total = counter("http_error");
    transport_total = counter("transport_error");
    timeout_total = counter("timeout");
    overloaded_total = counter("overloaded");
    latency = &reg.GetHistogram(prefix + "_request_seconds", "HTTP request latency",
                                core::LatencyBuckets());
    if (!options.username.empty()) {
      authorization = BasicAuthorization(options.username, options.password);
    }
    host_header = options.endpoint.host.find(':') != std::string::npos
                      ? "[" + options.endpoint.host + "]:" + std::to_string(options.endpoint.port)
                      : options.endpoint.host + ":" + std::to_string(options.endpoint.port);
  }

  awaitable<RestResult> Do(Method method, std::string target, std::string body);
  awaitable<boost::system::result<ConnPtr, boost::system::error_code>> Acquire(
      Clock::time_point deadline);
  awaitable<boost::system::error_code> Connect(Conn& conn, Clock::time_point deadline);
  void Release(ConnPtr conn, bool reusable);
  void WakeOne();
  void CloseOnStrand();

  asio::strand<asio::any_io_executor> strand;
  RestClientOptions options;
  std::string authorization;
  std::string host_header;
  std::vector<ConnPtr> idle;
  std::size_t open = 0;
  std::deque<std::shared_ptr<asio::steady_timer>> waiters;
  bool closed = false;
  mutable std::mutex peer_mutex;
  std::string peer_address;

  core::Counter* ok_total = nullptr;
  core::Counter* status_total = nullptr;
  core::Counter* transport_total = nullptr;
  core::Counter* timeout_total = nullptr;
  core::Counter* overloaded_total = nullptr;
  core::Histogram* latency = nullptr;
};

awaitable<boost::system::result<RestClient::Impl::ConnPtr, boost::system::error_code>>
RestClient::Impl::Acquire(Clock::time_point deadline) {
  for (;;) {
    if (closed) co_return make_error_code(Error::kStopped);
    if (!idle.empty()) {
      ConnPtr c = std::move(idle.back());
      idle.pop_back();
      co_return c;
    }
    if (open < options.max_connections) {
      ++open;
      co_return std::make_unique<Conn>(strand);
    }
    if (waiters.size() >= options.max_waiting) co_return make_error_code(Error::kOverloaded);
    if (Clock::now() >= deadline) co_return make_error_code(Error::kTimeout);
    auto timer = std::make_shared<asio::steady_timer>(strand, deadline);
    waiters.push_back(timer);
    co_await timer->async_wait(kAsTuple);
    std::erase(waiters, timer);
  }
}

void RestClient::Impl::WakeOne() {
  if (!waiters.empty()) {
    waiters.front()->cancel();
    waiters.pop_front();
  }
}

void RestClient::Impl::Release(ConnPtr conn, bool reusable) {
  if (reusable && !closed) {
    conn->used = true;
    idle.push_back(std::move(conn));
  } else {
    boost::system::error_code ignored;
    conn->stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    conn->stream.close();
    --open;
  }
  WakeOne();
}

awaitable<boost::system::error_code> RestClient::Impl::Connect(Conn& conn,
                                                               Clock::time_point deadline) {
  // The request's deadline stays on the stream.
  const auto peer = co_await net::ConnectTcp(conn.stream, options.endpoint, deadline);
  if (!peer) co_return peer.error();
  conn.used = false;
  conn.buffer.clear();
  {
    std::lock_guard lock(peer_mutex);
    peer_address = peer->address().to_string();
  }
  co_return boost::system::error_code{};
}

awaitable<RestResult> RestClient::Impl::Do(Method method, std::string target, std::string body) {
  auto self = shared_from_this();
  const auto start = Clock::now();
  const auto deadline = start + options.timeout;
  RestError error;
  error.request = std::string(ToString(method)) + " " + LoggableTarget(target);
  auto fail = [&](boost::system::error_code ec, std::string message = {}) -> RestResult {
    if (ec == beast::error::timeout || ec == Error::kTimeout) {
      error.code = make_error_code(Error::kTimeout);
      timeout_total->Increment();
    } else if (ec == Error::kOverloaded) {
      error.code = ec;
      overloaded_total->Increment();
    } else {
      error.code = ec;
      transport_total->Increment();
    }
    error.message = message.empty() ? error.code.message() : std::move(message);
    return error;
  };

  auto acquired = co_await Acquire(deadline);
  if (!acquired) co_return fail(acquired.error());
  ConnPtr conn = std::move(*acquired);

  http::request<http::string_body> req{VerbOf(method), target, 11};
  req.set(http::field::host, host_header);
  req.set(http::field::user_agent, "aicc");
  req.set(http::field::accept, "application/json");
  if (!authorization.empty()) req.set(http::field::authorization, authorization);
  req.keep_alive(true);
  if (!body.empty()) {
    req.set(http::field::content_type, "application/json");
    req.body() = std::move(body);
  }
  req.prepare_payload();

  http::response<http::string_body> res;
  boost::system::error_code ec;
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (!conn->stream.socket().is_open()) {
      ec = co_await Connect(*conn, deadline);
      if (ec) break;
    }
    const bool reused = conn->used;
    conn->stream.expires_at(deadline);
    auto [wec, wn] = co_await http::async_write(conn->stream, req, kAsTuple);
    ec = wec;
    if (!ec) {
      http::response_parser<http::string_body> parser;
      parser.body_limit(8 << 20);
      auto [rec, rn] = co_await http::async_read(conn->stream, conn->buffer, parser, kAsTuple);
      ec = rec;
      if (!ec) res = parser.release();
      // Only a kept-alive connection closed under us, with nothing of the
      // answer read, is retried; anything else may have been executed.
      if (ec && reused && rn == 0 && IsStaleConnection(ec) && attempt == 0) {
        boost::system::error_code ignored;
        conn->stream.socket().close(ignored);
        conn->buffer.clear();
        continue;
      }
    } else if (reused && IsStaleConnection(ec) && attempt == 0) {
      boost::system::error_code ignored;
      conn->stream.socket().close(ignored);
      conn->buffer.clear();
      continue;
    }
    break;
  }
  latency->Observe(std::chrono::duration<double>(Clock::now() - start).count());
  if (ec) {
    Release(std::move(conn), false);
    co_return fail(ec);
  }
  Release(std::move(conn), res.keep_alive());
  const unsigned status = res.result_int();
  if (status >= 300) {
    status_total->Increment();
    error.code = make_error_code(Error::kHttpStatus);
    error.status = status;
    error.message = ParseErrorMessage(res.body());
    if (error.message.empty()) error.message = std::string(res.reason());
    co_return error;
  }
  ok_total->Increment();
  co_return RestResponse{status, std::move(res.body())};
}

void RestClient::Impl::CloseOnStrand() {
  closed = true;
  for (auto& c : idle) {
    boost::system::error_code ignored;
    c->stream.socket().close(ignored);
    --open;
  }
  idle.clear();
  for (auto& w : waiters) w->cancel();
  waiters.clear();
}

RestClient::RestClient(asio::any_io_executor executor, RestClientOptions options,
                       core::MetricsRegistry* metrics)
    : impl_(std::make_shared<Impl>(std::move(executor), std::move(options), metrics)) {}

RestClient::~RestClient() { Close(); }

awaitable<RestResult> RestClient::Request(Method method, std::string path, Query query,
                                          std::string body) {
  auto impl = impl_;
  std::string target = BuildTarget(impl->options.endpoint.target, path, query);
  co_return co_await asio::co_spawn(
      impl->strand, impl->Do(method, std::move(target), std::move(body)), use_awaitable);
}

void RestClient::Close() {
  asio::post(impl_->strand, [impl = impl_] { impl->CloseOnStrand(); });
}

std::string RestClient::PeerAddress() const {
  std::lock_guard lock(impl_->peer_mutex);
  return impl_->peer_address;
}

}  // namespace aicc::ari
