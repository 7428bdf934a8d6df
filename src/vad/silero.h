// Silero VAD v5 running natively: the official ONNX weights, our own small
// inference (no ONNX Runtime). Outputs match ONNX Runtime's within 1e-3
// (tests/vad/silero_ort_test.cc).
//
// The network, per 32 ms chunk (N new samples + C samples of context):
//   reflect-pad right by F/4 → STFT as a fixed convolution (F-sample basis,
//   hop F/2) → magnitude → 4 × [Conv1d(k=3, pad 1) + ReLU] (strides 1,2,2,1)
//   → LSTMCell(128) → ReLU → Conv1d(128→1) → sigmoid.
//   16 kHz: N=512, C=64, F=256;  8 kHz: N=256, C=32, F=128.
//
// Usage:
//   auto model = vad::SileroModel::Load("models/silero_vad_v5.onnx");   // once; immutable, shared
//   auto engine = vad::MakeSileroEngine(*model);
//   auto stream = engine->NewStream(8000);   // per speaker: LSTM state + context
//   float p = stream->Process(chunk);          // or many streams at once: SileroBatch
//
// Thread safety: the model is immutable and shared by all streams; each
// stream is used by one owner.
#pragma once

#include <array>
#include <boost/system/result.hpp>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "vad/vad.h"

namespace aicc::vad {

class SileroModel {
 public:
  // Weights of one sample-rate branch of the graph.
  struct Branch {
    int rate = 16000;
    int filter = 256;  // STFT filter length F
    int bins = 129;    // F/2 + 1
    int hop = 128;     // F/2
    int context = 64;
    int chunk = 512;
    std::vector<float> basis;  // [2·bins][F]
    // The basis folded on its symmetry (a windowed DFT's real rows are even
    // and its imaginary rows odd around F/2), which halves the STFT's work:
    // basis_even [bins][even_row] over (x[0], x[n] + x[F-n] for 0 < n < F/2,
    // x[F/2]) gives the real parts; basis_odd [bins][odd_row] over
    // x[n] - x[F-n] (0 < n < F/2) the imaginary parts. Rows zero-padded to a
    // multiple of 8. Empty if the model's basis lacks the symmetry.
    std::vector<float> basis_even, basis_odd;
    int even_row = 0, odd_row = 0;
    struct Conv {
      int out = 0, in = 0, stride = 1;
      // [out][row]: tap-major within a row, (i, k) → k·in + i, so that a
      // step's input is three consecutive time-major frames; each row is
      // zero-padded from in·3 to `row` floats (a multiple of 8).
      int row = 0;
      std::vector<float> weight;
      std::vector<float> bias;
    };
    std::array<Conv, 4> encoder;
    // The LSTM (PyTorch gate order i, f, g, o), both products as one:
    // [512][256] rows (W_ih row | W_hh row) over the input [x | h]; b_ih + b_hh.
    std::vector<float> w_lstm, b_lstm;
    // W_ih · encoder(all-zero input) + b_ih + b_hh: the input half of the
    // gates for digital silence, computed once at load.
    std::vector<float> zero_input_gates;
    std::vector<float> out_w;  // [128]
    float out_b = 0;
  };

  static boost::system::result<std::shared_ptr<const SileroModel>, VadError> Load(
      const std::string& path);
  // Parses the ONNX bytes (exposed for the fuzzer and tests).
  static boost::system::result<std::shared_ptr<const SileroModel>, VadError> Parse(
      std::span<const std::uint8_t> onnx, const std::string& name);
  const Branch& branch(int rate) const { return rate == 16000 ? b16_ : b8_; }

 private:
  Branch b16_;
  Branch b8_;
};

std::shared_ptr<const VadEngine> MakeSileroEngine(std::shared_ptr<const SileroModel> model);

// Runs one chunk each for many streams at once. Silero streams of one model
// and rate go through the network together, every layer one small
// matrix–matrix product, so a weight read from cache serves the whole batch
// instead of one stream (bench/README.md: µs per chunk per stream by batch
// size). Each stream keeps its own LSTM state, context and digital-silence
// shortcut; its results equal those of Vad::Process on it (within 1e-5: the
// sums run in another order).
//
// Usage (on the one thread that owns all the streams):
//   vad::SileroBatch batch;   // working memory; keep and reuse it
//   batch.Process(streams, chunks, probabilities);   // chunks[i] → streams[i]
//
// Threading: one owner; the streams must not be used elsewhere meanwhile.
class SileroBatch {
 public:
  // max_batch: the most streams run through the network together; larger
  // calls run in slices of max_batch.
  explicit SileroBatch(std::size_t max_batch = 32);
  ~SileroBatch();
  SileroBatch(const SileroBatch&) = delete;
  SileroBatch& operator=(const SileroBatch&) = delete;

  // probabilities[i] = streams[i]->Process(chunks[i]), with the same effect
  // on the stream, for i < the smallest of the three sizes. The streams must
  // be distinct. Silero streams are grouped by model and rate; any other
  // stream (the energy VAD of a shed stream) runs through its own Process.
  // Allocates only while the working memory grows to the largest batch seen.
  void Process(std::span<Vad* const> streams, std::span<const std::span<const float>> chunks,
               std::span<float> probabilities);

  std::size_t max_batch() const { return max_batch_; }

 private:
  struct State;
  std::size_t max_batch_;
  std::unique_ptr<State> state_;
};

// The kernels every stream runs (matrix–vector, and matrix–matrix for batches), chosen once at
// start-up: "avx2" (AVX2+FMA) when the CPU has it, else "portable". AICC_VAD_KERNEL=portable in the
// environment forces the portable one.
std::string_view SileroKernel();

}  // namespace aicc::vad
