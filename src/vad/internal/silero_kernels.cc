#include "vad/internal/silero_kernels.h"

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdlib>

namespace aicc::vad::internal {
namespace {

// Dot products dominate (STFT, convolutions, LSTM). Two versions: AVX2+FMA,
// chosen at run time when the CPU has it, and a portable one with four
// independent partial sums the compiler can vectorize with SSE.
float DotPortable(const float* a, const float* b, int n) {
  float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    s0 += a[i] * b[i];
    s1 += a[i + 1] * b[i + 1];
    s2 += a[i + 2] * b[i + 2];
    s3 += a[i + 3] * b[i + 3];
  }
  for (; i < n; ++i) s0 += a[i] * b[i];
  return (s0 + s1) + (s2 + s3);
}

#if defined(__x86_64__)
__attribute__((target("avx2,fma"))) float DotAvx2(const float* a, const float* b, int n) {
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  int i = 0;
  for (; i + 16 <= n; i += 16) {
    acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), acc0);
    acc1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), acc1);
  }
  for (; i + 8 <= n; i += 8)
    acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), acc0);
  __m256 acc = _mm256_add_ps(acc0, acc1);
  __m128 lo = _mm256_castps256_ps128(acc), hi = _mm256_extractf128_ps(acc, 1);
  __m128 s = _mm_add_ps(lo, hi);
  s = _mm_hadd_ps(s, s);
  s = _mm_hadd_ps(s, s);
  float total = _mm_cvtss_f32(s);
  for (; i < n; ++i) total += a[i] * b[i];
  return total;
}
#endif

// y[r] = W[r] · x for `rows` rows of `n` floats, `stride` apart. The AVX2
// version does eight rows per pass: x is loaded once for the eight, and the
// eight horizontal sums come out of one reduction tree instead of eight
// (per-row dot products spent most of their time reducing).
void MatVecPortable(const float* w, int rows, int n, int stride, const float* x, float* y) {
  for (int r = 0; r < rows; ++r)
    y[r] = DotPortable(w + static_cast<std::ptrdiff_t>(r) * stride, x, n);
}

#if defined(__x86_64__)
__attribute__((target("avx2,fma"))) void MatVecAvx2(const float* w, int rows, int n, int stride,
                                                    const float* x, float* y) {
  const int n8 = n / 8 * 8;
  int r = 0;
  for (; r + 8 <= rows; r += 8) {
    // Named accumulators: with an array, g++ keeps them in memory.
    const float* w0 = w + static_cast<std::ptrdiff_t>(r) * stride;
    const float* w1 = w0 + stride;
    const float* w2 = w1 + stride;
    const float* w3 = w2 + stride;
    const float* w4 = w3 + stride;
    const float* w5 = w4 + stride;
    const float* w6 = w5 + stride;
    const float* w7 = w6 + stride;
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
    for (int i = 0; i < n8; i += 8) {
      const __m256 xv = _mm256_loadu_ps(x + i);
      a0 = _mm256_fmadd_ps(_mm256_loadu_ps(w0 + i), xv, a0);
      a1 = _mm256_fmadd_ps(_mm256_loadu_ps(w1 + i), xv, a1);
      a2 = _mm256_fmadd_ps(_mm256_loadu_ps(w2 + i), xv, a2);
      a3 = _mm256_fmadd_ps(_mm256_loadu_ps(w3 + i), xv, a3);
      a4 = _mm256_fmadd_ps(_mm256_loadu_ps(w4 + i), xv, a4);
      a5 = _mm256_fmadd_ps(_mm256_loadu_ps(w5 + i), xv, a5);
      a6 = _mm256_fmadd_ps(_mm256_loadu_ps(w6 + i), xv, a6);
      a7 = _mm256_fmadd_ps(_mm256_loadu_ps(w7 + i), xv, a7);
    }
    const __m256 s01 = _mm256_hadd_ps(a0, a1);
    const __m256 s23 = _mm256_hadd_ps(a2, a3);
    const __m256 s45 = _mm256_hadd_ps(a4, a5);
    const __m256 s67 = _mm256_hadd_ps(a6, a7);
    const __m256 s0123 = _mm256_hadd_ps(s01, s23);
    const __m256 s4567 = _mm256_hadd_ps(s45, s67);
    // Lanes 0–3 hold the low halves of rows 0–3 / 4–7, lanes 4–7 the high.
    const __m256 sums = _mm256_add_ps(_mm256_permute2f128_ps(s0123, s4567, 0x20),
                                      _mm256_permute2f128_ps(s0123, s4567, 0x31));
    _mm256_storeu_ps(y + r, sums);
    for (int i = n8; i < n; ++i) {
      for (int j = 0; j < 8; ++j)
        y[r + j] += w0[static_cast<std::ptrdiff_t>(j) * stride + i] * x[i];
    }
  }
  for (; r < rows; ++r) y[r] = DotAvx2(w + static_cast<std::ptrdiff_t>(r) * stride, x, n);
}
#endif

// The portable product: rows in blocks of eight so the block's weights stay
// in L1 while every column passes over them.
void GemmPortable(const float* w, int rows, int n, int stride, const float* const* x,
                  float* const* y, int cols) {
  if (cols == 1) return MatVecPortable(w, rows, n, stride, x[0], y[0]);
  for (int r0 = 0; r0 < rows; r0 += 8) {
    const int r1 = std::min(rows, r0 + 8);
    for (int c = 0; c < cols; ++c) {
      for (int r = r0; r < r1; ++r)
        y[c][r] = DotPortable(w + static_cast<std::ptrdiff_t>(r) * stride, x[c], n);
    }
  }
}

#if defined(__x86_64__)
// Four rows × C columns: 4·C accumulators, C + 4 loads per 4·C FMAs (C = 3:
// 12 accumulators + 3 column registers + 1 weight register = all 16 ymm).
// The per-(row, column) sum runs in the same order as MatVecAvx2's (one
// 8-lane accumulator, then a reduction tree), so a stream's result hardly
// depends on the batch it ran in.
template <int C>
__attribute__((target("avx2,fma"), always_inline)) inline void Tile4Avx2(const float* w, int n,
                                                                         int stride,
                                                                         const float* const* x,
                                                                         float* const* y, int r) {
  const float* w0 = w + static_cast<std::ptrdiff_t>(r) * stride;
  const float* w1 = w0 + stride;
  const float* w2 = w1 + stride;
  const float* w3 = w2 + stride;
  __m256 a0[C], a1[C], a2[C], a3[C];
#pragma GCC unroll 4
  for (int c = 0; c < C; ++c) {
    a0[c] = _mm256_setzero_ps();
    a1[c] = a0[c];
    a2[c] = a0[c];
    a3[c] = a0[c];
  }
  const int n8 = n / 8 * 8;
  for (int i = 0; i < n8; i += 8) {
    __m256 xv[C];
#pragma GCC unroll 4
    for (int c = 0; c < C; ++c) xv[c] = _mm256_loadu_ps(x[c] + i);
    __m256 wv = _mm256_loadu_ps(w0 + i);
#pragma GCC unroll 4
    for (int c = 0; c < C; ++c) a0[c] = _mm256_fmadd_ps(wv, xv[c], a0[c]);
    wv = _mm256_loadu_ps(w1 + i);
#pragma GCC unroll 4
    for (int c = 0; c < C; ++c) a1[c] = _mm256_fmadd_ps(wv, xv[c], a1[c]);
    wv = _mm256_loadu_ps(w2 + i);
#pragma GCC unroll 4
    for (int c = 0; c < C; ++c) a2[c] = _mm256_fmadd_ps(wv, xv[c], a2[c]);
    wv = _mm256_loadu_ps(w3 + i);
#pragma GCC unroll 4
    for (int c = 0; c < C; ++c) a3[c] = _mm256_fmadd_ps(wv, xv[c], a3[c]);
  }
#pragma GCC unroll 4
  for (int c = 0; c < C; ++c) {
    const __m256 s01 = _mm256_hadd_ps(a0[c], a1[c]);
    const __m256 s23 = _mm256_hadd_ps(a2[c], a3[c]);
    const __m256 s = _mm256_hadd_ps(s01, s23);
    // Lanes 0–3: the low halves of rows 0–3; lanes 4–7: the high halves.
    const __m128 sums = _mm_add_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps(s, 1));
    _mm_storeu_ps(y[c] + r, sums);
    for (int i = n8; i < n; ++i) {
      y[c][r] += w0[i] * x[c][i];
      y[c][r + 1] += w1[i] * x[c][i];
      y[c][r + 2] += w2[i] * x[c][i];
      y[c][r + 3] += w3[i] * x[c][i];
    }
  }
}

__attribute__((target("avx2,fma"))) void GemmAvx2(const float* w, int rows, int n, int stride,
                                                  const float* const* x, float* const* y,
                                                  int cols) {
  if (cols == 1) return MatVecAvx2(w, rows, n, stride, x[0], y[0]);
  // Columns in blocks of about 16 KB, so a block stays in L1 while the
  // weights stream past it once.
  const int block = std::max(3, 16384 / (4 * std::max(n, 1)) / 3 * 3);
  for (int c0 = 0; c0 < cols; c0 += block) {
    const int c1 = std::min(cols, c0 + block);
    int r = 0;
    for (; r + 4 <= rows; r += 4) {
      int c = c0;
      for (; c + 3 <= c1; c += 3) Tile4Avx2<3>(w, n, stride, x + c, y + c, r);
      if (c1 - c == 2) {
        Tile4Avx2<2>(w, n, stride, x + c, y + c, r);
      } else if (c1 - c == 1) {
        Tile4Avx2<1>(w, n, stride, x + c, y + c, r);
      }
    }
    for (; r < rows; ++r) {
      for (int c = c0; c < c1; ++c)
        y[c][r] = DotAvx2(w + static_cast<std::ptrdiff_t>(r) * stride, x[c], n);
    }
  }
}
#endif

float Sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }
// tanh through expf: glibc's tanhf goes through the much slower expm1f.
// Absolute error stays ~1e-7 (the cancellation near 0 is absolute-small).
float Tanh(float x) { return 2.0f / (1.0f + std::exp(-2.0f * x)) - 1.0f; }

// Units [from, n) of the cell.
void LstmCellPortableTail(const float* gates, float* c, float* h, int n, int from) {
  for (int j = from; j < n; ++j) {
    const float i = Sigmoid(gates[j]);
    const float f = Sigmoid(gates[n + j]);
    const float g = Tanh(gates[2 * n + j]);
    const float o = Sigmoid(gates[3 * n + j]);
    c[j] = f * c[j] + i * g;
    h[j] = o * Tanh(c[j]);
  }
}

void LstmCellPortable(const float* gates, float* c, float* h, int n) {
  LstmCellPortableTail(gates, c, h, n, 0);
}

#if defined(__x86_64__)
// e^x, eight at a time (Cephes expf: e^x = 2^k · e^r with |r| ≤ ln 2 / 2 and
// a degree-6 polynomial for e^r; relative error ~1e-7, as glibc's expf).
// Five exponentials per unit and 128 units per chunk made the scalar expf
// a fifth of a batched chunk's time.
__attribute__((target("avx2,fma"), always_inline)) inline __m256 ExpAvx2(__m256 x) {
  // The clamp keeps 2^k a normal float, so no overflow, NaN or denormal.
  x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-87.3f)), _mm256_set1_ps(88.3f));
  const __m256 k = _mm256_floor_ps(
      _mm256_fmadd_ps(x, _mm256_set1_ps(1.44269504088896341f), _mm256_set1_ps(0.5f)));
  // r = x - k·ln 2, with ln 2 split in two for exactness.
  __m256 r = _mm256_fnmadd_ps(k, _mm256_set1_ps(0.693359375f), x);
  r = _mm256_fnmadd_ps(k, _mm256_set1_ps(-2.12194440e-4f), r);
  __m256 y = _mm256_set1_ps(1.9875691500e-4f);
  y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(1.3981999507e-3f));
  y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(8.3334519073e-3f));
  y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(4.1665795894e-2f));
  y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(1.6666665459e-1f));
  y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(5.0000001201e-1f));
  y = _mm256_fmadd_ps(y, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
  const __m256i pow2 =
      _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvttps_epi32(k), _mm256_set1_epi32(127)), 23);
  return _mm256_mul_ps(y, _mm256_castsi256_ps(pow2));
}

__attribute__((target("avx2,fma"), always_inline)) inline __m256 SigmoidAvx2(__m256 x) {
  const __m256 one = _mm256_set1_ps(1.0f);
  return _mm256_div_ps(one, _mm256_add_ps(one, ExpAvx2(_mm256_sub_ps(_mm256_setzero_ps(), x))));
}

__attribute__((target("avx2,fma"), always_inline)) inline __m256 TanhAvx2(__m256 x) {
  const __m256 one = _mm256_set1_ps(1.0f);
  const __m256 e = ExpAvx2(_mm256_mul_ps(x, _mm256_set1_ps(-2.0f)));
  return _mm256_sub_ps(_mm256_div_ps(_mm256_set1_ps(2.0f), _mm256_add_ps(one, e)), one);
}

__attribute__((target("avx2,fma"))) void LstmCellAvx2(const float* gates, float* c, float* h,
                                                      int n) {
  int j = 0;
  for (; j + 8 <= n; j += 8) {
    const __m256 i = SigmoidAvx2(_mm256_loadu_ps(gates + j));
    const __m256 f = SigmoidAvx2(_mm256_loadu_ps(gates + n + j));
    const __m256 g = TanhAvx2(_mm256_loadu_ps(gates + 2 * n + j));
    const __m256 o = SigmoidAvx2(_mm256_loadu_ps(gates + 3 * n + j));
    const __m256 cv = _mm256_fmadd_ps(f, _mm256_loadu_ps(c + j), _mm256_mul_ps(i, g));
    _mm256_storeu_ps(c + j, cv);
    _mm256_storeu_ps(h + j, _mm256_mul_ps(o, TanhAvx2(cv)));
  }
  if (j < n) LstmCellPortableTail(gates, c, h, n, j);
}
#endif

SileroKernels Choose() {
  const char* forced = std::getenv("AICC_VAD_KERNEL");
  if (forced && std::string_view(forced) == "portable")
    return {MatVecPortable, GemmPortable, LstmCellPortable, "portable"};
#if defined(__x86_64__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    return {MatVecAvx2, GemmAvx2, LstmCellAvx2, "avx2"};
  }
#endif
  return {MatVecPortable, GemmPortable, LstmCellPortable, "portable"};
}

}  // namespace

const SileroKernels& Kernels() {
  static const SileroKernels kernels = Choose();
  return kernels;
}

}  // namespace aicc::vad::internal
