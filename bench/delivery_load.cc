// Delivery throughput and latency: events through the journal to 1 and 3
// local WebSocket backends (the `aicc sink` server code), per fsync policy,
// and the event-creation → receipt latency at a steady 1,000 events/s.
// Prints a table; results are written down in bench/README.md.
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <thread>
#include <vector>

#include "core/ids.h"
#include "core/logging.h"
#include "sink/dispatcher.h"
#include "sink/server.h"

namespace {
using namespace aicc;
using Clock = std::chrono::steady_clock;
namespace asio = boost::asio;

struct Backends {
  explicit Backends(int n) {
    for (int i = 0; i < n; ++i) {
      servers.push_back(
          std::make_unique<sink::SinkServer>(io.get_executor(), sink::SinkServerOptions{},
                                             [this](const std::string& json) { OnMessage(json); }));
      ports.push_back(*servers.back()->Start("127.0.0.1", 0));
    }
    work.emplace(io.get_executor());
    thread = std::thread([this] { io.run(); });
  }
  ~Backends() {
    for (auto& s : servers) s->Stop();
    work.reset();
    io.stop();
    thread.join();
  }
  void OnMessage(const std::string& json) {
    // The event's seq field carries its send time (µs since start) here.
    const auto pos = json.find("\"seq\":");
    const std::uint64_t sent = std::stoull(json.substr(pos + 6));
    const auto now =
        std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0).count();
    std::lock_guard lock(mutex);
    latencies_us.push_back(static_cast<double>(now) - static_cast<double>(sent));
    ++received;
  }
  asio::io_context io;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::vector<std::unique_ptr<sink::SinkServer>> servers;
  std::vector<std::uint16_t> ports;
  std::thread thread;
  std::mutex mutex;
  std::vector<double> latencies_us;
  std::atomic<std::uint64_t> received{0};
  Clock::time_point t0 = Clock::now();
};

struct Result {
  double events_per_s = 0;
  double p50_ms = 0, p99_ms = 0;
};

Result Run(int backends, sink::FsyncPolicy fsync, int events, int rate_per_s) {
  Backends b(backends);
  asio::io_context io;
  auto work = asio::make_work_guard(io);
  std::thread t([&io] { io.run(); });
  const auto dir =
      std::filesystem::temp_directory_path() / fmt::format("aicc_delivery_bench_{}", ::getpid());
  std::filesystem::remove_all(dir);
  sink::DispatcherOptions o;
  for (auto p : b.ports) o.urls.push_back(fmt::format("ws://127.0.0.1:{}/e", p));
  o.journal.directory = dir.string();
  o.journal.fsync = fsync;
  o.journal.max_bytes = 4ull << 30;
  auto d = sink::Dispatcher::Create(io.get_executor(), o, nullptr);
  (*d)->Start();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // connect
  const std::string call = core::NewUuid();
  const std::string body(300, 'x');
  const auto start = Clock::now();
  for (int i = 0; i < events; ++i) {
    if (rate_per_s > 0)
      std::this_thread::sleep_until(start +
                                    std::chrono::microseconds(1'000'000LL * i / rate_per_s));
    const auto sent =
        std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - b.t0).count();
    std::string json = fmt::format(
        R"({{"type":"turn_complete","call_id":"{}","transcript":"{}","event_id":"{}","seq":{}}})",
        call, body, core::NewUuid(), sent);
    while (!(*d)->SubmitJson(json)) std::this_thread::sleep_for(std::chrono::microseconds(50));
  }
  const std::uint64_t want = static_cast<std::uint64_t>(events) * backends;
  while (b.received < want && Clock::now() - start < std::chrono::seconds(120)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  const double secs = std::chrono::duration<double>(Clock::now() - start).count();
  Result r;
  r.events_per_s = events / secs;
  {
    std::lock_guard lock(b.mutex);
    auto& l = b.latencies_us;
    std::sort(l.begin(), l.end());
    if (!l.empty()) {
      r.p50_ms = l[l.size() / 2] / 1000;
      r.p99_ms = l[l.size() * 99 / 100] / 1000;
    }
  }
  d->reset();
  work.reset();
  io.stop();
  t.join();
  std::filesystem::remove_all(dir);
  return r;
}

}  // namespace

int main() {
  aicc::core::SetupLogging("error", false);
  fmt::print("{:<10} {:<9} {:>12} {:>10} {:>10}\n", "backends", "fsync", "events/s", "p50 ms",
             "p99 ms");
  const std::pair<const char*, sink::FsyncPolicy> policies[] = {
      {"never", sink::FsyncPolicy::kNever},
      {"interval", sink::FsyncPolicy::kInterval},
      {"always", sink::FsyncPolicy::kAlways}};
  for (int backends : {1, 3}) {
    for (auto [name, policy] : policies) {
      const auto r = Run(backends, policy, policy == sink::FsyncPolicy::kAlways ? 5000 : 50000, 0);
      fmt::print("{:<10} {:<9} {:>12.0f} {:>10.2f} {:>10.2f}   (saturated)\n", backends, name,
                 r.events_per_s, r.p50_ms, r.p99_ms);
    }
  }
  const auto steady = Run(3, sink::FsyncPolicy::kInterval, 5000, 1000);
  fmt::print("{:<10} {:<9} {:>12.0f} {:>10.2f} {:>10.2f}   (steady 1,000 events/s)\n", 3,
             "interval", steady.events_per_s, steady.p50_ms, steady.p99_ms);
  return 0;
}
