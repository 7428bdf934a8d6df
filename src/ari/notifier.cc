#include "ari/internal/notifier.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <nlohmann/json.hpp>

#include "core/ids.h"
#include "core/logging.h"
#include "net/url.h"

namespace aicc::ari::internal {
namespace asio = boost::asio;

Notifier::Notifier(asio::any_io_executor executor, const std::string& url,
                   std::chrono::milliseconds timeout, core::MetricsRegistry* metrics)
    : executor_(executor) {
  static core::MetricsRegistry unused;
  core::MetricsRegistry& reg = metrics ? *metrics : unused;
  const std::string help = "CALL_STARTED notices by outcome";
  sent_ = &reg.GetCounter("aicc_ari_call_started_total", help, {{"outcome", "sent"}});
  failed_ = &reg.GetCounter("aicc_ari_call_started_total", help, {{"outcome", "failed"}});
  dropped_ = &reg.GetCounter("aicc_ari_call_started_total", help, {{"outcome", "dropped"}});
  if (url.empty()) return;
  auto endpoint = net::ParseEndpoint(url);
  if (!endpoint) return;  // ValidateOptions rejected it already
  path_ = endpoint->target;
  RestClientOptions o;
  o.endpoint = *endpoint;
  o.endpoint.target = "";  // the whole target is the request path
  o.username = endpoint->user;
  o.password = endpoint->password;
  o.timeout = timeout;
  o.max_connections = 4;
  o.max_waiting = kMaxInFlight;
  o.metrics_name = "call_started_http";
  client_ = std::make_shared<RestClient>(executor, std::move(o), metrics);
}

Notifier::~Notifier() { Close(); }

void Notifier::Notify(const std::string& call_id, const std::string& customer_number) {
  if (!client_) return;
  if (in_flight_->fetch_add(1) >= kMaxInFlight) {
    in_flight_->fetch_sub(1);
    dropped_->Increment();
    return;
  }
  const std::string body = nlohmann::json{
      {"type", "CALL_STARTED"},
      {"callId", call_id},
      {"customer_number",
       customer_number}}.dump();
  asio::co_spawn(
      executor_,
      [client = client_, path = path_, body, in_flight = in_flight_, sent = sent_, failed = failed_,
       call_id]() -> asio::awaitable<void> {
        auto r = co_await client->Request(Method::kPost, path, {}, body);
        in_flight->fetch_sub(1);
        if (r) {
          sent->Increment();
        } else {
          failed->Increment();
          static core::RateLimitedLog log_limit{std::chrono::seconds(10)};
          if (log_limit.ShouldLog()) {
            core::Logger("ari")->warn("call={} CALL_STARTED notice failed: {}",
                                      core::ShortId(call_id), r.error().Describe());
          }
        }
      },
      asio::detached);
}

void Notifier::Close() {
  if (client_) client_->Close();
}

}  // namespace aicc::ari::internal
