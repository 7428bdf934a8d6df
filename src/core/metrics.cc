#include "core/metrics.h"

#include <fmt/format.h>

#include <cmath>
#include <stdexcept>

namespace aicc::core {
namespace {

std::string EscapeLabelValue(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

std::string RenderLabels(const Labels& labels) {
  if (labels.empty()) return {};
  std::string out = "{";
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (i) out += ',';
    out += labels[i].first + "=\"" + EscapeLabelValue(labels[i].second) + "\"";
  }
  return out + "}";
}

// Inserts an extra label (le="...") into an already rendered label set.
std::string WithLabel(const std::string& rendered, std::string_view extra) {
  if (rendered.empty()) return "{" + std::string(extra) + "}";
  return rendered.substr(0, rendered.size() - 1) + "," + std::string(extra) + "}";
}

std::string FormatDouble(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (std::isnan(v)) return "NaN";
  return fmt::format("{}", v);
}

void AtomicAdd(std::atomic<double>& a, double d) {
  double cur = a.load(std::memory_order_relaxed);
  while (!a.compare_exchange_weak(cur, cur + d, std::memory_order_relaxed)) {
  }
}

}  // namespace

void Gauge::Add(double d) { AtomicAdd(value_, d); }

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), buckets_(new std::atomic<std::uint64_t>[bounds_.size() + 1]) {
  for (std::size_t i = 0; i <= bounds_.size(); ++i) buckets_[i] = 0;
}

void Histogram::Observe(double v) {
  std::size_t i = 0;
  while (i < bounds_.size() && v > bounds_[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  AtomicAdd(sum_, v);
}

std::uint64_t Histogram::CumulativeCount(std::size_t i) const {
  std::uint64_t total = 0;
  for (std::size_t j = 0; j <= i && j <= bounds_.size(); ++j) {
    total += buckets_[j].load(std::memory_order_relaxed);
  }
  return total;
}

// Fine from 0.2 to 2 s: speech-to-text finals land there, and an operator
// needs to tell 800 ms from 1 s.
std::vector<double> LatencyBuckets() {
  return {0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6,
          0.7,   0.8,   0.85,  0.9,  1,    1.25, 1.5, 2,   3,   5,   10};
}

MetricsRegistry::Family& MetricsRegistry::FamilyFor(std::string_view name, std::string_view help,
                                                    Kind kind) {
  auto it = families_.find(name);
  if (it == families_.end()) {
    it = families_.emplace(std::string(name), Family{kind, std::string(help), {}, {}, {}}).first;
  } else if (it->second.kind != kind) {
    throw std::logic_error(fmt::format("metric {} registered with two types", name));
  }
  return it->second;
}

Counter& MetricsRegistry::GetCounter(std::string_view name, std::string_view help,
                                     const Labels& labels) {
  std::lock_guard lock(mutex_);
  auto& slot = FamilyFor(name, help, Kind::kCounter).counters[RenderLabels(labels)];
  if (!slot) slot = std::make_unique<Counter>();
  return *slot;
}

Gauge& MetricsRegistry::GetGauge(std::string_view name, std::string_view help,
                                 const Labels& labels) {
  std::lock_guard lock(mutex_);
  auto& slot = FamilyFor(name, help, Kind::kGauge).gauges[RenderLabels(labels)];
  if (!slot) slot = std::make_unique<Gauge>();
  return *slot;
}

Histogram& MetricsRegistry::GetHistogram(std::string_view name, std::string_view help,
                                         std::vector<double> bounds, const Labels& labels) {
  std::lock_guard lock(mutex_);
  auto& slot = FamilyFor(name, help, Kind::kHistogram).histograms[RenderLabels(labels)];
  if (!slot) slot = std::make_unique<Histogram>(std::move(bounds));
  return *slot;
}

std::string MetricsRegistry::RenderPrometheus() const {
  std::lock_guard lock(mutex_);
  std::string out;
  for (const auto& [name, family] : families_) {
    const char* type = family.kind == Kind::kCounter ? "counter"
                       : family.kind == Kind::kGauge ? "gauge"
                                                     : "histogram";
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, family.help, name, type);
    for (const auto& [labels, c] : family.counters) {
      out += fmt::format("{}{} {}\n", name, labels, c->Value());
    }
    for (const auto& [labels, g] : family.gauges) {
      out += fmt::format("{}{} {}\n", name, labels, FormatDouble(g->Value()));
    }
    for (const auto& [labels, h] : family.histograms) {
      const auto& bounds = h->Bounds();
      for (std::size_t i = 0; i <= bounds.size(); ++i) {
        const std::string le = i < bounds.size() ? FormatDouble(bounds[i]) : "+Inf";
        out += fmt::format("{}_bucket{} {}\n", name, WithLabel(labels, "le=\"" + le + "\""),
                           h->CumulativeCount(i));
      }
      out += fmt::format("{}_sum{} {}\n", name, labels, FormatDouble(h->Sum()));
      out += fmt::format("{}_count{} {}\n", name, labels, h->Count());
    }
  }
  return out;
}

}  // namespace aicc::core
