#include "vad/silero.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "vad/test_audio.h"
#include "vad/vad.h"

namespace aicc::vad {
namespace {

const std::string kModel = std::string(AICC_SOURCE_DIR) + "/models/silero_vad_v5.onnx";

TEST(SileroTest, LoadsBothBranches) {
  auto model = SileroModel::Load(kModel);
  ASSERT_TRUE(model) << model.error().message;
  EXPECT_EQ((*model)->branch(16000).filter, 256);
  EXPECT_EQ((*model)->branch(16000).bins, 129);
  EXPECT_EQ((*model)->branch(8000).filter, 128);
  EXPECT_EQ((*model)->branch(8000).bins, 65);
  // Silero's basis is a windowed DFT, so the STFT runs on the folded halves.
  EXPECT_EQ((*model)->branch(8000).even_row, 72);
  EXPECT_EQ((*model)->branch(8000).odd_row, 64);
  EXPECT_EQ((*model)->branch(16000).basis_even.size(), 129u * 136u);
  EXPECT_EQ((*model)->branch(16000).basis_odd.size(), 129u * 128u);
  auto engine = MakeSileroEngine(*model);
  EXPECT_EQ(engine->NewStream(8000)->ChunkSamples(), 256u);
  EXPECT_EQ(engine->NewStream(16000)->ChunkSamples(), 512u);
}

// The default, relative model path must not depend on the working directory
// (issue 18: started anywhere but the repository root, aicc quietly fell back
// to the energy VAD).
TEST(SileroTest, TheDefaultModelPathWorksFromAnyWorkingDirectory) {
  const auto old_cwd = std::filesystem::current_path();
  std::filesystem::current_path(std::filesystem::temp_directory_path());
  auto engine = VadEngine::Create(EngineOptions{});
  std::filesystem::current_path(old_cwd);
  ASSERT_TRUE(engine) << engine.error().message;
  EXPECT_EQ((*engine)->Name(), "silero");
}

TEST(SileroTest, AMissingModelSaysWhereItLooked) {
  auto engine = VadEngine::Create(EngineOptions{.model_path = "models/absent-model.onnx"});
  ASSERT_FALSE(engine);
  EXPECT_NE(engine.error().message.find("looked in"), std::string::npos);
  EXPECT_NE(engine.error().message.find("share/aicc/models/absent-model.onnx"), std::string::npos)
      << engine.error().message;
}

TEST(SileroTest, BadModelFilesAreClearErrors) {
  auto missing = SileroModel::Load("/nonexistent/silero.onnx");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("/nonexistent/silero.onnx"), std::string::npos);

  std::ifstream in(kModel, std::ios::binary);
  std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                  std::istreambuf_iterator<char>());
  ASSERT_GT(bytes.size(), 1000u);
  for (std::size_t cut : {std::size_t{0}, std::size_t{10}, bytes.size() / 2, bytes.size() - 3}) {
    SCOPED_TRACE(cut);
    auto truncated =
        SileroModel::Parse(std::span<const std::uint8_t>(bytes.data(), cut), "truncated.onnx");
    ASSERT_FALSE(truncated);
    EXPECT_NE(truncated.error().message.find("truncated.onnx"), std::string::npos);
  }
  const std::vector<std::uint8_t> garbage(5000, 0xAB);
  EXPECT_FALSE(SileroModel::Parse(garbage, "garbage.onnx"));
  // The engine factory turns it into an error the daemon falls back from.
  EXPECT_FALSE(VadEngine::Create({"silero", "/nonexistent/silero.onnx", 0.6}));
  EXPECT_TRUE(VadEngine::Create({"energy", "/nonexistent/silero.onnx", 0.6}));
}

// Protobuf wire helpers for hand-built hostile models.
std::vector<std::uint8_t> Varint(std::uint64_t v) {
  std::vector<std::uint8_t> out;
  do {
    out.push_back(static_cast<std::uint8_t>((v & 0x7F) | (v > 0x7F ? 0x80 : 0)));
    v >>= 7;
  } while (v);
  return out;
}
std::vector<std::uint8_t> VarintField(int number, std::uint64_t v) {
  auto out = Varint(static_cast<std::uint64_t>(number) << 3);
  auto value = Varint(v);
  out.insert(out.end(), value.begin(), value.end());
  return out;
}
std::vector<std::uint8_t> BytesField(int number, const std::vector<std::uint8_t>& bytes) {
  auto out = Varint((static_cast<std::uint64_t>(number) << 3) | 2);
  auto length = Varint(bytes.size());
  out.insert(out.end(), length.begin(), length.end());
  out.insert(out.end(), bytes.begin(), bytes.end());
  return out;
}
std::vector<std::uint8_t> Cat(std::initializer_list<std::vector<std::uint8_t>> parts) {
  std::vector<std::uint8_t> out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}
// ModelProto{graph{node{output, op_type="Constant", attribute{t=tensor}}}}.
std::vector<std::uint8_t> ModelWithConstant(const std::vector<std::uint8_t>& tensor) {
  const std::vector<std::uint8_t> name{'w'};
  const std::vector<std::uint8_t> op{'C', 'o', 'n', 's', 't', 'a', 'n', 't'};
  const auto node =
      Cat({BytesField(2, name), BytesField(4, op), BytesField(5, BytesField(5, tensor))});
  return BytesField(7, BytesField(1, node));
}

// Found by the fuzzer: an empty raw_data field, and dims whose product
// overflows. Each must be a clear error (UBSan in CI checks the "no UB" half).
TEST(SileroTest, HostileConstantTensorsAreErrors) {
  const auto empty_raw = Cat({VarintField(1, 0), VarintField(2, 1), BytesField(9, {})});
  const auto huge_dims =
      Cat({VarintField(1, std::uint64_t{1} << 62), VarintField(1, 1u << 20), VarintField(1, 16),
           VarintField(2, 1), BytesField(9, std::vector<std::uint8_t>(16, 0))});
  const auto negative_dim = Cat({VarintField(1, ~std::uint64_t{0}), VarintField(2, 1),
                                 BytesField(9, std::vector<std::uint8_t>(4, 0))});
  std::vector<std::uint8_t> long_varint_dims{0x0A, 12};  // packed dims, one 12-byte varint
  for (int i = 0; i < 11; ++i) long_varint_dims.push_back(0xFF);
  long_varint_dims.push_back(0x01);
  const auto packed = Cat({long_varint_dims, VarintField(2, 1), BytesField(4, {})});
  for (const auto& tensor : {empty_raw, huge_dims, negative_dim, packed}) {
    const auto bytes = ModelWithConstant(tensor);
    auto model = SileroModel::Parse(bytes, "hostile.onnx");
    ASSERT_FALSE(model);
    EXPECT_NE(model.error().message.find("hostile.onnx"), std::string::npos);
  }
}

TEST(SileroTest, OutputsStayProbabilitiesOnHostileInput) {
  auto model = SileroModel::Load(kModel);
  ASSERT_TRUE(model);
  auto vad = MakeSileroEngine(*model)->NewStream(8000);
  std::vector<float> chunk(256, std::nanf(""));
  for (int i = 0; i < 5; ++i) {
    const float p = vad->Process(chunk);
    EXPECT_TRUE(std::isfinite(p));
    EXPECT_GE(p, 0.0f);
    EXPECT_LE(p, 1.0f);
  }
  std::fill(chunk.begin(), chunk.end(), 1e9f);
  EXPECT_TRUE(std::isfinite(vad->Process(chunk)));
  EXPECT_TRUE(std::isfinite(
      vad->Process(std::span<const float>(chunk.data(), 10))));  // short chunk: zero-padded
  // Reset returns to the initial state: same input, same output.
  vad->Reset();
  const std::vector<float> quiet(256, 0.001f);
  const float a = vad->Process(quiet);
  vad->Reset();
  EXPECT_FLOAT_EQ(vad->Process(quiet), a);
}

// Digital silence skips the STFT and encoder (their output for zeros is a
// constant of the model); the probabilities must be what running the whole
// network would have given. The
// reference feeds 1e-30 instead of 0 (its spectrum underflows to the same
// zeros, but it is not "digital silence", so the network runs on it).
TEST(SileroTest, SkippingSettledDigitalSilenceMatchesRunningTheNetwork) {
  auto model = SileroModel::Load(kModel);
  ASSERT_TRUE(model);
  const auto speech = testing::LoadSpeech(8000);
  ASSERT_GT(speech.size(), 8000u * 5) << "run scripts/make-audio.sh";
  for (int rate : {8000, 16000}) {
    SCOPED_TRACE(rate);
    auto engine = MakeSileroEngine(*model);
    auto skipping = engine->NewStream(rate);
    auto reference = engine->NewStream(rate);
    const std::size_t chunk = skipping->ChunkSamples();
    const std::size_t step = chunk * 40;  // 1.3 s of speech, then 0.3 to 2.6 s of silence
    float max_diff = 0;
    int speech_chunks = 0;
    for (std::size_t pos = 0, gap = 1; pos + step <= speech.size();
         pos += step, gap = gap % 8 + 1) {
      for (std::size_t c = 0; c < step; c += chunk) {
        std::span<const float> part(speech.data() + pos + c, chunk);
        const float p = skipping->Process(part);
        max_diff = std::max(max_diff, std::abs(p - reference->Process(part)));
        speech_chunks += p >= 0.5f;
      }
      const std::vector<float> zeros(chunk, 0.0f), tiny(chunk, 1e-30f);
      for (std::size_t c = 0; c < gap * 10; ++c) {
        max_diff =
            std::max(max_diff, std::abs(skipping->Process(zeros) - reference->Process(tiny)));
      }
    }
    std::printf("%d Hz: max |skipping - running| = %.2e over speech and silence\n", rate, max_diff);
    EXPECT_LT(max_diff, 1e-4f);
    EXPECT_GT(speech_chunks, 50);  // the comparison covered real speech decisions
  }
}

}  // namespace
}  // namespace aicc::vad
