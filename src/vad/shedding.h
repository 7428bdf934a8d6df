// Load shedding for the VAD: Silero for as many streams as the machine can
// carry, the energy VAD for the rest, decided while the streams run.
//
// Usage:
//   auto engine = std::make_shared<vad::SheddingEngine>(silero, vad::MakeEnergyEngine(0.6));
//   auto v = engine->NewStream(8000);   // on Silero while within the budget
//   engine->SetBudget(400);             // the overload guard: at most 400 on Silero
//   // each stream checks the budget before its next chunk: the surplus moves
//   // to the energy VAD, and moves back when the budget grows again.
//
// Threading: every method is thread-safe. A stream is used by one owner and
// costs two relaxed atomic loads per chunk while nothing changes.
#pragma once
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>

#include "vad/vad.h"

namespace aicc::vad {

class SheddingEngine final : public VadEngine {
 public:
  static constexpr std::size_t kUnlimited = std::numeric_limits<std::size_t>::max();

  SheddingEngine(std::shared_ptr<const VadEngine> primary,
                 std::shared_ptr<const VadEngine> fallback, std::size_t budget = kUnlimited);

  std::unique_ptr<Vad> NewStream(int sample_rate) const override;
  // The primary's name: the engine configured, even while some streams shed.
  std::string_view Name() const override;

  // Most streams that may run the primary at once (kUnlimited: all).
  void SetBudget(std::size_t max_primary_streams);
  std::size_t Budget() const;

  struct Counts {
    std::size_t primary = 0;        // live streams on the primary
    std::size_t fallback = 0;       // live streams on the fallback
    std::uint64_t to_fallback = 0;  // moves since start (including new streams started there)
    std::uint64_t to_primary = 0;
  };
  Counts counts() const;

  struct State;  // shared with the streams, which may outlive the engine

 private:
  std::shared_ptr<const VadEngine> primary_;
  std::shared_ptr<const VadEngine> fallback_;
  std::shared_ptr<State> state_;
};

// The policy that sets the budget: cut it when the media path is falling
// behind, grow it back slowly once it is calm (AIMD, as in TCP congestion
// control). Fed once per tick (the daemon's: 100 ms) with what the RTP
// receiver saw; a pure function of its inputs, so it is tested without load.
struct OverloadGuardOptions {
  std::size_t max_primary = SheddingEngine::kUnlimited;  // a fixed cap, if configured
  bool adaptive = true;                                  // false: only the fixed cap
  double queue_high = 0.5;      // a receive queue this full counts as pressure
  int pressure_ticks = 2;       // consecutive ticks of pressure before a cut (not one hiccup)
  int cooldown_ticks = 5;       // after a cut, let it act before cutting again
  double cut_factor = 0.85;     // keep this share of the streams on the primary
  int calm_ticks = 100;         // calm this long (10 s) before growing back
  int grow_every_ticks = 10;    // then grow every second
  double grow_fraction = 0.02;  // by this share of the budget (at least one stream)
};

class OverloadGuard {
 public:
  explicit OverloadGuard(OverloadGuardOptions options);

  struct Tick {
    std::uint64_t new_kernel_drops = 0;  // since the last tick
    double queue_ratio = 0;              // fullest receive queue since the last tick
    std::size_t primary_streams = 0;     // live streams on the primary now
    std::size_t all_streams = 0;         // live streams on either engine now
  };
  // Returns the budget for the primary from now on.
  std::size_t Update(const Tick& tick);

  std::size_t budget() const { return budget_; }
  // Between the first cut and the budget growing back past every stream.
  bool shedding() const { return shedding_; }

 private:
  OverloadGuardOptions options_;
  std::size_t budget_;
  bool shedding_ = false;
  int pressure_run_ = 0;
  int cooldown_ = 0;
  int calm_run_ = 0;
};

}  // namespace aicc::vad
