#include "vad/shedding.h"

#include <algorithm>
#include <atomic>
#include <cmath>

namespace aicc::vad {

struct SheddingEngine::State {
  std::atomic<std::size_t> budget;
  std::atomic<std::size_t> primary{0};
  std::atomic<std::size_t> fallback{0};
  std::atomic<std::uint64_t> to_fallback{0};
  std::atomic<std::uint64_t> to_primary{0};

  explicit State(std::size_t b) : budget(b) {}

  // Takes a primary slot if one is free under the budget.
  bool TryTakePrimary() {
    std::size_t n = primary.load(std::memory_order_relaxed);
    while (n < budget.load(std::memory_order_relaxed)) {
      if (primary.compare_exchange_weak(n, n + 1, std::memory_order_relaxed)) return true;
    }
    return false;
  }
  // Gives a primary slot back only while the primary is over budget, so that
  // exactly the surplus moves (and not every stream that looks at once).
  bool TryShedPrimary() {
    std::size_t n = primary.load(std::memory_order_relaxed);
    while (n > budget.load(std::memory_order_relaxed)) {
      if (primary.compare_exchange_weak(n, n - 1, std::memory_order_relaxed)) return true;
    }
    return false;
  }
};

namespace {

using State = SheddingEngine::State;

class SheddableVad final : public Vad {
 public:
  SheddableVad(std::shared_ptr<State> state, std::unique_ptr<Vad> primary,
               std::unique_ptr<Vad> fallback)
      : state_(std::move(state)), primary_(std::move(primary)), fallback_(std::move(fallback)) {
    on_primary_ = state_->TryTakePrimary();
    if (!on_primary_) {
      state_->fallback.fetch_add(1, std::memory_order_relaxed);
      state_->to_fallback.fetch_add(1, std::memory_order_relaxed);
    }
  }
  ~SheddableVad() override {
    (on_primary_ ? state_->primary : state_->fallback).fetch_sub(1, std::memory_order_relaxed);
  }

  int SampleRate() const override { return primary_->SampleRate(); }
  std::size_t ChunkSamples() const override { return primary_->ChunkSamples(); }

  float Process(std::span<const float> chunk) override {
    const std::size_t budget = state_->budget.load(std::memory_order_relaxed);
    const std::size_t primary = state_->primary.load(std::memory_order_relaxed);
    if (on_primary_ && primary > budget && state_->TryShedPrimary()) {
      // The energy VAD's state is three chunks of smoothing: starting it
      // fresh costs nothing audible.
      on_primary_ = false;
      fallback_->Reset();
      state_->fallback.fetch_add(1, std::memory_order_relaxed);
      state_->to_fallback.fetch_add(1, std::memory_order_relaxed);
    } else if (!on_primary_ && primary < budget && state_->TryTakePrimary()) {
      // Silero's recurrent state from before the move would describe old
      // audio; it settles again within a few chunks from zero.
      on_primary_ = true;
      primary_->Reset();
      state_->fallback.fetch_sub(1, std::memory_order_relaxed);
      state_->to_primary.fetch_add(1, std::memory_order_relaxed);
    }
    return on_primary_ ? primary_->Process(chunk) : fallback_->Process(chunk);
  }

  void Reset() override {
    primary_->Reset();
    fallback_->Reset();
  }
  std::string_view Engine() const override {
    return on_primary_ ? primary_->Engine() : fallback_->Engine();
  }

 private:
  std::shared_ptr<State> state_;
  std::unique_ptr<Vad> primary_;
  std::unique_ptr<Vad> fallback_;
  bool on_primary_ = false;
};

}  // namespace

SheddingEngine::SheddingEngine(std::shared_ptr<const VadEngine> primary,
                               std::shared_ptr<const VadEngine> fallback, std::size_t budget)
    : primary_(std::move(primary)),
      fallback_(std::move(fallback)),
      state_(std::make_shared<State>(budget)) {}

std::unique_ptr<Vad> SheddingEngine::NewStream(int sample_rate) const {
  return std::make_unique<SheddableVad>(state_, primary_->NewStream(sample_rate),
                                        fallback_->NewStream(sample_rate));
}

std::string_view SheddingEngine::Name() const { return primary_->Name(); }

void SheddingEngine::SetBudget(std::size_t max_primary_streams) {
  state_->budget.store(max_primary_streams, std::memory_order_relaxed);
}

std::size_t SheddingEngine::Budget() const {
  return state_->budget.load(std::memory_order_relaxed);
}

SheddingEngine::Counts SheddingEngine::counts() const {
  return {state_->primary.load(std::memory_order_relaxed),
          state_->fallback.load(std::memory_order_relaxed),
          state_->to_fallback.load(std::memory_order_relaxed),
          state_->to_primary.load(std::memory_order_relaxed)};
}

OverloadGuard::OverloadGuard(OverloadGuardOptions options)
    : options_(options), budget_(options.max_primary) {}

std::size_t OverloadGuard::Update(const Tick& tick) {
  const bool pressure =
      options_.adaptive && (tick.new_kernel_drops > 0 || tick.queue_ratio >= options_.queue_high);
  if (cooldown_ > 0) --cooldown_;
  if (pressure) {
    calm_run_ = 0;
    ++pressure_run_;
    if (pressure_run_ >= options_.pressure_ticks && cooldown_ == 0) {
      // Cut from what actually runs, not from a budget nobody reached.
      const std::size_t base = std::min(budget_, tick.primary_streams);
      budget_ =
          static_cast<std::size_t>(std::floor(static_cast<double>(base) * options_.cut_factor));
      cooldown_ = options_.cooldown_ticks;
      shedding_ = true;
    }
    return budget_;
  }
  pressure_run_ = 0;
  if (!shedding_) return budget_;
  ++calm_run_;
  if (calm_run_ >= options_.calm_ticks &&
      (calm_run_ - options_.calm_ticks) % options_.grow_every_ticks == 0) {
    const auto step = std::max<std::size_t>(
        1, static_cast<std::size_t>(static_cast<double>(budget_) * options_.grow_fraction));
    budget_ = std::min(options_.max_primary, budget_ + step);
    // Room for every stream again: back to the configured cap.
    if (budget_ >= tick.all_streams || budget_ == options_.max_primary) {
      budget_ = options_.max_primary;
      shedding_ = false;
    }
  }
  return budget_;
}

}  // namespace aicc::vad
