// RTP parse, G.711 decode, resampling, and the whole per-packet stream path.
#include <benchmark/benchmark.h>

#include <cmath>
#include <vector>

#include "audio/g711.h"
#include "audio/resampler.h"
#include "rtp/packet.h"
#include "rtp/stream.h"

namespace {
using namespace aicc;

std::vector<std::uint8_t> Packet(std::uint16_t seq) {
  std::vector<std::uint8_t> d(172);
  rtp::PacketHeader h{false, 0, seq, seq * 160u, 0x1234};
  const std::vector<std::uint8_t> payload(160, 0x55);
  (void)rtp::SerializePacket(h, payload, d);
  return d;
}

void BM_RtpParse(benchmark::State& state) {
  const auto d = Packet(1);
  for (auto _ : state) {
    auto p = rtp::ParsePacket(d);
    benchmark::DoNotOptimize(p);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RtpParse);

void BM_UlawDecode(benchmark::State& state) {
  std::vector<std::uint8_t> in(160);
  for (std::size_t i = 0; i < in.size(); ++i) in[i] = static_cast<std::uint8_t>(i * 7);
  std::vector<std::int16_t> out(160);
  for (auto _ : state) {
    audio::DecodeUlaw(in, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * 160);  // samples
}
BENCHMARK(BM_UlawDecode);

void BM_Resample8to16(benchmark::State& state) {
  auto r = audio::Resampler::Create(8000, 16000);
  std::vector<std::int16_t> in(160);
  for (std::size_t i = 0; i < in.size(); ++i)
    in[i] = static_cast<std::int16_t>(8000 * std::sin(i * 0.3));
  std::vector<std::int16_t> out;
  out.reserve(400);
  for (auto _ : state) {
    out.clear();
    (*r)->Process(in, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * 160);  // input samples
}
BENCHMARK(BM_Resample8to16);

// Parse + reorder buffer + decode for in-order 20 ms μ-law packets: the
// receiver's per-packet work short of the socket and the post to the call.
void BM_StreamPacketPath(benchmark::State& state) {
  rtp::Stream stream(rtp::StreamOptions{});
  std::vector<std::vector<std::uint8_t>> packets;
  for (int i = 0; i < 1024; ++i) packets.push_back(Packet(static_cast<std::uint16_t>(i)));
  auto t = rtp::Stream::TimePoint{} + std::chrono::seconds(1);
  std::size_t samples = 0;
  const rtp::FrameSink sink = [&samples](const rtp::AudioFrame& f) { samples += f.pcm.size(); };
  std::uint16_t seq = 0;
  for (auto _ : state) {
    auto& d = packets[seq % 1024];
    // Rewrite the sequence number and timestamp so the stream keeps moving.
    d[2] = static_cast<std::uint8_t>(seq >> 8);
    d[3] = static_cast<std::uint8_t>(seq);
    const std::uint32_t ts = seq * 160u;
    d[4] = static_cast<std::uint8_t>(ts >> 24);
    d[5] = static_cast<std::uint8_t>(ts >> 16);
    d[6] = static_cast<std::uint8_t>(ts >> 8);
    d[7] = static_cast<std::uint8_t>(ts);
    auto p = rtp::ParsePacket(d);
    stream.Push(*p, rtp::Codec::kUlaw, t, sink);
    t += std::chrono::milliseconds(20);
    ++seq;
  }
  benchmark::DoNotOptimize(samples);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_StreamPacketPath);

}  // namespace

BENCHMARK_MAIN();
