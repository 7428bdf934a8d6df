#include "vad/silero.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <string_view>

#include "vad/internal/silero_kernels.h"

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

const internal::SileroKernels& K() {
  static const internal::SileroKernels& kernels = internal::Kernels();
  return kernels;
}

float Sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

class SileroStream;

// Fills Branch::basis_even/basis_odd when the basis has the symmetry of a
// windowed DFT (exactly, as Silero's has); otherwise leaves them empty and
// the STFT runs on the whole basis.
void FoldBasis(SileroModel::Branch& b) {
  const int F = b.filter, bins = b.bins, half = F / 2;
  const auto at = [&](int row, int n) {
    return b.basis[static_cast<std::size_t>(row) * static_cast<std::size_t>(F) +
                   static_cast<std::size_t>(n)];
  };
  for (int k = 0; k < bins; ++k) {
    if (at(bins + k, 0) != 0.0f || at(bins + k, half) != 0.0f) return;
    for (int n = 1; n < half; ++n) {
      if (at(k, n) != at(k, F - n) || at(bins + k, n) != -at(bins + k, F - n)) return;
    }
  }
  b.even_row = (half + 1 + 7) / 8 * 8;
  b.odd_row = (half - 1 + 7) / 8 * 8;
  b.basis_even.assign(static_cast<std::size_t>(bins * b.even_row), 0.0f);
  b.basis_odd.assign(static_cast<std::size_t>(bins * b.odd_row), 0.0f);
  for (int k = 0; k < bins; ++k) {
    float* even = b.basis_even.data() + static_cast<std::size_t>(k * b.even_row);
    float* odd = b.basis_odd.data() + static_cast<std::size_t>(k * b.odd_row);
    for (int n = 0; n <= half; ++n) even[n] = at(k, n);
    for (int n = 1; n < half; ++n) odd[n - 1] = at(bins + k, n);
  }
}

// Working memory of a forward pass over a batch of streams. Buffers only
// grow (to the largest batch seen), so a pass allocates nothing once warm.
struct Scratch {
  std::vector<float> spectrum, x0, x1, x2, xh, gates;
  std::vector<float> folded;
  std::vector<const float*> xcols, xcols2;
  std::vector<float*> ycols, ycols2;
  std::vector<SileroStream*> active, silent;
  std::vector<std::size_t> active_at, silent_at;  // their places in the batch
};

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
  float Process(std::span<const float> chunk) override;

  const SileroModel::Branch& branch() const { return b_; }
  float* input() { return input_.data(); }
  const std::array<float, 128>& h() const { return h_; }

  // input_ = [context | chunk | reflect pad]; context = the last C samples
  // of the previous input (zeros at the start). Returns true for settled
  // digital silence: this chunk and the one before all zeros.
  bool Load(std::span<const float> chunk) {
    const int C = b_.context, N = b_.chunk;
    const int L = C + N;
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
    return zero_run_ >= 2;
  }

  // The LSTM cell on its gate pre-activations (biases included), then the
  // decoder: the speech probability.
  float Step(const float* gates) {
    K().lstm_cell(gates, c_.data(), h_.data(), 128);
    float out = b_.out_b;
    for (std::size_t j = 0; j < 128; ++j) out += b_.out_w[j] * std::max(h_[j], 0.0f);
    return Sigmoid(out);
  }

 private:
  std::shared_ptr<const SileroModel> model_;
  const SileroModel::Branch& b_;
  std::vector<float> input_;
  std::array<float, 128> h_{}, c_{};
  int zero_run_ = 0;                  // consecutive all-zero chunks
  std::unique_ptr<Scratch> scratch_;  // for Process: a batch of one
};

// STFT and encoder for loaded streams, every layer one product over the
// whole batch; leaves stream k's LSTM input [x | h] at s.xh[256·k].
void Encode(const SileroModel::Branch& b, std::span<SileroStream* const> st, Scratch& s) {
  const std::size_t a = st.size();
  const int F = b.filter, hop = b.hop, bins = b.bins;
  const int L = b.context + b.chunk, pad = F / 4;
  // STFT frames per chunk: T = (L + pad - F) / hop + 1 = 4.
  const int T = (L + pad - F) / hop + 1;
  for (SileroStream* stream : st) {
    float* in = stream->input();
    for (int j = 0; j < pad; ++j) in[L + j] = in[L - 2 - j];
  }
  const std::size_t frames = a * static_cast<std::size_t>(T);
  s.spectrum.resize(frames * static_cast<std::size_t>(2 * bins));
  s.xcols.resize(frames);
  s.ycols.resize(frames);
  for (std::size_t f = 0; f < frames; ++f) {
    s.xcols[f] = st[f / static_cast<std::size_t>(T)]->input() +
                 static_cast<std::ptrdiff_t>(f % static_cast<std::size_t>(T)) * hop;
    s.ycols[f] = s.spectrum.data() + f * static_cast<std::size_t>(2 * bins);
  }
  if (b.basis_even.empty()) {
    // Rows 0..bins-1 of the basis are the real parts, bins..2·bins-1 the imaginary.
    K().gemm(b.basis.data(), 2 * bins, F, F, s.xcols.data(), s.ycols.data(),
             static_cast<int>(frames));
  } else {
    // Fold each frame into its even and odd halves (Branch::basis_even).
    const std::size_t folded = static_cast<std::size_t>(b.even_row + b.odd_row);
    s.folded.resize(frames * folded);
    s.xcols2.resize(frames);
    s.ycols2.resize(frames);
    const int half = F / 2;
    for (std::size_t f = 0; f < frames; ++f) {
      const float* x = s.xcols[f];
      float* even = s.folded.data() + f * folded;
      float* odd = even + b.even_row;
      even[0] = x[0];
      for (int n = 1; n < half; ++n) {
        even[n] = x[n] + x[F - n];
        odd[n - 1] = x[n] - x[F - n];
      }
      even[half] = x[half];
      std::fill(even + half + 1, even + b.even_row, 0.0f);
      std::fill(odd + half - 1, odd + b.odd_row, 0.0f);
      s.xcols[f] = even;
      s.xcols2[f] = odd;
      s.ycols2[f] = s.ycols[f] + bins;
    }
    K().gemm(b.basis_even.data(), bins, b.even_row, b.even_row, s.xcols.data(), s.ycols.data(),
             static_cast<int>(frames));
    K().gemm(b.basis_odd.data(), bins, b.odd_row, b.odd_row, s.xcols2.data(), s.ycols2.data(),
             static_cast<int>(frames));
  }
  // Magnitudes, time-major per stream and framed by zero rows (the
  // convolutions' padding): stream k's x0 = [0…] [frame 0] … [frame T-1] [0…].
  // In this layout the three input rows a convolution step reads are
  // contiguous, so a step's input column is a pointer, not a copy (no im2col),
  // and a layer's products land where the next layer reads them.
  std::size_t stride = static_cast<std::size_t>((T + 2) * bins);
  s.x0.resize(a * stride);
  for (std::size_t k = 0; k < a; ++k) {
    float* x = s.x0.data() + k * stride;
    std::fill_n(x, bins, 0.0f);
    std::fill_n(x + (T + 1) * bins, bins, 0.0f);
    for (int t = 0; t < T; ++t) {
      const float* spec = s.ycols[k * static_cast<std::size_t>(T) + static_cast<std::size_t>(t)];
      float* row = x + (t + 1) * bins;
      for (int i = 0; i < bins; ++i)
        row[i] = std::sqrt(spec[i] * spec[i] + spec[i + bins] * spec[i + bins]);
    }
  }
  // Encoder: 4 × [Conv1d(k=3, pad 1) + ReLU], the same framed layout.
  int len = T;
  const std::vector<float>* in = &s.x0;
  std::vector<float>* outs[4] = {&s.x1, &s.x2, &s.x1, &s.x2};
  for (int layer = 0; layer < 4; ++layer) {
    const auto& conv = b.encoder[static_cast<std::size_t>(layer)];
    const int out_len = (len + 2 - 3) / conv.stride + 1;
    const std::size_t columns = a * static_cast<std::size_t>(out_len);
    const std::size_t out_stride = static_cast<std::size_t>((out_len + 2) * conv.out);
    std::vector<float>& out = *outs[layer];
    out.resize(a * out_stride);
    s.xcols.resize(columns);
    s.ycols.resize(columns);
    for (std::size_t k = 0; k < a; ++k) {
      float* y = out.data() + k * out_stride;
      std::fill_n(y, conv.out, 0.0f);
      std::fill_n(y + (out_len + 1) * conv.out, conv.out, 0.0f);
      for (int t = 0; t < out_len; ++t) {
        // Output step t reads input rows t·stride - 1 … t·stride + 1, i.e.
        // framed rows t·stride … t·stride + 2.
        s.xcols[k * static_cast<std::size_t>(out_len) + static_cast<std::size_t>(t)] =
            in->data() + k * stride + static_cast<std::size_t>(t * conv.stride * conv.in);
        s.ycols[k * static_cast<std::size_t>(out_len) + static_cast<std::size_t>(t)] =
            y + (t + 1) * conv.out;
      }
    }
    K().gemm(conv.weight.data(), conv.out, 3 * conv.in, conv.row, s.xcols.data(), s.ycols.data(),
             static_cast<int>(columns));
    for (std::size_t col = 0; col < columns; ++col) {
      float* y = s.ycols[col];
      for (int o = 0; o < conv.out; ++o)
        y[o] = std::max(y[o] + conv.bias[static_cast<std::size_t>(o)], 0.0f);
    }
    in = &out;
    len = out_len;
    stride = out_stride;
  }
  // len == 1: each stream's encoder output is the 128-vector in its row 1.
  s.xh.resize(a * 256);
  for (std::size_t k = 0; k < a; ++k) {
    float* xh = s.xh.data() + k * 256;
    std::copy_n(in->data() + k * stride + 128, 128, xh);
    std::copy(st[k]->h().begin(), st[k]->h().end(), xh + 128);
  }
}

// One chunk each through `streams` (one branch, distinct streams):
// probabilities[i] for chunks[i]. Settled digital silence runs only the
// recurrent half of the LSTM, as its own product over those streams.
void Forward(const SileroModel::Branch& b, std::span<SileroStream* const> streams,
             std::span<const std::span<const float>> chunks, std::span<float> probabilities,
             Scratch& s) {
  s.active.clear();
  s.silent.clear();
  s.active_at.clear();
  s.silent_at.clear();
  for (std::size_t i = 0; i < streams.size(); ++i) {
    if (streams[i]->Load(chunks[i])) {
      s.silent.push_back(streams[i]);
      s.silent_at.push_back(i);
    } else {
      s.active.push_back(streams[i]);
      s.active_at.push_back(i);
    }
  }
  s.gates.resize(streams.size() * 512);
  if (!s.active.empty()) {
    Encode(b, s.active, s);
    const std::size_t a = s.active.size();
    s.xcols.resize(a);
    s.ycols.resize(a);
    for (std::size_t k = 0; k < a; ++k) {
      s.xcols[k] = s.xh.data() + k * 256;
      s.ycols[k] = s.gates.data() + k * 512;
    }
    K().gemm(b.w_lstm.data(), 512, 256, 256, s.xcols.data(), s.ycols.data(), static_cast<int>(a));
    for (std::size_t k = 0; k < a; ++k) {
      float* gates = s.ycols[k];
      for (std::size_t g = 0; g < 512; ++g) gates[g] += b.b_lstm[g];
      probabilities[s.active_at[k]] = s.active[k]->Step(gates);
    }
  }
  if (!s.silent.empty()) {
    const std::size_t q = s.silent.size();
    s.xcols.resize(q);
    s.ycols.resize(q);
    for (std::size_t k = 0; k < q; ++k) {
      s.xcols[k] = s.silent[k]->h().data();
      s.ycols[k] = s.gates.data() + k * 512;
    }
    // The W_hh half of each fused row.
    K().gemm(b.w_lstm.data() + 128, 512, 128, 256, s.xcols.data(), s.ycols.data(),
             static_cast<int>(q));
    for (std::size_t k = 0; k < q; ++k) {
      float* gates = s.ycols[k];
      for (std::size_t g = 0; g < 512; ++g) gates[g] += b.zero_input_gates[g];
      probabilities[s.silent_at[k]] = s.silent[k]->Step(gates);
    }
  }
}

float SileroStream::Process(std::span<const float> chunk) {
  if (!scratch_) scratch_ = std::make_unique<Scratch>();
  SileroStream* self = this;
  float p = 0;
  Forward(b_, std::span<SileroStream* const>(&self, 1),
          std::span<const std::span<const float>>(&chunk, 1), std::span<float>(&p, 1), *scratch_);
  return p;
}

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
    FoldBasis(b);
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
      // ONNX's [out][in][3] → [out][3][in] (tap-major), rows padded.
      conv.row = (conv.in * 3 + 7) / 8 * 8;
      conv.weight.assign(static_cast<std::size_t>(conv.out * conv.row), 0.0f);
      for (int o = 0; o < conv.out; ++o) {
        for (int in_ch = 0; in_ch < conv.in; ++in_ch) {
          for (int k = 0; k < 3; ++k) {
            conv.weight[static_cast<std::size_t>(o * conv.row + k * conv.in + in_ch)] =
                w->data[static_cast<std::size_t>((o * conv.in + in_ch) * 3 + k)];
          }
        }
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
    SileroStream* fresh = &silent;
    Scratch scratch;
    Encode(b, std::span<SileroStream* const>(&fresh, 1), scratch);
    b.zero_input_gates.resize(512);
    K().mat_vec(b.w_lstm.data(), 512, 128, 256, scratch.xh.data(), b.zero_input_gates.data());
    for (std::size_t g = 0; g < 512; ++g) b.zero_input_gates[g] += b.b_lstm[g];
  }
  return std::shared_ptr<const SileroModel>(std::move(model));
}

std::string_view SileroKernel() { return K().name; }

struct SileroBatch::State {
  Scratch scratch;
  std::vector<char> done;
  std::vector<SileroStream*> group;
  std::vector<std::span<const float>> group_chunks;
  std::vector<std::size_t> group_at;
  std::vector<float> group_probabilities;
};

SileroBatch::SileroBatch(std::size_t max_batch)
    : max_batch_(std::max<std::size_t>(max_batch, 1)), state_(std::make_unique<State>()) {}
SileroBatch::~SileroBatch() = default;

void SileroBatch::Process(std::span<Vad* const> streams,
                          std::span<const std::span<const float>> chunks,
                          std::span<float> probabilities) {
  const std::size_t n = std::min({streams.size(), chunks.size(), probabilities.size()});
  State& st = *state_;
  st.done.assign(n, 0);
  for (std::size_t first = 0; first < n; ++first) {
    if (st.done[first]) continue;
    auto* lead = dynamic_cast<SileroStream*>(streams[first]);
    if (!lead) {
      probabilities[first] = streams[first]->Process(chunks[first]);
      st.done[first] = 1;
      continue;
    }
    // The streams sharing lead's branch (same model, same rate), in slices.
    const SileroModel::Branch& b = lead->branch();
    st.group.clear();
    st.group_chunks.clear();
    st.group_at.clear();
    for (std::size_t i = first; i < n && st.group.size() < max_batch_; ++i) {
      auto* s = st.done[i] ? nullptr : dynamic_cast<SileroStream*>(streams[i]);
      if (!s || &s->branch() != &b) continue;
      st.group.push_back(s);
      st.group_chunks.push_back(chunks[i]);
      st.group_at.push_back(i);
      st.done[i] = 1;
    }
    st.group_probabilities.resize(st.group.size());
    Forward(b, st.group, st.group_chunks, st.group_probabilities, st.scratch);
    for (std::size_t k = 0; k < st.group.size(); ++k)
      probabilities[st.group_at[k]] = st.group_probabilities[k];
  }
}

std::shared_ptr<const VadEngine> MakeSileroEngine(std::shared_ptr<const SileroModel> model) {
  return std::make_shared<const SileroEngine>(std::move(model));
}

}  // namespace aicc::vad
