// metrics_prom(): hand-built MetricSamples written as Prometheus text 0.0.4, compared line
// by line, read back, and checked with promtool.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "prometheus_text.hpp"
#include "promtool.hpp"
#include "testscope/artifacts.hpp"

namespace testscope {
namespace {

using testing_support::parse_prometheus_text;
using testing_support::promtool_check_metrics;

MetricSample sample(std::string name, MetricKind kind,
                    std::vector<std::pair<std::string, std::string>> labels, double value,
                    std::string help = "Help text") {
  MetricSample s;
  s.name = std::move(name);
  s.help = std::move(help);
  s.kind = kind;
  s.labels = std::move(labels);
  s.value = value;
  return s;
}

// As capture's MetricsSnapshot::since() returns them: sorted by name, then labels.
TestRecord promo_record() {
  TestRecord record;
  record.test = TestInfo{"PromoRace", "RacyApply", "", "", "promo_tests.cpp", 80};
  MetricSample latency = sample("promo_apply_duration_seconds", MetricKind::kHistogram, {{"path", "/apply"}},
                                0, "Time to apply a code");
  latency.count = 3;
  latency.sum = 2.55;
  latency.buckets = {{0.1, 1}, {1, 2}, {std::numeric_limits<double>::infinity(), 3}};
  MetricSample payload = sample("promo_payload_bytes", MetricKind::kSummary, {}, 0, "Payload sizes");
  payload.count = 2;
  payload.sum = 400;
  record.metrics = {
      latency,
      sample("promo_open_connections", MetricKind::kGauge, {}, 7, "Open connections"),
      payload,
      sample("promo_uses_total", MetricKind::kCounter, {{"promo_code", "SUMMER20"}, {"status", "limit"}}, 1,
             "Promo code usage attempts"),
      sample("promo_uses_total", MetricKind::kCounter, {{"promo_code", "SUMMER20"}, {"status", "ok"}}, 2,
             "Promo code usage attempts"),
  };
  return record;
}

TEST(MetricsProm, WritesEveryKindAsPrometheusText) {
  const std::string text = metrics_prom(promo_record());
  const std::string expected =
      "# testscope: metric changes during PromoRace.RacyApply: counters, histograms and summaries as "
      "increases, "
      "gauges as values at the end\n"
      "# HELP promo_apply_duration_seconds Time to apply a code\n"
      "# TYPE promo_apply_duration_seconds histogram\n"
      "promo_apply_duration_seconds_count{path=\"/apply\"} 3\n"
      "promo_apply_duration_seconds_sum{path=\"/apply\"} 2.55\n"
      "promo_apply_duration_seconds_bucket{path=\"/apply\",le=\"0.1\"} 1\n"
      "promo_apply_duration_seconds_bucket{path=\"/apply\",le=\"1\"} 2\n"
      "promo_apply_duration_seconds_bucket{path=\"/apply\",le=\"+Inf\"} 3\n"
      "# HELP promo_open_connections Open connections\n"
      "# TYPE promo_open_connections gauge\n"
      "promo_open_connections 7\n"
      "# HELP promo_payload_bytes Payload sizes\n"
      "# TYPE promo_payload_bytes summary\n"
      "promo_payload_bytes_count 2\n"
      "promo_payload_bytes_sum 400\n"
      "# HELP promo_uses_total Promo code usage attempts\n"
      "# TYPE promo_uses_total counter\n"
      "promo_uses_total{promo_code=\"SUMMER20\",status=\"limit\"} 1\n"
      "promo_uses_total{promo_code=\"SUMMER20\",status=\"ok\"} 2\n";
  EXPECT_EQ(text, expected);
  const auto check = promtool_check_metrics(text);
  EXPECT_TRUE(check.passed) << check.output << "\n" << text;
}

TEST(MetricsProm, ReadsBackToTheSameValues) {
  const auto parsed = parse_prometheus_text(metrics_prom(promo_record()));
  EXPECT_TRUE(parsed.bad.empty());
  ASSERT_NE(parsed.find("promo_uses_total", {{"status", "ok"}}), nullptr);
  EXPECT_EQ(parsed.find("promo_uses_total", {{"status", "ok"}})->value, 2);
  EXPECT_EQ(parsed.find("promo_uses_total", {{"status", "limit"}})->value, 1);
  EXPECT_EQ(parsed.find("promo_apply_duration_seconds_bucket", {{"le", "+Inf"}})->value, 3);
  EXPECT_EQ(parsed.samples.size(), 10U);  // 5 histogram, 1 gauge, 2 summary, 2 counter lines
}

TEST(MetricsProm, AnEmptyRecordIsOnlyTheCommentAndPassesPromtool) {
  const std::string text = metrics_prom(TestRecord{});
  // No suite and no name: the full name is empty (a suite-less name is the name alone).
  EXPECT_EQ(text.rfind("# testscope: metric changes during :", 0), 0U) << text;
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1);
  const auto check = promtool_check_metrics(text);
  EXPECT_TRUE(check.passed) << check.output;
}

TEST(MetricsProm, AHistogramWithoutAnInfBucketGetsOne) {
  TestRecord record;
  MetricSample h = sample("wait_seconds", MetricKind::kHistogram, {}, 0);
  h.count = 4;
  h.sum = 1;
  h.buckets = {{0.5, 3}};
  record.metrics = {h};
  const std::string text = metrics_prom(record);
  EXPECT_NE(text.find("wait_seconds_bucket{le=\"+Inf\"} 4\n"), std::string::npos) << text;
  const auto check = promtool_check_metrics(text);
  EXPECT_TRUE(check.passed) << check.output << "\n" << text;
}

TEST(MetricsProm, ANameUsedWithTwoTypesKeepsTheFirst) {
  TestRecord record;
  record.metrics = {sample("jobs_total", MetricKind::kCounter, {{"queue", "a"}}, 1),
                    sample("jobs_total", MetricKind::kGauge, {{"queue", "b"}}, 5),
                    sample("jobs_total", MetricKind::kCounter, {{"queue", "c"}}, 2)};
  const std::string text = metrics_prom(record);
  const auto parsed = parse_prometheus_text(text);
  EXPECT_EQ(parsed.count("jobs_total"), 2U) << text;
  EXPECT_EQ(parsed.find("jobs_total", {{"queue", "b"}}), nullptr) << text;
  const auto check = promtool_check_metrics(text);
  EXPECT_TRUE(check.passed) << check.output << "\n" << text;
}

TEST(MetricsProm, HostileLabelValuesAndSpecialNumbersStayParseable) {
  TestRecord record;
  record.test.suite = "Weird\nSuite";
  record.test.name = "Name";
  record.metrics = {
      sample("odd_labels_total", MetricKind::kCounter, {{"value", "quote \" backslash \\ newline \n end"}},
             1),
      sample("level_ratio", MetricKind::kGauge, {{"kind", "nan"}}, std::nan("")),
      sample("level_ratio", MetricKind::kGauge, {{"kind", "inf"}}, std::numeric_limits<double>::infinity()),
  };
  const std::string text = metrics_prom(record);
  EXPECT_EQ(text.find("Weird\nSuite"), std::string::npos) << "the comment stays on one line";
  const auto parsed = parse_prometheus_text(text);
  EXPECT_TRUE(parsed.bad.empty()) << text;
  ASSERT_NE(parsed.find("odd_labels_total"), nullptr) << text;
  EXPECT_EQ(parsed.find("odd_labels_total")->labels.at("value"), "quote \" backslash \\ newline \n end");
  EXPECT_TRUE(std::isnan(parsed.find("level_ratio", {{"kind", "nan"}})->value));
  EXPECT_TRUE(std::isinf(parsed.find("level_ratio", {{"kind", "inf"}})->value));
  const auto check = promtool_check_metrics(text);
  EXPECT_TRUE(check.passed) << check.output << "\n" << text;
}

}  // namespace
}  // namespace testscope
