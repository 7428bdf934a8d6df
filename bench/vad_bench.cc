// Silero (native) and energy VAD cost per 32 ms chunk, one stream and many
// streams interleaved (the cache-pressure case of a busy server).
#include <benchmark/benchmark.h>

#include <cmath>
#include <random>
#include <vector>

#include "vad/silero.h"

namespace {
using namespace aicc::vad;

std::shared_ptr<const VadEngine> Silero() {
  static auto engine = [] {
    auto model = SileroModel::Load(std::string(AICC_SOURCE_DIR) + "/models/silero_vad_v5.onnx");
    return model ? MakeSileroEngine(*model) : nullptr;
  }();
  return engine;
}

std::vector<float> Audio(std::size_t n) {
  std::mt19937 rng(1);
  std::normal_distribution<float> g(0, 0.1f);
  std::vector<float> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = 0.3f * std::sin(i * 0.05f) + g(rng);
  return v;
}

void BM_Silero(benchmark::State& state) {
  const int rate = static_cast<int>(state.range(0));
  const int streams = static_cast<int>(state.range(1));
  auto engine = Silero();
  if (!engine) {
    state.SkipWithError("model missing (make deps)");
    return;
  }
  std::vector<std::unique_ptr<Vad>> vads;
  for (int i = 0; i < streams; ++i) vads.push_back(engine->NewStream(rate));
  const std::size_t chunk = vads[0]->ChunkSamples();
  const auto audio = Audio(chunk * 64);
  std::size_t k = 0;
  for (auto _ : state) {
    for (auto& v : vads) {
      benchmark::DoNotOptimize(
          v->Process(std::span<const float>(audio.data() + (k % 64) * chunk, chunk)));
    }
    ++k;
  }
  state.SetItemsProcessed(state.iterations() *
                          streams);  // chunks: items/s → µs per chunk = 1e6 / rate
}
BENCHMARK(BM_Silero)
    ->Args({8000, 1})
    ->Args({16000, 1})
    ->Args({8000, 64})
    ->Args({16000, 64})
    ->Unit(benchmark::kMicrosecond);

// The batched kernel: B streams, one chunk each per iteration, through
// SileroBatch. us_per_stream_chunk is the figure to compare with BM_Silero's
// per-chunk time (the weights are read once per batch instead of per stream).
void BM_SileroBatch(benchmark::State& state) {
  const int rate = static_cast<int>(state.range(0));
  const auto streams = static_cast<std::size_t>(state.range(1));
  auto engine = Silero();
  if (!engine) {
    state.SkipWithError("model missing (make deps)");
    return;
  }
  std::vector<std::unique_ptr<Vad>> owned;
  std::vector<Vad*> vads;
  for (std::size_t i = 0; i < streams; ++i) {
    owned.push_back(engine->NewStream(rate));
    vads.push_back(owned.back().get());
  }
  const std::size_t chunk = vads[0]->ChunkSamples();
  const auto audio = Audio(chunk * 64);
  std::vector<std::span<const float>> chunks(streams);
  std::vector<float> probabilities(streams);
  SileroBatch batch(streams);
  std::size_t k = 0;
  for (auto _ : state) {
    // Each stream at its own place in the audio, as real calls are.
    for (std::size_t i = 0; i < streams; ++i)
      chunks[i] = std::span<const float>(audio.data() + ((k + i * 7) % 64) * chunk, chunk);
    batch.Process(vads, chunks, probabilities);
    benchmark::DoNotOptimize(probabilities.data());
    ++k;
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(streams));
  state.counters["us_per_stream_chunk"] =
      benchmark::Counter(static_cast<double>(state.iterations() * streams),
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_SileroBatch)
    ->ArgsProduct({{8000, 16000}, {1, 4, 8, 16, 32}})
    ->Unit(benchmark::kMicrosecond);

// Digital silence (RTP gaps, μ-law 0xFF frames): only the recurrent half of
// the LSTM runs once the context is zero.
void BM_SileroDigitalSilence(benchmark::State& state) {
  const int rate = static_cast<int>(state.range(0));
  auto engine = Silero();
  if (!engine) {
    state.SkipWithError("model missing (make deps)");
    return;
  }
  auto vad = engine->NewStream(rate);
  const std::vector<float> zeros(vad->ChunkSamples(), 0.0f);
  for (auto _ : state) benchmark::DoNotOptimize(vad->Process(zeros));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SileroDigitalSilence)->Arg(8000)->Arg(16000)->Unit(benchmark::kMicrosecond);

void BM_Energy(benchmark::State& state) {
  auto vad = MakeEnergyEngine(0.6)->NewStream(8000);
  const auto audio = Audio(256);
  for (auto _ : state) benchmark::DoNotOptimize(vad->Process(audio));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Energy);

}  // namespace

BENCHMARK_MAIN();
