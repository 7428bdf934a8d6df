// Frame arrival is when the kernel received the datagram, not when aicc got
// round to reading it: with real sockets on loopback, datagrams that wait in
// the socket queue while the receiver's strand is busy keep the time they
// were sent (SO_TIMESTAMPNS), and the conversion from the system clock to
// the steady clock rejects stamps that cannot be true.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "core/metrics.h"
#include "rtp/internal/arrival_clock.h"
#include "rtp/packet.h"
#include "rtp/receiver.h"

namespace aicc::rtp {
namespace {
namespace asio = boost::asio;
using udp = asio::ip::udp;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

TEST(SteadyArrival, TakesTheDatagramsAgeOffTheSteadyReading) {
  const internal::ClockPair now{std::chrono::system_clock::time_point(1000s),
                                Clock::time_point(50s)};
  struct Row {
    std::chrono::system_clock::duration stamp_before_now;
    Clock::time_point want;
  };
  const Row rows[] = {
      {0s, Clock::time_point(50s)},             // just arrived
      {250ms, Clock::time_point(50s) - 250ms},  // waited in the queue
      {9s, Clock::time_point(41s)},             // a long stall, still true
      {-5ms, Clock::time_point(50s)},           // from the future: clock stepped
      {11s, Clock::time_point(50s)},            // older than max_age: clock stepped
  };
  for (const auto& r : rows) {
    EXPECT_EQ(internal::SteadyArrival(now.real - r.stamp_before_now, now, 10s), r.want)
        << std::chrono::duration<double>(r.stamp_before_now).count();
  }
}

class Recording : public Receiver::Listener {
 public:
  std::optional<SourceInfo> OnUnknownSource(PortRole, const udp::endpoint&) override {
    return SourceInfo{"call", core::Speaker::kCustomer};
  }
  void OnAudio(const SourceInfo&, const AudioFrame& f) override {
    std::lock_guard lock(mutex);
    frames.push_back({f.arrival, Clock::now()});
    cv.notify_all();
  }
  void OnStreamEnd(const SourceInfo&, const StreamStats&) override {}

  struct Seen {
    Clock::time_point arrival;
    Clock::time_point processed;
  };
  std::vector<Seen> WaitFrames(std::size_t n) {
    std::unique_lock lock(mutex);
    cv.wait_for(lock, 10s, [&] { return frames.size() >= n; });
    return frames;
  }
  std::mutex mutex;
  std::condition_variable cv;
  std::vector<Seen> frames;
};

std::vector<std::uint8_t> Rtp(std::uint16_t seq) {
  std::vector<std::uint8_t> payload(160, 0x55), out(12 + 160);
  PacketHeader h;
  h.sequence = seq;
  h.timestamp = seq * 160u;
  h.ssrc = 0x1234;
  out.resize(*SerializePacket(h, payload, out));
  return out;
}

// Sends 5 packets while the receiver's strand is held busy for 300 ms, then
// lets it read them. Returns the frames and the steady times around the send.
struct BusyRun {
  std::vector<Recording::Seen> frames;
  Clock::time_point sent_before, sent_after, released;
};
BusyRun SendWhileBusy(bool kernel_timestamps) {
  asio::io_context io;
  auto strand = asio::make_strand(io);
  Recording listener;
  core::MetricsRegistry metrics;
  ReceiverOptions ro;
  ro.customer_port = 0;
  ro.agent_port = 0;
  ro.kernel_timestamps = kernel_timestamps;
  Receiver receiver(strand, ro, listener, &metrics);
  EXPECT_TRUE(receiver.Start());
  std::thread worker([&] { io.run(); });

  std::mutex m;
  std::condition_variable cv;
  bool busy = false;
  BusyRun run;
  asio::post(strand, [&] {
    {
      std::lock_guard lock(m);
      busy = true;
    }
    cv.notify_all();
    std::this_thread::sleep_for(300ms);  // the strand is busy: datagrams queue in the kernel
    run.released = Clock::now();
  });
  {
    std::unique_lock lock(m);
    cv.wait(lock, [&] { return busy; });
  }
  asio::io_context client_io;
  udp::socket client(client_io, udp::endpoint(udp::v4(), 0));
  run.sent_before = Clock::now();
  for (std::uint16_t seq = 0; seq < 5; ++seq) {
    client.send_to(asio::buffer(Rtp(seq)), receiver.LocalEndpoint(PortRole::kCustomer));
  }
  run.sent_after = Clock::now();
  run.frames = listener.WaitFrames(5);
  receiver.Stop();
  io.stop();
  worker.join();
  return run;
}

TEST(ReceiverArrival, DatagramsThatWaitedInTheSocketQueueKeepTheirKernelArrival) {
  const BusyRun run = SendWhileBusy(true);
  ASSERT_GE(run.frames.size(), 5u);
  for (const auto& f : run.frames) {
    // Stamped by the kernel when sent (loopback delivers at once), not when read.
    EXPECT_GE(f.arrival, run.sent_before - 1ms);
    EXPECT_LE(f.arrival, run.sent_after + 5ms);
    EXPECT_GE(f.processed, run.released);
    EXPECT_GE(f.processed - f.arrival, 200ms);
  }
}

TEST(ReceiverArrival, WithoutKernelTimestampsArrivalIsWhenTheDatagramWasRead) {
  const BusyRun run = SendWhileBusy(false);
  ASSERT_GE(run.frames.size(), 5u);
  for (const auto& f : run.frames) EXPECT_GE(f.arrival, run.released);
}

}  // namespace
}  // namespace aicc::rtp
