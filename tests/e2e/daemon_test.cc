// End to end: `aicc run --no-ari` as a subprocess, real RTP in over
// loopback, events out to a real WebSocket backend, checked field by field
// and against the JSON Schema.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "audio/g711.h"
#include "audio/wav.h"
#include "rtp/sender.h"
#include "sink/server.h"

namespace aicc {
namespace {
namespace fs = std::filesystem;
namespace asio = boost::asio;
using namespace std::chrono_literals;
using Json = nlohmann::json;

std::uint16_t FreePort(bool udp) {
  asio::io_context io;
  if (udp) {
    asio::ip::udp::socket s(io, asio::ip::udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    return s.local_endpoint().port();
  }
  asio::ip::tcp::acceptor a(io, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  return a.local_endpoint().port();
}

std::string HttpGet(std::uint16_t port, const std::string& target) {
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

class DaemonTest : public ::testing::Test {
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
    auto port = server_->Start("127.0.0.1", 0);
    ASSERT_TRUE(port);
    sink_port_ = *port;
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
    server_->Stop();
    work_.reset();
    io_.stop();
    thread_.join();
    fs::remove_all(dir_);
  }

  void StartAicc(int idle_timeout_sec = 2) {
    const std::vector<std::string> args = {
        AICC_BINARY,
        "run",
        "--no-ari",
        "--vad",
        "energy",
        "--stt",
        "none",
        "--set",
        "media.bind_address=127.0.0.1",
        "--set",
        "media.customer_port=" + std::to_string(customer_port_),
        "--set",
        "media.agent_port=" + std::to_string(agent_port_),
        "--set",
        "http.listen=127.0.0.1:" + std::to_string(http_port_),
        "--set",
        "sink.urls=ws://127.0.0.1:" + std::to_string(sink_port_) + "/events",
        "--set",
        "sink.journal_dir=" + (dir_ / "state").string(),
        "--set",
        "pipeline.call_idle_timeout_sec=" + std::to_string(idle_timeout_sec)};
    pid_ = fork();
    if (pid_ == 0) {
      std::vector<char*> argv;
      for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      const std::string log = (dir_ / "aicc.log").string();
      freopen(log.c_str(), "w", stderr);
      execv(AICC_BINARY, argv.data());
      _exit(127);
    }
    for (int i = 0; i < 200; ++i) {
      if (HttpGet(http_port_, "/readyz").rfind("200", 0) == 0) return;
      std::this_thread::sleep_for(50ms);
    }
    FAIL() << "aicc did not become ready; log:\n" << Log();
  }
  std::string Log() {
    std::ifstream in(dir_ / "aicc.log");
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }
  // Replays the sample call `calls` times at once (each from its own ports).
  void Replay(int calls, std::chrono::milliseconds max_duration = 0ms) {
    auto customer =
        audio::ReadWav(std::string(AICC_SOURCE_DIR) + "/.cache/audio/call1-customer.ulaw.wav");
    auto agent =
        audio::ReadWav(std::string(AICC_SOURCE_DIR) + "/.cache/audio/call1-agent.ulaw.wav");
    ASSERT_TRUE(customer && agent) << "run scripts/make-audio.sh";
    auto cut = [&](const std::vector<std::uint8_t>& v) {
      if (max_duration.count() == 0) return v;
      return std::vector<std::uint8_t>(
          v.begin(), v.begin() + std::min<std::size_t>(v.size(), max_duration.count() * 8));
    };
    asio::io_context io;
    rtp::Sender sender(io.get_executor());
    const auto lo = asio::ip::make_address("127.0.0.1");
    for (int c = 0; c < calls; ++c) {
      ASSERT_TRUE(sender.AddStream(
          {asio::ip::udp::endpoint(lo, customer_port_), rtp::Codec::kUlaw, cut(customer->coded)}));
      ASSERT_TRUE(sender.AddStream(
          {asio::ip::udp::endpoint(lo, agent_port_), rtp::Codec::kUlaw, cut(agent->coded)}));
    }
    sender.Start([&io] { io.stop(); });
    io.run();
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
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<std::string> events_;
};

TEST_F(DaemonTest, OneCallFromFirstPacketToMetadataEnd) {
  StartAicc();
  Replay(1);
  const auto events = WaitFor(1, 30s);
  ASSERT_GE(events.size(), 3u) << Log();
  EXPECT_EQ(events.front()["type"], "metadata_start");
  EXPECT_EQ(events.front()["customer_number"], "unknown");
  EXPECT_TRUE(events.front()["agent_id"].is_null());
  EXPECT_EQ(events.back()["type"], "metadata_end");
  EXPECT_EQ(events.back()["end_reason"], "idle_timeout");
  std::map<std::string, int> turns_by_speaker;
  double last_end = 0;
  for (std::size_t i = 0; i < events.size(); ++i) {
    const auto& e = events[i];
    EXPECT_EQ(e["seq"], i) << "seq counts from 0 per call";
    EXPECT_EQ(e["call_id"], events.front()["call_id"]);
    if (e["type"] != "turn_complete") continue;
    turns_by_speaker[e["speaker"]]++;
    EXPECT_LT(e["start_time"].get<double>(), e["end_time"].get<double>());
    EXPECT_GE(e["silence_ms"].get<int>(), 800);
    EXPECT_FALSE(e["stt_final"].get<bool>()) << "no recognizer configured";
    EXPECT_EQ(e["transcript"], "");
    last_end = std::max(last_end, e["end_time"].get<double>());
  }
  // The sample call has three turns per speaker.
  EXPECT_EQ(turns_by_speaker["customer"], 3) << Log();
  EXPECT_EQ(turns_by_speaker["agent"], 3) << Log();
  EXPECT_EQ(events.back()["turn_count"], 6);
  EXPECT_GT(events.back()["total_duration"].get<double>(), last_end);
  EXPECT_GT(events.back()["speech_ratio"].get<double>(), 0.3);
  ExpectSchemaValid();
  const std::string metrics = HttpGet(http_port_, "/metrics");
  EXPECT_NE(metrics.find("aicc_rtp_packets_received_total{speaker=\"customer\"}"),
            std::string::npos);
  EXPECT_NE(metrics.find("aicc_turns_total{decision="), std::string::npos);
  EXPECT_NE(metrics.find("aicc_event_loop_lag_seconds "), std::string::npos);
  EXPECT_NE(metrics.find("aicc_vad_engine_info{engine=\"energy\"} 1"), std::string::npos);
}

TEST_F(DaemonTest, TwentyConcurrentCalls) {
  StartAicc();
  Replay(20);
  const auto events = WaitFor(20, 60s);
  std::map<std::string, int> starts, ends, turns;
  for (const auto& e : events) {
    const std::string id = e["call_id"];
    if (e["type"] == "metadata_start") starts[id]++;
    if (e["type"] == "metadata_end") ends[id]++;
    if (e["type"] == "turn_complete") turns[id]++;
  }
  EXPECT_EQ(starts.size(), 20u) << Log();
  EXPECT_EQ(ends.size(), 20u);
  for (const auto& [id, n] : turns) EXPECT_EQ(n, 6) << id;
  ExpectSchemaValid();
}

TEST_F(DaemonTest, SigtermMidCallEndsWithShutdownAndExitsZero) {
  StartAicc(30);
  Replay(1, 8000ms);  // stop sending mid-call; the idle timeout is far away
  kill(pid_, SIGTERM);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  EXPECT_TRUE(WIFEXITED(status)) << Log();
  EXPECT_EQ(WEXITSTATUS(status), 0) << Log();
  const auto events = WaitFor(1, 10s);
  ASSERT_FALSE(events.empty()) << Log();
  EXPECT_EQ(events.back()["type"], "metadata_end");
  EXPECT_EQ(events.back()["end_reason"], "shutdown");
}

}  // namespace
}  // namespace aicc
