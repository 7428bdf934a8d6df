// End to end: `aicc run --no-ari` as a subprocess, real RTP in over
// loopback, events out to a real WebSocket backend, checked field by field
// and against the JSON Schema.
#include <sys/socket.h>
#include <sys/un.h>

#include <set>

#include "audio/g711.h"
#include "audio/wav.h"
#include "e2e/e2e_support.h"
#include "rtp/sender.h"

namespace aicc::e2e {
namespace {

class DaemonTest : public AiccProcessTest {
 protected:
  void StartAicc(int idle_timeout_sec = 2,
                 std::vector<std::string> vad_args = {"--vad", "energy"}) {
    std::vector<std::string> args = {AICC_BINARY, "run", "--no-ari", "--stt", "none"};
    for (auto& a : vad_args) args.push_back(std::move(a));
    for (auto& a : CommonArgs()) args.push_back(std::move(a));
    args.push_back("--set");
    args.push_back("pipeline.call_idle_timeout_sec=" + std::to_string(idle_timeout_sec));
    Launch(args);
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

// Load shedding with a fixed cap: one stream runs Silero, the other three
// the energy VAD, and every call still gets all its turns.
TEST_F(DaemonTest, SileroCapMovesTheOtherStreamsToTheEnergyVad) {
  StartAicc(2, {"--vad", "silero", "--vad-model",
                std::string(AICC_SOURCE_DIR) + "/models/silero_vad_v5.onnx", "--set",
                "vad.max_silero_streams=1", "--set",
                "vad.shed_on_overload=false"});  // only the cap: deterministic on a busy machine
  Replay(2);
  const auto events = WaitFor(2, 60s);
  std::map<std::string, int> turns;
  for (const auto& e : events) {
    if (e["type"] == "turn_complete") turns[e["call_id"]]++;
  }
  ASSERT_EQ(turns.size(), 2u) << Log();
  for (const auto& [id, n] : turns) EXPECT_EQ(n, 6) << id << Log();
  const std::string metrics = HttpGet(http_port_, "/metrics");
  EXPECT_NE(metrics.find("aicc_vad_engine_info{engine=\"silero\"} 1"), std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("aicc_vad_silero_budget 1"), std::string::npos) << metrics;
  // Three of the four streams started on the energy VAD.
  const std::string shed_line = "\naicc_vad_shed_total ";
  const auto shed = metrics.find(shed_line);
  ASSERT_NE(shed, std::string::npos) << metrics;
  EXPECT_GE(std::stoi(metrics.substr(shed + shed_line.size())), 3) << metrics;
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

// kill -9 mid-call, then a restart over the same journal (pipeline-only):
// the cut call is closed at start-up with end_reason "recovered", its seq
// going on and the counts of the turns it had sent; the audio still flowing
// becomes a new call only after that (issue 18).
TEST_F(DaemonTest, CallCutByKillIsClosedAsRecoveredAtRestart) {
  StartAicc(30);
  Replay(1, 9000ms);
  // At least one turn of the call has been sent.
  {
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, 20s, [&] {
      for (const auto& e : events_) {
        if (e.find("\"turn_complete\"") != std::string::npos) return true;
      }
      return false;
    });
  }
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
  StartAicc(2);
  Replay(1, 4000ms);  // a new call on the same ports
  auto events = WaitFor(2, 30s);
  ASSERT_FALSE(events.empty()) << Log();
  const std::string cut = events.front()["call_id"];
  // Redelivery after the kill may repeat events: count distinct event_ids.
  std::map<std::string, std::vector<Json>> by_call;
  std::set<std::string> seen;
  for (const auto& e : events) {
    if (seen.insert(e["event_id"].get<std::string>()).second) by_call[e["call_id"]].push_back(e);
  }
  ASSERT_EQ(by_call.size(), 2u) << Log();
  const auto& calls = by_call[cut];
  int starts = 0, turns = 0;
  for (std::size_t i = 0; i < calls.size(); ++i) {
    EXPECT_EQ(calls[i]["seq"], i) << calls[i].dump();
    starts += calls[i]["type"] == "metadata_start";
    turns += calls[i]["type"] == "turn_complete";
  }
  EXPECT_EQ(starts, 1);
  ASSERT_EQ(calls.back()["type"], "metadata_end") << Log();
  EXPECT_EQ(calls.back()["end_reason"], "recovered");
  EXPECT_EQ(calls.back()["turn_count"], turns);
  EXPECT_GE(turns, 1);
  EXPECT_GT(calls.back()["total_duration"].get<double>(), 0.0);
  // The new call starts after the old one's metadata_end.
  std::size_t end_at = 0, new_start_at = 0;
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (events[i]["call_id"] == cut && events[i]["type"] == "metadata_end") end_at = i;
    if (events[i]["call_id"] != cut && events[i]["type"] == "metadata_start" && !new_start_at) {
      new_start_at = i;
    }
  }
  EXPECT_LT(end_at, new_start_at);
  ExpectSchemaValid();
}

// Under systemd (Type=notify, WatchdogSec=): READY=1 once serving,
// WATCHDOG=1 at half the interval from the event loop, STOPPING=1 on SIGTERM.
// The test plays systemd's part with a datagram socket at $NOTIFY_SOCKET.
TEST_F(DaemonTest, NotifiesSystemdReadyWatchdogAndStopping) {
#ifndef AICC_HAVE_SYSTEMD
  GTEST_SKIP() << "built without libsystemd";
#else
  const std::string path = (dir_ / "notify.sock").string();
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  ASSERT_LT(path.size(), sizeof(addr.sun_path));
  std::copy(path.begin(), path.end(), addr.sun_path);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  timeval timeout{.tv_sec = 5, .tv_usec = 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));

  std::vector<std::string> args = {AICC_BINARY, "run",   "--no-ari", "--vad",
                                   "energy",    "--stt", "none"};
  for (auto& a : CommonArgs()) args.push_back(std::move(a));
  Launch(args, true, {{"NOTIFY_SOCKET", path}, {"WATCHDOG_USEC", "400000"}});

  std::vector<std::string> messages;
  auto receive = [&](int flags) {
    char buffer[512];
    const auto n = ::recv(fd, buffer, sizeof(buffer), flags);
    if (n <= 0) return false;
    messages.emplace_back(buffer, static_cast<std::size_t>(n));
    return true;
  };
  auto count = [&](std::string_view what) {
    return std::count_if(messages.begin(), messages.end(),
                         [&](const std::string& m) { return m.find(what) != std::string::npos; });
  };
  while (receive(MSG_DONTWAIT)) {  // what was sent while the test waited for /readyz
  }
  EXPECT_EQ(count("READY=1"), 1) << Log();
  // Five more pings, one every 200 ms (half of WATCHDOG_USEC): at least
  // 800 ms. A loop that pinged on every 100 ms tick would take 400 ms.
  const auto start = std::chrono::steady_clock::now();
  const auto pings_before = count("WATCHDOG=1");
  while (count("WATCHDOG=1") < pings_before + 5 && receive(0)) {
  }
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_GE(count("WATCHDOG=1"), pings_before + 5) << Log();
  EXPECT_GE(elapsed, 600ms);

  kill(pid_, SIGTERM);
  while (count("STOPPING=1") == 0 && receive(0)) {
  }
  EXPECT_EQ(count("STOPPING=1"), 1);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << Log();
  ::close(fd);
#endif
}

}  // namespace
}  // namespace aicc::e2e
