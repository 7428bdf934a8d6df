// The CALL_STARTED notice of the old system: POST
// {"type":"CALL_STARTED","callId":…,"customer_number":…} to
// ari.call_started_url when a call rings. Fire and forget: failures are
// logged and counted and never touch the call.
//
// Threading: Notify() from any thread. At most kMaxInFlight notices are in
// flight; more are dropped and counted (the backend is too slow or down).
#pragma once

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <memory>
#include <string>

#include "ari/rest_client.h"
#include "core/metrics.h"

namespace aicc::ari::internal {

class Notifier {
 public:
  static constexpr std::size_t kMaxInFlight = 256;

  // `url` empty: Notify does nothing.
  Notifier(boost::asio::any_io_executor executor, const std::string& url,
           std::chrono::milliseconds timeout, core::MetricsRegistry* metrics);
  ~Notifier();

  void Notify(const std::string& call_id, const std::string& customer_number);
  void Close();

 private:
  boost::asio::any_io_executor executor_;
  std::string path_;
  std::shared_ptr<RestClient> client_;
  std::shared_ptr<std::atomic<std::size_t>> in_flight_ =
      std::make_shared<std::atomic<std::size_t>>(0);
  core::Counter* sent_ = nullptr;
  core::Counter* failed_ = nullptr;
  core::Counter* dropped_ = nullptr;
};

}  // namespace aicc::ari::internal
