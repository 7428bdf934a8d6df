// Test support: a recognizer against the fake Speech server, sessions driven
// on a strand of an io_context running on its own thread, deterministic
// audio, and turn results collected with the thread they arrived on.
#pragma once

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <future>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "audio/g711.h"
#include "core/metrics.h"
#include "fakes/speech/fake_speech.h"
#include "stt/recognizer.h"

namespace aicc::stt::testing {

namespace asio = boost::asio;
using namespace std::chrono_literals;

// Speech-like noise, different for every (seed, index), so byte comparisons
// catch any reordering, loss or duplication.
inline std::vector<std::int16_t> Audio(std::size_t samples, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> d(-12000, 12000);
  std::vector<std::int16_t> v(samples);
  for (auto& s : v) s = static_cast<std::int16_t>(d(rng));
  return v;
}

inline std::string Linear16(std::span<const std::int16_t> pcm) {
  std::string out(pcm.size() * 2, '\0');
  for (std::size_t i = 0; i < pcm.size(); ++i) {
    const auto v = static_cast<std::uint16_t>(pcm[i]);
    out[2 * i] = static_cast<char>(v & 0xff);
    out[2 * i + 1] = static_cast<char>(v >> 8);
  }
  return out;
}

inline std::string Mulaw(std::span<const std::int16_t> pcm) {
  std::vector<std::uint8_t> u(pcm.size());
  audio::EncodeUlaw(pcm, u);
  return std::string(u.begin(), u.end());
}

// Byte equality without dumping kilobytes of audio on failure.
inline ::testing::AssertionResult SameBytes(const std::string& got, const std::string& want) {
  if (got == want) return ::testing::AssertionSuccess();
  std::size_t i = 0;
  while (i < got.size() && i < want.size() && got[i] == want[i]) ++i;
  return ::testing::AssertionFailure() << "got " << got.size() << " bytes, want " << want.size()
                                       << "; first difference at byte " << i;
}

// Polls `pred` until it holds or `timeout` passes.
template <class Pred>
bool WaitFor(Pred pred, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

// Where `part` starts inside `whole`, or npos.
inline std::size_t OffsetIn(const std::string& whole, const std::string& part) {
  return part.empty() ? std::string::npos : whole.find(part);
}

inline GoogleOptions FakeOptions(const fakes::FakeSpeechServer& server) {
  GoogleOptions o;
  o.engine = "google";
  o.project = "test-project";
  o.endpoint = server.Endpoint();
  o.insecure = true;
  o.final_wait_ms = 2000;
  return o;
}

// An io_context on its own thread; each Session gets its own strand.
class Loop {
 public:
  Loop() : work_(io_.get_executor()), thread_([this] { io_.run(); }) {}
  ~Loop() {
    work_.reset();
    thread_.join();
  }
  asio::strand<asio::io_context::executor_type> NewStrand() { return asio::make_strand(io_); }
  template <class Ex, class F>
  void Run(const Ex& ex, F&& f) {
    std::promise<void> done;
    asio::post(ex, [&] {
      f();
      done.set_value();
    });
    done.get_future().wait();
  }

 private:
  asio::io_context io_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  std::thread thread_;
};

struct Turn {
  SpeechResult result;
  bool on_strand = false;
  std::chrono::steady_clock::time_point at;
};

// One session on its own strand, with helpers that run on that strand.
class Speaker {
 public:
  Speaker(Loop& loop, Recognizer& recognizer, std::string call_id = "0123456789abcdef",
          int rate = 8000)
      : loop_(loop), strand_(loop.NewStrand()) {
    loop_.Run(strand_, [&] {
      session_ = recognizer.Open({call_id, core::Speaker::kCustomer, rate, strand_});
    });
  }
  ~Speaker() { Close(); }

  void Start(std::span<const std::int16_t> pre_roll) {
    loop_.Run(strand_, [&] { session_->SpeechStart(pre_roll); });
  }
  // Pushes `pcm` in 20 ms frames, as the pipeline does.
  void Push(std::span<const std::int16_t> pcm, std::size_t frame = 160) {
    loop_.Run(strand_, [&] {
      for (std::size_t i = 0; i < pcm.size(); i += frame) {
        session_->SpeechAudio(pcm.subspan(i, std::min(frame, pcm.size() - i)));
      }
    });
  }
  void End() {
    loop_.Run(strand_, [&] {
      ended_.push_back(std::chrono::steady_clock::now());
      session_->SpeechEnd([this](SpeechResult r) {
        std::lock_guard lock(mutex_);
        turns_.push_back(
            {std::move(r), strand_.running_in_this_thread(), std::chrono::steady_clock::now()});
        cv_.notify_all();
      });
    });
  }
  // Records every LiveText the session hands out (issue 17).
  void ListenLive() {
    loop_.Run(strand_, [&] {
      session_->SetLiveTextListener([this](const LiveText& t) {
        std::lock_guard lock(mutex_);
        live_.push_back(t);
        cv_.notify_all();
      });
    });
  }
  std::vector<LiveText> Live() {
    std::lock_guard lock(mutex_);
    return live_;
  }
  // A whole utterance: pre-roll = the first `pre` samples.
  void Utterance(std::span<const std::int16_t> pcm, std::size_t pre = 0) {
    Start(pcm.first(pre));
    Push(pcm.subspan(pre));
    End();
  }
  void Close() {
    if (!session_) return;
    loop_.Run(strand_, [&] {
      session_->Close();
      session_.reset();
    });
  }
  bool WaitTurns(std::size_t n, std::chrono::milliseconds timeout = 10s) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] { return turns_.size() >= n; });
  }
  std::vector<Turn> Turns() {
    std::lock_guard lock(mutex_);
    return turns_;
  }
  std::vector<std::chrono::steady_clock::time_point> Ended() const { return ended_; }
  std::size_t TurnCount() {
    std::lock_guard lock(mutex_);
    return turns_.size();
  }

 private:
  Loop& loop_;
  asio::strand<asio::io_context::executor_type> strand_;
  std::unique_ptr<RecognizerSession> session_;
  std::vector<std::chrono::steady_clock::time_point> ended_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<Turn> turns_;
  std::vector<LiveText> live_;
};

inline std::uint64_t CounterValue(core::MetricsRegistry& m, std::string_view name,
                                  const core::Labels& labels = {}) {
  return m.GetCounter(name, "", labels).Value();
}

}  // namespace aicc::stt::testing
