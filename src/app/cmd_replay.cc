// `aicc replay`: sends WAV (or raw μ-law/A-law) files as paced RTP, like
// Asterisk's ExternalMedia channels do; the load generator and the demo's
// media source.
#include <fmt/format.h>
#include <sys/resource.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/signal_set.hpp>
#include <fstream>
#include <memory>
#include <thread>

#include "app/commands.h"
#include "audio/g711.h"
#include "audio/resampler.h"
#include "audio/wav.h"
#include "rtp/sender.h"

namespace aicc::app {
namespace asio = boost::asio;

namespace {

// Loads a file as the coded payload bytes for `codec`.
boost::system::result<std::vector<std::uint8_t>, std::string> LoadMedia(const std::string& path,
                                                                        rtp::Codec codec) {
  const auto dot = path.rfind('.');
  const std::string ext = dot == std::string::npos ? "" : path.substr(dot + 1);
  if (ext == "ul" || ext == "ulaw" || ext == "al" || ext == "alaw") {
    std::ifstream in(path, std::ios::binary);
    if (!in) return "cannot open " + path;
    std::vector<std::uint8_t> raw((std::istreambuf_iterator<char>(in)),
                                  std::istreambuf_iterator<char>());
    const bool is_ulaw = ext[0] == 'u';
    if ((codec == rtp::Codec::kUlaw && is_ulaw) || (codec == rtp::Codec::kAlaw && !is_ulaw))
      return raw;
    std::vector<std::int16_t> pcm(raw.size());
    if (is_ulaw)
      audio::DecodeUlaw(raw, pcm);
    else
      audio::DecodeAlaw(raw, pcm);
    std::vector<std::uint8_t> out(pcm.size() * (codec == rtp::Codec::kSlin16 ? 2 : 1));
    if (codec == rtp::Codec::kAlaw)
      audio::EncodeAlaw(pcm, out);
    else if (codec == rtp::Codec::kUlaw)
      audio::EncodeUlaw(pcm, out);
    else
      return std::string("raw G.711 files are 8 kHz: send them as ulaw or alaw");
    return out;
  }
  auto wav = audio::ReadWav(path);
  if (!wav) return wav.error().message;
  if (codec != rtp::Codec::kSlin16 && wav->encoding == audio::WavEncoding::kUlaw &&
      codec == rtp::Codec::kUlaw && wav->sample_rate == 8000) {
    return wav->coded;  // send the file's own bytes
  }
  std::vector<std::int16_t> pcm = wav->samples;
  const int want_rate = codec == rtp::Codec::kSlin16 ? 16000 : 8000;
  if (wav->sample_rate != want_rate) {
    auto r = audio::Resampler::Create(wav->sample_rate, want_rate);
    if (!r) return r.error();
    std::vector<std::int16_t> converted;
    (*r)->Process(pcm, converted);
    (*r)->Flush(converted);
    pcm = std::move(converted);
  }
  std::vector<std::uint8_t> out;
  if (codec == rtp::Codec::kSlin16) {
    out.resize(pcm.size() * 2);
    audio::EncodeSlinBigEndian(pcm, out);
  } else {
    out.resize(pcm.size());
    if (codec == rtp::Codec::kUlaw)
      audio::EncodeUlaw(pcm, out);
    else
      audio::EncodeAlaw(pcm, out);
  }
  return out;
}

// Many streams need many sockets: raise the descriptor limit to the hard one.
void RaiseFileLimit() {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
}

}  // namespace

void AddReplayCommand(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand(
      "replay", "Send WAV/raw G.711 files as paced RTP (load generator, demo source)");
  struct Args {
    std::string customer_file;
    std::string agent_file;
    std::string host = "127.0.0.1";
    std::uint16_t customer_port = 12345;
    std::uint16_t agent_port = 12346;
    std::string codec = "ulaw";
    int calls = 1;
    bool loop = false;
    double loss = 0, dup = 0, reorder = 0;
    int jitter_ms = 0;
    std::uint64_t seed = 1;
    int stagger_ms = 0;
    bool spread = false;
    std::string schedule;
  };
  auto a = std::make_shared<Args>();
  cmd->add_option("file", a->customer_file,
                  "Audio for the customer stream (WAV PCM16/μ-law/A-law, or .ul/.al)")
      ->required();
  cmd->add_option("--agent-file", a->agent_file,
                  "Audio for a second stream per call, to the agent port");
  cmd->add_option("--host", a->host, "Destination address");
  cmd->add_option("--customer-port", a->customer_port, "Destination port of customer streams");
  cmd->add_option("--agent-port", a->agent_port, "Destination port of agent streams");
  cmd->add_option("--codec", a->codec, "ulaw (PT 0), alaw (PT 8) or slin16 (PT 118)")
      ->check(CLI::IsMember({"ulaw", "alaw", "slin16"}));
  cmd->add_option("--calls", a->calls, "Concurrent calls, each from its own source ports")
      ->check(CLI::Range(1, 10000));
  cmd->add_flag("--loop", a->loop, "Repeat the audio until interrupted");
  cmd->add_option("--loss", a->loss, "Packet loss probability")->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--dup", a->dup, "Duplication probability")->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--reorder", a->reorder, "Reordering probability")->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--jitter-ms", a->jitter_ms, "Extra random delay per packet, up to this")
      ->check(CLI::Range(0, 1000));
  cmd->add_option("--seed", a->seed, "Random seed of the impairments");
  cmd->add_option("--stagger-ms", a->stagger_ms, "Start call k after k × this")
      ->check(CLI::Range(0, 60000));
  cmd->add_flag("--spread", a->spread,
                "Spread the streams' packets over the 20 ms period (as Asterisk's channels, each "
                "on its own timer, send them) instead of sending every stream at once");
  cmd->add_option("--schedule", a->schedule,
                  "Write when each stream's first packet is due (call, speaker, source port, "
                  "phase, wall-clock ns) to this file, for the load benchmark's latency");
  cmd->callback([a, &exit_code] {
    const rtp::Codec codec = a->codec == "alaw"     ? rtp::Codec::kAlaw
                             : a->codec == "slin16" ? rtp::Codec::kSlin16
                                                    : rtp::Codec::kUlaw;
    auto customer = LoadMedia(a->customer_file, codec);
    if (!customer) {
      fmt::print(stderr, "aicc replay: {}\n", customer.error());
      exit_code = 2;
      return;
    }
    std::vector<std::uint8_t> agent;
    if (!a->agent_file.empty()) {
      auto loaded = LoadMedia(a->agent_file, codec);
      if (!loaded) {
        fmt::print(stderr, "aicc replay: {}\n", loaded.error());
        exit_code = 2;
        return;
      }
      agent = std::move(*loaded);
    }
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(a->host, ec);
    if (ec) {
      fmt::print(stderr, "aicc replay: '{}' is not an IP address\n", a->host);
      exit_code = 2;
      return;
    }
    RaiseFileLimit();
    asio::io_context io;
    rtp::Impairments imp{a->loss, a->dup, a->reorder, std::chrono::milliseconds(a->jitter_ms),
                         a->seed};
    rtp::Sender sender(io.get_executor(), imp);
    const int streams_per_call = agent.empty() ? 1 : 2;
    const int total_streams = a->calls * streams_per_call;
    // Evenly over the period, neighbours in different milliseconds.
    auto phase_of = [&](int stream_index) {
      if (!a->spread) return std::chrono::microseconds(0);
      return std::chrono::microseconds(static_cast<std::int64_t>(stream_index) * 20000 /
                                       total_streams);
    };
    struct Planned {
      int call;
      const char* speaker;
      std::chrono::milliseconds delay;
      std::chrono::microseconds phase;
    };
    std::vector<Planned> planned;
    for (int c = 0; c < a->calls; ++c) {
      const auto delay = std::chrono::milliseconds(static_cast<std::int64_t>(c) * a->stagger_ms);
      rtp::SendStream s{asio::ip::udp::endpoint(address, a->customer_port), codec, *customer};
      s.loop = a->loop;
      s.start_delay = delay;
      s.phase = phase_of(c * streams_per_call);
      planned.push_back({c, "customer", delay, s.phase});
      if (auto r = sender.AddStream(std::move(s)); !r) {
        fmt::print(stderr, "aicc replay: {}\n", r.error());
        exit_code = 1;
        return;
      }
      if (!agent.empty()) {
        rtp::SendStream s2{asio::ip::udp::endpoint(address, a->agent_port), codec, agent};
        s2.loop = a->loop;
        s2.start_delay = delay;
        s2.phase = phase_of(c * streams_per_call + 1);
        planned.push_back({c, "agent", delay, s2.phase});
        if (auto r = sender.AddStream(std::move(s2)); !r) {
          fmt::print(stderr, "aicc replay: {}\n", r.error());
          exit_code = 1;
          return;
        }
      }
    }
    // The start, on both clocks: the schedule is in wall time (the backend
    // stamps receipt in wall time), the sender runs on the steady clock.
    const auto first_steady = std::chrono::steady_clock::now() + std::chrono::milliseconds(50);
    const auto first_wall = std::chrono::system_clock::now() + std::chrono::milliseconds(50);
    if (!a->schedule.empty()) {
      std::ofstream out(a->schedule);
      const auto sources = sender.SourceEndpoints();
      out << "# call speaker source_port phase_us first_packet_wall_ns packet_ms\n";
      for (std::size_t i = 0; i < planned.size(); ++i) {
        const auto due = first_wall + planned[i].delay + planned[i].phase;
        out << fmt::format(
            "{} {} {} {} {} 20\n", planned[i].call, planned[i].speaker, sources[i].port(),
            planned[i].phase.count(),
            std::chrono::duration_cast<std::chrono::nanoseconds>(due.time_since_epoch()).count());
      }
      if (!out) {
        fmt::print(stderr, "aicc replay: cannot write {}\n", a->schedule);
        exit_code = 1;
        return;
      }
    }
    // Interrupted (the load benchmark stops it with SIGTERM): the summary
    // below still prints.
    asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](boost::system::error_code ec, int) {
      if (!ec) io.stop();
    });
    const auto start = std::chrono::steady_clock::now();
    sender.Start([&io] { io.stop(); }, first_steady);
    io.run();
    const auto st = sender.stats();
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    fmt::print(
        "sent {} packets ({} dropped by --loss, {} send errors) in {:.1f} s; worst pacing lateness "
        "{} us, {} of {} ticks more than 5 ms late\n",
        st.packets_sent, st.packets_dropped, st.send_errors, secs, st.max_lateness.count(),
        st.late_ticks, st.ticks);
    exit_code = st.send_errors ? 1 : 0;
  });
}

}  // namespace aicc::app
