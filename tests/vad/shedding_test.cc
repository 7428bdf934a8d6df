#include "vad/shedding.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace aicc::vad {
namespace {

// A primary that says which engine answered, and counts resets.
class TaggedVad final : public Vad {
 public:
  TaggedVad(float value, int* resets) : value_(value), resets_(resets) {}
  int SampleRate() const override { return 8000; }
  std::size_t ChunkSamples() const override { return 256; }
  float Process(std::span<const float>) override { return value_; }
  void Reset() override { ++*resets_; }
  std::string_view Engine() const override { return value_ == 1.0f ? "primary" : "fallback"; }

 private:
  float value_;
  int* resets_;
};

class TaggedEngine final : public VadEngine {
 public:
  explicit TaggedEngine(float value) : value_(value) {}
  std::unique_ptr<Vad> NewStream(int) const override {
    return std::make_unique<TaggedVad>(value_, &resets);
  }
  std::string_view Name() const override { return value_ == 1.0f ? "primary" : "fallback"; }
  mutable int resets = 0;

 private:
  float value_;
};

const std::vector<float> kChunk(256, 0.0f);

struct Fixture {
  std::shared_ptr<TaggedEngine> primary = std::make_shared<TaggedEngine>(1.0f);
  std::shared_ptr<TaggedEngine> fallback = std::make_shared<TaggedEngine>(0.0f);
};

TEST(SheddingEngineTest, UnlimitedByDefaultAndNamedAfterThePrimary) {
  Fixture f;
  SheddingEngine engine(f.primary, f.fallback);
  EXPECT_EQ(engine.Name(), "primary");
  std::vector<std::unique_ptr<Vad>> streams;
  for (int i = 0; i < 50; ++i) streams.push_back(engine.NewStream(8000));
  for (auto& s : streams) EXPECT_EQ(s->Process(kChunk), 1.0f);
  EXPECT_EQ(engine.counts().primary, 50u);
  EXPECT_EQ(engine.counts().fallback, 0u);
  streams.clear();
  EXPECT_EQ(engine.counts().primary, 0u);
}

TEST(SheddingEngineTest, NewStreamsBeyondTheBudgetStartOnTheFallback) {
  Fixture f;
  SheddingEngine engine(f.primary, f.fallback, 2);
  auto a = engine.NewStream(8000), b = engine.NewStream(8000), c = engine.NewStream(8000);
  EXPECT_EQ(a->Engine(), "primary");
  EXPECT_EQ(b->Engine(), "primary");
  EXPECT_EQ(c->Engine(), "fallback");
  EXPECT_EQ(c->Process(kChunk), 0.0f);
  EXPECT_EQ(engine.counts().to_fallback, 1u);
  // When a primary stream ends, the waiting one moves up at its next chunk.
  a.reset();
  EXPECT_EQ(c->Process(kChunk), 1.0f);
  EXPECT_EQ(c->Engine(), "primary");
  EXPECT_EQ(engine.counts().primary, 2u);
  EXPECT_EQ(engine.counts().fallback, 0u);
  EXPECT_EQ(engine.counts().to_primary, 1u);
}

TEST(SheddingEngineTest, ACutMovesExactlyTheSurplusAndGrowthMovesThemBack) {
  Fixture f;
  SheddingEngine engine(f.primary, f.fallback);
  std::vector<std::unique_ptr<Vad>> streams;
  for (int i = 0; i < 10; ++i) streams.push_back(engine.NewStream(8000));
  engine.SetBudget(6);
  int on_primary = 0;
  for (auto& s : streams) on_primary += s->Process(kChunk) == 1.0f;
  EXPECT_EQ(on_primary, 6);
  EXPECT_EQ(engine.counts().primary, 6u);
  EXPECT_EQ(engine.counts().fallback, 4u);
  // Stable: nobody moves while the budget holds.
  on_primary = 0;
  for (auto& s : streams) on_primary += s->Process(kChunk) == 1.0f;
  EXPECT_EQ(on_primary, 6);
  EXPECT_EQ(engine.counts().to_fallback, 4u);
  const int primary_resets = f.primary->resets;
  engine.SetBudget(SheddingEngine::kUnlimited);
  on_primary = 0;
  for (auto& s : streams) on_primary += s->Process(kChunk) == 1.0f;
  EXPECT_EQ(on_primary, 10);
  EXPECT_EQ(engine.counts().to_primary, 4u);
  // A stream moving back starts Silero from a clean state.
  EXPECT_EQ(f.primary->resets, primary_resets + 4);
}

TEST(SheddingEngineTest, ConcurrentStreamsNeverExceedTheBudget) {
  Fixture f;
  SheddingEngine engine(f.primary, f.fallback, 8);
  std::vector<std::thread> threads;
  std::atomic<int> over{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&engine, &over] {
      for (int round = 0; round < 200; ++round) {
        std::vector<std::unique_ptr<Vad>> mine;
        for (int i = 0; i < 5; ++i) mine.push_back(engine.NewStream(8000));
        for (int k = 0; k < 3; ++k) {
          for (auto& s : mine) s->Process(kChunk);
          if (engine.counts().primary > 8) ++over;
        }
      }
    });
  }
  for (int round = 0; round < 200; ++round) engine.SetBudget(round % 2 ? 8 : 3);
  for (auto& t : threads) t.join();
  EXPECT_EQ(over.load(), 0);
  EXPECT_EQ(engine.counts().primary, 0u);
  EXPECT_EQ(engine.counts().fallback, 0u);
}

OverloadGuard::Tick Pressure(std::size_t primary, std::size_t all, std::uint64_t drops = 5) {
  return {drops, 0.9, primary, all};
}
OverloadGuard::Tick Calm(std::size_t primary, std::size_t all) { return {0, 0.05, primary, all}; }

TEST(OverloadGuardTest, CalmKeepsTheConfiguredCap) {
  OverloadGuard unlimited({});
  OverloadGuardOptions capped;
  capped.max_primary = 300;
  OverloadGuard guard(capped);
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(unlimited.Update(Calm(1000, 1000)), SheddingEngine::kUnlimited);
    EXPECT_EQ(guard.Update(Calm(300, 1000)), 300u);
  }
  EXPECT_FALSE(guard.shedding());
}

TEST(OverloadGuardTest, OneTickOfDropsIsAHiccupNotOverload) {
  OverloadGuard guard({});
  EXPECT_EQ(guard.Update(Pressure(1000, 1000)), SheddingEngine::kUnlimited);
  EXPECT_EQ(guard.Update(Calm(1000, 1000)), SheddingEngine::kUnlimited);
  EXPECT_EQ(guard.Update(Pressure(1000, 1000)), SheddingEngine::kUnlimited);
  EXPECT_FALSE(guard.shedding());
}

TEST(OverloadGuardTest, SustainedDropsCutThenCoolDownThenCutAgain) {
  OverloadGuard guard({});
  guard.Update(Pressure(1000, 1000));
  EXPECT_EQ(guard.Update(Pressure(1000, 1000)), 850u);  // 85 % of what runs
  EXPECT_TRUE(guard.shedding());
  // The cut needs time to act: no second cut for the cool-down.
  for (int i = 0; i < 4; ++i) EXPECT_EQ(guard.Update(Pressure(850, 1000)), 850u);
  EXPECT_EQ(guard.Update(Pressure(850, 1000)), 722u);
  // A full queue alone (no drops yet) is pressure too.
  OverloadGuard queue_only({});
  queue_only.Update({0, 0.6, 100, 100});
  EXPECT_EQ(queue_only.Update({0, 0.6, 100, 100}), 85u);
}

TEST(OverloadGuardTest, GrowsBackAfterTenCalmSecondsThenStopsShedding) {
  OverloadGuard guard({});
  guard.Update(Pressure(100, 100));
  ASSERT_EQ(guard.Update(Pressure(100, 100)), 85u);
  std::size_t budget = 85;
  int ticks = 0;
  for (; ticks < 99; ++ticks) budget = guard.Update(Calm(85, 100));
  EXPECT_EQ(budget, 85u) << "no growth in the first 10 s";
  budget = guard.Update(Calm(85, 100));
  EXPECT_EQ(budget, 86u);
  while (guard.shedding() && ticks < 10000) {
    budget = guard.Update(Calm(std::min<std::size_t>(budget, 100), 100));
    ++ticks;
  }
  EXPECT_FALSE(guard.shedding());
  EXPECT_EQ(budget, SheddingEngine::kUnlimited);
  // 85 → 100 at 1 stream per second (2 % rounds down to 1): about 15 s more.
  EXPECT_LT(ticks, 100 + 16 * 10);
}

TEST(OverloadGuardTest, NonAdaptiveOnlyAppliesTheCap) {
  OverloadGuardOptions options;
  options.adaptive = false;
  options.max_primary = 40;
  OverloadGuard guard(options);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(guard.Update(Pressure(40, 100)), 40u);
  EXPECT_FALSE(guard.shedding());
}

}  // namespace
}  // namespace aicc::vad
