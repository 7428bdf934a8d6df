// Real RTP over loopback: the replay sender with loss, duplication,
// reordering and jitter → the receiver → reconstructed audio.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <cmath>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include "audio/g711.h"
#include "audio/wav.h"
#include "rtp/receiver.h"
#include "rtp/sender.h"

namespace aicc::rtp {
namespace {
namespace asio = boost::asio;
using namespace std::chrono_literals;

class Collector : public Receiver::Listener {
 public:
  std::optional<SourceInfo> OnUnknownSource(PortRole port,
                                            const asio::ip::udp::endpoint&) override {
    return SourceInfo{
        "call-1", port == PortRole::kCustomer ? core::Speaker::kCustomer : core::Speaker::kAgent};
  }
  void OnAudio(const SourceInfo&, const AudioFrame& f) override {
    std::lock_guard lock(mutex);
    if (f.stream_sample != pcm.size()) ++discontinuities;
    pcm.resize(f.stream_sample);
    pcm.insert(pcm.end(), f.pcm.begin(), f.pcm.end());
    concealed.resize(pcm.size(), f.concealed);
  }
  void OnStreamEnd(const SourceInfo&, const StreamStats& s) override {
    std::lock_guard lock(mutex);
    stats = s;
    ended = true;
    cv.notify_all();
  }
  std::mutex mutex;
  std::condition_variable cv;
  std::vector<std::int16_t> pcm;
  std::vector<bool> concealed;
  int discontinuities = 0;
  bool ended = false;
  StreamStats stats;
};

TEST(RtpLoopbackTest, SpeechSurvivesLossDuplicationAndReordering) {
  const std::string path = std::string(AICC_SOURCE_DIR) + "/.cache/audio/customer1.wav";
  auto wav = audio::ReadWav(path);
  ASSERT_TRUE(wav) << wav.error().message << " (run scripts/make-audio.sh)";
  ASSERT_EQ(wav->sample_rate, 8000);
  std::vector<std::uint8_t> ulaw(wav->samples.size());
  audio::EncodeUlaw(wav->samples, ulaw);

  asio::io_context io;
  Collector collector;
  ReceiverOptions ro;
  ro.bind_address = "127.0.0.1";
  ro.customer_port = 0;
  ro.agent_port = 0;
  Receiver receiver(asio::make_strand(io), ro, collector);
  ASSERT_TRUE(receiver.Start());

  Impairments imp;
  imp.loss = 0.05;
  imp.duplicate = 0.02;
  imp.reorder = 0.05;
  imp.jitter = 10ms;
  imp.seed = 7;
  Sender sender(io.get_executor(), imp);
  SendStream ss;
  ss.destination = receiver.LocalEndpoint(PortRole::kCustomer);
  ss.codec = Codec::kUlaw;
  ss.media = ulaw;
  ss.first_sequence = 65500;  // crosses the wrap
  ASSERT_TRUE(sender.AddStream(ss));
  // The sender binds the wildcard address; packets arrive from loopback.
  const asio::ip::udp::endpoint source(asio::ip::make_address("127.0.0.1"),
                                       sender.SourceEndpoints().at(0).port());

  std::thread t1([&] { io.run(); });
  std::thread t2([&] { io.run(); });
  std::promise<void> sent;
  sender.Start([&] { sent.set_value(); });
  sent.get_future().wait();
  std::this_thread::sleep_for(200ms);  // the last packets pass the jitter buffer
  receiver.UnregisterSource(source);
  {
    std::unique_lock lock(collector.mutex);
    ASSERT_TRUE(collector.cv.wait_for(lock, 10s, [&] { return collector.ended; }));
  }
  const SenderStats sstats = sender.stats();
  receiver.Stop();
  sender.Stop();
  io.stop();
  t1.join();
  t2.join();

  const auto& st = collector.stats;
  EXPECT_GT(sstats.packets_dropped, 0u);
  EXPECT_GT(st.duplicated, 0u);
  EXPECT_GT(st.reordered, 0u);
  EXPECT_EQ(collector.discontinuities, 0) << "the timeline has gaps";
  // Lost = what the sender dropped (except a dropped first packet, which
  // the receiver cannot know about).
  EXPECT_NEAR(static_cast<double>(st.lost), static_cast<double>(sstats.packets_dropped), 2.0);

  // Align: the receiver's timeline starts at the first packet it received.
  const auto& out = collector.pcm;
  const std::size_t n = wav->samples.size();
  std::size_t best_offset = 0;
  double best_err = 1e300;
  for (std::size_t off = 0; off <= 10 * 160 && off < n; off += 160) {
    double err = 0;
    for (std::size_t i = 0; i < std::min<std::size_t>(out.size(), 8000); ++i) {
      if (collector.concealed[i] || i + off >= n) continue;
      err += std::abs(out[i] - wav->samples[i + off]);
    }
    if (err < best_err) {
      best_err = err;
      best_offset = off;
    }
  }
  EXPECT_LE(
      std::llabs(static_cast<long long>(out.size() + best_offset) - static_cast<long long>(n)),
      160);

  double signal = 0, noise = 0;
  std::size_t compared = 0;
  for (std::size_t i = 0; i < out.size() && i + best_offset < n; ++i) {
    if (collector.concealed[i]) continue;
    const double s = wav->samples[i + best_offset];
    signal += s * s;
    noise += (out[i] - s) * (out[i] - s);
    ++compared;
  }
  ASSERT_GT(compared, n / 2);
  const double snr = 10 * std::log10(signal / std::max(noise, 1.0));
  EXPECT_GE(snr, 30.0) << "SNR outside lost packets";
  std::printf(
      "packets sent %llu dropped %llu | received %llu lost %llu dup %llu reordered %llu late %llu "
      "| SNR %.1f dB\n",
      static_cast<unsigned long long>(sstats.packets_sent),
      static_cast<unsigned long long>(sstats.packets_dropped),
      static_cast<unsigned long long>(st.received), static_cast<unsigned long long>(st.lost),
      static_cast<unsigned long long>(st.duplicated), static_cast<unsigned long long>(st.reordered),
      static_cast<unsigned long long>(st.late), snr);
}

// The kernel drops datagrams when the receiver falls behind (here: its
// event loop is not running yet and the socket buffer is tiny). The receiver
// reads the kernel's own count, for the metrics and for load shedding.
TEST(RtpLoopbackTest, KernelDropsAreCountedWhenTheReceiverFallsBehind) {
  asio::io_context io;
  Collector collector;
  core::MetricsRegistry metrics;
  ReceiverOptions ro;
  ro.bind_address = "127.0.0.1";
  ro.customer_port = 0;
  ro.agent_port = 0;
  ro.socket_buffer_bytes = 4096;  // the kernel rounds it up to its minimum
  Receiver receiver(asio::make_strand(io), ro, collector, &metrics);
  ASSERT_TRUE(receiver.Start());

  asio::ip::udp::socket out(io, asio::ip::udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  std::array<std::uint8_t, 172> packet{};
  packet[0] = 0x80;  // RTP v2, PCMU
  for (int i = 0; i < 2000; ++i) {
    packet[2] = static_cast<std::uint8_t>(i >> 8);
    packet[3] = static_cast<std::uint8_t>(i);
    out.send_to(asio::buffer(packet), receiver.LocalEndpoint(PortRole::kCustomer));
  }
  // Let the receiver drain what the kernel kept, sample the sockets and
  // report its per-second stream counters.
  io.run_for(1200ms);
  const auto pressure = receiver.TakePressure();
  EXPECT_GT(pressure.kernel_drops, 0u);
  EXPECT_LT(pressure.kernel_drops, 2000u);
  const std::string text = metrics.RenderPrometheus();
  EXPECT_NE(text.find("aicc_rtp_kernel_drops_total{speaker=\"customer\"} " +
                      std::to_string(pressure.kernel_drops)),
            std::string::npos)
      << text;
  // Received + dropped by the kernel = sent.
  EXPECT_NE(text.find("aicc_rtp_packets_received_total{speaker=\"customer\"} " +
                      std::to_string(2000 - pressure.kernel_drops)),
            std::string::npos)
      << text;
  EXPECT_EQ(receiver.TakePressure().peak_queue_ratio, 0.0) << "a new peak window, nothing queued";
  receiver.Stop();
  io.run_for(50ms);
}

}  // namespace
}  // namespace aicc::rtp
