#include "rtp/sender.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <queue>
#include <random>

#include "rtp/packet.h"

namespace aicc::rtp {
namespace asio = boost::asio;
using udp = asio::ip::udp;
using Clock = std::chrono::steady_clock;

struct Sender::Impl : std::enable_shared_from_this<Impl> {
  struct Stream {
    SendStream config;
    udp::socket socket;
    std::size_t next_packet = 0;  // index of the next packet to generate
    std::size_t packet_count = 0;
    bool finished = false;
    // Reordering: a packet held back to go after the next one.
    std::vector<std::uint8_t> held;
    Stream(SendStream c, udp::socket s) : config(std::move(c)), socket(std::move(s)) {}
  };
  struct Delayed {
    Clock::time_point due;
    std::size_t stream;
    std::vector<std::uint8_t> datagram;
    bool operator>(const Delayed& o) const { return due > o.due; }
  };

  Impl(asio::any_io_executor ex, Impairments imp)
      : executor(asio::make_strand(ex)),
        impairments(imp),
        rng(imp.seed),
        tick(executor),
        delay_timer(executor) {}

  void SendDatagram(Stream& s, const std::vector<std::uint8_t>& d) {
    boost::system::error_code ec;
    s.socket.send_to(asio::buffer(d), s.config.destination, 0, ec);
    if (ec) {
      ++stats.send_errors;
    } else {
      ++stats.packets_sent;
    }
  }

  void Emit(std::size_t index, std::vector<std::uint8_t> datagram, Clock::time_point now) {
    if (impairments.jitter.count() > 0) {
      std::uniform_int_distribution<std::int64_t> d(0, impairments.jitter.count() * 1000);
      const auto due = now + std::chrono::microseconds(d(rng));
      delayed.push(Delayed{due, index, std::move(datagram)});
      ArmDelayTimer();
      return;
    }
    SendDatagram(*streams[index], datagram);
  }

  void ArmDelayTimer() {
    if (delayed.empty()) return;
    delay_timer.expires_at(delayed.top().due);
    delay_timer.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (ec || self->stopped) return;
      const auto now = Clock::now();
      while (!self->delayed.empty() && self->delayed.top().due <= now) {
        const Delayed& d = self->delayed.top();
        self->SendDatagram(*self->streams[d.stream], d.datagram);
        self->delayed.pop();
      }
      self->ArmDelayTimer();
    });
  }

  static constexpr int kSlots = 20;  // 1 ms steps of the 20 ms period

  void OnTick() {
    const auto now = Clock::now();
    const auto lateness =
        std::chrono::duration_cast<std::chrono::microseconds>(now - next_deadline);
    if (lateness > stats.max_lateness) stats.max_lateness = lateness;
    if (lateness > std::chrono::milliseconds(5)) ++stats.late_ticks;
    ++stats.ticks;
    std::uniform_real_distribution<double> u(0, 1);
    bool any_active = false;
    for (std::size_t i : by_slot[slot]) {
      Stream& s = *streams[i];
      if (s.finished) continue;
      if (ticks * 20 < static_cast<std::uint64_t>(s.config.start_delay.count())) {
        any_active = true;
        continue;
      }
      if (s.next_packet >= s.packet_count && !s.config.loop) {
        if (!s.held.empty()) Emit(i, std::move(s.held), now);
        s.held.clear();
        s.finished = true;
        continue;
      }
      any_active = true;
      const std::size_t bytes = PayloadBytesPer20ms(s.config.codec);
      const std::size_t k = s.next_packet % s.packet_count;
      const std::size_t offset = k * bytes;
      const std::size_t len = std::min(bytes, s.config.media.size() - offset);
      PacketHeader h;
      h.payload_type = s.config.codec == Codec::kUlaw   ? 0
                       : s.config.codec == Codec::kAlaw ? 8
                                                        : s.config.slin16_payload_type;
      h.marker = s.next_packet == 0;
      h.sequence = static_cast<std::uint16_t>(s.config.first_sequence + s.next_packet);
      const std::uint32_t samples_per_packet = s.config.codec == Codec::kSlin16 ? 320 : 160;
      h.timestamp =
          s.config.first_timestamp + static_cast<std::uint32_t>(s.next_packet) * samples_per_packet;
      h.ssrc = s.config.ssrc;
      ++s.next_packet;
      if (u(rng) < impairments.loss) {
        ++stats.packets_dropped;
        continue;
      }
      std::vector<std::uint8_t> datagram(12 + len);
      (void)SerializePacket(h, std::span<const std::uint8_t>(s.config.media.data() + offset, len),
                            datagram);
      const bool dup = u(rng) < impairments.duplicate;
      if (s.held.empty() && u(rng) < impairments.reorder) {
        s.held = std::move(datagram);  // goes out after the next packet
        continue;
      }
      if (dup) Emit(i, datagram, now);
      Emit(i, std::move(datagram), now);
      if (!s.held.empty()) {
        Emit(i, std::move(s.held), now);
        s.held.clear();
      }
    }
    if (any_active) active_in_period = true;
    // The next slot that has streams; a period ends when the slots wrap.
    int next = slot;
    do {
      if (++next == kSlots) {
        next = 0;
        ++ticks;
        if (!active_in_period) {
          Finish();
          return;
        }
        active_in_period = false;
      }
    } while (by_slot[next].empty());
    // Absolute deadlines: no drift however long the tick's work took.
    next_deadline =
        period_start + std::chrono::milliseconds(20) * ticks + std::chrono::milliseconds(next);
    slot = next;
    tick.expires_at(next_deadline);
    tick.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (ec || self->stopped) return;
      self->OnTick();
    });
  }

  void Finish() {
    if (finished) return;
    finished = true;
    // Let delayed (jittered) packets go out before saying done.
    auto wait = std::make_shared<asio::steady_timer>(
        executor, impairments.jitter + std::chrono::milliseconds(1));
    wait->async_wait([self = shared_from_this(), wait](boost::system::error_code) {
      if (self->done) {
        auto d = std::move(self->done);
        self->done = nullptr;
        d();
      }
    });
  }

  asio::strand<asio::any_io_executor> executor;
  Impairments impairments;
  std::mt19937_64 rng;
  asio::steady_timer tick;
  asio::steady_timer delay_timer;
  std::vector<std::unique_ptr<Stream>> streams;
  std::priority_queue<Delayed, std::vector<Delayed>, std::greater<>> delayed;
  Clock::time_point next_deadline;
  Clock::time_point period_start;
  std::uint64_t ticks = 0;  // whole periods since the start
  int slot = 0;             // the slot being sent
  bool active_in_period = false;
  std::array<std::vector<std::size_t>, kSlots> by_slot;
  std::function<void()> done;
  std::atomic<bool> stopped{false};
  bool finished = false;
  SenderStats stats;
};

Sender::Sender(asio::any_io_executor executor, Impairments impairments)
    : impl_(std::make_shared<Impl>(executor, impairments)) {}

Sender::~Sender() { Stop(); }

boost::system::result<void, std::string> Sender::AddStream(SendStream stream) {
  if (stream.media.empty()) return std::string("no audio to send");
  std::random_device rd;
  if (stream.ssrc == 0) stream.ssrc = static_cast<std::uint32_t>(rd()) | 1;
  if (stream.first_sequence == 0) stream.first_sequence = static_cast<std::uint16_t>(rd());
  if (stream.first_timestamp == 0) stream.first_timestamp = static_cast<std::uint32_t>(rd());
  udp::socket socket(impl_->executor);
  boost::system::error_code ec;
  socket.open(stream.destination.protocol(), ec);
  if (!ec) socket.bind(udp::endpoint(stream.destination.protocol(), 0), ec);
  if (ec) return "cannot open a UDP socket: " + ec.message();
  const std::size_t bytes = PayloadBytesPer20ms(stream.codec);
  auto s = std::make_unique<Impl::Stream>(std::move(stream), std::move(socket));
  s->packet_count = (s->config.media.size() + bytes - 1) / bytes;
  impl_->streams.push_back(std::move(s));
  return {};
}

void Sender::Start(std::function<void()> done, Clock::time_point start) {
  asio::dispatch(impl_->executor, [impl = impl_, done = std::move(done), start]() mutable {
    impl->done = std::move(done);
    impl->period_start = start == Clock::time_point{} ? Clock::now() : start;
    for (std::size_t i = 0; i < impl->streams.size(); ++i) {
      const auto phase = impl->streams[i]->config.phase;
      const auto slot = std::clamp<std::int64_t>(phase.count() / 1000, 0, Impl::kSlots - 1);
      impl->by_slot[static_cast<std::size_t>(slot)].push_back(i);
    }
    impl->slot = 0;
    while (impl->slot < Impl::kSlots - 1 && impl->by_slot[impl->slot].empty()) ++impl->slot;
    impl->next_deadline = impl->period_start + std::chrono::milliseconds(impl->slot);
    impl->tick.expires_at(impl->next_deadline);
    impl->tick.async_wait([impl](boost::system::error_code ec) {
      if (ec || impl->stopped) return;
      impl->OnTick();
    });
  });
}

void Sender::Stop() {
  impl_->stopped = true;
  asio::dispatch(impl_->executor, [impl = impl_] {
    impl->tick.cancel();
    impl->delay_timer.cancel();
  });
}

SenderStats Sender::stats() const { return impl_->stats; }

std::vector<udp::endpoint> Sender::SourceEndpoints() const {
  std::vector<udp::endpoint> out;
  for (const auto& s : impl_->streams) {
    boost::system::error_code ec;
    out.push_back(s->socket.local_endpoint(ec));
  }
  return out;
}

}  // namespace aicc::rtp
