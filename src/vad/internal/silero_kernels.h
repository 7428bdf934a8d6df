// The dense products under the Silero network, in two builds chosen once at
// start-up: AVX2+FMA when the CPU has it, else portable.
// AICC_VAD_KERNEL=portable in the environment forces the portable one (CI
// runs the exactness tests both ways on an AVX2 machine, and it is a way out
// should a CPU misreport its features).
//
// Threading: pure functions over caller-owned memory.
#pragma once

#include <string_view>

namespace aicc::vad::internal {

struct SileroKernels {
  // y[r] = w[r] · x[0..n) for r < rows; w's rows are `stride` floats apart.
  void (*mat_vec)(const float* w, int rows, int n, int stride, const float* x, float* y);
  // y[c][r] = w[r] · x[c][0..n) for r < rows, c < cols: the matrix–matrix
  // product of a batch. Columns are pointers because a batch's columns are
  // not evenly spaced (STFT frames overlap, streams live apart). Each weight
  // row is read from cache once per block of columns instead of once per
  // column. cols == 1 is the matrix–vector product.
  void (*gemm)(const float* w, int rows, int n, int stride, const float* const* x, float* const* y,
               int cols);
  // The LSTM cell on n units: gates = [i | f | g | o] pre-activations
  // (PyTorch order, biases included, 4·n floats); updates c and h in place.
  void (*lstm_cell)(const float* gates, float* c, float* h, int n);
  std::string_view name;  // "avx2" | "portable"
};

const SileroKernels& Kernels();

}  // namespace aicc::vad::internal
