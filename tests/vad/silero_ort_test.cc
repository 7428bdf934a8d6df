// Exactness: our Silero inference against ONNX Runtime (onnxruntime-node)
// on the same ONNX file and the same ≥ 30 s of varied audio, both rates.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "test_audio.h"
#include "vad/silero.h"

namespace aicc::vad {
namespace {

std::vector<float> RunOrt(const std::vector<float>& audio, int rate) {
  const auto path =
      std::filesystem::temp_directory_path() /
      ("aicc_vad_" + std::to_string(::getpid()) + "_" + std::to_string(rate) + ".f32");
  {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(audio.data()),
              static_cast<std::streamsize>(audio.size() * 4));
  }
  const std::string src = AICC_SOURCE_DIR;
  const std::string cmd = "node " + src + "/tests/vad/ort_reference.js " + src +
                          "/third_party/npm/node_modules/onnxruntime-node " + src +
                          "/models/silero_vad_v5.onnx " + path.string() + " " +
                          std::to_string(rate);
  std::vector<float> probs;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return probs;
  char line[64];
  while (std::fgets(line, sizeof(line), p)) probs.push_back(std::strtof(line, nullptr));
  EXPECT_EQ(pclose(p), 0) << cmd;
  std::filesystem::remove(path);
  return probs;
}

class SileroOrtTest : public ::testing::TestWithParam<int> {};

TEST_P(SileroOrtTest, MatchesOnnxRuntimeWithin1e3) {
  const int rate = GetParam();
  auto model = SileroModel::Load(std::string(AICC_SOURCE_DIR) + "/models/silero_vad_v5.onnx");
  ASSERT_TRUE(model) << model.error().message;
  const auto audio = testing::VariedAudio(rate);
  ASSERT_GE(audio.size(), static_cast<std::size_t>(30 * rate));
  const auto reference = RunOrt(audio, rate);
  // CI runs this test a second time with AICC_VAD_KERNEL=portable, so the
  // portable kernel is checked on AVX2 machines too.
  const char* forced = std::getenv("AICC_VAD_KERNEL");
  if (forced) {
    ASSERT_EQ(SileroKernel(), forced);
  }
  auto vad = MakeSileroEngine(*model)->NewStream(rate);
  const std::size_t chunk = vad->ChunkSamples();
  ASSERT_EQ(reference.size(), audio.size() / chunk);
  double worst = 0;
  int speech_chunks = 0;
  for (std::size_t i = 0; i < reference.size(); ++i) {
    const float p = vad->Process(std::span<const float>(audio.data() + i * chunk, chunk));
    worst = std::max(worst, static_cast<double>(std::abs(p - reference[i])));
    speech_chunks += reference[i] > 0.5f;
    ASSERT_NEAR(p, reference[i], 1e-3) << "chunk " << i;
  }
  std::printf("%d Hz, %s kernel: %zu chunks, %d speech, max |diff| %.2e\n", rate,
              std::string(SileroKernel()).c_str(), reference.size(), speech_chunks, worst);
  EXPECT_GT(speech_chunks, static_cast<int>(reference.size() / 10))
      << "the audio must contain speech";
}

// The batched kernel against the same reference: 17 streams of the same
// audio started 3 chunks apart, run through SileroBatch whenever they are
// due, so every batch mixes histories (and, during the opening second of
// silence, streams on the digital-silence shortcut with voiced ones).
TEST_P(SileroOrtTest, BatchedStreamsMatchOnnxRuntimeWithin1e3) {
  const int rate = GetParam();
  auto model = SileroModel::Load(std::string(AICC_SOURCE_DIR) + "/models/silero_vad_v5.onnx");
  ASSERT_TRUE(model) << model.error().message;
  const auto audio = testing::VariedAudio(rate);
  const auto reference = RunOrt(audio, rate);
  auto engine = MakeSileroEngine(*model);
  constexpr int kStreams = 17, kStagger = 3;
  std::vector<std::unique_ptr<Vad>> streams;
  for (int i = 0; i < kStreams; ++i) streams.push_back(engine->NewStream(rate));
  const std::size_t chunk = streams[0]->ChunkSamples();
  ASSERT_EQ(reference.size(), audio.size() / chunk);
  SileroBatch batch;
  std::vector<Vad*> due;
  std::vector<std::size_t> local;
  std::vector<std::span<const float>> chunks;
  std::vector<float> probabilities;
  double worst = 0;
  const std::size_t steps = reference.size() + kStreams * kStagger;
  for (std::size_t step = 0; step < steps; ++step) {
    due.clear();
    local.clear();
    chunks.clear();
    for (int i = 0; i < kStreams; ++i) {
      const std::size_t start = static_cast<std::size_t>(i * kStagger);
      if (step < start || step - start >= reference.size()) continue;
      due.push_back(streams[static_cast<std::size_t>(i)].get());
      local.push_back(step - start);
      chunks.emplace_back(audio.data() + (step - start) * chunk, chunk);
    }
    probabilities.resize(due.size());
    batch.Process(due, chunks, probabilities);
    for (std::size_t k = 0; k < due.size(); ++k) {
      worst =
          std::max(worst, static_cast<double>(std::abs(probabilities[k] - reference[local[k]])));
      ASSERT_NEAR(probabilities[k], reference[local[k]], 1e-3) << "chunk " << local[k];
    }
  }
  std::printf("%d Hz, %s kernel, %d streams batched: max |diff| %.2e\n", rate,
              std::string(SileroKernel()).c_str(), kStreams, worst);
}

INSTANTIATE_TEST_SUITE_P(BothRates, SileroOrtTest, ::testing::Values(8000, 16000));

}  // namespace
}  // namespace aicc::vad
