// PII masking cost per utterance (issue 19: "well under the turn analyzer's
// budget", which is < 20 µs for 60 characters).
#include <benchmark/benchmark.h>

#include <fstream>
#include <string>
#include <vector>

#include "pii/masker.h"

namespace {

using aicc::pii::Context;
using aicc::pii::Masker;

// 60 characters without numbers: the common case.
void BM_MaskNoNumbers(benchmark::State& state) {
  const Masker masker;
  const std::string text =
      "네 고객님 확인해 보니까 지난달 요금이 두 번 청구가 됐네요 그래서 이번 달에 환불 처리해 "
      "드리려고 하는데요";
  for (auto _ : state) benchmark::DoNotOptimize(masker.Mask(text));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MaskNoNumbers);

// A card number read digit by digit, with the agent's question as context.
void BM_MaskCardWithContext(benchmark::State& state) {
  const Masker masker;
  const std::vector<std::string> context = {"결제하실 카드번호 열여섯 자리 불러 주시겠어요?"};
  const std::string text = "네 일이삼사 오육칠팔 구공일이 삼사오육이요 아 아니 팔이 아니라 칠이요";
  for (auto _ : state) benchmark::DoNotOptimize(masker.Mask(text, Context{context, {}}));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MaskCardWithContext);

// Numbers that are not PII: amounts, dates, counts (every number is read,
// none masked).
void BM_MaskNonPiiNumbers(benchmark::State& state) {
  const Masker masker;
  const std::vector<std::string> context = {"결제 금액이 얼마였어요?"};
  const std::string text = "3월 12일에 삼만 이천오백 원 결제했고 5G 요금제 24개월 약정이에요";
  for (auto _ : state) benchmark::DoNotOptimize(masker.Mask(text, Context{context, {}}));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MaskNonPiiNumbers);

// Every line of the development corpus, with its context (items = lines).
void BM_MaskDevCorpus(benchmark::State& state) {
  const Masker masker;
  std::ifstream in(std::string(AICC_SOURCE_DIR) + "/tests/data/pii-dev.tsv");
  std::vector<std::pair<std::vector<std::string>, std::string>> lines;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const auto t1 = line.find('\t');
    const auto t2 = line.find('\t', t1 + 1);
    const auto t3 = line.find('\t', t2 + 1);
    std::string ctx = line.substr(t1 + 1, t2 - t1 - 1);
    std::vector<std::string> context;
    if (ctx != "-") context.push_back(ctx);
    lines.emplace_back(context, line.substr(t2 + 1, t3 - t2 - 1));
  }
  for (auto _ : state) {
    for (const auto& [context, text] : lines) {
      benchmark::DoNotOptimize(masker.Mask(text, Context{context, {}}));
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(lines.size()));
}
BENCHMARK(BM_MaskDevCorpus);

}  // namespace

BENCHMARK_MAIN();
