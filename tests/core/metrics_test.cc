#include "core/metrics.h"

#include <gtest/gtest.h>

namespace aicc::core {
namespace {

TEST(MetricsTest, RendersPrometheusTextFormat) {
  MetricsRegistry m;
  m.GetCounter("aicc_x_total", "X things", {{"speaker", "customer"}}).Increment(3);
  m.GetCounter("aicc_x_total", "X things", {{"speaker", "agent"}}).Increment();
  m.GetGauge("aicc_calls_active", "Active calls").Set(2);
  auto& h = m.GetHistogram("aicc_latency_seconds", "Latency", {0.01, 0.1}, {{"stage", "stt"}});
  h.Observe(0.005);
  h.Observe(0.05);
  h.Observe(5);
  const std::string text = m.RenderPrometheus();
  EXPECT_NE(text.find("# TYPE aicc_x_total counter\n"), std::string::npos);
  EXPECT_NE(text.find("aicc_x_total{speaker=\"customer\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("aicc_x_total{speaker=\"agent\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("aicc_calls_active 2\n"), std::string::npos);
  EXPECT_NE(text.find("aicc_latency_seconds_bucket{stage=\"stt\",le=\"0.01\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("aicc_latency_seconds_bucket{stage=\"stt\",le=\"0.1\"} 2\n"),
            std::string::npos);
  EXPECT_NE(text.find("aicc_latency_seconds_bucket{stage=\"stt\",le=\"+Inf\"} 3\n"),
            std::string::npos);
  EXPECT_NE(text.find("aicc_latency_seconds_count{stage=\"stt\"} 3\n"), std::string::npos);
}

TEST(MetricsTest, SameNameAndLabelsIsTheSameMetric) {
  MetricsRegistry m;
  auto& a = m.GetCounter("c_total", "c", {{"k", "v"}});
  auto& b = m.GetCounter("c_total", "c", {{"k", "v"}});
  EXPECT_EQ(&a, &b);
  EXPECT_THROW(m.GetGauge("c_total", "c"), std::logic_error);
}

TEST(MetricsTest, LabelValuesAreEscaped) {
  MetricsRegistry m;
  m.GetCounter("e_total", "e", {{"k", "a\"b\\c\nd"}}).Increment();
  EXPECT_NE(m.RenderPrometheus().find("e_total{k=\"a\\\"b\\\\c\\nd\"} 1"), std::string::npos);
}

}  // namespace
}  // namespace aicc::core
