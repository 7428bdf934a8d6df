// SileroBatch: every stream of a batch gets what its own Process would give,
// whatever the batch size, the other streams' histories, digital silence in
// part of the batch, or other engines and rates in the same call.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "vad/silero.h"
#include "vad/test_audio.h"
#include "vad/vad.h"

namespace aicc::vad {
namespace {

const std::string kModel = std::string(AICC_SOURCE_DIR) + "/models/silero_vad_v5.onnx";

std::shared_ptr<const VadEngine> Engine() {
  static auto engine = [] {
    auto model = SileroModel::Load(kModel);
    return model ? MakeSileroEngine(*model) : nullptr;
  }();
  return engine;
}

// Stream i joins the run at step Start(i), reads the audio from chunk
// Source(i) on, and every third stream is fed digital silence for a while,
// so a batch holds streams with different histories, some of them on the
// silence shortcut and some not.
int Start(int i) { return (i * 5) % 23; }
int Source(int i) { return (i * 37) % 200; }
bool Silent(int i, int local) { return i % 3 == 1 && local >= 20 && local < 60; }

class SileroBatchSizes : public ::testing::TestWithParam<int> {};

TEST_P(SileroBatchSizes, EveryStreamEqualsItsOwnProcess) {
  auto engine = Engine();
  ASSERT_TRUE(engine);
  for (int rate : {8000, 16000}) {
    SCOPED_TRACE(rate);
    const int streams = GetParam();
    const auto audio = testing::VariedAudio(rate);
    std::vector<std::unique_ptr<Vad>> batched, single;
    for (int i = 0; i < streams; ++i) {
      batched.push_back(engine->NewStream(rate));
      single.push_back(engine->NewStream(rate));
    }
    const std::size_t chunk = batched[0]->ChunkSamples();
    const std::vector<float> zeros(chunk, 0.0f);
    ASSERT_GE(audio.size(), (200 + 150) * chunk);
    SileroBatch batch;
    std::vector<Vad*> due;
    std::vector<int> due_index;
    std::vector<std::span<const float>> chunks;
    std::vector<float> probabilities;
    double worst = 0;
    int mixed_steps = 0;  // steps whose batch had silent and voiced streams
    for (int step = 0; step < 150; ++step) {
      due.clear();
      due_index.clear();
      chunks.clear();
      // Newest streams first: the batch order is not the creation order.
      for (int i = streams - 1; i >= 0; --i) {
        const int local = step - Start(i);
        if (local < 0) continue;
        due.push_back(batched[static_cast<std::size_t>(i)].get());
        due_index.push_back(i);
        chunks.push_back(Silent(i, local) ? std::span<const float>(zeros)
                                          : std::span<const float>(
                                                audio.data() + (Source(i) + local) * chunk, chunk));
      }
      probabilities.assign(due.size(), -1.0f);
      batch.Process(due, chunks, probabilities);
      bool silent = false, voiced = false;
      for (std::size_t k = 0; k < due.size(); ++k) {
        const int i = due_index[k];
        const float expected = single[static_cast<std::size_t>(i)]->Process(chunks[k]);
        ASSERT_GE(probabilities[k], 0.0f);
        ASSERT_NEAR(probabilities[k], expected, 1e-5) << "stream " << i << " step " << step;
        worst = std::max(worst, static_cast<double>(std::abs(probabilities[k] - expected)));
        (Silent(i, step - Start(i)) ? silent : voiced) = true;
      }
      mixed_steps += silent && voiced;
    }
    std::printf("%d streams at %d Hz, %s kernel: max |batch - single| %.2e\n", streams, rate,
                std::string(SileroKernel()).c_str(), worst);
    if (streams >= 3) {
      EXPECT_GT(mixed_steps, 10);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(SileroTest, SileroBatchSizes, ::testing::Values(1, 3, 8, 17, 32));

// One call with two rates, an energy stream and more streams than
// max_batch: grouped by rate, in slices, the energy stream on its own.
TEST(SileroTest, BatchGroupsRatesSlicesAndPassesOtherEnginesThrough) {
  auto engine = Engine();
  ASSERT_TRUE(engine);
  auto energy = MakeEnergyEngine(0.6);
  const auto audio8 = testing::VariedAudio(8000);
  const auto audio16 = testing::VariedAudio(16000);
  std::vector<std::unique_ptr<Vad>> batched, single;
  std::vector<int> rates;
  for (int i = 0; i < 9; ++i) {
    const int rate = i % 3 == 2 ? 16000 : 8000;
    rates.push_back(rate);
    if (i == 4) {
      batched.push_back(energy->NewStream(rate));
      single.push_back(energy->NewStream(rate));
    } else {
      batched.push_back(engine->NewStream(rate));
      single.push_back(engine->NewStream(rate));
    }
  }
  SileroBatch batch(2);
  std::vector<Vad*> vads;
  for (auto& v : batched) vads.push_back(v.get());
  std::vector<std::span<const float>> chunks(vads.size());
  std::vector<float> probabilities(vads.size());
  for (int step = 0; step < 120; ++step) {
    for (std::size_t i = 0; i < vads.size(); ++i) {
      const auto& audio = rates[i] == 16000 ? audio16 : audio8;
      const std::size_t n = vads[i]->ChunkSamples();
      chunks[i] = std::span<const float>(audio.data() + (i * 11 + step) * n, n);
    }
    batch.Process(vads, chunks, probabilities);
    for (std::size_t i = 0; i < vads.size(); ++i) {
      ASSERT_NEAR(probabilities[i], single[i]->Process(chunks[i]), 1e-5)
          << "stream " << i << " step " << step;
    }
  }
  // Mismatched spans: only the common prefix runs, nothing past it is written.
  std::vector<float> two(2, -1.0f);
  batch.Process(vads, chunks, two);
  EXPECT_GE(two[0], 0.0f);
  EXPECT_GE(two[1], 0.0f);
}

}  // namespace
}  // namespace aicc::vad
