// ARI mode: each speaker of a call is analysed from exactly one RTP source.
// When call control reports a new source for a speaker (a rebuilt analysis
// chain, or a re-adopted call's new ExternalMedia channel), the old source
// is dropped, so a stale channel that still streams never feeds the
// speaker's pipeline next to the new one. Real UDP sockets on loopback.
#include <gtest/gtest.h>

#include <array>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <optional>
#include <string>
#include <thread>

#include "core/clock.h"
#include "core/ids.h"
#include "pipeline/call_registry.h"
#include "rtp/receiver.h"
#include "stt/recognizer.h"
#include "turn/detector.h"
#include "vad/vad.h"

namespace aicc::pipeline {
namespace {
namespace asio = boost::asio;
using udp = asio::ip::udp;
using namespace std::chrono_literals;

// One μ-law RTP packet (PT 0, 20 ms of silence).
std::array<std::uint8_t, 172> Packet(std::uint16_t seq, std::uint32_t ssrc) {
  std::array<std::uint8_t, 172> p{};
  p.fill(0xff);
  p[0] = 0x80;
  p[1] = 0;
  p[2] = static_cast<std::uint8_t>(seq >> 8);
  p[3] = static_cast<std::uint8_t>(seq);
  const std::uint32_t ts = seq * 160u;
  for (int i = 0; i < 4; ++i) p[4 + i] = static_cast<std::uint8_t>(ts >> (24 - 8 * i));
  for (int i = 0; i < 4; ++i) p[8 + i] = static_cast<std::uint8_t>(ssrc >> (24 - 8 * i));
  return p;
}

std::uint64_t Counter(const core::MetricsRegistry& m, const std::string& prefix) {
  const std::string text = m.RenderPrometheus();
  std::uint64_t total = 0;
  for (std::size_t at = text.find("\n" + prefix); at != std::string::npos;
       at = text.find("\n" + prefix, at + 1)) {
    const auto space = text.find(' ', at + 1);
    total += std::stoull(text.substr(space + 1));
  }
  return total;
}

TEST(RegistrySource, ANewSourceForASpeakerReplacesTheOldOne) {
  asio::io_context io;
  core::MetricsRegistry metrics;
  auto clock = core::MakeSystemClock();
  auto recognizer = stt::MakeNullRecognizer();
  turn::Detector detector{turn::DetectorOptions{}};
  PipelineDeps deps;
  deps.vad_engine = vad::MakeEnergyEngine(0.6);
  deps.recognizer = recognizer.get();
  deps.detector = &detector;
  deps.clock = clock.get();
  deps.metrics = &metrics;
  deps.emit = [](const events::Event&) {};
  CallRegistry registry(io.get_executor(), std::move(deps), PipelineOptions{});
  rtp::ReceiverOptions ro;
  ro.bind_address = "127.0.0.1";
  ro.customer_port = 0;
  ro.agent_port = 0;
  ro.unknown_source_grace = 50ms;
  ro.release_interval = 10ms;
  rtp::Receiver receiver(registry.executor(), ro, registry, &metrics);
  registry.AttachReceiver(&receiver);
  ASSERT_TRUE(receiver.Start());
  const udp::endpoint agent_port = receiver.LocalEndpoint(rtp::PortRole::kAgent);
  auto work = asio::make_work_guard(io);
  std::thread runner([&io] { io.run(); });

  asio::io_context senders;
  udp::socket stale(senders, udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  udp::socket fresh(senders, udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  auto send = [&](udp::socket& s, std::uint16_t seq, std::uint32_t ssrc) {
    const auto p = Packet(seq, ssrc);
    s.send_to(asio::buffer(p),
              udp::endpoint(asio::ip::make_address("127.0.0.1"), agent_port.port()));
  };
  auto unknown = [&] { return Counter(metrics, "aicc_rtp_packets_unknown_source_total"); };
  auto settle = [] { std::this_thread::sleep_for(300ms); };

  const std::string call_id = core::NewUuid();
  CallMeta meta;
  meta.call_id = call_id;
  meta.channel_id = "1795.1";
  registry.StartCall(std::move(meta));
  registry.AddMediaSource(call_id, core::Speaker::kAgent, stale.local_endpoint());
  settle();
  for (std::uint16_t i = 0; i < 10; ++i) send(stale, i, 1);
  settle();
  EXPECT_EQ(unknown(), 0u) << "the registered source is analysed";

  // The chain is rebuilt: a new ExternalMedia channel, a new source.
  registry.AddMediaSource(call_id, core::Speaker::kAgent, fresh.local_endpoint());
  settle();
  for (std::uint16_t i = 10; i < 20; ++i) {
    send(stale, i, 1);
    send(fresh, i, 2);
  }
  // Refused packets are counted once their grace period has passed.
  for (int i = 0; i < 100 && unknown() < 10; ++i) std::this_thread::sleep_for(50ms);
  settle();
  EXPECT_EQ(unknown(), 10u) << "only the stale source's packets are refused";

  registry.EndCall(call_id, "hangup");
  settle();
  receiver.Stop();
  work.reset();
  io.stop();
  runner.join();
}

}  // namespace
}  // namespace aicc::pipeline
