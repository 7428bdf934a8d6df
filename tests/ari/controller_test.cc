// ari::CallController against a fake Asterisk on loopback (tests/fakes/ari):
// real HTTP, a real events WebSocket and real RTP from every ExternalMedia
// channel to two UDP sockets standing in for aicc's receivers.
#include "ari/controller.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <spdlog/sinks/ringbuffer_sink.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <condition_variable>
#include <future>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "ari/ids.h"
#include "core/logging.h"
#include "core/metrics.h"
#include "fakes/ari/fake_ari.h"

namespace aicc::ari {
namespace {
namespace asio = boost::asio;
using asio::ip::udp;
using fakes::AgentBehavior;
using fakes::FailMode;
using fakes::FakeAri;
using fakes::WaitUntil;
using namespace std::chrono_literals;

std::string Wav(const char* name) { return std::string(AICC_SOURCE_DIR) + "/.cache/audio/" + name; }

// Everything the controller tells the pipeline, in order.
class Recorder final : public CallObserver {
 public:
  struct Call {
    CallInfo info;
    std::map<core::Speaker, udp::endpoint> sources;
    std::map<core::Speaker, std::size_t> requests_before_source;
    std::vector<std::string> agents;
    std::vector<std::string> ended;
    std::vector<std::string> unavailable;
    int started = 0;
  };

  explicit Recorder(FakeAri& fake) : fake_(fake) {}

  void OnCallStarted(const CallInfo& info) override {
    std::lock_guard lock(mutex_);
    Call& c = calls_[info.call_id];
    c.info = info;
    ++c.started;
    log_.push_back("start " + info.call_id);
  }
  void OnMediaSource(const std::string& call_id, core::Speaker speaker,
                     const udp::endpoint& source) override {
    const std::size_t requests = fake_.RequestCount();
    std::lock_guard lock(mutex_);
    Call& c = calls_[call_id];
    if (c.started == 0) log_.push_back("source before start " + call_id);
    c.sources[speaker] = source;
    c.requests_before_source[speaker] = requests;
    by_source_[source] = {call_id, speaker};
  }
  void OnAgentChanged(const std::string& call_id, const std::string& agent_id) override {
    std::lock_guard lock(mutex_);
    calls_[call_id].agents.push_back(agent_id);
  }
  void OnCallEnded(const std::string& call_id, std::string_view reason) override {
    std::lock_guard lock(mutex_);
    calls_[call_id].ended.emplace_back(reason);
    log_.push_back("end " + call_id);
  }
  void OnAnalysisUnavailable(const std::string& call_id, std::string_view why) override {
    std::lock_guard lock(mutex_);
    calls_[call_id].unavailable.emplace_back(why);
  }
  void OnReconciled() override {
    std::lock_guard lock(mutex_);
    log_.push_back("reconciled");
  }

  std::map<std::string, Call> Calls() const {
    std::lock_guard lock(mutex_);
    return calls_;
  }
  std::optional<Call> ByChannel(const std::string& channel) const {
    std::lock_guard lock(mutex_);
    for (const auto& [id, c] : calls_) {
      if (c.info.channel_id == channel) return c;
    }
    return std::nullopt;
  }
  std::optional<std::pair<std::string, core::Speaker>> Owner(const udp::endpoint& source) const {
    std::lock_guard lock(mutex_);
    const auto it = by_source_.find(source);
    if (it == by_source_.end()) return std::nullopt;
    return it->second;
  }
  std::vector<std::string> Log() const {
    std::lock_guard lock(mutex_);
    return log_;
  }
  std::size_t EndedCount() const {
    std::lock_guard lock(mutex_);
    std::size_t n = 0;
    for (const auto& [id, c] : calls_) n += c.ended.size();
    return n;
  }

 private:
  FakeAri& fake_;
  mutable std::mutex mutex_;
  std::map<std::string, Call> calls_;
  std::map<udp::endpoint, std::pair<std::string, core::Speaker>> by_source_;
  std::vector<std::string> log_;
};

// aicc's two RTP ports: counts packets by source address.
class UdpSink {
 public:
  UdpSink() : socket_(io_, udp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    Receive();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~UdpSink() {
    io_.stop();
    thread_.join();
  }
  std::uint16_t port() const { return socket_.local_endpoint().port(); }
  std::map<udp::endpoint, std::size_t> Counts() const {
    std::lock_guard lock(mutex_);
    return counts_;
  }
  std::size_t Total() const {
    std::size_t n = 0;
    for (const auto& [from, count] : Counts()) n += count;
    return n;
  }

 private:
  void Receive() {
    socket_.async_receive_from(asio::buffer(buffer_), from_,
                               [this](boost::system::error_code ec, std::size_t) {
                                 if (ec) return;
                                 {
                                   std::lock_guard lock(mutex_);
                                   ++counts_[from_];
                                 }
                                 Receive();
                               });
  }
  asio::io_context io_;
  udp::socket socket_;
  udp::endpoint from_;
  std::array<char, 2048> buffer_{};
  mutable std::mutex mutex_;
  std::map<udp::endpoint, std::size_t> counts_;
  std::thread thread_;
};

class ControllerTest : public ::testing::Test {
 protected:
  ControllerTest() : work_(asio::make_work_guard(io_)) {
    for (int i = 0; i < 2; ++i) threads_.emplace_back([this] { io_.run(); });
  }
  ~ControllerTest() override {
    controller_.reset();
    work_.reset();
    io_.stop();
    for (auto& t : threads_) t.join();
  }

  fakes::FakeAriOptions FakeOptions() {
    fakes::FakeAriOptions o;
    o.customer_wav = Wav("customer1.wav");
    o.agent_wav = Wav("agent1.wav");
    o.rtp_packets = 25;
    return o;
  }
  void StartFake(fakes::FakeAriOptions o) {
    fake_ = std::make_unique<FakeAri>(std::move(o));
    recorder_ = std::make_unique<Recorder>(*fake_);
  }
  ControllerOptions Options() {
    ControllerOptions o;
    o.url = fake_->AriUrl();
    o.username = "aicc";
    o.password = "s3cret-pass";
    o.app = "aicc-test";
    o.external_host = "127.0.0.1";
    o.customer_port = customer_rtp_.port();
    o.agent_port = agent_rtp_.port();
    o.agents = {"agent01"};
    o.call_started_url = fake_->NoticeUrl();
    o.agent_dial_timeout = 2s;
    o.agent_wait = 2s;
    o.agent_retry = 200ms;
    o.request_timeout = 1000ms;
    o.reconnect_min = 50ms;
    o.reconnect_max = 200ms;
    return o;
  }
  void StartController(ControllerOptions o) {
    controller_ =
        std::make_unique<CallController>(io_.get_executor(), std::move(o), *recorder_, &metrics_);
    auto started = controller_->Start();
    ASSERT_TRUE(started) << started.error();
    ASSERT_TRUE(WaitUntil([&] { return controller_->Connected(); }, 5s));
  }
  void StopController() {
    std::promise<void> done;
    controller_->Stop([&] { done.set_value(); });
    ASSERT_EQ(done.get_future().wait_for(15s), std::future_status::ready);
  }

  // aicc's channels and bridges still in Asterisk.
  std::vector<std::string> AiccObjects() const {
    std::vector<std::string> out;
    for (const auto& c : fake_->Channels()) {
      if (c.id.starts_with(kIdPrefix) && c.kind != "agent") out.push_back("channel " + c.id);
    }
    for (const auto& b : fake_->Bridges()) {
      if (b.id.starts_with(kIdPrefix)) out.push_back("bridge " + b.id);
    }
    return out;
  }
  bool NoAiccObjects() const { return AiccObjects().empty(); }
  // For failure messages: the list may have emptied since the check failed.
  std::string FirstAiccObject() const {
    const auto objects = AiccObjects();
    return objects.empty() ? std::string("no aicc object (a customer or agent channel)")
                           : objects.front();
  }

  // The call is set up: both speakers' sources are known (or analysis is
  // marked unavailable) and the ExternalMedia channels are bridged.
  bool SetUp(const std::string& channel) const {
    auto c = recorder_->ByChannel(channel);
    if (!c) return false;
    const std::size_t speakers = c->sources.size() + c->unavailable.size();
    if (speakers < 2) return false;
    std::size_t streaming = 0;
    for (const auto& s : fake_->RtpStreams()) {
      if (s.target_channel == channel && s.sent > 0) ++streaming;
    }
    return streaming >= c->sources.size();
  }

  std::uint64_t Counter(const std::string& line_prefix) const {
    const std::string text = metrics_.RenderPrometheus();
    const auto at = text.find("\n" + line_prefix + " ");
    if (at == std::string::npos) return 0;
    return std::stoull(text.substr(at + line_prefix.size() + 2));
  }

  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::vector<std::thread> threads_;
  UdpSink customer_rtp_;
  UdpSink agent_rtp_;
  core::MetricsRegistry metrics_;
  std::unique_ptr<FakeAri> fake_;
  std::unique_ptr<Recorder> recorder_;
  std::unique_ptr<CallController> controller_;
};

std::size_t IndexOf(const std::vector<fakes::RecordedRequest>& requests,
                    const std::function<bool(const fakes::RecordedRequest&)>& match) {
  for (std::size_t i = 0; i < requests.size(); ++i) {
    if (match(requests[i])) return i;
  }
  return requests.size();
}

TEST_F(ControllerTest, HappyPathRoutesToAnAgentAndSnoopsBothVoices) {
  StartFake(FakeOptions());
  fake_->SetAgent("agent01", AgentBehavior::kAnswer);
  StartController(Options());

  const std::string customer = fake_->StartCall("01012345678");
  ASSERT_TRUE(WaitUntil([&] { return SetUp(customer); }, 10s));
  ASSERT_TRUE(
      WaitUntil([&] { return customer_rtp_.Total() >= 20 && agent_rtp_.Total() >= 20; }, 10s));
  auto call = *recorder_->ByChannel(customer);
  EXPECT_EQ(call.started, 1);
  EXPECT_EQ(call.info.customer_number, "01012345678");
  EXPECT_EQ(call.info.agent_id, "agent01");
  EXPECT_EQ(call.info.call_id.size(), 36u);
  EXPECT_TRUE(call.unavailable.empty());

  // Each ExternalMedia channel's RTP source, registered for the right
  // speaker (spy=in → customer, spy=out → agent), reached the right port.
  const auto streams = fake_->RtpStreams();
  ASSERT_EQ(streams.size(), 2u);
  for (const auto& s : streams) {
    const core::Speaker speaker = s.spy == "in" ? core::Speaker::kCustomer : core::Speaker::kAgent;
    ASSERT_TRUE(call.sources.contains(speaker));
    EXPECT_EQ(call.sources[speaker].port(), s.local_port);
    EXPECT_EQ(s.format, "ulaw");
    const auto expected_port =
        speaker == core::Speaker::kCustomer ? customer_rtp_.port() : agent_rtp_.port();
    EXPECT_EQ(s.destination, "127.0.0.1:" + std::to_string(expected_port));
  }
  for (const auto& [from, n] : customer_rtp_.Counts()) {
    EXPECT_EQ(from, call.sources[core::Speaker::kCustomer]);
  }
  for (const auto& [from, n] : agent_rtp_.Counts()) {
    EXPECT_EQ(from, call.sources[core::Speaker::kAgent]);
  }

  // The order of the requests: answer, find a free agent, bridge the
  // customer, ring the agent, bridge the agent, then per voice snoop →
  // bridge → ExternalMedia → (source registered) → addChannel.
  const auto requests = fake_->Requests();
  auto index = [&](const std::string& method, const std::string& path_part,
                   const std::string& param = "", const std::string& value = "") {
    return IndexOf(requests, [&](const fakes::RecordedRequest& r) {
      return r.method == method && r.path.find(path_part) != std::string::npos &&
             (param.empty() || r.Param(param) == value);
    });
  };
  const std::size_t answer = index("POST", "/channels/" + customer + "/answer");
  const std::size_t endpoint = index("GET", "/endpoints/PJSIP/agent01");
  const std::size_t originate = index("POST", "/channels", "endpoint", "PJSIP/agent01");
  const std::size_t snoop_in = index("POST", "/snoop", "spy", "in");
  const std::size_t snoop_out = index("POST", "/snoop", "spy", "out");
  ASSERT_LT(snoop_out, requests.size());
  EXPECT_LT(answer, endpoint);
  EXPECT_LT(endpoint, originate);
  EXPECT_LT(originate, snoop_in);
  EXPECT_LT(snoop_in, snoop_out);
  EXPECT_EQ(requests[originate].Param("callerId"), "\"01012345678\" <01012345678>");
  EXPECT_EQ(requests[originate].Param("timeout"), "2");
  for (const auto& s : streams) {
    const core::Speaker speaker = s.spy == "in" ? core::Speaker::kCustomer : core::Speaker::kAgent;
    const std::string snoop_prefix = HelperId(call.info.call_id, "snoop-" + s.spy + "-");
    const std::size_t add = IndexOf(requests, [&](const fakes::RecordedRequest& r) {
      const std::string channels = r.Param("channel");
      return r.method == "POST" && r.path.ends_with("/addChannel") &&
             channels.starts_with(snoop_prefix) && channels.ends_with("," + s.media_channel);
    });
    ASSERT_LT(add, requests.size()) << s.media_channel;
    EXPECT_LE(call.requests_before_source[speaker], add)
        << "the source must be registered before the ExternalMedia channel joins its bridge";
  }
  for (const auto& line : recorder_->Log()) EXPECT_EQ(line.find("before start"), std::string::npos);

  // CALL_STARTED reached the backend, with the old system's fields.
  ASSERT_TRUE(WaitUntil([&] { return !fake_->Notices().empty(); }, 5s));
  const auto notice = nlohmann::json::parse(fake_->Notices().front());
  EXPECT_EQ(notice["type"], "CALL_STARTED");
  EXPECT_EQ(notice["callId"], call.info.call_id);
  EXPECT_EQ(notice["customer_number"], "01012345678");
  EXPECT_TRUE(fake_->BadRequests().empty()) << fake_->BadRequests().front();

  // The customer hangs up: the agent is hung up too, aicc's helpers are
  // destroyed, metadata_end (OnCallEnded) once, the agent is free again.
  fake_->HangUp(customer);
  ASSERT_TRUE(WaitUntil([&] { return recorder_->EndedCount() == 1; }, 10s));
  EXPECT_EQ(recorder_->ByChannel(customer)->ended, std::vector<std::string>{"hangup"});
  ASSERT_TRUE(WaitUntil([&] { return NoAiccObjects(); }, 5s)) << FirstAiccObject();
  ASSERT_TRUE(WaitUntil([&] { return fake_->Channels().empty(); }, 5s));
  // The call leaves the controller's table when the last teardown response
  // arrives, which can be just after the fake has already dropped the channel.
  EXPECT_TRUE(WaitUntil([&] { return controller_->ActiveCalls() == 0; }, 5s));

  const std::string second = fake_->StartCall("01099998888");
  ASSERT_TRUE(WaitUntil([&] { return SetUp(second); }, 10s));
  EXPECT_EQ(recorder_->ByChannel(second)->info.agent_id, "agent01");
  StopController();
}

// A real Asterisk 22 sends a helper's StasisStart up to ~100 ms after the
// HTTP answer that created it, and answers addChannel with 422 until then.
// The controller waits for the event: no chain fails, no speaker is lost.
TEST_F(ControllerTest, HelpersJoinTheirBridgeOnlyAfterEnteringTheApp) {
  auto fo = FakeOptions();
  fo.helper_start = fakes::HelperStart::kAfterResponse;
  fo.helper_start_max_delay = 300ms;
  StartFake(fo);
  for (const char* agent : {"agent01", "agent02", "agent03"}) {
    fake_->SetAgent(agent, AgentBehavior::kAnswer);
  }
  auto o = Options();
  o.agents = {"agent01", "agent02", "agent03"};
  StartController(o);
  std::vector<std::string> customers;
  for (int i = 0; i < 3; ++i)
    customers.push_back(fake_->StartCall("0101234567" + std::to_string(i)));
  for (const auto& c : customers) {
    ASSERT_TRUE(WaitUntil([&] { return SetUp(c); }, 15s)) << c;
    const auto call = recorder_->ByChannel(c);
    EXPECT_EQ(call->sources.size(), 2u) << "both speakers analysed";
    EXPECT_TRUE(call->unavailable.empty());
  }
  for (const auto& r : fake_->Requests()) {
    if (r.path.ends_with("/addChannel")) {
      EXPECT_NE(r.status, 422u) << r.Line() << " " << r.Param("channel");
    }
  }
  EXPECT_EQ(Counter("aicc_ari_analysis_setup_failures_total"), 0u);
  for (const auto& c : customers) fake_->HangUp(c);
  ASSERT_TRUE(WaitUntil([&] { return NoAiccObjects(); }, 10s)) << FirstAiccObject();
  StopController();
}

// After a kill -9 the Asterisk side of a call is as the dead process left
// it: the main bridge with customer and agent, and a full analysis chain
// per speaker whose ExternalMedia channels still stream. A new process
// destroys those, builds its own under new ids, and so ends with exactly
// one stream per speaker; nothing is left after the hang-up.
TEST_F(ControllerTest, AKilledAiccsHelpersAreReplacedNotDoubled) {
  StartFake(FakeOptions());
  fake_->SetAgent("agent01", AgentBehavior::kAnswer);
  const std::string call_id = "0b7a0a4e-9d6c-4e0a-a1a1-0123456789ab";
  const std::string customer = "1795480000.5";
  fake_->AddRawChannel(customer, "PJSIP/customer-00000005", "customer", true, "01012345678");
  const std::string agent = HelperId(call_id, "agent-1");  // an older version's ids
  fake_->AddRawChannel(agent, "PJSIP/agent01-00000006", "agent", true);
  fake_->AddRawBridge(HelperId(call_id, kMainBridgeRole), {customer, agent});
  std::vector<std::string> old_helpers;
  for (const std::string spy : {"in", "out"}) {
    const std::string snoop = HelperId(call_id, "snoop-" + spy + "-1");
    const std::string media = HelperId(call_id, "media-" + spy + "-1");
    fake_->AddRawChannel(snoop, "Snoop/" + customer + "-0000000" + spy, "snoop", true);
    fake_->AddRawChannel(media, "UnicastRTP/127.0.0.1:12345-0x7f00" + spy, "media", true);
    fake_->AddRawBridge(HelperId(call_id, "bridge-" + spy + "-1"), {snoop, media});
    old_helpers.insert(old_helpers.end(),
                       {snoop, media, HelperId(call_id, "bridge-" + spy + "-1")});
  }
  StartController(Options());
  ASSERT_TRUE(WaitUntil([&] { return SetUp(customer); }, 10s));
  EXPECT_EQ(recorder_->ByChannel(customer)->info.call_id, call_id);
  EXPECT_TRUE(recorder_->ByChannel(customer)->info.adopted);
  // The pipeline closes the calls nobody took over at OnReconciled: the
  // takeover must be reported before it.
  const auto log = recorder_->Log();
  const auto started = std::find(log.begin(), log.end(), "start " + call_id);
  const auto reconciled = std::find(log.begin(), log.end(), "reconciled");
  ASSERT_NE(reconciled, log.end());
  EXPECT_LT(started, reconciled) << "OnCallStarted of a re-adopted call after OnReconciled";
  ASSERT_TRUE(WaitUntil(
      [&] {
        for (const auto& id : old_helpers) {
          if (fake_->Channel(id) || fake_->Bridge(id)) return false;
        }
        return true;
      },
      10s))
      << "the dead process's helpers are destroyed";
  std::map<std::string, int> per_spy;
  for (const auto& st : fake_->RtpStreams()) {
    if (st.target_channel == customer) ++per_spy[st.spy];
  }
  EXPECT_EQ(per_spy["in"], 1);
  EXPECT_EQ(per_spy["out"], 1);
  for (const auto& c : fake_->Channels()) {
    if (c.kind == "snoop" || c.kind == "media") {
      EXPECT_EQ(std::find(old_helpers.begin(), old_helpers.end(), c.id), old_helpers.end())
          << c.id << " reuses an id of the dead process";
    }
  }
  fake_->HangUp(customer);
  ASSERT_TRUE(WaitUntil([&] { return fake_->Channels().empty() && fake_->Bridges().empty(); }, 10s))
      << FirstAiccObject();
  StopController();
}

// After an Asterisk restart, registered agents read "offline" until their
// next qualify. With no online agent free, aicc tries them (an agent with
// no contact at all fails at once) instead of leaving the caller waiting.
TEST_F(ControllerTest, AgentsReportedOfflineAreTheLastResort) {
  StartFake(FakeOptions());
  fake_->SetAgent("agent01", AgentBehavior::kOffline);
  fake_->SetAgent("agent02", AgentBehavior::kNotQualified);
  auto o = Options();
  o.agents = {"agent01", "agent02"};
  o.agent_wait = 3s;
  auto log = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(200);
  core::Logger("ari")->sinks().push_back(log);
  StartController(o);
  const std::string customer = fake_->StartCall("01012345678");
  ASSERT_TRUE(WaitUntil([&] { return SetUp(customer); }, 10s));
  EXPECT_EQ(recorder_->ByChannel(customer)->info.agent_id, "agent02");
  EXPECT_TRUE(recorder_->ByChannel(customer)->ended.empty());
  // agent01's originate failed (500): its log line names the request, but
  // not the caller's number, which travels in callerId.
  bool warned = false;
  for (const std::string& line : log->last_formatted()) {
    EXPECT_EQ(line.find("01012345678"), std::string::npos) << line;
    warned = warned || line.find("cannot ring agent agent01") != std::string::npos;
  }
  EXPECT_TRUE(warned);
  fake_->HangUp(customer);
  ASSERT_TRUE(WaitUntil([&] { return fake_->Channels().empty() && fake_->Bridges().empty(); }, 10s))
      << FirstAiccObject();
  StopController();
  std::erase(core::Logger("ari")->sinks(), log);
}

TEST_F(ControllerTest, AgentHangingUpEndsTheCall) {
  StartFake(FakeOptions());
  fake_->SetAgent("agent01", AgentBehavior::kAnswer);
  StartController(Options());
  const std::string customer = fake_->StartCall("0212345678");
  ASSERT_TRUE(WaitUntil([&] { return SetUp(customer); }, 10s));
  std::string agent_channel;
  for (const auto& c : fake_->Channels()) {
    if (c.kind == "agent") agent_channel = c.id;
  }
  ASSERT_FALSE(agent_channel.empty());
  fake_->HangUp(agent_channel);
  ASSERT_TRUE(WaitUntil([&] { return recorder_->EndedCount() == 1; }, 10s));
  ASSERT_TRUE(WaitUntil([&] { return fake_->Channels().empty() && fake_->Bridges().empty(); }, 5s));
  StopController();
}

TEST_F(ControllerTest, FiftyConcurrentCallsMapMediaToTheRightCall) {
  constexpr int kCalls = 50;
  auto fo = FakeOptions();
  fo.rtp_packets = 30;
  StartFake(fo);
  auto o = Options();
  o.agents.clear();
  for (int i = 1; i <= kCalls; ++i) {
    const std::string agent = fmt::format("agent{:02}", i);
    o.agents.push_back(agent);
    fake_->SetAgent(agent, AgentBehavior::kAnswer);
  }
  o.request_timeout = 5000ms;
  StartController(o);
  std::vector<std::string> customers;
  for (int i = 0; i < kCalls; ++i)
    customers.push_back(fake_->StartCall(fmt::format("0101000{:04}", i)));
  ASSERT_TRUE(WaitUntil(
      [&] {
        for (const auto& c : customers) {
          if (!SetUp(c)) return false;
        }
        return true;
      },
      60s));
  ASSERT_TRUE(WaitUntil(
      [&] {
        for (const auto& s : fake_->RtpStreams()) {
          if (s.sent < 30) return false;
        }
        return true;
      },
      30s));
  std::this_thread::sleep_for(200ms);

  std::set<std::string> agents, call_ids;
  std::set<udp::endpoint> sources;
  for (const auto& c : customers) {
    const auto call = *recorder_->ByChannel(c);
    ASSERT_EQ(call.sources.size(), 2u) << c;
    ASSERT_TRUE(call.info.agent_id);
    agents.insert(*call.info.agent_id);
    call_ids.insert(call.info.call_id);
    for (const auto& [speaker, source] : call.sources) sources.insert(source);
  }
  EXPECT_EQ(agents.size(), static_cast<std::size_t>(kCalls)) << "one agent per call";
  EXPECT_EQ(call_ids.size(), static_cast<std::size_t>(kCalls));
  EXPECT_EQ(sources.size(), static_cast<std::size_t>(2 * kCalls));

  // Every RTP packet came from a source registered for the port's speaker,
  // and the stream the fake sent from that source belongs to that call's
  // customer channel.
  std::map<std::uint16_t, std::string> target_of_port;
  for (const auto& s : fake_->RtpStreams()) target_of_port[s.local_port] = s.target_channel;
  std::size_t packets = 0;
  for (const auto& [rtp, speaker] : {std::pair{&customer_rtp_, core::Speaker::kCustomer},
                                     std::pair{&agent_rtp_, core::Speaker::kAgent}}) {
    const auto counts = rtp->Counts();
    EXPECT_EQ(counts.size(), static_cast<std::size_t>(kCalls));
    for (const auto& [from, n] : counts) {
      const auto owner = recorder_->Owner(from);
      ASSERT_TRUE(owner) << from;
      EXPECT_EQ(owner->second, speaker);
      const auto call = recorder_->Calls().at(owner->first);
      EXPECT_EQ(call.info.channel_id, target_of_port[from.port()]);
      packets += n;
    }
  }
  EXPECT_EQ(packets, static_cast<std::size_t>(2 * kCalls * 30));

  for (const auto& c : customers) fake_->HangUp(c);
  ASSERT_TRUE(WaitUntil([&] { return recorder_->EndedCount() == kCalls; }, 30s));
  ASSERT_TRUE(
      WaitUntil([&] { return fake_->Channels().empty() && fake_->Bridges().empty(); }, 10s));
  StopController();
}

TEST_F(ControllerTest, AgentNotAnsweringOrBusyMovesToTheNextAgent) {
  StartFake(FakeOptions());
  fake_->SetAgent("agent01", AgentBehavior::kNoAnswer);
  fake_->SetAgent("agent02", AgentBehavior::kBusy);
  fake_->SetAgent("agent03", AgentBehavior::kAnswer);
  auto o = Options();
  o.agents = {"agent01", "agent02", "agent03"};
  o.agent_dial_timeout = 1s;
  StartController(o);
  const std::string customer = fake_->StartCall("01012345678");
  ASSERT_TRUE(WaitUntil([&] { return SetUp(customer); }, 20s));
  EXPECT_EQ(recorder_->ByChannel(customer)->info.agent_id, "agent03");
  std::vector<std::string> rung;
  for (const auto& r : fake_->Requests()) {
    if (r.method == "POST" && r.path == "/channels") rung.push_back(r.Param("endpoint"));
  }
  EXPECT_EQ(rung, (std::vector<std::string>{"PJSIP/agent01", "PJSIP/agent02", "PJSIP/agent03"}));
  // The customer was never hung up while agents were tried.
  EXPECT_TRUE(fake_->Channel(customer));
  EXPECT_EQ(Counter("aicc_ari_agent_attempts_total{outcome=\"not_answered\"}"), 2u);
  fake_->HangUp(customer);
  ASSERT_TRUE(
      WaitUntil([&] { return fake_->Channels().empty() && fake_->Bridges().empty(); }, 10s));
  StopController();
}

TEST_F(ControllerTest, NoFreeAgentPlaysMusicThenHangsUpAfterTheWait) {
  StartFake(FakeOptions());
  fake_->SetAgent("agent01", AgentBehavior::kOffline);
  auto o = Options();
  o.agent_wait = 1500ms;
  o.agent_retry = 300ms;
  StartController(o);
  const auto t0 = std::chrono::steady_clock::now();
  const std::string customer = fake_->StartCall("01012345678");
  ASSERT_TRUE(
      WaitUntil([&] { return fake_->Channel(customer) && fake_->Channel(customer)->moh; }, 5s));
  ASSERT_TRUE(WaitUntil([&] { return !fake_->Channel(customer).has_value(); }, 10s));
  const auto waited = std::chrono::steady_clock::now() - t0;
  EXPECT_GE(waited, 1400ms);
  ASSERT_TRUE(WaitUntil([&] { return recorder_->EndedCount() == 1; }, 5s));
  EXPECT_EQ(recorder_->ByChannel(customer)->ended, std::vector<std::string>{"agent_unavailable"});
  std::size_t polls = 0;
  for (const auto& r : fake_->Requests()) polls += r.path == "/endpoints/PJSIP/agent01";
  EXPECT_GE(polls, 3u) << "the pool is asked again every agent_retry";
  EXPECT_TRUE(WaitUntil([&] { return NoAiccObjects(); }, 5s)) << FirstAiccObject();
  EXPECT_EQ(Counter("aicc_ari_agent_unavailable_total"), 1u);
  StopController();
}

TEST_F(ControllerTest, AgentFreedByAnotherCallIsTakenWhileWaiting) {
  StartFake(FakeOptions());
  fake_->SetAgent("agent01", AgentBehavior::kAnswer);
  auto o = Options();
  o.agent_wait = 10s;
  StartController(o);
  const std::string first = fake_->StartCall("01011111111");
  ASSERT_TRUE(WaitUntil([&] { return SetUp(first); }, 10s));
  const std::string second = fake_->StartCall("01022222222");
  ASSERT_TRUE(WaitUntil([&] { return fake_->Channel(second) && fake_->Channel(second)->moh; }, 5s));
  fake_->HangUp(first);
  ASSERT_TRUE(WaitUntil([&] { return SetUp(second); }, 10s));
  EXPECT_EQ(recorder_->ByChannel(second)->info.agent_id, "agent01");
  EXPECT_FALSE(fake_->Channel(second)->moh);
  fake_->HangUp(second);
  ASSERT_TRUE(
      WaitUntil([&] { return fake_->Channels().empty() && fake_->Bridges().empty(); }, 10s));
  StopController();
}

// Fail the N-th ARI request, for every N of a call's set-up, in each way a
// request can fail: the call is never hurt (customer and agent end up
// talking, or the customer keeps waiting for an agent), a failed analysis
// chain is retried or marked unavailable, and after the hang-up nothing of
// aicc's is left in Asterisk.
TEST_F(ControllerTest, EveryFailedRequestIsRolledBackWithoutHurtingTheCall) {
  // First count the requests of one clean call.
  std::size_t setup_requests = 0;
  {
    StartFake(FakeOptions());
    fake_->SetAgent("agent01", AgentBehavior::kAnswer);
    StartController(Options());
    const std::size_t before = fake_->RequestCount();
    const std::string customer = fake_->StartCall("01012345678");
    ASSERT_TRUE(WaitUntil([&] { return SetUp(customer); }, 10s));
    setup_requests = fake_->RequestCount() - before;
    StopController();
    controller_.reset();
  }
  ASSERT_GE(setup_requests, 12u);
  for (const FailMode mode :
       {FailMode::kStatus500, FailMode::kExecuteThen500, FailMode::kDropConnection}) {
    for (std::size_t n = 1; n <= setup_requests; ++n) {
      SCOPED_TRACE(::testing::Message() << "mode " << static_cast<int>(mode) << " request " << n);
      StartFake(FakeOptions());
      fake_->SetAgent("agent01", AgentBehavior::kAnswer);
      auto o = Options();
      o.agent_wait = 5s;
      StartController(o);
      const std::string customer = fake_->StartCall("01012345678");
      fake_->FailNthRequest(n, mode);
      ASSERT_TRUE(WaitUntil([&] { return SetUp(customer); }, 15s));
      // The call itself: customer and agent in aicc's main bridge.
      const auto call = *recorder_->ByChannel(customer);
      ASSERT_TRUE(fake_->Channel(customer));
      const auto main = fake_->Bridge(HelperId(call.info.call_id, kMainBridgeRole));
      ASSERT_TRUE(main);
      EXPECT_EQ(main->channels.size(), 2u);
      EXPECT_EQ(call.info.agent_id, "agent01");
      EXPECT_EQ(call.sources.size() + call.unavailable.size(), 2u);
      fake_->HangUp(customer);
      ASSERT_TRUE(WaitUntil([&] { return recorder_->EndedCount() == 1; }, 10s));
      ASSERT_TRUE(
          WaitUntil([&] { return fake_->Channels().empty() && fake_->Bridges().empty(); }, 10s))
          << FirstAiccObject();
      StopController();
      controller_.reset();
    }
  }
}

TEST_F(ControllerTest, EventsReconnectReadoptsAndDestroysOrphans) {
  StartFake(FakeOptions());
  fake_->SetAgent("agent01", AgentBehavior::kAnswer);
  fake_->SetAgent("agent02", AgentBehavior::kAnswer);
  auto o = Options();
  o.agents = {"agent01", "agent02"};
  StartController(o);
  const std::string stays = fake_->StartCall("01011111111");
  const std::string goes = fake_->StartCall("01022222222");
  ASSERT_TRUE(WaitUntil([&] { return SetUp(stays) && SetUp(goes); }, 10s));
  const std::size_t accepted = fake_->EventConnectionsAccepted();

  // The events connection drops; meanwhile one caller hangs up and helpers
  // of a call nobody knows appear (left by an earlier process).
  fake_->SetAcceptEvents(false);
  fake_->DropEventConnections();
  ASSERT_TRUE(WaitUntil([&] { return !controller_->Connected(); }, 5s));
  fake_->HangUpSilently(goes);
  const std::string ghost = "0b7a0a4e-9d6c-4e0a-a1a1-0123456789ab";
  const std::string ghost_snoop = HelperId(ghost, SnoopRole("in", "0ld000", 1));
  fake_->AddRawChannel(ghost_snoop, "Snoop/1795-00000001", "snoop", true);
  fake_->AddRawBridge(HelperId(ghost, BridgeRole("in", "0ld000", 1)), {ghost_snoop});
  std::this_thread::sleep_for(300ms);
  fake_->SetAcceptEvents(true);
  ASSERT_TRUE(WaitUntil([&] { return fake_->EventConnectionsAccepted() > accepted; }, 10s));

  // The call whose customer left is torn down (agent and helpers), the
  // ghost's helpers are destroyed, the other call goes on untouched.
  ASSERT_TRUE(WaitUntil([&] { return recorder_->ByChannel(goes)->ended.size() == 1; }, 10s));
  ASSERT_TRUE(WaitUntil(
      [&] {
        for (const auto& x : AiccObjects()) {
          if (x.find(ghost) != std::string::npos) return false;
        }
        return true;
      },
      10s));
  EXPECT_GE(Counter("aicc_ari_orphans_destroyed_total"), 2u);
  EXPECT_TRUE(recorder_->ByChannel(stays)->ended.empty());
  EXPECT_TRUE(fake_->Channel(stays));
  const auto call_id = recorder_->ByChannel(stays)->info.call_id;
  for (const auto& x : AiccObjects()) {
    EXPECT_NE(x.find(call_id), std::string::npos) << "left over: " << x;
  }
  fake_->HangUp(stays);
  ASSERT_TRUE(
      WaitUntil([&] { return fake_->Channels().empty() && fake_->Bridges().empty(); }, 10s));
  StopController();
}

// A caller already waiting in Stasis when aicc connects is found by the
// reconcile; when listing Asterisk's state fails, the reconcile is retried
// (with backoff) instead of waiting for the next reconnect.
TEST_F(ControllerTest, AFailedReconcileIsRetriedAndFindsTheWaitingCaller) {
  StartFake(FakeOptions());
  fake_->SetAgent("agent01", AgentBehavior::kAnswer);
  const std::string waiting = "1795480000.77";
  fake_->AddRawChannel(waiting, "PJSIP/customer-00000077", "customer", true, "01055556666");
  fake_->FailNthRequest(1, FailMode::kStatus500);  // the reconcile's GET /channels
  StartController(Options());
  ASSERT_TRUE(WaitUntil([&] { return SetUp(waiting); }, 10s));
  EXPECT_EQ(recorder_->ByChannel(waiting)->info.agent_id, "agent01");
  fake_->HangUp(waiting);
  ASSERT_TRUE(WaitUntil([&] { return fake_->Channels().empty() && fake_->Bridges().empty(); }, 10s))
      << FirstAiccObject();
  StopController();
}

TEST_F(ControllerTest, AsteriskRestartEndsItsCallsAndServiceResumes) {
  StartFake(FakeOptions());
  fake_->SetAgent("agent01", AgentBehavior::kAnswer);
  StartController(Options());
  const std::string customer = fake_->StartCall("01012345678");
  ASSERT_TRUE(WaitUntil([&] { return SetUp(customer); }, 10s));
  const std::size_t accepted = fake_->EventConnectionsAccepted();
  fake_->Restart();  // every channel and bridge gone, connections dropped
  ASSERT_TRUE(WaitUntil([&] { return fake_->EventConnectionsAccepted() > accepted; }, 10s));
  ASSERT_TRUE(WaitUntil([&] { return recorder_->EndedCount() == 1; }, 10s));
  EXPECT_EQ(recorder_->ByChannel(customer)->ended, std::vector<std::string>{"hangup"});
  ASSERT_TRUE(WaitUntil([&] { return controller_->ActiveCalls() == 0; }, 10s));
  // The agent was freed: the next call gets it.
  const std::string next = fake_->StartCall("01099998888");
  ASSERT_TRUE(WaitUntil([&] { return SetUp(next); }, 10s));
  EXPECT_EQ(recorder_->ByChannel(next)->info.agent_id, "agent01");
  fake_->HangUp(next);
  ASSERT_TRUE(
      WaitUntil([&] { return fake_->Channels().empty() && fake_->Bridges().empty(); }, 10s));
  StopController();
}

TEST_F(ControllerTest, ShutdownKeepsCallsAndARestartedAiccReadoptsThem) {
  StartFake(FakeOptions());
  fake_->SetAgent("agent01", AgentBehavior::kAnswer);
  StartController(Options());
  const std::string customer = fake_->StartCall("01012345678");
  ASSERT_TRUE(WaitUntil([&] { return SetUp(customer); }, 10s));
  const std::string call_id = recorder_->ByChannel(customer)->info.call_id;

  StopController();
  EXPECT_EQ(recorder_->ByChannel(customer)->ended, std::vector<std::string>{"shutdown"});
  // on_shutdown = keep_calls: customer and agent still talk in the main
  // bridge; aicc's analysis helpers are gone.
  ASSERT_TRUE(fake_->Channel(customer));
  const auto main = fake_->Bridge(HelperId(call_id, kMainBridgeRole));
  ASSERT_TRUE(main);
  EXPECT_EQ(main->channels.size(), 2u);
  EXPECT_EQ(AiccObjects().size(), 1u) << "only the main bridge stays";
  controller_.reset();

  // A new aicc process adopts the call: same call id, analysis rebuilt.
  auto fresh = std::make_unique<Recorder>(*fake_);
  recorder_.swap(fresh);
  StartController(Options());
  ASSERT_TRUE(WaitUntil([&] { return SetUp(customer); }, 10s));
  const auto adopted = *recorder_->ByChannel(customer);
  EXPECT_EQ(adopted.info.call_id, call_id);
  EXPECT_EQ(adopted.info.agent_id, "agent01");
  EXPECT_EQ(Counter("aicc_ari_calls_adopted_total"), 1u);
  fake_->HangUp(customer);
  ASSERT_TRUE(
      WaitUntil([&] { return fake_->Channels().empty() && fake_->Bridges().empty(); }, 10s));
  StopController();
}

TEST_F(ControllerTest, ShutdownWithHangupPolicyEndsCalls) {
  StartFake(FakeOptions());
  fake_->SetAgent("agent01", AgentBehavior::kAnswer);
  auto o = Options();
  o.on_shutdown = ShutdownPolicy::kHangup;
  StartController(o);
  const std::string customer = fake_->StartCall("01012345678");
  ASSERT_TRUE(WaitUntil([&] { return SetUp(customer); }, 10s));
  StopController();
  EXPECT_EQ(recorder_->ByChannel(customer)->ended, std::vector<std::string>{"shutdown"});
  EXPECT_TRUE(WaitUntil([&] { return fake_->Channels().empty() && fake_->Bridges().empty(); }, 5s));
}

TEST_F(ControllerTest, DialplanRoutingLearnsTheAgentFromDial) {
  StartFake(FakeOptions());
  fake_->SetAgent("agent04", AgentBehavior::kAnswer);
  fake_->SetDialplanAgent("agent04");
  auto o = Options();
  o.routing = Routing::kDialplan;
  o.agents.clear();
  StartController(o);
  const std::string customer = fake_->StartCall("01012345678");
  ASSERT_TRUE(WaitUntil([&] { return SetUp(customer); }, 10s));
  ASSERT_TRUE(WaitUntil([&] { return !recorder_->ByChannel(customer)->agents.empty(); }, 10s));
  EXPECT_EQ(recorder_->ByChannel(customer)->agents.front(), "agent04");
  bool continued = false, answered = false, originated = false;
  for (const auto& r : fake_->Requests()) {
    continued |= r.path == "/channels/" + customer + "/continue";
    answered |= r.path == "/channels/" + customer + "/answer";
    originated |= r.method == "POST" && r.path == "/channels";
  }
  EXPECT_TRUE(continued);
  EXPECT_FALSE(answered) << "the dialplan answers";
  EXPECT_FALSE(originated) << "the dialplan dials";
  fake_->HangUp(customer);
  ASSERT_TRUE(WaitUntil([&] { return recorder_->EndedCount() == 1; }, 10s));
  ASSERT_TRUE(WaitUntil([&] { return NoAiccObjects(); }, 5s)) << FirstAiccObject();
  StopController();
}

TEST_F(ControllerTest, MalformedAndUnexpectedEventsAreCountedAndIgnored) {
  StartFake(FakeOptions());
  fake_->SetAgent("agent01", AgentBehavior::kAnswer);
  StartController(Options());
  const char* frames[] = {
      "",
      "{",
      "not json",
      "[1,2]",
      R"({"type": 42})",
      R"({"type": "StasisStart"})",
      R"({"type": "StasisStart", "channel": {"id": 7}})",
      R"({"type": "ChannelDestroyed", "channel": "x"})",
      // Well-formed, but about nothing aicc knows: ignored quietly.
      R"({"type": "ChannelVarset", "application": "aicc-test", "variable": "X", "value": "1"})",
      R"({"type": "StasisEnd", "application": "aicc-test", "channel": {"id": "9.9", "name": "PJSIP/x-1", "state": "Up"}})",
      R"({"type": "ChannelDestroyed", "application": "other-app", "channel": {"id": "9.8", "name": "PJSIP/y-1", "state": "Up"}})",
  };
  for (const char* f : frames) fake_->SendRawEvent(f);
  ASSERT_TRUE(WaitUntil([&] { return Counter("aicc_ari_events_malformed_total") >= 8; }, 5s));
  EXPECT_EQ(Counter("aicc_ari_events_malformed_total"), 8u);
  // Still serving.
  EXPECT_TRUE(controller_->Connected());
  const std::string customer = fake_->StartCall("01012345678");
  ASSERT_TRUE(WaitUntil([&] { return SetUp(customer); }, 10s));
  fake_->HangUp(customer);
  ASSERT_TRUE(
      WaitUntil([&] { return fake_->Channels().empty() && fake_->Bridges().empty(); }, 10s));
  StopController();
}

TEST_F(ControllerTest, WrongPasswordNeverConnectsAndIsNotLogged) {
  StartFake(FakeOptions());
  auto o = Options();
  o.password = "wrong-password";
  controller_ = std::make_unique<CallController>(io_.get_executor(), o, *recorder_, &metrics_);
  ASSERT_TRUE(controller_->Start());
  ASSERT_TRUE(WaitUntil([&] { return fake_->UnauthorizedRequests() >= 2; }, 5s));
  EXPECT_FALSE(controller_->Connected());
  EXPECT_EQ(metrics_.RenderPrometheus().find("wrong-password"), std::string::npos);
  StopController();
}

TEST_F(ControllerTest, StartRejectsBadOptions) {
  StartFake(FakeOptions());
  auto o = Options();
  o.external_host = "";
  CallController c(io_.get_executor(), o, *recorder_, &metrics_);
  auto r = c.Start();
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("ari.external_host"), std::string::npos) << r.error();
}

}  // namespace
}  // namespace aicc::ari
