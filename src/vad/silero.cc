#include "vad/silero.h"

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <string_view>

namespace aicc::vad {
namespace {

// --- A minimal protobuf reader --------------------------------------------
// The ONNX file is a protobuf (onnx.proto ModelProto). We need a handful of
// fields (graph → nodes → Constant tensors, nested in If branches), so a
// ~60-line wire-format reader replaces generating onnx.proto and linking
// libprotobuf into the VAD: fewer moving parts, and bad files fail with a
// message naming what is missing instead of a protobuf exception.
struct Field {
  std::uint32_t number = 0;
  int wire = 0;
  std::uint64_t varint = 0;
  std::span<const std::uint8_t> bytes;  // length-delimited and fixed32/64 payloads
};

class Reader {
 public:
  explicit Reader(std::span<const std::uint8_t> data) : data_(data) {}
  bool Next(Field& f) {
    if (pos_ >= data_.size() || failed_) return false;
    std::uint64_t key = 0;
    if (!Varint(key)) return Fail();
    f.number = static_cast<std::uint32_t>(key >> 3);
    f.wire = static_cast<int>(key & 7);
    switch (f.wire) {
      case 0:
        return Varint(f.varint) || Fail();
      case 1:
        if (data_.size() - pos_ < 8) return Fail();
        f.bytes = data_.subspan(pos_, 8);
        pos_ += 8;
        return true;
      case 2: {
        std::uint64_t len = 0;
        if (!Varint(len) || len > data_.size() - pos_) return Fail();
        f.bytes = data_.subspan(pos_, static_cast<std::size_t>(len));
        pos_ += static_cast<std::size_t>(len);
        return true;
      }
      case 5:
        if (data_.size() - pos_ < 4) return Fail();
        f.bytes = data_.subspan(pos_, 4);
        pos_ += 4;
        return true;
      default:
        return Fail();
    }
  }
  bool failed() const { return failed_; }

 private:
  bool Varint(std::uint64_t& v) {
    v = 0;
    for (int shift = 0; shift < 64 && pos_ < data_.size(); shift += 7) {
      const std::uint8_t b = data_[pos_++];
      v |= static_cast<std::uint64_t>(b & 0x7F) << shift;
      if (!(b & 0x80)) return true;
    }
    return false;
  }
  bool Fail() {
    failed_ = true;
    return false;
  }
  std::span<const std::uint8_t> data_;
  std::size_t pos_ = 0;
  bool failed_ = false;
};

std::string_view AsString(std::span<const std::uint8_t> b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

// float_data / raw_data as little-endian floats (an empty field has a null
// data() pointer, which memcpy must not see even with size 0).
void CopyFloats(std::span<const std::uint8_t> bytes, std::vector<float>& out) {
  out.resize(bytes.size() / 4);
  if (!out.empty()) std::memcpy(out.data(), bytes.data(), out.size() * 4);
}

struct Tensor {
  std::vector<std::int64_t> dims;
  std::vector<float> data;
};

// TensorProto: dims = 1, data_type = 2, float_data = 4, raw_data = 9.
std::optional<Tensor> ParseTensor(std::span<const std::uint8_t> bytes) {
  Reader r(bytes);
  Field f;
  Tensor t;
  int type = 0;
  while (r.Next(f)) {
    if (f.number == 1 && f.wire == 0) {
      t.dims.push_back(static_cast<std::int64_t>(f.varint));
    } else if (f.number == 1 && f.wire == 2) {
      // Packed varints.
      std::size_t i = 0;
      while (i < f.bytes.size()) {
        std::uint64_t v = 0;
        int shift = 0;
        while (i < f.bytes.size()) {
          const std::uint8_t b = f.bytes[i++];
          if (shift < 64) v |= static_cast<std::uint64_t>(b & 0x7F) << shift;
          shift += 7;
          if (!(b & 0x80)) break;
        }
        t.dims.push_back(static_cast<std::int64_t>(v));
      }
    } else if (f.number == 2 && f.wire == 0) {
      type = static_cast<int>(f.varint);
    } else if ((f.number == 4 || (f.number == 9 && type == 1)) && f.wire == 2) {
      CopyFloats(f.bytes, t.data);
    } else if (f.number == 9 && f.wire == 2) {
      // Not float (int64 constants of the graph's shape logic): keep size only.
      t.data.clear();
    }
  }
  if (r.failed() || type != 1) return std::nullopt;
  // The element count must match the data; a hostile file can carry huge or
  // negative dims, so the product is checked as it grows (signed overflow is UB).
  std::uint64_t n = 1;
  for (auto d : t.dims) {
    if (d < 0 || (d > 0 && n > t.data.size() / static_cast<std::uint64_t>(d) + 1)) {
      return std::nullopt;
    }
    n *= static_cast<std::uint64_t>(d);
  }
  if (n != t.data.size()) return std::nullopt;
  return t;
}

// Collects every float Constant in `graph` (recursively through subgraphs)
// into `out`, keyed by output name.
void CollectConstants(std::span<const std::uint8_t> graph, std::map<std::string, Tensor>& out,
                      int depth = 0) {
  if (depth > 8) return;
  Reader r(graph);
  Field f;
  while (r.Next(f)) {
    if (f.number != 1 || f.wire != 2) continue;  // GraphProto.node
    Reader node(f.bytes);
    Field nf;
    std::string op, output;
    std::vector<std::span<const std::uint8_t>> attrs;
    while (node.Next(nf)) {
      if (nf.number == 2 && nf.wire == 2 && output.empty()) output = AsString(nf.bytes);
      if (nf.number == 4 && nf.wire == 2) op = AsString(nf.bytes);
      if (nf.number == 5 && nf.wire == 2) attrs.push_back(nf.bytes);
    }
    for (auto a : attrs) {
      Reader ar(a);
      Field af;
      while (ar.Next(af)) {
        if (op == "Constant" && af.number == 5 && af.wire == 2) {  // AttributeProto.t
          if (auto t = ParseTensor(af.bytes)) out[output] = std::move(*t);
        } else if (af.number == 6 && af.wire == 2) {  // AttributeProto.g (If branches)
          CollectConstants(af.bytes, out, depth + 1);
        }
      }
    }
  }
}

// --- Kernels -----------------------------------------------------------------
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

using MatVecFn = void (*)(const float*, int, int, int, const float*, float*);
struct MatVecKernel {
  MatVecFn fn;
  std::string_view name;
};
// AICC_VAD_KERNEL=portable forces the portable kernel: CI runs the exactness
// test both ways on an AVX2 machine, and it is a way out should a CPU
// misreport its features.
MatVecKernel ChooseMatVec() {
  const char* forced = std::getenv("AICC_VAD_KERNEL");
  if (forced && std::string_view(forced) == "portable") return {MatVecPortable, "portable"};
#if defined(__x86_64__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    return {MatVecAvx2, "avx2"};
  }
#endif
  return {MatVecPortable, "portable"};
}
const MatVecKernel kKernel = ChooseMatVec();
const MatVecFn kMatVec = kKernel.fn;

float Sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }
// tanh through expf: glibc's tanhf goes through the much slower expm1f.
// Absolute error stays ~1e-7 (the cancellation near 0 is absolute-small).
float Tanh(float x) { return 2.0f / (1.0f + std::exp(-2.0f * x)) - 1.0f; }

class SileroStream final : public Vad {
 public:
  SileroStream(std::shared_ptr<const SileroModel> model, int rate)
      : model_(std::move(model)), b_(model_->branch(rate)) {
    input_.assign(static_cast<std::size_t>(b_.context + b_.chunk + b_.filter / 4), 0.0f);
    Reset();
  }
  int SampleRate() const override { return b_.rate; }
  std::size_t ChunkSamples() const override { return static_cast<std::size_t>(b_.chunk); }
  std::string_view Engine() const override { return "silero"; }
  void Reset() override {
    std::fill(input_.begin(), input_.end(), 0.0f);
    h_.fill(0);
    c_.fill(0);
    zero_run_ = 0;
  }

  float Process(std::span<const float> chunk) override {
    const int C = b_.context, N = b_.chunk;
    const int L = C + N;
    // input_ = [context | chunk | reflect pad]; context = the last C samples
    // of the previous input (zeros at the start).
    std::memmove(input_.data(), input_.data() + N, static_cast<std::size_t>(C) * sizeof(float));
    const std::size_t n = std::min<std::size_t>(chunk.size(), static_cast<std::size_t>(N));
    for (std::size_t i = 0; i < n; ++i) {
      const float v = chunk[i];
      input_[static_cast<std::size_t>(C) + i] =
          std::isfinite(v) ? v : 0.0f;  // NaN/inf would poison the LSTM state
    }
    std::fill(input_.begin() + C + static_cast<std::ptrdiff_t>(n), input_.begin() + L, 0.0f);
    // Digital silence (RTP gaps fed as silence, μ-law 0xFF frames from a
    // muted or idle leg): once the context is zero too, the STFT and encoder
    // output is a constant of the model, so only the recurrent half of the
    // LSTM runs (about a sixth of the work). Under overload this keeps
    // streams without packets from costing VAD time.
    const bool zeros =
        std::all_of(input_.begin() + C, input_.begin() + L, [](float v) { return v == 0.0f; });
    zero_run_ = zeros ? zero_run_ + 1 : 0;
    if (zero_run_ >= 2) {
      std::array<float, 512> gates;
      // The W_hh half of each fused row.
      kMatVec(b_.w_lstm.data() + 128, 512, 128, 256, h_.data(), gates.data());
      for (std::size_t g = 0; g < 512; ++g) gates[g] += b_.zero_input_gates[g];
      return Step(gates);
    }
    std::array<float, 512> gates;
    kMatVec(b_.w_lstm.data(), 512, 256, 256, Encode().data(), gates.data());
    for (std::size_t g = 0; g < 512; ++g) gates[g] += b_.b_lstm[g];
    return Step(gates);
  }

  // STFT and encoder on input_; returns [x | h], x the 128 encoder outputs.
  const std::array<float, 256>& Encode() {
    const int F = b_.filter, hop = b_.hop, bins = b_.bins;
    const int L = b_.context + b_.chunk, pad = F / 4;
    for (int j = 0; j < pad; ++j)
      input_[static_cast<std::size_t>(L + j)] = input_[static_cast<std::size_t>(L - 2 - j)];
    // STFT magnitude: frames T = (L + pad - F) / hop + 1 = 4.
    const int T = (L + pad - F) / hop + 1;
    x0_.resize(static_cast<std::size_t>(bins * T));
    spectrum_.resize(static_cast<std::size_t>(2 * bins));
    for (int t = 0; t < T; ++t) {
      // Rows 0..bins-1 of the basis are the real parts, bins..2·bins-1 the imaginary.
      kMatVec(b_.basis.data(), 2 * bins, F, F, input_.data() + t * hop, spectrum_.data());
      for (int k = 0; k < bins; ++k) {
        const float re = spectrum_[static_cast<std::size_t>(k)];
        const float im = spectrum_[static_cast<std::size_t>(k + bins)];
        x0_[static_cast<std::size_t>(k * T + t)] = std::sqrt(re * re + im * im);
      }
    }
    // Encoder: channel-major [channels][time].
    int len = T;
    const std::vector<float>* in = &x0_;
    std::vector<float>* outs[4] = {&x1_, &x2_, &x1_, &x2_};
    for (int layer = 0; layer < 4; ++layer) {
      const auto& conv = b_.encoder[static_cast<std::size_t>(layer)];
      const int out_len = (len + 2 - 3) / conv.stride + 1;
      // im2col: one column [in·3] per output step, zero-padded to conv.row.
      col_.assign(static_cast<std::size_t>(conv.row * out_len), 0.0f);
      for (int t = 0; t < out_len; ++t) {
        float* column = col_.data() + static_cast<std::size_t>(t) * conv.row;
        for (int i = 0; i < conv.in; ++i) {
          for (int k = 0; k < 3; ++k) {
            const int src = t * conv.stride + k - 1;
            column[i * 3 + k] =
                (src >= 0 && src < len) ? (*in)[static_cast<std::size_t>(i * len + src)] : 0.0f;
          }
        }
      }
      std::vector<float>& out = *outs[layer];
      out.resize(static_cast<std::size_t>(conv.out * out_len));
      products_.resize(static_cast<std::size_t>(conv.out));
      for (int t = 0; t < out_len; ++t) {
        kMatVec(conv.weight.data(), conv.out, conv.row, conv.row,
                col_.data() + static_cast<std::size_t>(t) * conv.row, products_.data());
        for (int o = 0; o < conv.out; ++o) {
          const float v =
              conv.bias[static_cast<std::size_t>(o)] + products_[static_cast<std::size_t>(o)];
          out[static_cast<std::size_t>(o * out_len + t)] = std::max(v, 0.0f);
        }
      }
      in = &out;
      len = out_len;
    }
    // len == 1: the encoder output is a 128-vector; the LSTM input is [x | h].
    std::copy_n(in->data(), 128, xh_.begin());
    std::copy(h_.begin(), h_.end(), xh_.begin() + 128);
    return xh_;
  }

  // The LSTM cell on its gate pre-activations (biases included), then the
  // decoder: the speech probability.
  float Step(const std::array<float, 512>& gates) {
    float out = b_.out_b;
    for (std::size_t j = 0; j < 128; ++j) {
      const float i = Sigmoid(gates[j]);
      const float f = Sigmoid(gates[128 + j]);
      const float g = Tanh(gates[256 + j]);
      const float o = Sigmoid(gates[384 + j]);
      c_[j] = f * c_[j] + i * g;
      h_[j] = o * Tanh(c_[j]);
      out += b_.out_w[j] * std::max(h_[j], 0.0f);
    }
    return Sigmoid(out);
  }

 private:
  std::shared_ptr<const SileroModel> model_;
  const SileroModel::Branch& b_;
  std::vector<float> input_;
  std::vector<float> x0_, x1_, x2_, col_, spectrum_, products_;
  std::array<float, 128> h_{}, c_{};
  std::array<float, 256> xh_{};
  int zero_run_ = 0;  // consecutive all-zero chunks
};

class SileroEngine final : public VadEngine {
 public:
  explicit SileroEngine(std::shared_ptr<const SileroModel> m) : model_(std::move(m)) {}
  std::unique_ptr<Vad> NewStream(int sample_rate) const override {
    return std::make_unique<SileroStream>(model_, sample_rate == 16000 ? 16000 : 8000);
  }
  std::string_view Name() const override { return "silero"; }

 private:
  std::shared_ptr<const SileroModel> model_;
};

}  // namespace

boost::system::result<std::shared_ptr<const SileroModel>, VadError> SileroModel::Load(
    const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return VadError{"cannot open the Silero model " + path +
                    " (run `make deps`, or set AICC_VAD_MODEL)"};
  const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                        std::istreambuf_iterator<char>());
  return Parse(bytes, path);
}

boost::system::result<std::shared_ptr<const SileroModel>, VadError> SileroModel::Parse(
    std::span<const std::uint8_t> onnx, const std::string& name) {
  // ModelProto.graph = 7.
  Reader r(onnx);
  Field f;
  std::span<const std::uint8_t> graph;
  while (r.Next(f)) {
    if (f.number == 7 && f.wire == 2) graph = f.bytes;
  }
  if (r.failed() || graph.empty()) return VadError{name + ": not an ONNX model (no graph)"};
  std::map<std::string, Tensor> constants;
  CollectConstants(graph, constants);

  auto model = std::make_shared<SileroModel>();
  // The top-level If compares sr with 16000: its then-branch is 16 kHz.
  for (const auto& [branch_prefix, branch_rate] :
       {std::pair<std::string, int>{"If_0_then_branch__", 16000},
        std::pair<std::string, int>{"If_0_else_branch__", 8000}}) {
    // Copies: clang 14 cannot capture structured bindings in the lambda.
    const std::string prefix = branch_prefix;
    const int rate = branch_rate;
    Branch& b = rate == 16000 ? model->b16_ : model->b8_;
    auto find = [&](const std::string& suffix) -> const Tensor* {
      for (const auto& [key, t] : constants) {
        if (key.rfind(prefix, 0) == 0 && key.size() >= suffix.size() &&
            key.compare(key.size() - suffix.size(), suffix.size(), suffix) == 0) {
          return &t;
        }
      }
      return nullptr;
    };
    const Tensor* basis = find("stft.forward_basis_buffer");
    if (!basis || basis->dims.size() != 3)
      return VadError{name + ": no STFT basis for " + std::to_string(rate) + " Hz"};
    b.rate = rate;
    b.filter = static_cast<int>(basis->dims[2]);
    b.bins = static_cast<int>(basis->dims[0] / 2);
    b.hop = b.filter / 2;
    b.chunk = rate == 16000 ? 512 : 256;
    b.context = rate == 16000 ? 64 : 32;
    // The chunk and context sizes below are Silero v5's; other filter
    // lengths would not give one encoder step per chunk.
    if (b.bins != b.filter / 2 + 1 || b.filter != (rate == 16000 ? 256 : 128) ||
        basis->data.size() != static_cast<std::size_t>(2 * b.bins * b.filter)) {
      return VadError{name + ": unexpected STFT basis shape"};
    }
    b.basis = basis->data;
    const int strides[4] = {1, 2, 2, 1};
    for (int i = 0; i < 4; ++i) {
      const std::string base = "encoder." + std::to_string(i) + ".reparam_conv.";
      const Tensor* w = find(base + "weight");
      const Tensor* bias = find(base + "bias");
      if (!w || !bias || w->dims.size() != 3 || w->dims[2] != 3) {
        return VadError{name + ": missing or malformed " + base + "weight"};
      }
      auto& conv = b.encoder[static_cast<std::size_t>(i)];
      conv.out = static_cast<int>(w->dims[0]);
      conv.in = static_cast<int>(w->dims[1]);
      conv.stride = strides[i];
      conv.bias = bias->data;
      const int expected_in = i == 0 ? b.bins : b.encoder[static_cast<std::size_t>(i - 1)].out;
      if (conv.in != expected_in || static_cast<int>(conv.bias.size()) != conv.out ||
          w->data.size() != static_cast<std::size_t>(conv.out * conv.in * 3)) {
        return VadError{name + ": encoder layer " + std::to_string(i) +
                        " does not fit the previous one"};
      }
      // ONNX's [out][in][3] is already [out][in·3]; pad each row.
      conv.row = (conv.in * 3 + 7) / 8 * 8;
      conv.weight.assign(static_cast<std::size_t>(conv.out * conv.row), 0.0f);
      for (int o = 0; o < conv.out; ++o) {
        std::copy_n(w->data.begin() + static_cast<std::ptrdiff_t>(o) * conv.in * 3, conv.in * 3,
                    conv.weight.begin() + static_cast<std::ptrdiff_t>(o) * conv.row);
      }
    }
    const Tensor* w_ih = find("decoder.rnn.weight_ih");
    const Tensor* w_hh = find("decoder.rnn.weight_hh");
    const Tensor* b_ih = find("decoder.rnn.bias_ih");
    const Tensor* b_hh = find("decoder.rnn.bias_hh");
    const Tensor* out_w = find("decoder.decoder.2.weight");
    const Tensor* out_b = find("decoder.decoder.2.bias");
    if (!w_ih || !w_hh || !b_ih || !b_hh || !out_w || !out_b || w_ih->data.size() != 512 * 128 ||
        w_hh->data.size() != 512 * 128 || b_ih->data.size() != 512 || b_hh->data.size() != 512 ||
        out_w->data.size() != 128 || out_b->data.size() != 1 || b.encoder[3].out != 128) {
      return VadError{name + ": missing or malformed LSTM/decoder weights"};
    }
    b.out_w = out_w->data;
    b.out_b = out_b->data[0];
    b.w_lstm.resize(512 * 256);
    b.b_lstm.resize(512);
    for (std::size_t g = 0; g < 512; ++g) {
      std::copy_n(w_ih->data.begin() + static_cast<std::ptrdiff_t>(g * 128), 128,
                  b.w_lstm.begin() + static_cast<std::ptrdiff_t>(g * 256));
      std::copy_n(w_hh->data.begin() + static_cast<std::ptrdiff_t>(g * 128), 128,
                  b.w_lstm.begin() + static_cast<std::ptrdiff_t>(g * 256 + 128));
      b.b_lstm[g] = b_ih->data[g] + b_hh->data[g];
    }
    // The W_ih half of each fused row over the encoder's output for silence.
    SileroStream silent(model, rate);  // fresh: all-zero input and context
    b.zero_input_gates.resize(512);
    kMatVec(b.w_lstm.data(), 512, 128, 256, silent.Encode().data(), b.zero_input_gates.data());
    for (std::size_t g = 0; g < 512; ++g) b.zero_input_gates[g] += b.b_lstm[g];
  }
  return std::shared_ptr<const SileroModel>(std::move(model));
}

std::string_view SileroKernel() { return kKernel.name; }

std::shared_ptr<const VadEngine> MakeSileroEngine(std::shared_ptr<const SileroModel> model) {
  return std::make_shared<const SileroEngine>(std::move(model));
}

}  // namespace aicc::vad
