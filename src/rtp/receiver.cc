#include "rtp/receiver.h"

#include <fmt/format.h>
#include <linux/sock_diag.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <cstring>
#include <functional>

#include "core/ids.h"

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

const char* RoleName(PortRole r) { return r == PortRole::kCustomer ? "customer" : "agent"; }

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
  core::Counter* kernel_drops = nullptr;
  core::Gauge* queue_ratio = nullptr;
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
  struct Held {
    PortRole role;
    udp::endpoint from;
    Clock::time_point first_seen;
    std::vector<std::vector<std::uint8_t>> packets;
  };
  struct Socket {
    explicit Socket(asio::any_io_executor ex, PortRole r) : socket(ex), role(r) {}
    udp::socket socket;
    PortRole role;
    std::array<std::uint8_t, 2048> buffer{};
    udp::endpoint sender;
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
      rm.kernel_drops = &m->GetCounter(
          "aicc_rtp_kernel_drops_total",
          "Datagrams the kernel dropped because the socket's receive queue was full", labels);
      rm.queue_ratio = &m->GetGauge(
          "aicc_rtp_socket_queue_ratio",
          "Fullest the socket's receive queue was in the last second (1 = dropping)", labels);
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
    s.socket.bind(ep, ec);
    if (ec) {
      return fmt::format("cannot bind UDP {}:{} for the {} stream: {}", options.bind_address, port,
                         RoleName(s.role), ec.message());
    }
    s.socket.non_blocking(true, ec);
    return {};
  }

  void Receive(Socket& s) {
    s.socket.async_receive_from(
        asio::buffer(s.buffer), s.sender,
        [self = shared_from_this(), &s](boost::system::error_code ec, std::size_t n) {
          if (self->stopped) return;
          if (ec) {
            if (ec == asio::error::operation_aborted) return;
            // ICMP errors and the like: keep receiving.
            if (self->socket_error_log.ShouldLog()) {
              core::Logger("rtp")->warn("{} socket: {}", RoleName(s.role), ec.message());
            }
            return self->Receive(s);
          }
          const auto now = Clock::now();
          self->Handle(s.role, std::span<const std::uint8_t>(s.buffer.data(), n), s.sender, now);
          // Drain what is already queued without another trip through the
          // reactor (bounded so one busy port cannot starve the other).
          for (int i = 0; i < 64 && !self->stopped; ++i) {
            boost::system::error_code rec;
            const std::size_t m = s.socket.receive_from(asio::buffer(s.buffer), s.sender, 0, rec);
            if (rec) break;
            self->Handle(s.role, std::span<const std::uint8_t>(s.buffer.data(), m), s.sender,
                         Clock::now());
          }
          if (!self->stopped) self->Receive(s);
        });
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
    auto& rm = role_metrics[static_cast<int>(role)];
    const SourceKey key = KeyOf(from, role);
    auto it = streams.find(key);
    StreamEntry* entry = it == streams.end() ? nullptr : it->second.get();
    if (!entry) {
      if (auto h = held.find(key); h != held.end()) {
        if (h->second.packets.size() < options.max_held_packets_per_source) {
          h->second.packets.emplace_back(data.begin(), data.end());
        } else {
          rm.unknown->Increment();
        }
        return;
      }
      std::optional<SourceInfo> info = listener.OnUnknownSource(role, from);
      if (!info) {
        if (held.size() < options.max_unknown_sources) {
          Held hold{role, from, now, {}};
          hold.packets.emplace_back(data.begin(), data.end());
          held.emplace(key, std::move(hold));
        } else {
          rm.unknown->Increment();
        }
        return;
      }
      entry = CreateStream(key, role, from, std::move(*info));
      if (!entry) {
        rm.unknown->Increment();
        if (limit_log.ShouldLog()) {
          core::Logger("rtp")->error("stream limit {} reached; dropping {}:{}", options.max_streams,
                                     from.address().to_string(), from.port());
        }
        return;
      }
    }
    auto packet = ParsePacket(data);
    if (!packet) {
      rm.malformed->Increment();
      if (malformed_log.ShouldLog()) {
        core::Logger("rtp")->warn(
            "call={} spk={} malformed RTP from {}:{}: {} ({} more suppressed)",
            core::ShortId(entry->info.call_id), core::ToString(entry->info.speaker),
            from.address().to_string(), from.port(), packet.error().message(),
            malformed_log.Suppressed());
      }
      return;
    }
    Codec codec;
    if (packet->payload_type == 0) {
      codec = Codec::kUlaw;
    } else if (packet->payload_type == 8) {
      codec = Codec::kAlaw;
    } else if (packet->payload_type == options.slin16_payload_type) {
      codec = Codec::kSlin16;
    } else {
      rm.unsupported->Increment();
      if (unsupported_log.ShouldLog()) {
        core::Logger("rtp")->warn("call={} spk={} payload type {} not decoded ({} more suppressed)",
                                  core::ShortId(entry->info.call_id),
                                  core::ToString(entry->info.speaker), packet->payload_type,
                                  unsupported_log.Suppressed());
      }
      return;
    }
    entry->stream.Push(*packet, codec, now, entry->emit);
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
    // Publish the peak since the last TakePressure (a CAS max).
    const auto permille = static_cast<std::uint32_t>(peak * 1000);
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
    }
  }

  void Register(const udp::endpoint& from, SourceInfo info) {
    const PortRole role =
        info.speaker == core::Speaker::kCustomer ? PortRole::kCustomer : PortRole::kAgent;
    const SourceKey key = KeyOf(from, role);
    if (auto it = streams.find(key); it != streams.end()) {
      it->second->info = std::move(info);
      return;
    }
    StreamEntry* entry = CreateStream(key, role, from, std::move(info));
    if (!entry) return;
    // Packets that arrived before the registration: play them now.
    if (auto h = held.find(key); h != held.end()) {
      auto packets = std::move(h->second.packets);
      const auto first_seen = h->second.first_seen;
      held.erase(h);
      for (const auto& p : packets) Handle(role, p, from, first_seen);
    }
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
    }
  }

  asio::any_io_executor executor;
  ReceiverOptions options;
  Listener& listener;
  std::array<std::unique_ptr<Socket>, 2> sockets;
  asio::steady_timer release_timer;
  std::unordered_map<SourceKey, std::unique_ptr<StreamEntry>, SourceKeyHash> streams;
  std::unordered_map<SourceKey, Held, SourceKeyHash> held;
  std::array<RoleMetrics, 2> role_metrics;
  Clock::time_point last_stats = Clock::now();
  bool stopped = false;
  // Read from any thread (TakePressure).
  std::atomic<std::uint64_t> kernel_drops{0};
  std::atomic<std::uint32_t> queue_peak_permille{0};
  core::RateLimitedLog malformed_log{std::chrono::seconds(1)};
  core::RateLimitedLog unsupported_log{std::chrono::seconds(10)};
  core::RateLimitedLog unknown_log{std::chrono::seconds(1)};
  core::RateLimitedLog socket_error_log{std::chrono::seconds(1)};
  core::RateLimitedLog limit_log{std::chrono::seconds(10)};
};

Receiver::Receiver(asio::any_io_executor executor, ReceiverOptions options, Listener& listener,
                   core::MetricsRegistry* metrics)
    : impl_(std::make_shared<Impl>(executor, std::move(options), listener, metrics)) {}

Receiver::~Receiver() { Stop(); }

boost::system::result<void, std::string> Receiver::Start() {
  if (auto r = impl_->Open(*impl_->sockets[0], impl_->options.customer_port); !r) return r;
  if (auto r = impl_->Open(*impl_->sockets[1], impl_->options.agent_port); !r) return r;
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
  return {impl_->kernel_drops.load(std::memory_order_relaxed),
          impl_->queue_peak_permille.exchange(0, std::memory_order_relaxed) / 1000.0};
}

}  // namespace aicc::rtp
