// A call across aicc restarts (DESIGN.md §4): one metadata_start and one
// metadata_end per call, seq 0,1,2… without restarting, turn times on one
// timeline. Each "process" is a CallRegistry and a sink::Dispatcher on their
// own io_context; the next one opens the same journal directory, as a
// restarted aicc would (after kill -9 or SIGTERM with keep_calls).
#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <cmath>
#include <condition_variable>
#include <filesystem>
#include <future>
#include <mutex>
#include <numbers>
#include <thread>

#include "core/clock.h"
#include "core/ids.h"
#include "pipeline/call_registry.h"
#include "sink/dispatcher.h"
#include "stt/recognizer.h"
#include "turn/detector.h"
#include "vad/vad.h"

namespace aicc::pipeline {
namespace {
namespace fs = std::filesystem;
namespace asio = boost::asio;
using namespace std::chrono_literals;

// Every event any process emitted, in emission order.
class Recorder {
 public:
  void Add(const events::Event& e) {
    std::lock_guard lock(mutex_);
    events_.push_back(e);
    cv_.notify_all();
  }
  // Waits until `n` events of `call_id` (and `type`, if given) were emitted.
  bool WaitFor(const std::string& call_id, std::size_t n, std::string_view type = "") {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, 20s, [&] { return CountLocked(call_id, type) >= n; });
  }
  std::size_t Count(const std::string& call_id, std::string_view type = "") {
    std::lock_guard lock(mutex_);
    return CountLocked(call_id, type);
  }
  std::vector<events::Event> Of(const std::string& call_id) {
    std::lock_guard lock(mutex_);
    std::vector<events::Event> out;
    for (const auto& e : events_)
      if (e.call_id == call_id) out.push_back(e);
    return out;
  }

 private:
  std::size_t CountLocked(const std::string& call_id, std::string_view type) const {
    std::size_t n = 0;
    for (const auto& e : events_)
      n += e.call_id == call_id && (type.empty() || events::TypeName(e) == type);
    return n;
  }
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<events::Event> events_;
};

// One aicc process's pipeline and sink.
class Process {
 public:
  Process(const fs::path& journal, const core::Clock& clock, Recorder& recorder) {
    sink::DispatcherOptions o;
    o.journal.directory = journal.string();
    o.journal.fsync = sink::FsyncPolicy::kNever;
    auto d = sink::Dispatcher::Create(io_.get_executor(), o, &metrics_);
    EXPECT_TRUE(d) << (d ? "" : d.error().message);
    dispatcher_ = std::move(*d);
    dispatcher_->Start();
    PipelineDeps deps;
    deps.vad_engine = vad::MakeEnergyEngine(0.6);
    deps.recognizer = recognizer_.get();
    deps.detector = &detector_;
    deps.clock = &clock;
    deps.metrics = &metrics_;
    deps.emit = [this, &recorder](const events::Event& e) {
      EXPECT_TRUE(dispatcher_->Submit(e));
      recorder.Add(e);
    };
    registry_ =
        std::make_unique<CallRegistry>(io_.get_executor(), std::move(deps), PipelineOptions{});
    registry_->CarryOver(dispatcher_->OpenCalls());
    work_.emplace(io_.get_executor());
    for (auto& t : threads_) t = std::thread([this] { io_.run(); });
  }
  // Ends like kill -9 after the journal write: whatever is in the registry
  // stays as it is.
  ~Process() {
    std::promise<void> stopped;
    dispatcher_->Stop([&stopped] { stopped.set_value(); });
    stopped.get_future().wait_for(10s);
    work_.reset();
    io_.stop();
    for (auto& t : threads_) t.join();
  }
  CallRegistry& registry() { return *registry_; }
  sink::Dispatcher& dispatcher() { return *dispatcher_; }
  std::string Metrics() const { return metrics_.RenderPrometheus(); }

  // `speaker` says something for 1 s, then is silent for 1.2 s: one turn.
  // Frames go through the registry as the RTP receiver delivers them (at
  // ten times real time).
  void Speak(const std::string& call_id, core::Speaker speaker) {
    constexpr int kRate = 8000, kFrame = 160;
    std::uint64_t& sample = stream_sample_[call_id + core::ToString(speaker).data()];
    for (int i = 0; i < 110; ++i) {
      std::vector<std::int16_t> pcm(kFrame, 0);
      if (i < 50) {
        for (int k = 0; k < kFrame; ++k) {
          pcm[k] =
              static_cast<std::int16_t>(9000 * std::sin(2 * std::numbers::pi * 300 *
                                                        static_cast<double>(sample + k) / kRate));
        }
      }
      asio::post(registry_->executor(), [this, call_id, speaker, pcm = std::move(pcm), sample] {
        rtp::AudioFrame f;
        f.sample_rate = kRate;
        f.pcm = pcm;
        f.stream_sample = sample;
        registry_->OnAudio(rtp::SourceInfo{call_id, speaker}, f);
      });
      sample += kFrame;
      // 10x real time: the registry hands frames to a call through a
      // bounded backlog (128 frames) that a burst of seconds would overflow.
      if (i % 10 == 9) std::this_thread::sleep_for(20ms);
    }
  }
  void Shutdown(CallExit exit) {
    std::promise<void> done;
    registry_->Shutdown(exit, "shutdown", [&done] { done.set_value(); });
    ASSERT_EQ(done.get_future().wait_for(20s), std::future_status::ready);
  }

 private:
  asio::io_context io_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  std::array<std::thread, 2> threads_;
  core::MetricsRegistry metrics_;
  std::unique_ptr<stt::Recognizer> recognizer_ = stt::MakeNullRecognizer();
  turn::Detector detector_{turn::DetectorOptions{}};
  std::unique_ptr<sink::Dispatcher> dispatcher_;
  std::unique_ptr<CallRegistry> registry_;
  std::map<std::string, std::uint64_t> stream_sample_;
};

class RegistryRestartTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("aicc_restart_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::unique_ptr<Process> Start() {
    return std::make_unique<Process>(dir_ / "journal", clock_, recorder_);
  }
  // Per call: one metadata_start first, one metadata_end last, seq 0,1,2…
  void ExpectOneCall(const std::string& call_id) {
    const auto events = recorder_.Of(call_id);
    ASSERT_GE(events.size(), 2u);
    EXPECT_EQ(events::TypeName(events.front()), "metadata_start");
    EXPECT_EQ(events::TypeName(events.back()), "metadata_end");
    EXPECT_EQ(recorder_.Count(call_id, "metadata_start"), 1u);
    EXPECT_EQ(recorder_.Count(call_id, "metadata_end"), 1u);
    for (std::size_t i = 0; i < events.size(); ++i) {
      EXPECT_EQ(events[i].seq, i) << events::TypeName(events[i]);
    }
  }
  static CallMeta Meta(std::string id,
                       std::optional<std::chrono::system_clock::time_point> origin = std::nullopt,
                       bool adopted = false) {
    CallMeta m;
    m.call_id = std::move(id);
    m.origin = origin;
    m.adopted = adopted;
    return m;
  }
  static const events::TurnComplete& TurnOf(const events::Event& e) {
    return std::get<events::TurnComplete>(e.body);
  }

  fs::path dir_;
  core::ManualClock clock_;
  Recorder recorder_;
};

// SIGTERM with keep_calls (suspend), then the next process takes the call
// over: seq goes on, no second metadata_start, turn times on the first
// process's timeline (the call's answer), counts over both processes.
TEST_F(RegistryRestartTest, ATakenOverCallContinuesItsSeqAndTimeline) {
  const std::string id = core::NewUuid();
  const auto answered = clock_.WallNow() - 10s;
  {
    auto a = Start();
    a->registry().StartCall(Meta(id, answered));
    a->Speak(id, core::Speaker::kCustomer);
    ASSERT_TRUE(recorder_.WaitFor(id, 1, "turn_complete"));
    a->Shutdown(CallExit::kSuspend);
  }
  ASSERT_EQ(recorder_.Count(id, "metadata_end"), 0u) << "a kept call is not ended";
  const auto first = recorder_.Of(id);
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(std::get<events::MetadataStart>(first[0].body).call_start, answered);
  // Counted from the answer (10 s before the analysis began), not from when
  // the analysis began.
  EXPECT_NEAR(TurnOf(first[1]).start_time, 10.0, 0.1);

  clock_.Advance(5s);  // aicc is down for 5 s
  {
    auto b = Start();
    ASSERT_EQ(b->dispatcher().OpenCalls().size(), 1u);
    EXPECT_EQ(b->dispatcher().OpenCalls().front().next_seq, 2u);
    b->registry().StartCall(Meta(id, std::nullopt, true));  // no answered_at when adopted
    b->Speak(id, core::Speaker::kAgent);
    ASSERT_TRUE(recorder_.WaitFor(id, 2, "turn_complete"));
    clock_.Advance(3s);
    b->registry().EndCall(id, "hangup");
    ASSERT_TRUE(recorder_.WaitFor(id, 1, "metadata_end"));
    EXPECT_NE(b->Metrics().find("aicc_calls_continued_total 1"), std::string::npos);
  }
  ExpectOneCall(id);
  const auto events = recorder_.Of(id);
  ASSERT_EQ(events.size(), 4u);
  // The agent's first frame arrived 15 s after the answer.
  EXPECT_NEAR(TurnOf(events[2]).start_time, 15.0, 0.1);
  EXPECT_GT(TurnOf(events[2]).start_time, TurnOf(events[1]).end_time);
  const auto& end = std::get<events::MetadataEnd>(events[3].body);
  EXPECT_EQ(end.end_reason, "hangup");
  EXPECT_EQ(end.turn_count, 2);
  EXPECT_EQ(end.complete_turns + end.incomplete_turns, 2);
  EXPECT_NEAR(end.total_duration, 18.0, 0.01);  // answer → hangup, across the restart
  EXPECT_GT(end.speech_ratio, 0.05);
  // The journal shows nothing open any more.
  auto c = Start();
  EXPECT_TRUE(c->dispatcher().OpenCalls().empty());
}

// kill -9: the next process closes the call nobody took over with
// end_reason "recovered" and the counts of what was sent; a takeover that
// comes after that is refused (the call already has its metadata_end).
TEST_F(RegistryRestartTest, ACallCutByACrashIsClosedAsRecovered) {
  const std::string cut = core::NewUuid();
  const auto answered = clock_.WallNow() - 4s;
  {
    auto a = Start();
    a->registry().StartCall(Meta(cut, answered));
    a->Speak(cut, core::Speaker::kCustomer);
    a->Speak(cut, core::Speaker::kCustomer);
    ASSERT_TRUE(recorder_.WaitFor(cut, 2, "turn_complete"));
  }  // the process dies with the call open
  clock_.Advance(2s);
  const std::string fresh = core::NewUuid();
  {
    auto b = Start();
    b->registry().StartCall(Meta(fresh));
    b->registry().CloseCarriedOver();
    ASSERT_TRUE(recorder_.WaitFor(cut, 1, "metadata_end"));
    b->registry().StartCall(Meta(cut, std::nullopt, true));  // too late
    b->registry().EndCall(cut, "hangup");
    b->registry().EndCall(fresh, "hangup");
    ASSERT_TRUE(recorder_.WaitFor(fresh, 1, "metadata_end"));
    const std::string metrics = b->Metrics();
    EXPECT_NE(metrics.find("aicc_calls_recovered_total 1"), std::string::npos) << metrics;
    EXPECT_NE(metrics.find("aicc_calls_takeover_refused_total 1"), std::string::npos);
    EXPECT_NE(metrics.find("aicc_calls_carried_over 0"), std::string::npos);
  }
  ExpectOneCall(cut);
  ExpectOneCall(fresh);
  const auto events = recorder_.Of(cut);
  ASSERT_EQ(events.size(), 4u);
  const auto& end = std::get<events::MetadataEnd>(events.back().body);
  EXPECT_EQ(end.end_reason, "recovered");
  EXPECT_EQ(end.turn_count, 2);
  EXPECT_EQ(end.complete_turns + end.incomplete_turns, 2);
  // From the answer to the last event aicc sent for it (the manual clock
  // stood still while the call ran): 4 s.
  EXPECT_NEAR(end.total_duration, 4.0, 0.01);
  auto c = Start();
  EXPECT_TRUE(c->dispatcher().OpenCalls().empty());
}

// A call ended normally (or at SIGTERM under the hangup policy) is not
// carried over; one suspended is, until someone closes it.
TEST_F(RegistryRestartTest, OnlySuspendedAndCutCallsStayOpen) {
  const std::string ended = core::NewUuid(), kept = core::NewUuid();
  {
    auto a = Start();
    a->registry().StartCall(Meta(ended));
    a->registry().StartCall(Meta(kept));
    a->registry().EndCall(ended, "shutdown");
    a->registry().SuspendCall(kept);
    ASSERT_TRUE(recorder_.WaitFor(ended, 1, "metadata_end"));
    a->Shutdown(CallExit::kEnd);
  }
  EXPECT_EQ(recorder_.Count(kept, "metadata_end"), 0u);
  auto b = Start();
  ASSERT_EQ(b->dispatcher().OpenCalls().size(), 1u);
  EXPECT_EQ(b->dispatcher().OpenCalls().front().call_id, kept);
}

}  // namespace
}  // namespace aicc::pipeline
