// Shared by the end-to-end tests: the real `aicc` binary as a subprocess,
// a real WebSocket backend (sink::SinkServer) collecting its events, and
// helpers for /readyz, /metrics and the events' JSON Schema.
#pragma once

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "sink/server.h"

namespace aicc::e2e {
namespace fs = std::filesystem;
namespace asio = boost::asio;
using namespace std::chrono_literals;
using Json = nlohmann::json;

inline std::uint16_t FreePort(bool udp) {
  asio::io_context io;
  if (udp) {
    asio::ip::udp::socket s(io, asio::ip::udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    return s.local_endpoint().port();
  }
  asio::ip::tcp::acceptor a(io, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  return a.local_endpoint().port();
}

inline std::string HttpGet(std::uint16_t port, const std::string& target) {
  try {
    asio::io_context io;
    boost::beast::tcp_stream stream(io);
    stream.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    boost::beast::http::request<boost::beast::http::empty_body> req{boost::beast::http::verb::get,
                                                                    target, 11};
    req.set(boost::beast::http::field::host, "127.0.0.1");
    boost::beast::http::write(stream, req);
    boost::beast::flat_buffer buffer;
    boost::beast::http::response<boost::beast::http::string_body> res;
    boost::beast::http::read(stream, buffer, res);
    return std::to_string(res.result_int()) + "\n" + res.body();
  } catch (const std::exception&) {
    return "";
  }
}

class AiccProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("aicc_e2e_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    server_ = std::make_unique<sink::SinkServer>(io_.get_executor(), sink::SinkServerOptions{},
                                                 [this](const std::string& json) {
                                                   std::lock_guard lock(mutex_);
                                                   events_.push_back(json);
                                                   cv_.notify_all();
                                                 });
    // Below the kernel's ephemeral range (32768+), so that while the backend
    // is down (StopSink) no client socket, not even aicc's reconnect
    // attempts (a TCP self-connect), can take its port before RestartSink.
    boost::system::result<std::uint16_t, std::string> port = std::string("no free port");
    for (int i = 0; i < 200 && !port; ++i) {
      port = server_->Start("127.0.0.1",
                            static_cast<std::uint16_t>(20000 + (::getpid() * 7 + i * 131) % 12000));
    }
    ASSERT_TRUE(port) << port.error();
    sink_port_ = *port;
    sink_up_ = true;
    work_.emplace(io_.get_executor());
    thread_ = std::thread([this] { io_.run(); });
    customer_port_ = FreePort(true);
    agent_port_ = FreePort(true);
    http_port_ = FreePort(false);
  }
  void TearDown() override {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (sink_up_) server_->Stop();
    work_.reset();
    io_.stop();
    thread_.join();
    fs::remove_all(dir_);
  }

  // The settings every test run shares: loopback ports, the test sink, a
  // private journal.
  std::vector<std::string> CommonArgs() const {
    return {"--set", "media.bind_address=127.0.0.1",
            "--set", "media.customer_port=" + std::to_string(customer_port_),
            "--set", "media.agent_port=" + std::to_string(agent_port_),
            "--set", "http.listen=127.0.0.1:" + std::to_string(http_port_),
            "--set", "sink.urls=ws://127.0.0.1:" + std::to_string(sink_port_) + "/events",
            "--set", "sink.journal_dir=" + (dir_ / "state").string()};
  }
  // Runs `aicc` with `args` (argv[0] first), stderr to the test's log; waits
  // for /readyz when `wait_ready`.
  void Launch(const std::vector<std::string>& args, bool wait_ready = true,
              const std::vector<std::pair<std::string, std::string>>& env = {}) {
    pid_ = fork();
    if (pid_ == 0) {
      std::vector<char*> argv;
      for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      const std::string log = (dir_ / "aicc.log").string();
      freopen(log.c_str(), "w", stderr);
      // Asio's sockets are not close-on-exec: without this, aicc would
      // inherit the test's listening sockets (the sink, the fake ARI) and
      // keep them open after the test closes its own copy.
      ::close_range(3, ~0U, 0);
      for (const auto& [name, value] : env) setenv(name.c_str(), value.c_str(), 1);
      execv(AICC_BINARY, argv.data());
      _exit(127);
    }
    if (!wait_ready) return;
    for (int i = 0; i < 200; ++i) {
      if (HttpGet(http_port_, "/readyz").rfind("200", 0) == 0) return;
      std::this_thread::sleep_for(50ms);
    }
    FAIL() << "aicc did not become ready; log:\n" << Log();
  }
  // The backend goes away, and comes back on the same port.
  void StopSink() {
    server_->Stop();  // closes the listening socket on the io thread
    sink_up_ = false;
    for (int i = 0; i < 200; ++i) {  // until connections are refused
      asio::io_context io;
      asio::ip::tcp::socket probe(io);
      boost::system::error_code ec;
      probe.connect({asio::ip::make_address("127.0.0.1"), sink_port_}, ec);
      if (ec) return;
      std::this_thread::sleep_for(10ms);
    }
    FAIL() << "the sink still accepts connections after Stop";
  }
  void RestartSink() {
    server_ = std::make_unique<sink::SinkServer>(io_.get_executor(), sink::SinkServerOptions{},
                                                 [this](const std::string& json) {
                                                   std::lock_guard lock(mutex_);
                                                   events_.push_back(json);
                                                   cv_.notify_all();
                                                 });
    auto port = server_->Start("127.0.0.1", sink_port_);
    ASSERT_TRUE(port) << port.error();
    sink_up_ = true;
  }
  std::string Log() {
    std::ifstream in(dir_ / "aicc.log");
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }
  std::vector<Json> WaitFor(std::size_t metadata_ends, std::chrono::seconds timeout) {
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, timeout, [&] {
      std::size_t n = 0;
      for (const auto& e : events_) n += e.find("\"type\":\"metadata_end\"") != std::string::npos;
      return n >= metadata_ends;
    });
    std::vector<Json> out;
    for (const auto& e : events_) out.push_back(Json::parse(e));
    return out;
  }
  void ExpectSchemaValid() {
    const auto path = dir_ / "events.jsonl";
    {
      std::lock_guard lock(mutex_);
      std::ofstream out(path);
      for (const auto& e : events_) out << e << "\n";
    }
    const std::string cmd = std::string("/usr/bin/python3 ") + AICC_SOURCE_DIR +
                            "/tests/validate_events.py " + AICC_SOURCE_DIR +
                            "/docs/events.schema.json " + path.string() + " >/dev/null";
    EXPECT_EQ(std::system(cmd.c_str()), 0) << "events do not match docs/events.schema.json";
  }

  fs::path dir_;
  asio::io_context io_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  std::thread thread_;
  std::unique_ptr<sink::SinkServer> server_;
  std::uint16_t sink_port_ = 0, customer_port_ = 0, agent_port_ = 0, http_port_ = 0;
  pid_t pid_ = -1;
  bool sink_up_ = false;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<std::string> events_;
};

}  // namespace aicc::e2e
