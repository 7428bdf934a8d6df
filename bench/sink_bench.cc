// Journal append throughput per fsync policy (the durable part of delivery).
#include <benchmark/benchmark.h>

#include <filesystem>

#include "sink/journal.h"

namespace {
using namespace aicc::sink;

void BM_JournalAppend(benchmark::State& state) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("aicc_bench_journal_" + std::to_string(state.range(0)));
  std::filesystem::remove_all(dir);
  JournalOptions o;
  o.directory = dir.string();
  o.fsync = static_cast<FsyncPolicy>(state.range(0));
  auto j = Journal::Open(o);
  const std::string event(400, 'e');  // a typical turn_complete is 350-500 bytes
  for (auto _ : state) {
    auto r = (*j)->Append(event);
    benchmark::DoNotOptimize(r);
    if (o.fsync == FsyncPolicy::kInterval && ((*j)->NextIndex() % 1000) == 0) (*j)->Sync();
  }
  state.SetItemsProcessed(state.iterations());
  j->reset();
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_JournalAppend)
    ->Arg(static_cast<int>(FsyncPolicy::kNever))
    ->Arg(static_cast<int>(FsyncPolicy::kInterval))
    ->Arg(static_cast<int>(FsyncPolicy::kAlways));

}  // namespace

BENCHMARK_MAIN();
