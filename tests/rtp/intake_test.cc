// The receiver's door for sources nobody registered (pipeline-only mode),
// with real datagrams over loopback: what does not parse starts nothing, a
// stream starts after a short run of valid packets, and a flood from
// thousands of source ports is held to the new-stream limits.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <condition_variable>
#include <iostream>
#include <map>
#include <mutex>
#include <thread>

#include "core/metrics.h"
#include "rtp/packet.h"
#include "rtp/receiver.h"

namespace aicc::rtp {
namespace {
namespace asio = boost::asio;
using udp = asio::ip::udp;
using namespace std::chrono_literals;

// Accepts every source as its own call, as the pipeline-only registry does
// when no call lacks the speaker.
class Accepting : public Receiver::Listener {
 public:
  std::optional<SourceInfo> OnUnknownSource(PortRole port, const udp::endpoint& from) override {
    std::lock_guard lock(mutex);
    accepted.push_back(from);
    cv.notify_all();
    return SourceInfo{"call-" + std::to_string(accepted.size()), port == PortRole::kCustomer
                                                                     ? core::Speaker::kCustomer
                                                                     : core::Speaker::kAgent};
  }
  void OnAudio(const SourceInfo& s, const AudioFrame& f) override {
    std::lock_guard lock(mutex);
    samples[s.call_id] += f.pcm.size();
  }
  void OnStreamEnd(const SourceInfo&, const StreamStats&) override {}

  bool WaitFor(const udp::endpoint& ep) {
    std::unique_lock lock(mutex);
    return cv.wait_for(lock, 10s, [&] {
      return std::find(accepted.begin(), accepted.end(), ep) != accepted.end();
    });
  }
  std::vector<udp::endpoint> Accepted() {
    std::lock_guard lock(mutex);
    return accepted;
  }

  std::mutex mutex;
  std::condition_variable cv;
  std::vector<udp::endpoint> accepted;
  std::map<std::string, std::size_t> samples;
};

std::vector<std::uint8_t> Rtp(std::uint16_t seq, std::uint32_t ssrc, std::uint8_t pt = 0) {
  std::vector<std::uint8_t> payload(160, 0xFF), out(12 + 160);
  PacketHeader h;
  h.payload_type = pt;
  h.sequence = seq;
  h.timestamp = seq * 160u;
  h.ssrc = ssrc;
  auto n = SerializePacket(h, payload, out);
  out.resize(*n);
  return out;
}

class IntakeTest : public ::testing::Test {
 protected:
  void Start(ReceiverOptions ro) {
    ro.bind_address = "127.0.0.1";
    ro.customer_port = 0;
    ro.agent_port = 0;
    receiver_ = std::make_unique<Receiver>(asio::make_strand(io_), ro, listener_, &metrics_);
    ASSERT_TRUE(receiver_->Start());
    thread_ = std::thread([this] { io_.run(); });
  }
  void TearDown() override {
    if (receiver_) receiver_->Stop();
    work_.reset();
    if (thread_.joinable()) thread_.join();
  }
  udp::socket Socket(const char* address = "127.0.0.1") {
    udp::socket s(client_io_);
    s.open(udp::v4());
    s.bind(udp::endpoint(asio::ip::make_address(address), 0));
    return s;
  }
  udp::endpoint Port(PortRole role) { return receiver_->LocalEndpoint(role); }
  // Three valid packets in sequence from a fresh socket: a stream everywhere.
  udp::endpoint Marker(PortRole role) {
    auto s = Socket();
    for (std::uint16_t i = 0; i < 3; ++i) s.send_to(asio::buffer(Rtp(100 + i, 42)), Port(role));
    return s.local_endpoint();
  }
  double Metric(const std::string& needle) {
    const std::string text = metrics_.RenderPrometheus();
    const auto at = text.find(needle + " ");
    return at == std::string::npos ? 0 : std::stod(text.substr(at + needle.size() + 1));
  }

  asio::io_context io_;
  asio::io_context client_io_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_{
      io_.get_executor()};
  std::thread thread_;
  core::MetricsRegistry metrics_;
  Accepting listener_;
  std::unique_ptr<Receiver> receiver_;
};

// Issue 18 item 6: one empty datagram to the agent port made a stream, and
// in pipeline-only mode a call, ahead of the real one: the real call split.
TEST_F(IntakeTest, DatagramsThatDoNotParseStartNoStream) {
  Start({});
  auto stray = Socket();
  const std::uint8_t junk[] = {0x80, 0x00, 0x01};
  stray.send_to(asio::buffer(junk, 0), Port(PortRole::kAgent));  // empty
  stray.send_to(asio::buffer(junk), Port(PortRole::kAgent));     // too short
  stray.send_to(asio::buffer(std::vector<std::uint8_t>(172, 0x00)), Port(PortRole::kAgent));
  // Same receiving socket, so the kernel queues these after the junk.
  const auto marker = Marker(PortRole::kAgent);
  ASSERT_TRUE(listener_.WaitFor(marker));
  const auto accepted = listener_.Accepted();
  ASSERT_EQ(accepted.size(), 1u) << "a datagram that is not RTP started a stream";
  EXPECT_EQ(accepted[0], marker);
  EXPECT_EQ(Metric("aicc_rtp_packets_malformed_total{speaker=\"agent\"}"), 3);
}

// Probation: valid packets, but not a run of three in sequence with one SSRC.
TEST_F(IntakeTest, AStreamStartsOnlyAfterThreeValidPacketsInSequence) {
  Start({});
  struct Row {
    const char* name;
    std::vector<std::vector<std::uint8_t>> packets;
    bool starts;
  };
  const std::vector<Row> rows = {
      {"one packet", {Rtp(7, 1)}, false},
      {"two packets", {Rtp(7, 1), Rtp(8, 1)}, false},
      {"three, a gap", {Rtp(7, 1), Rtp(8, 1), Rtp(10, 1)}, false},
      {"three, SSRC changes", {Rtp(7, 1), Rtp(8, 2), Rtp(9, 2)}, false},
      {"three, undecodable payload type", {Rtp(7, 1, 13), Rtp(8, 1, 13), Rtp(9, 1, 13)}, false},
      {"three in sequence", {Rtp(7, 1), Rtp(8, 1), Rtp(9, 1)}, true},
      {"three across the wrap", {Rtp(65534, 5), Rtp(65535, 5), Rtp(0, 5)}, true},
      {"junk, then three", {{0x00}, Rtp(7, 1), Rtp(8, 1), Rtp(9, 1)}, true},
  };
  std::vector<udp::endpoint> from;
  for (const auto& row : rows) {
    auto s = Socket();
    for (const auto& p : row.packets) s.send_to(asio::buffer(p), Port(PortRole::kCustomer));
    from.push_back(s.local_endpoint());
  }
  ASSERT_TRUE(listener_.WaitFor(Marker(PortRole::kCustomer)));
  const auto accepted = listener_.Accepted();
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const bool started = std::find(accepted.begin(), accepted.end(), from[i]) != accepted.end();
    EXPECT_EQ(started, rows[i].starts) << rows[i].name;
  }
}

// The packets of the probation run are not lost: they are played once the
// stream starts.
TEST_F(IntakeTest, TheProbationPacketsArePlayed) {
  Start({});
  auto s = Socket();
  for (std::uint16_t i = 0; i < 3; ++i)
    s.send_to(asio::buffer(Rtp(i + 1, 9)), Port(PortRole::kCustomer));
  ASSERT_TRUE(listener_.WaitFor(s.local_endpoint()));
  receiver_->UnregisterSource(s.local_endpoint());  // flushes the buffer
  for (int i = 0; i < 100; ++i) {
    {
      std::lock_guard lock(listener_.mutex);
      if (listener_.samples["call-1"] >= 3 * 160) break;
    }
    std::this_thread::sleep_for(10ms);
  }
  std::lock_guard lock(listener_.mutex);
  EXPECT_EQ(listener_.samples["call-1"], 3u * 160);
}

// Issue 18 item 7: thousands of source ports, each sending a short valid
// run, used to become as many streams (and calls). Now: one address gets
// its own rate, and another address (the real Asterisk) still gets in.
TEST_F(IntakeTest, AFloodFromThousandsOfPortsIsHeldToTheNewStreamLimits) {
  ReceiverOptions ro;
  ro.max_new_streams_per_second_per_address = 10;
  ro.max_unknown_sources = 4096;
  Start(ro);
  constexpr int kSources = 3000;
  const auto began = std::chrono::steady_clock::now();
  for (int batch = 0; batch < kSources / 500; ++batch) {
    std::vector<udp::socket> sockets;
    for (int i = 0; i < 500; ++i) sockets.push_back(Socket("127.0.0.2"));
    for (std::uint16_t seq = 0; seq < 3; ++seq) {
      for (std::size_t i = 0; i < sockets.size(); ++i) {
        const PortRole role = i % 2 ? PortRole::kAgent : PortRole::kCustomer;
        sockets[i].send_to(asio::buffer(Rtp(seq, static_cast<std::uint32_t>(i))), Port(role));
      }
    }
  }
  // The real sender, from another address, after the flood.
  const auto customer = Marker(PortRole::kCustomer);
  const auto agent = Marker(PortRole::kAgent);
  ASSERT_TRUE(listener_.WaitFor(customer));
  ASSERT_TRUE(listener_.WaitFor(agent));
  const double elapsed_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  std::size_t from_flood = 0;
  for (const auto& ep : listener_.Accepted()) from_flood += ep.address().to_string() == "127.0.0.2";
  // One second of burst, then 10 a second.
  EXPECT_LE(from_flood, static_cast<std::size_t>(10 + 10 * elapsed_s + 1)) << elapsed_s << " s";
  EXPECT_GE(from_flood, 10u);
  const double refused =
      Metric("aicc_rtp_streams_refused_total{speaker=\"customer\",reason=\"address_rate\"}") +
      Metric("aicc_rtp_streams_refused_total{speaker=\"agent\",reason=\"address_rate\"}");
  EXPECT_GT(refused, 0);
  std::cout << "flood of " << kSources << " sources: " << from_flood << " streams in " << elapsed_s
            << " s, " << refused << " refusals\n";
}

}  // namespace
}  // namespace aicc::rtp
