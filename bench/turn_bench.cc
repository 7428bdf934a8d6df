// Turn analyzer cost per utterance (the goal: < 20 µs p99 for 60 characters).
#include <benchmark/benchmark.h>

#include "turn/detector.h"

namespace {

void BM_Analyze60Chars(benchmark::State& state) {
  aicc::turn::KoreanAnalyzer analyzer;
  // 60 characters of call-center speech ending in a polite connective final.
  const std::string text =
      "네 고객님 확인해 보니까 지난달 요금이 두 번 청구가 됐네요 그래서 이번 달에 환불 처리해 "
      "드리려고 하는데요";
  for (auto _ : state) benchmark::DoNotOptimize(analyzer.Analyze(text));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Analyze60Chars);

void BM_DecideFusion(benchmark::State& state) {
  aicc::turn::Detector detector({});
  const std::string text = "카드 분실 신고 접수되었습니다";
  for (auto _ : state) {
    benchmark::DoNotOptimize(detector.Decide(
        {text, std::chrono::milliseconds(1500), std::chrono::milliseconds(800), 0.9, true}));
  }
}
BENCHMARK(BM_DecideFusion);

}  // namespace

BENCHMARK_MAIN();
