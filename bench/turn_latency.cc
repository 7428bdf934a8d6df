// bench_turn_latency: end of speech → turn_complete through the real daemon
// (issue 17), with early decisions on and off in the same run.
//
//   bench_turn_latency [--aicc PATH] [--repeat N] [--only on|off] [--set KEY=VALUE]...
//
// For each configuration it starts the fake Speech V2 server in its timing
// mode (docs/stt-google.md, "Timing model"), a WebSocket backend (the same
// SinkServer the e2e tests use) and `aicc run --no-ari` with the Silero VAD,
// then sends one speaker's Korean speech (espeak-ng, 8 kHz μ-law) as real RTP
// over loopback, paced at 20 ms. The fake is scripted with the words of each
// clip, so the turns' transcripts are known. Latency of a turn = when the
// backend received the turn_complete carrying its words − when the RTP packet
// holding its last voiced audio (10 ms frames above the fake's energy floor)
// was sent. Prints one line per turn and the summary (bench/README.md).
// `--set` passes a setting to both daemons (e.g. turn.early_pause_ms=350,
// stt.closing_silence_ms=0) for sweeps and before/after runs.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "audio/g711.h"
#include "audio/wav.h"
#include "fakes/speech/fake_speech.h"
#include "rtp/sender.h"
#include "sink/server.h"

namespace {

namespace fs = std::filesystem;
namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;
using Json = nlohmann::json;

// The test set. Kinds: `complete` (the words end the turn; an inner pause,
// if any, follows an open ending), `incomplete` (an open ending, then a long
// pause: the speaker is still searching), `two` (two complete sentences with
// a short pause between them: the speaker goes on after a final ending).
struct Clip {
  std::string text;
  int pause_after_ms;
};
struct Turn {
  std::string kind;
  std::vector<Clip> clips;
};

std::vector<Turn> TestSet() {
  // Pauses between turns cycle 1200/1500/1800/2000 ms; inner pauses are
  // written out.
  const int gaps[] = {1200, 1500, 1800, 2000};
  std::vector<Turn> set = {
      {"complete", {{"네 알겠습니다", 0}}},
      {"complete", {{"카드를 분실했는데", 400}, {"재발급 받고 싶어요", 0}}},
      {"complete", {{"본인 확인을 위해 생년월일을 말씀해 주시겠어요?", 0}}},
      {"complete", {{"네 맞아요", 0}}},
      {"incomplete", {{"그런데 제가", 0}}},
      {"complete", {{"지난달에 이사를 했거든요", 0}}},
      {"complete", {{"카드 분실 신고 접수되었습니다", 0}}},
      {"complete", {{"제 카드 번호는", 500}, {"잘 모르겠어요", 0}}},
      {"complete", {{"잠시만 기다려 주세요", 0}}},
      {"complete", {{"결제일이 언제예요?", 0}}},
      {"incomplete", {{"통장 비밀번호를", 0}}},
      {"complete", {{"바꾸고 싶은데요", 0}}},
      {"complete", {{"재발급은 일주일 정도 걸립니다", 0}}},
      {"complete", {{"어제 마트에서 결제를 하려고 했는데", 450}, {"승인이 거절됐어요", 0}}},
      {"complete", {{"주소지로 보내 드릴게요", 0}}},
      {"two", {{"네 알겠습니다", 450}, {"잠시만 기다려 주세요", 0}}},
      {"complete", {{"다른 문의 사항 있으세요?", 0}}},
      {"complete", {{"아니요 없어요", 0}}},
      {"incomplete", {{"이게 다음 달부터", 0}}},
      {"complete", {{"바뀌는 거죠?", 0}}},
      {"complete", {{"한도를 올리려면", 300}, {"어떻게 해야 하나요?", 0}}},
      {"complete", {{"확인해 보겠습니다", 0}}},
      {"complete", {{"지금 바로 처리해 드리겠습니다", 0}}},
      {"complete", {{"그렇게 해 주세요", 0}}},
      {"incomplete", {{"그래서 혹시", 0}}},
      {"complete", {{"해외 결제도 되나요?", 0}}},
      {"complete", {{"혹시 분실 장소를 기억하시나요?", 0}}},
      {"complete", {{"어제 저녁에 잃어버렸어요", 0}}},
      {"complete", {{"수수료는 없습니다", 0}}},
      {"complete", {{"이용해 주셔서 감사합니다", 0}}},
  };
  for (std::size_t i = 0; i < set.size(); ++i) set[i].clips.back().pause_after_ms = gaps[i % 4];
  return set;
}

struct Pcm {
  std::vector<std::int16_t> samples;  // 8 kHz
};

// espeak-ng → 8 kHz mono, leading and trailing silence trimmed (10 ms frames
// under the fake's energy floor).
std::optional<Pcm> Synthesize(const std::string& text, const fs::path& dir, int index) {
  const fs::path raw = dir / ("clip" + std::to_string(index) + ".wav");
  const fs::path low = dir / ("clip" + std::to_string(index) + "-8k.wav");
  const std::string cmd = "espeak-ng -v ko -s 160 -w '" + raw.string() + "' '" + text +
                          "' && sox -q '" + raw.string() + "' -r 8000 -c 1 -b 16 '" + low.string() +
                          "'";
  if (std::system(cmd.c_str()) != 0) return std::nullopt;
  auto wav = aicc::audio::ReadWav(low.string());
  if (!wav) return std::nullopt;
  std::vector<std::int16_t> s = wav->samples;
  auto voiced = [&](std::size_t frame) {
    long sum = 0;
    for (std::size_t k = frame * 80; k < frame * 80 + 80 && k < s.size(); ++k)
      sum += std::abs(s[k]);
    return sum / 80 > 300;
  };
  const std::size_t frames = s.size() / 80;
  std::size_t first = 0, last = frames;
  while (first < frames && !voiced(first)) ++first;
  while (last > first && !voiced(last - 1)) --last;
  Pcm p;
  p.samples.assign(s.begin() + static_cast<long>(first * 80),
                   s.begin() + static_cast<long>(last * 80));
  return p;
}

// Longest run of 10 ms frames under the floor inside the clip (the fake
// closes a segment at 150 ms: a clip must stay one segment).
int LongestInnerGapMs(const Pcm& p) {
  int run = 0, worst = 0;
  for (std::size_t f = 0; f * 80 + 80 <= p.samples.size(); ++f) {
    long sum = 0;
    for (std::size_t k = f * 80; k < f * 80 + 80; ++k) sum += std::abs(p.samples[k]);
    if (sum / 80 > 300) {
      worst = std::max(worst, run);
      run = 0;
    } else {
      run += 10;
    }
  }
  return worst;
}

struct Expect {
  int turn;
  std::string kind;
  std::string text;          // the words of the turn_complete that carries them
  std::uint64_t end_sample;  // last voiced sample (+1) on the stream
  // `two` turns: the first sentence may come joined with the second (one
  // turn_complete when the pause between them was not taken as the end).
  std::string joined = {};
  bool optional = false;  // the second sentence: not expected on its own then
};

struct Received {
  Json event;
  Clock::time_point at;
};

std::uint16_t FreePort(bool udp) {
  asio::io_context io;
  if (udp) {
    asio::ip::udp::socket s(io, asio::ip::udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    return s.local_endpoint().port();
  }
  asio::ip::tcp::acceptor a(io, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  return a.local_endpoint().port();
}

struct RunResult {
  std::vector<double> complete_ms;  // complete-worded turns
  int complete_turns = 0, early_turns = 0;
  int incomplete_turns = 0, incomplete_before_long_pause = 0;
  int resumed = 0, corrected = 0;
  int missing = 0;
  std::vector<double> late_ms;  // complete-worded turns decided at the long pause
  int late_without_final = 0;   // late turns whose text is an interim (no final in time)
  // From the daemon's /metrics at the end: audio sent to Google, and its
  // end of speech → final latency (sum / count).
  double stt_audio_s = 0;
  double final_latency_sum_s = 0, final_count = 0;
};

// A sample's value in Prometheus text ("name{labels} value"), 0 if absent.
double MetricValue(const std::string& text, const std::string& series) {
  const auto at = text.find("\n" + series + " ");
  return at == std::string::npos ? 0 : std::atof(text.c_str() + at + series.size() + 2);
}

std::string HttpGetMetrics(std::uint16_t port) {
  const std::string cmd = "curl -s http://127.0.0.1:" + std::to_string(port) + "/metrics";
  std::string out;
  if (FILE* f = popen(cmd.c_str(), "r")) {
    char buf[4096];
    std::size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
    pclose(f);
  }
  return "\n" + out;
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const double idx = p * static_cast<double>(v.size() - 1);
  const auto lo = static_cast<std::size_t>(idx);
  const auto hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (v[hi] - v[lo]) * (idx - static_cast<double>(lo));
}

RunResult RunOnce(const std::string& aicc, bool early, const std::vector<std::uint8_t>& coded,
                  const std::vector<Expect>& expects, const std::vector<std::string>& segments,
                  const std::vector<std::string>& extra, const fs::path& dir) {
  RunResult res;
  aicc::fakes::FakeSpeechOptions fo;
  fo.timing.enabled = true;
  fo.timing.segment_texts = segments;
  aicc::fakes::FakeSpeechServer speech(fo);

  asio::io_context io;
  std::mutex mutex;
  std::condition_variable cv;
  std::vector<Received> got;
  aicc::sink::SinkServer sink(io.get_executor(), aicc::sink::SinkServerOptions{},
                              [&](const std::string& json) {
                                const auto at = Clock::now();
                                std::lock_guard lock(mutex);
                                got.push_back({Json::parse(json), at});
                                cv.notify_all();
                              });
  auto port = sink.Start("127.0.0.1", 0);
  if (!port) {
    std::fprintf(stderr, "sink: %s\n", port.error().c_str());
    std::exit(1);
  }
  auto work = asio::make_work_guard(io);
  std::thread io_thread([&] { io.run(); });

  const std::uint16_t customer = FreePort(true), agent = FreePort(true), http = FreePort(false);
  const fs::path state = dir / (early ? "state-on" : "state-off");
  fs::remove_all(state);
  std::vector<std::string> args = {aicc,
                                   "run",
                                   "--no-ari",
                                   "--stt",
                                   "google",
                                   "--set",
                                   "media.bind_address=127.0.0.1",
                                   "--set",
                                   "media.customer_port=" + std::to_string(customer),
                                   "--set",
                                   "media.agent_port=" + std::to_string(agent),
                                   "--set",
                                   "http.listen=127.0.0.1:" + std::to_string(http),
                                   "--set",
                                   "sink.urls=ws://127.0.0.1:" + std::to_string(*port) + "/events",
                                   "--set",
                                   "sink.journal_dir=" + state.string(),
                                   "--set",
                                   "stt.insecure=true",
                                   "--set",
                                   "stt.project=bench",
                                   "--set",
                                   "stt.endpoint=" + speech.Endpoint(),
                                   "--set",
                                   "pipeline.call_idle_timeout_sec=2",
                                   "--set",
                                   "pii.mask=off",
                                   "--set",
                                   std::string("turn.early=") + (early ? "true" : "false"),
                                   "--set",
                                   "turn.update_events=true",
                                   "--set",
                                   "sink.fsync=never"};
  for (const auto& e : extra) {
    args.push_back("--set");
    args.push_back(e);
  }
  const std::string log = (dir / (early ? "aicc-on.log" : "aicc-off.log")).string();
  const pid_t pid = fork();
  if (pid == 0) {
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    if (!freopen(log.c_str(), "w", stderr)) _exit(126);
    ::close_range(3, ~0U, 0);
    execv(aicc.c_str(), argv.data());
    _exit(127);
  }
  // Ready when its sink connection is up and it answers /readyz: give it a
  // moment (the sink connects at start; RTP before that is simply early).
  std::this_thread::sleep_for(1500ms);

  asio::io_context send_io;
  aicc::rtp::Sender sender(send_io.get_executor());
  if (!sender.AddStream({asio::ip::udp::endpoint(asio::ip::make_address("127.0.0.1"), customer),
                         aicc::rtp::Codec::kUlaw, coded})) {
    std::fprintf(stderr, "cannot open the RTP sender\n");
    std::exit(1);
  }
  const Clock::time_point start = Clock::now() + 200ms;
  sender.Start([&send_io] { send_io.stop(); }, start);
  send_io.run();

  {
    std::unique_lock lock(mutex);
    cv.wait_for(lock, 60s, [&] {
      return std::any_of(got.begin(), got.end(),
                         [](const Received& r) { return r.event["type"] == "metadata_end"; });
    });
  }
  const std::string metrics = HttpGetMetrics(http);
  res.stt_audio_s = MetricValue(metrics, "aicc_stt_audio_seconds_total");
  res.final_latency_sum_s = MetricValue(metrics, "aicc_stt_final_latency_seconds_sum");
  res.final_count = MetricValue(metrics, "aicc_stt_final_latency_seconds_count");
  kill(pid, SIGTERM);
  waitpid(pid, nullptr, 0);
  sink.Stop();
  work.reset();
  io.stop();
  io_thread.join();

  std::lock_guard lock(mutex);
  std::vector<bool> used(got.size(), false);
  std::size_t next = 0;
  for (const auto& r : got) {
    if (r.event["type"] == "turn_resumed") ++res.resumed;
    if (r.event["type"] == "turn_corrected") ++res.corrected;
  }
  for (const auto& x : expects) {
    // Packet n (20 ms) is sent at start + n × 20 ms.
    const auto end_sent = start + std::chrono::milliseconds(((x.end_sample - 1) / 160) * 20);
    // One speaker: its turns arrive in order, so look only after the last
    // match (the same words recur in the test set).
    std::optional<std::size_t> hit;
    for (std::size_t i = next; i < got.size() && !hit; ++i) {
      if (!used[i] && got[i].event["type"] == "turn_complete" &&
          (got[i].event["transcript"] == x.text ||
           (!x.joined.empty() && got[i].event["transcript"] == x.joined))) {
        hit = i;
      }
    }
    // The second sentence of a `two` turn is the very next turn_complete, or
    // it came joined with the first.
    if (x.optional && hit) {
      const std::size_t at = hit.value_or(next);
      for (std::size_t i = next; i < at; ++i) {
        if (got[i].event["type"] == "turn_complete") hit.reset();
      }
    }
    if (!hit && x.optional) continue;
    if (!hit) {
      ++res.missing;
      std::printf("  %-4s turn %2d %-10s %-40s  NOT RECEIVED\n", early ? "on" : "off", x.turn,
                  x.kind.c_str(), x.text.c_str());
      continue;
    }
    used[*hit] = true;
    next = *hit + 1;
    const Json& e = got[*hit].event;
    const double ms = std::chrono::duration<double, std::milli>(got[*hit].at - end_sent).count();
    const bool was_early = e.value("early", false);
    std::printf("  %-4s turn %2d %-10s %-40s %7.0f ms  %s%s\n", early ? "on" : "off", x.turn,
                x.kind.c_str(), x.text.c_str(), ms, was_early ? "early" : "late",
                e.contains("continues_event_id") ? " (continues)" : "");
    if (x.kind == "incomplete") {
      ++res.incomplete_turns;
      // Decided before the long pause: early, or at a pause shorter than
      // vad.min_silence_ms (800 ms).
      if (was_early || e.value("silence_ms", 0) < 800) ++res.incomplete_before_long_pause;
    } else if (x.kind == "complete") {
      ++res.complete_turns;
      res.complete_ms.push_back(ms);
      if (was_early) ++res.early_turns;
      if (!was_early) res.late_ms.push_back(ms);
      if (!was_early && !e.value("stt_final", false)) ++res.late_without_final;
    } else if (was_early) {
      ++res.early_turns;  // the first sentence of a `two` turn
    }
  }
  return res;
}

}  // namespace

int main(int argc, char** argv) {
  std::string aicc = std::string(AICC_BINARY_DIR) + "/aicc";
  int repeat = 1;
  std::string only;
  std::vector<std::string> extra;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--aicc" && i + 1 < argc) {
      aicc = argv[++i];
    } else if (a == "--repeat" && i + 1 < argc) {
      repeat = std::max(1, std::atoi(argv[++i]));
    } else if (a == "--only" && i + 1 < argc) {
      only = argv[++i];
    } else if (a == "--set" && i + 1 < argc) {
      extra.emplace_back(argv[++i]);
    } else {
      std::fprintf(stderr,
                   "usage: bench_turn_latency [--aicc PATH] [--repeat N] [--only on|off] "
                   "[--set KEY=VALUE]...\n");
      return 2;
    }
  }
  const fs::path dir =
      fs::temp_directory_path() / ("aicc_turn_latency_" + std::to_string(getpid()));
  fs::create_directories(dir);

  // The stream: every clip, its pause, the test set `repeat` times.
  const auto set = TestSet();
  std::vector<std::int16_t> pcm(8 * 500, 0);  // 0.5 s of silence first
  std::vector<Expect> expects;
  std::vector<std::string> segments;
  int clip_index = 0;
  std::map<std::string, Pcm> cache;
  for (int r = 0; r < repeat; ++r) {
    for (std::size_t t = 0; t < set.size(); ++t) {
      const Turn& turn = set[t];
      std::string joined;
      for (std::size_t c = 0; c < turn.clips.size(); ++c) {
        const Clip& clip = turn.clips[c];
        auto it = cache.find(clip.text);
        if (it == cache.end()) {
          auto p = Synthesize(clip.text, dir, clip_index++);
          if (!p) {
            std::fprintf(stderr, "espeak-ng/sox failed for '%s'\n", clip.text.c_str());
            return 1;
          }
          if (LongestInnerGapMs(*p) >= 150) {
            std::fprintf(stderr, "'%s' has a %d ms gap inside: would be two segments\n",
                         clip.text.c_str(), LongestInnerGapMs(*p));
            return 1;
          }
          it = cache.emplace(clip.text, std::move(*p)).first;
        }
        pcm.insert(pcm.end(), it->second.samples.begin(), it->second.samples.end());
        segments.push_back(clip.text);
        const std::uint64_t end = pcm.size();
        if (turn.kind == "two") {
          // Each sentence is its own turn_complete (the first one early,
          // when it goes well); each is measured from its own end.
          Expect x{static_cast<int>(t), turn.kind, clip.text, end};
          if (c == 0) {
            for (const auto& cl : turn.clips) x.joined += (x.joined.empty() ? "" : " ") + cl.text;
          } else {
            x.optional = true;
          }
          expects.push_back(std::move(x));
        } else {
          if (!joined.empty()) joined += ' ';
          joined += clip.text;
          if (c + 1 == turn.clips.size())
            expects.push_back({static_cast<int>(t), turn.kind, joined, end});
        }
        pcm.insert(pcm.end(), static_cast<std::size_t>(clip.pause_after_ms) * 8, 0);
      }
    }
  }
  std::vector<std::uint8_t> coded(pcm.size());
  aicc::audio::EncodeUlaw(pcm, coded);
  std::printf("test set: %zu turns × %d, %.1f s of audio\n", set.size(), repeat,
              static_cast<double>(pcm.size()) / 8000.0);

  std::map<std::string, RunResult> results;
  for (const bool early : {true, false}) {
    if (!only.empty() && only != (early ? "on" : "off")) continue;
    std::printf("early decisions %s:\n", early ? "on" : "off");
    results[early ? "on" : "off"] = RunOnce(aicc, early, coded, expects, segments, extra, dir);
  }
  std::printf(
      "\n| early | complete-worded turns | median | p95 | max | decided early | "
      "incomplete decided before the long pause | resumed after early | corrected | "
      "missing |\n|---|---|---|---|---|---|---|---|---|---|\n");
  for (const auto& [name, r] : results) {
    const double mx =
        r.complete_ms.empty() ? 0 : *std::max_element(r.complete_ms.begin(), r.complete_ms.end());
    std::printf(
        "| %s | %d | %.0f ms | %.0f ms | %.0f ms | %d | %d of %d | %d of %d early | %d | %d |\n",
        name.c_str(), r.complete_turns, Percentile(r.complete_ms, 0.5),
        Percentile(r.complete_ms, 0.95), mx, r.early_turns, r.incomplete_before_long_pause,
        r.incomplete_turns, r.resumed, r.early_turns, r.corrected, r.missing);
  }
  std::printf(
      "\n| early | late-decided complete-worded turns | their median | p95 | audio sent to "
      "Google | finals | mean long pause → final | late turns without a final |\n"
      "|---|---|---|---|---|---|---|---|\n");
  for (const auto& [name, r] : results) {
    std::printf("| %s | %zu | %.0f ms | %.0f ms | %.1f s | %.0f | %.0f ms | %d |\n", name.c_str(),
                r.late_ms.size(), Percentile(r.late_ms, 0.5), Percentile(r.late_ms, 0.95),
                r.stt_audio_s, r.final_count,
                r.final_count > 0 ? 1000 * r.final_latency_sum_s / r.final_count : 0.0,
                r.late_without_final);
  }
  fs::remove_all(dir);
  return 0;
}
