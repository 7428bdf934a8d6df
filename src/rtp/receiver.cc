#include "rtp/receiver.h"

#include <fmt/format.h>
#include <linux/sock_diag.h>
#include <sys/socket.h>
#include <time.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <algorithm>
#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <cstring>
#include <functional>

#include "core/ids.h"
#include "rtp/internal/arrival_clock.h"

namespace aicc::rtp {
namespace asio = boost::asio;
using udp = asio::ip::udp;
using Clock = std::chrono::steady_clock;

namespace {

struct SourceKey {
  std::array<std::uint8_t, 16> address{};
  std::uint16_t port = 0;
  PortRole role = PortRole::kCustomer;
  bool operator==(const SourceKey&) const = default;
};

struct SourceKeyHash {
  std::size_t operator()(const SourceKey& k) const noexcept {
    std::uint64_t a = 0, b = 0;
    std::memcpy(&a, k.address.data(), 8);
    std::memcpy(&b, k.address.data() + 8, 8);
    std::uint64_t h = a * 0x9E3779B97F4A7C15ULL ^ (b + 0x632BE59BD9B4E019ULL + (a << 6));
    h ^= (static_cast<std::uint64_t>(k.port) << 8 | static_cast<std::uint64_t>(k.role)) *
         0xBF58476D1CE4E5B9ULL;
    return static_cast<std::size_t>(h ^ (h >> 31));
  }
};

SourceKey KeyOf(const udp::endpoint& ep, PortRole role) {
  SourceKey k;
  const auto addr = ep.address();
  if (addr.is_v4()) {
    // IPv4 as v4-mapped IPv6 so one key type covers both families.
    const auto v6 = asio::ip::make_address_v6(asio::ip::v4_mapped, addr.to_v4());
    k.address = v6.to_bytes();
  } else {
    k.address = addr.to_v6().to_bytes();
  }
  k.port = ep.port();
  k.role = role;
  return k;
}

struct AddressHash {
  std::size_t operator()(const std::array<std::uint8_t, 16>& a) const noexcept {
    return SourceKeyHash{}(SourceKey{a, 0, PortRole::kCustomer});
  }
};

const char* RoleName(PortRole r) { return r == PortRole::kCustomer ? "customer" : "agent"; }

// A token bucket holding one second of burst; rate 0 = unlimited.
struct TokenBucket {
  double tokens = -1;  // < 0: not filled yet
  Clock::time_point last{};
  bool Available(double rate, Clock::time_point now) {
    if (rate <= 0) return true;
    if (tokens < 0) {
      tokens = rate;
    } else {
      // Arrival times of two sockets' batches can interleave slightly out of order.
      const double elapsed = std::max(0.0, std::chrono::duration<double>(now - last).count());
      tokens = std::min(rate, tokens + rate * elapsed);
    }
    last = std::max(last, now);
    return tokens >= 1;
  }
  void Take(double rate) {
    if (rate > 0) tokens -= 1;
  }
};

enum class Refusal : std::uint8_t { kRate, kAddressRate, kStreamLimit };
constexpr const char* kRefusalNames[] = {"rate", "address_rate", "stream_limit"};

struct RoleMetrics {
  core::Counter* received = nullptr;
  core::Counter* lost = nullptr;
  core::Counter* late = nullptr;
  core::Counter* duplicated = nullptr;
  core::Counter* reordered = nullptr;
  core::Counter* unknown = nullptr;
  core::Counter* malformed = nullptr;
  core::Counter* unsupported = nullptr;
  core::Gauge* jitter_ms = nullptr;
  core::Gauge* streams = nullptr;
  std::array<core::Counter*, 3> refused{};  // by Refusal
  core::Counter* kernel_drops = nullptr;
  core::Gauge* queue_ratio = nullptr;
  core::Histogram* socket_wait = nullptr;
};

// The kernel's own view of a socket: bytes queued, the queue's limit and the
// datagrams dropped because it was full. Asio has no portable equivalent.
struct KernelSocketInfo {
  std::uint32_t queued = 0;
  std::uint32_t limit = 0;
  std::uint32_t drops = 0;
};
std::optional<KernelSocketInfo> ReadKernelSocketInfo(int fd) {
  std::uint32_t info[SK_MEMINFO_VARS] = {};
  socklen_t len = sizeof(info);
  if (getsockopt(fd, SOL_SOCKET, SO_MEMINFO, info, &len) != 0) return std::nullopt;
  if (len < sizeof(std::uint32_t) * (SK_MEMINFO_DROPS + 1)) return std::nullopt;
  return KernelSocketInfo{info[SK_MEMINFO_RMEM_ALLOC], info[SK_MEMINFO_RCVBUF],
                          info[SK_MEMINFO_DROPS]};
}

}  // namespace

struct Receiver::Impl : std::enable_shared_from_this<Impl> {
  struct StreamEntry {
    SourceInfo info;
    PortRole role;
    udp::endpoint from;
    Stream stream;
    StreamStats reported;  // what was already added to the metrics
    FrameSink emit;
    StreamEntry(SourceInfo i, PortRole r, udp::endpoint f, const StreamOptions& o)
        : info(std::move(i)), role(r), from(f), stream(o) {}
  };
  struct HeldPacket {
    Clock::time_point arrival;
    std::vector<std::uint8_t> bytes;
  };
  // An unregistered source: its packets so far, and its probation run.
  struct Held {
    PortRole role;
    udp::endpoint from;
    Clock::time_point first_seen;
    std::vector<HeldPacket> packets;
    std::size_t run = 0;  // consecutive valid packets, same SSRC, sequence + 1 each
    std::uint32_t ssrc = 0;
    std::uint16_t last_sequence = 0;
    bool asked = false;  // the listener said "hold" (ARI): do not ask again
  };
  // Datagrams taken per recvmmsg call, and calls per wake-up (bounded so one
  // busy port cannot starve the other).
  static constexpr int kBatch = 64;
  static constexpr int kBatchesPerWake = 2;
  struct Socket {
    explicit Socket(asio::any_io_executor ex, PortRole r) : socket(ex), role(r) {}
    udp::socket socket;
    PortRole role;
    // recvmmsg's buffers, allocated with the socket: a datagram, its source
    // and its control messages (the kernel receive timestamp) per entry.
    std::array<std::array<std::uint8_t, 2048>, kBatch> buffers{};
    std::array<sockaddr_storage, kBatch> names{};
    std::array<std::array<char, 64>, kBatch> controls{};
    std::array<iovec, kBatch> iovs{};
    std::array<mmsghdr, kBatch> messages{};
    bool timestamps = false;       // SO_TIMESTAMPNS is on
    std::uint32_t drops_seen = 0;  // the kernel's drop counter at the last sample
    double queue_peak = 0;         // for the per-second gauge
  };

  Impl(asio::any_io_executor ex, ReceiverOptions o, Listener& l, core::MetricsRegistry* m)
      : executor(ex), options(std::move(o)), listener(l), release_timer(ex) {
    sockets[0] = std::make_unique<Socket>(ex, PortRole::kCustomer);
    sockets[1] = std::make_unique<Socket>(ex, PortRole::kAgent);
    for (int i = 0; i < 2; ++i) {
      if (!m) {
        static core::MetricsRegistry unused;
        m = &unused;
      }
      const core::Labels labels = {{"speaker", RoleName(static_cast<PortRole>(i))}};
      auto& rm = role_metrics[i];
      rm.received =
          &m->GetCounter("aicc_rtp_packets_received_total", "RTP packets accepted", labels);
      rm.lost = &m->GetCounter("aicc_rtp_packets_lost_total", "RTP packets never received in time",
                               labels);
      rm.late =
          &m->GetCounter("aicc_rtp_packets_late_total", "RTP packets dropped as too late", labels);
      rm.duplicated = &m->GetCounter("aicc_rtp_packets_duplicated_total",
                                     "Duplicate RTP packets dropped", labels);
      rm.reordered = &m->GetCounter("aicc_rtp_packets_reordered_total",
                                    "RTP packets put back in order", labels);
      rm.unknown = &m->GetCounter(
          "aicc_rtp_packets_unknown_source_total",
          "Packets from sources no call registered (dropped after the grace period)", labels);
      rm.malformed = &m->GetCounter("aicc_rtp_packets_malformed_total",
                                    "Datagrams that are not valid RTP", labels);
      rm.unsupported =
          &m->GetCounter("aicc_rtp_packets_unsupported_payload_total",
                         "RTP packets with a payload type aicc does not decode", labels);
      rm.jitter_ms = &m->GetGauge("aicc_rtp_jitter_ms",
                                  "Highest RFC 3550 interarrival jitter among streams", labels);
      rm.streams = &m->GetGauge("aicc_rtp_streams", "Active RTP streams", labels);
      for (std::size_t r = 0; r < rm.refused.size(); ++r) {
        rm.refused[r] = &m->GetCounter(
            "aicc_rtp_streams_refused_total",
            "Unregistered sources not made a stream (yet): media.max_new_streams_per_second "
            "(rate), ..._per_address (address_rate), the stream limit (stream_limit)",
            {{"speaker", RoleName(static_cast<PortRole>(i))}, {"reason", kRefusalNames[r]}});
      }
      rm.kernel_drops = &m->GetCounter(
          "aicc_rtp_kernel_drops_total",
          "Datagrams the kernel dropped because the socket's receive queue was full", labels);
      rm.queue_ratio = &m->GetGauge(
          "aicc_rtp_socket_queue_ratio",
          "Fullest the socket's receive queue was in the last second (1 = dropping)", labels);
      rm.socket_wait = &m->GetHistogram(
          "aicc_rtp_socket_wait_seconds",
          "How long the first datagram of each receive batch waited in the socket queue (kernel "
          "receive timestamp to processing)",
          core::LatencyBuckets(), labels);
    }
  }

  boost::system::result<void, std::string> Open(Socket& s, std::uint16_t port) {
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(options.bind_address, ec);
    if (ec)
      return fmt::format("media.bind_address '{}' is not an IP address", options.bind_address);
    const udp::endpoint ep(address, port);
    s.socket.open(ep.protocol(), ec);
    if (!ec)
      s.socket.set_option(asio::socket_base::receive_buffer_size(options.socket_buffer_bytes), ec);
    if (ec) ec.clear();  // a smaller buffer is not fatal; the kernel caps it at rmem_max
    asio::socket_base::receive_buffer_size granted;
    s.socket.get_option(granted, ec);
    // (Asio already halves Linux's doubled SO_RCVBUF report.)
    if (!ec && granted.value() < options.socket_buffer_bytes && s.role == PortRole::kCustomer) {
      core::Logger("rtp")->warn(
          "the kernel granted a {} KiB receive buffer of the {} KiB asked for "
          "(media.socket_buffer_bytes): a short stall will drop RTP; raise net.core.rmem_max "
          "(deploy/sysctl/60-aicc.conf)",
          granted.value() / 1024, options.socket_buffer_bytes / 1024);
    }
    ec.clear();
    if (options.kernel_timestamps) {
      const int on = 1;
      s.timestamps =
          setsockopt(s.socket.native_handle(), SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on)) == 0;
      if (!s.timestamps && s.role == PortRole::kCustomer) {
        core::Logger("rtp")->warn(
            "no kernel receive timestamps (SO_TIMESTAMPNS: {}): packet arrival is taken when "
            "aicc reads the packet, so latencies miss the time it waited in the socket queue",
            std::strerror(errno));
      }
    }
    s.socket.bind(ep, ec);
    if (ec) {
      return fmt::format("cannot bind UDP {}:{} for the {} stream: {}", options.bind_address, port,
                         RoleName(s.role), ec.message());
    }
    s.socket.non_blocking(true, ec);
    return {};
  }

  void Receive(Socket& s) {
    s.socket.async_wait(
        udp::socket::wait_read, [self = shared_from_this(), &s](boost::system::error_code ec) {
          if (self->stopped) return;
          if (ec) {
            if (ec == asio::error::operation_aborted) return;
            if (self->socket_error_log.ShouldLog()) {
              core::Logger("rtp")->warn("{} socket: {}", RoleName(s.role), ec.message());
            }
            return self->Receive(s);
          }
          for (int i = 0; i < kBatchesPerWake && !self->stopped; ++i) {
            if (self->ReceiveBatch(s) < kBatch) break;
          }
          if (!self->stopped) self->Receive(s);
        });
  }

  // One recvmmsg: up to kBatch datagrams, each with the time the kernel
  // received it. Returns how many were taken.
  int ReceiveBatch(Socket& s) {
    for (int i = 0; i < kBatch; ++i) {
      s.iovs[i] = iovec{s.buffers[i].data(), s.buffers[i].size()};
      msghdr& h = s.messages[i].msg_hdr;
      h.msg_name = &s.names[i];
      h.msg_namelen = sizeof(sockaddr_storage);
      h.msg_iov = &s.iovs[i];
      h.msg_iovlen = 1;
      h.msg_control = s.controls[i].data();
      h.msg_controllen = s.controls[i].size();
      h.msg_flags = 0;
    }
    const int n =
        recvmmsg(s.socket.native_handle(), s.messages.data(), kBatch, MSG_DONTWAIT, nullptr);
    if (n <= 0) {
      // EAGAIN: a spurious wake-up. Anything else (ICMP errors and the like):
      // logged, and receiving goes on.
      if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
          socket_error_log.ShouldLog()) {
        core::Logger("rtp")->warn("{} socket: {}", RoleName(s.role), std::strerror(errno));
      }
      return 0;
    }
    const auto clocks = internal::ClockPair::Now();
    auto& rm = role_metrics[static_cast<int>(s.role)];
    for (int i = 0; i < n && !stopped; ++i) {
      const msghdr& h = s.messages[i].msg_hdr;
      const Clock::time_point arrival = ArrivalOf(h, clocks);
      if (i == 0)
        rm.socket_wait->Observe(std::chrono::duration<double>(clocks.steady - arrival).count());
      if ((h.msg_flags & MSG_TRUNC) != 0 || h.msg_namelen > sizeof(sockaddr_storage)) {
        rm.malformed->Increment();  // larger than any RTP aicc decodes
        continue;
      }
      udp::endpoint from;
      std::memcpy(from.data(), h.msg_name, h.msg_namelen);
      from.resize(h.msg_namelen);
      Handle(s.role, std::span<const std::uint8_t>(s.buffers[i].data(), s.messages[i].msg_len),
             from, arrival);
    }
    return n;
  }

  static Clock::time_point ArrivalOf(const msghdr& h, const internal::ClockPair& clocks) {
    for (const cmsghdr* c = CMSG_FIRSTHDR(&h); c != nullptr;
         c = CMSG_NXTHDR(const_cast<msghdr*>(&h), const_cast<cmsghdr*>(c))) {
      if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
        timespec ts{};
        std::memcpy(&ts, CMSG_DATA(c), sizeof(ts));
        const auto stamp = std::chrono::system_clock::time_point(
            std::chrono::duration_cast<std::chrono::system_clock::duration>(
                std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec)));
        return internal::SteadyArrival(stamp, clocks);
      }
    }
    return clocks.steady;  // no stamp (timestamps off or refused): processing time
  }

  StreamEntry* CreateStream(const SourceKey& key, PortRole role, const udp::endpoint& from,
                            SourceInfo info) {
    if (streams.size() >= options.max_streams) return nullptr;
    auto entry = std::make_unique<StreamEntry>(std::move(info), role, from, options.stream);
    StreamEntry* raw = entry.get();
    raw->emit = [this, raw](const AudioFrame& f) { listener.OnAudio(raw->info, f); };
    streams.emplace(key, std::move(entry));
    role_metrics[static_cast<int>(role)].streams->Add(1);
    return raw;
  }

  void Handle(PortRole role, std::span<const std::uint8_t> data, const udp::endpoint& from,
              Clock::time_point now) {
    const SourceKey key = KeyOf(from, role);
    if (auto it = streams.find(key); it != streams.end()) {
      return HandleStream(*it->second, data, now);
    }
    HandleUnknown(key, role, data, from, now);
  }

  static std::optional<Codec> CodecOf(std::uint8_t payload_type, std::uint8_t slin16) {
    if (payload_type == 0) return Codec::kUlaw;
    if (payload_type == 8) return Codec::kAlaw;
    if (payload_type == slin16) return Codec::kSlin16;
    return std::nullopt;
  }

  // A packet from a source with no stream: held, and the source made a
  // stream once it passed probation and the new-stream limits. What does not
  // parse leaves no trace but the malformed counter.
  void HandleUnknown(const SourceKey& key, PortRole role, std::span<const std::uint8_t> data,
                     const udp::endpoint& from, Clock::time_point now) {
    auto& rm = role_metrics[static_cast<int>(role)];
    const auto packet = ParsePacket(data);
    if (!packet) {
      rm.malformed->Increment();
      if (malformed_log.ShouldLog()) {
        core::Logger("rtp")->warn(
            "malformed RTP from unregistered source {}:{} on the {} port: {} ({} more "
            "suppressed)",
            from.address().to_string(), from.port(), RoleName(role), packet.error().message(),
            malformed_log.Suppressed());
      }
      return;
    }
    auto h = held.find(key);
    if (h == held.end()) {
      if (held.size() >= options.max_unknown_sources) {
        rm.unknown->Increment();
        return;
      }
      h = held.emplace(key, Held{role, from, now, {}}).first;
    }
    Held& hold = h->second;
    if (CodecOf(packet->payload_type, options.slin16_payload_type)) {
      const bool continues = hold.run > 0 && packet->ssrc == hold.ssrc &&
                             packet->sequence == static_cast<std::uint16_t>(hold.last_sequence + 1);
      if (!continues) {
        // Another SSRC: what was held belongs to something else.
        if (hold.run > 0 && packet->ssrc != hold.ssrc) hold.packets.clear();
        hold.run = 0;
        hold.ssrc = packet->ssrc;
      }
      ++hold.run;
      hold.last_sequence = packet->sequence;
    }
    if (hold.packets.size() < options.max_held_packets_per_source) {
      hold.packets.push_back({now, std::vector<std::uint8_t>(data.begin(), data.end())});
    } else {
      rm.unknown->Increment();
    }
    if (hold.asked || hold.run < std::max<std::size_t>(options.probation_packets, 1)) return;

    // Probation passed: may it be a new stream?
    std::optional<Refusal> refusal;
    TokenBucket* per_address = nullptr;
    if (streams.size() >= options.max_streams) {
      refusal = Refusal::kStreamLimit;
    } else if (!global_bucket.Available(options.max_new_streams_per_second, now)) {
      refusal = Refusal::kRate;
    } else if (options.max_new_streams_per_second_per_address > 0) {
      per_address = &address_buckets[key.address];
      if (!per_address->Available(options.max_new_streams_per_second_per_address, now)) {
        refusal = Refusal::kAddressRate;
      }
    }
    if (refusal) {
      // Let go of what it sent: a flood must not fill the held table (other
      // senders' first packets go there) or keep memory. A real sender comes
      // back with its next packets, and a new probation run.
      rm.unknown->Increment(hold.packets.size());
      held.erase(h);
      ++released_since_trim;
      return Refuse(*refusal, role, from, now);
    }

    std::optional<SourceInfo> info = listener.OnUnknownSource(role, from);
    if (!info) {
      hold.asked = true;  // held for the grace period, or until registered
      return;
    }
    global_bucket.Take(options.max_new_streams_per_second);
    if (per_address) per_address->Take(options.max_new_streams_per_second_per_address);
    Adopt(key, role, from, std::move(*info));
  }

  // Counted every time; logged once per episode (at the first refusal, and
  // a summary when none came for 10 s: see OnRelease).
  void Refuse(Refusal reason, PortRole role, const udp::endpoint& from, Clock::time_point now) {
    role_metrics[static_cast<int>(role)].refused[static_cast<int>(reason)]->Increment();
    last_refusal = now;
    if (refused_in_episode++ > 0) return;
    auto log = core::Logger("rtp");
    switch (reason) {
      case Refusal::kStreamLimit:
        log->error(
            "stream limit {} reached: new RTP sources are refused (first: {}:{} on the {} port); "
            "counted in aicc_rtp_streams_refused_total",
            options.max_streams, from.address().to_string(), from.port(), RoleName(role));
        break;
      case Refusal::kRate:
      case Refusal::kAddressRate:
        log->warn(
            "more than {} new RTP streams a second{}: refusing new sources for now (first: "
            "{}:{} on the {} port; a source is reconsidered with its next packets); counted in "
            "aicc_rtp_streams_refused_total",
            reason == Refusal::kRate ? options.max_new_streams_per_second
                                     : options.max_new_streams_per_second_per_address,
            reason == Refusal::kRate ? "" : " from one address", from.address().to_string(),
            from.port(), RoleName(role));
        break;
    }
  }

  void HandleStream(StreamEntry& entry, std::span<const std::uint8_t> data, Clock::time_point now) {
    auto& rm = role_metrics[static_cast<int>(entry.role)];
    auto packet = ParsePacket(data);
    if (!packet) {
      rm.malformed->Increment();
      if (malformed_log.ShouldLog()) {
        core::Logger("rtp")->warn(
            "call={} spk={} malformed RTP from {}:{}: {} ({} more suppressed)",
            core::ShortId(entry.info.call_id), core::ToString(entry.info.speaker),
            entry.from.address().to_string(), entry.from.port(), packet.error().message(),
            malformed_log.Suppressed());
      }
      return;
    }
    const auto codec = CodecOf(packet->payload_type, options.slin16_payload_type);
    if (!codec) {
      rm.unsupported->Increment();
      if (unsupported_log.ShouldLog()) {
        core::Logger("rtp")->warn("call={} spk={} payload type {} not decoded ({} more suppressed)",
                                  core::ShortId(entry.info.call_id),
                                  core::ToString(entry.info.speaker), packet->payload_type,
                                  unsupported_log.Suppressed());
      }
      return;
    }
    entry.stream.Push(*packet, *codec, now, entry.emit);
  }

  // Makes `from` a stream and plays what it sent before.
  void Adopt(const SourceKey& key, PortRole role, const udp::endpoint& from, SourceInfo info) {
    StreamEntry* entry = CreateStream(key, role, from, std::move(info));
    if (!entry) return;
    if (auto h = held.find(key); h != held.end()) {
      auto packets = std::move(h->second.packets);
      held.erase(h);
      for (const auto& p : packets) HandleStream(*entry, p.bytes, p.arrival);
    }
  }

  void ReportStats(StreamEntry& e) {
    auto& rm = role_metrics[static_cast<int>(e.role)];
    const StreamStats& s = e.stream.stats();
    rm.received->Increment(s.received - e.reported.received);
    rm.lost->Increment(s.lost - e.reported.lost);
    rm.late->Increment(s.late - e.reported.late);
    rm.duplicated->Increment(s.duplicated - e.reported.duplicated);
    rm.reordered->Increment(s.reordered - e.reported.reordered);
    e.reported = s;
  }

  void ScheduleRelease() {
    release_timer.expires_after(options.release_interval);
    release_timer.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (ec || self->stopped) return;
      self->OnRelease();
      self->ScheduleRelease();
    });
  }

  // Each port's kernel counters, once per release tick (two syscalls).
  void SampleSockets() {
    double peak = 0;
    for (int i = 0; i < 2; ++i) {
      auto& s = *sockets[i];
      if (!s.socket.is_open()) continue;
      const auto info = ReadKernelSocketInfo(s.socket.native_handle());
      if (!info) continue;
      if (info->drops > s.drops_seen) {  // a u32 in the kernel: wraps never in practice
        const std::uint32_t fresh = info->drops - s.drops_seen;
        role_metrics[i].kernel_drops->Increment(fresh);
        kernel_drops.fetch_add(fresh, std::memory_order_relaxed);
      }
      s.drops_seen = info->drops;
      const double ratio =
          info->limit ? std::min(1.0, static_cast<double>(info->queued) / info->limit) : 0.0;
      s.queue_peak = std::max(s.queue_peak, ratio);
      peak = std::max(peak, ratio);
    }
    PublishPeak(peak);
  }

  // The peak since the last TakePressure (a CAS max); any thread.
  void PublishPeak(double ratio) {
    const auto permille = static_cast<std::uint32_t>(std::clamp(ratio, 0.0, 1.0) * 1000);
    std::uint32_t cur = queue_peak_permille.load(std::memory_order_relaxed);
    while (permille > cur &&
           !queue_peak_permille.compare_exchange_weak(cur, permille, std::memory_order_relaxed)) {
    }
  }

  void OnRelease() {
    const auto now = Clock::now();
    SampleSockets();
    for (auto& [key, entry] : streams) entry->stream.Release(now, entry->emit);
    // Unknown sources whose grace ran out: count and drop.
    for (auto it = held.begin(); it != held.end();) {
      if (now - it->second.first_seen >= options.unknown_source_grace) {
        ++released_since_trim;
        role_metrics[static_cast<int>(it->second.role)].unknown->Increment(
            it->second.packets.size());
        if (unknown_log.ShouldLog()) {
          core::Logger("rtp")->warn(
              "dropping RTP from unregistered source {}:{} on the {} port ({} more suppressed)",
              it->second.from.address().to_string(), it->second.from.port(),
              RoleName(it->second.role), unknown_log.Suppressed());
        }
        it = held.erase(it);
      } else {
        ++it;
      }
    }
    if (now - last_stats >= std::chrono::seconds(1)) {
      last_stats = now;
      double jitter[2] = {0, 0};
      for (auto& [key, entry] : streams) {
        ReportStats(*entry);
        auto& j = jitter[static_cast<int>(entry->role)];
        j = std::max(j, entry->stream.stats().jitter_ms);
      }
      role_metrics[0].jitter_ms->Set(jitter[0]);
      role_metrics[1].jitter_ms->Set(jitter[1]);
      for (int i = 0; i < 2; ++i) {
        role_metrics[i].queue_ratio->Set(sockets[i]->queue_peak);
        sockets[i]->queue_peak = 0;
      }
      // Full buckets hold nothing worth keeping (one second of burst).
      std::erase_if(address_buckets,
                    [&](const auto& b) { return now - b.second.last >= std::chrono::seconds(1); });
      if (refused_in_episode > 0 && now - last_refusal >= std::chrono::seconds(10)) {
        core::Logger("rtp")->info("new RTP sources are accepted again ({} refusals)",
                                  refused_in_episode);
        refused_in_episode = 0;
      }
      ReturnMemory(now);
    }
  }

  // After a flood, many streams and held sources are gone at once: give the
  // tables' buckets and the heap's free pages back, once things are quiet
  // (nothing released for a second), so RSS returns to where it was.
  void ReturnMemory(Clock::time_point now) {
    if (released_since_trim != released_at_last_tick) {
      released_at_last_tick = released_since_trim;
      last_release_seen = now;
      return;
    }
    if (released_since_trim < kTrimAfterReleases ||
        now - last_release_seen < std::chrono::seconds(1)) {
      return;
    }
    core::Logger("rtp")->info(
        "{} streams and unregistered sources released since the last time: memory returned to "
        "the system",
        released_since_trim);
    released_since_trim = released_at_last_tick = 0;
    auto shrink = [](auto& map) {
      if (map.bucket_count() > 4 * map.size() + 64) map.rehash(0);
    };
    shrink(streams);
    shrink(held);
    shrink(address_buckets);
#if defined(__GLIBC__)
    // The pipeline's per-call memory (freed at about the same time) goes too:
    // one heap for the whole process.
    malloc_trim(0);
#endif
  }

  // Registered sources (ARI) skip probation and the new-stream limits.
  void Register(const udp::endpoint& from, SourceInfo info) {
    const PortRole role =
        info.speaker == core::Speaker::kCustomer ? PortRole::kCustomer : PortRole::kAgent;
    const SourceKey key = KeyOf(from, role);
    if (auto it = streams.find(key); it != streams.end()) {
      it->second->info = std::move(info);
      return;
    }
    if (streams.size() >= options.max_streams)
      return Refuse(Refusal::kStreamLimit, role, from, Clock::now());
    Adopt(key, role, from, std::move(info));  // packets held so far are played now
  }

  void Unregister(const udp::endpoint& from) {
    for (PortRole role : {PortRole::kCustomer, PortRole::kAgent}) {
      const SourceKey key = KeyOf(from, role);
      held.erase(key);
      auto it = streams.find(key);
      if (it == streams.end()) continue;
      StreamEntry& e = *it->second;
      e.stream.Flush(e.emit);
      ReportStats(e);
      listener.OnStreamEnd(e.info, e.stream.stats());
      role_metrics[static_cast<int>(role)].streams->Add(-1);
      streams.erase(it);
      ++released_since_trim;
    }
  }

  asio::any_io_executor executor;
  ReceiverOptions options;
  Listener& listener;
  std::array<std::unique_ptr<Socket>, 2> sockets;
  asio::steady_timer release_timer;
  std::unordered_map<SourceKey, std::unique_ptr<StreamEntry>, SourceKeyHash> streams;
  std::unordered_map<SourceKey, Held, SourceKeyHash> held;
  TokenBucket global_bucket;
  std::unordered_map<std::array<std::uint8_t, 16>, TokenBucket, AddressHash> address_buckets;
  Clock::time_point last_refusal{};
  std::uint64_t refused_in_episode = 0;
  static constexpr std::uint64_t kTrimAfterReleases = 32;
  std::uint64_t released_since_trim = 0;
  std::uint64_t released_at_last_tick = 0;
  Clock::time_point last_release_seen{};
  std::array<RoleMetrics, 2> role_metrics;
  Clock::time_point last_stats = Clock::now();
  bool stopped = false;
  // Read from any thread (TakePressure).
  std::atomic<std::uint64_t> kernel_drops{0};
  std::atomic<std::uint64_t> backlog_drops{0};
  std::atomic<std::uint32_t> queue_peak_permille{0};
  core::RateLimitedLog malformed_log{std::chrono::seconds(1)};
  core::RateLimitedLog unsupported_log{std::chrono::seconds(10)};
  core::RateLimitedLog unknown_log{std::chrono::seconds(1)};
  core::RateLimitedLog socket_error_log{std::chrono::seconds(1)};
};

Receiver::Receiver(asio::any_io_executor executor, ReceiverOptions options, Listener& listener,
                   core::MetricsRegistry* metrics)
    : impl_(std::make_shared<Impl>(executor, std::move(options), listener, metrics)) {}

Receiver::~Receiver() { Stop(); }

boost::system::result<void, std::string> Receiver::Start() {
  if (auto r = impl_->Open(*impl_->sockets[0], impl_->options.customer_port); !r) return r;
  if (auto r = impl_->Open(*impl_->sockets[1], impl_->options.agent_port); !r) return r;
  if (!LocalEndpoint(PortRole::kCustomer).address().is_loopback()) {
    core::Logger("rtp")->warn(
        "RTP listens on {} beyond loopback (media.bind_address): every host that can reach "
        "ports {}/{} can send media (and, without call control, start calls); allow only the "
        "Asterisk host in the firewall",
        impl_->options.bind_address, LocalEndpoint(PortRole::kCustomer).port(),
        LocalEndpoint(PortRole::kAgent).port());
  }
  asio::dispatch(impl_->executor, [impl = impl_] {
    impl->Receive(*impl->sockets[0]);
    impl->Receive(*impl->sockets[1]);
    impl->ScheduleRelease();
  });
  return {};
}

void Receiver::Stop() {
  asio::dispatch(impl_->executor, [impl = impl_] {
    if (impl->stopped) return;
    impl->stopped = true;
    boost::system::error_code ec;
    for (auto& s : impl->sockets) s->socket.close(ec);
    impl->release_timer.cancel();
  });
}

void Receiver::RegisterSource(const udp::endpoint& from, SourceInfo info) {
  asio::dispatch(impl_->executor, [impl = impl_, from, info = std::move(info)]() mutable {
    impl->Register(from, std::move(info));
  });
}

void Receiver::UnregisterSource(const udp::endpoint& from) {
  asio::dispatch(impl_->executor, [impl = impl_, from] { impl->Unregister(from); });
}

udp::endpoint Receiver::LocalEndpoint(PortRole role) const {
  boost::system::error_code ec;
  return impl_->sockets[static_cast<int>(role)]->socket.local_endpoint(ec);
}

Receiver::SocketPressure Receiver::TakePressure() {
  const std::uint64_t backlog = impl_->backlog_drops.load(std::memory_order_relaxed);
  return {impl_->kernel_drops.load(std::memory_order_relaxed) + backlog,
          impl_->queue_peak_permille.exchange(0, std::memory_order_relaxed) / 1000.0, backlog};
}

void Receiver::ReportBacklog(std::uint64_t dropped_frames, double peak_backlog_ratio) {
  impl_->backlog_drops.store(dropped_frames, std::memory_order_relaxed);
  impl_->PublishPeak(peak_backlog_ratio);
}

}  // namespace aicc::rtp
