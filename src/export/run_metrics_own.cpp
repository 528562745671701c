// testscope_run_* series from a tree and its verdicts; see run_metrics_own.hpp.
#include "export/run_metrics_own.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <utility>

namespace testscope::exporting {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

MetricFamily family(std::string name, std::string help, MetricType type) {
  MetricFamily f;
  f.name = std::move(name);
  f.help = std::move(help);
  f.type = type;
  return f;
}

void add_gauge(MetricFamily& f, std::vector<ClientMetric::Label> labels, double value) {
  ClientMetric metric;
  metric.label = std::move(labels);
  metric.gauge.value = value;
  f.metric.push_back(std::move(metric));
}

// The nearest-rank percentile `q` (0..1] of sorted `values` (not empty).
double nearest_rank(const std::vector<double>& sorted, double q) {
  const auto n = static_cast<double>(sorted.size());
  const auto rank = static_cast<std::size_t>(std::max(1.0, std::ceil(q * n)));
  return sorted[std::min(rank, sorted.size()) - 1];
}

void run_series(const ArtifactTree& tree, std::vector<MetricFamily>& out) {
  MetricFamily executions =
      family("testscope_run_executions", "Executions of the test program in the run, by how they ended",
             MetricType::Gauge);
  std::map<std::string, int> by_outcome = {{"pass", 0}, {"fail", 0}, {"crash", 0}, {"timeout", 0}};
  std::int64_t start = std::numeric_limits<std::int64_t>::max();
  std::int64_t end = 0;
  for (const Execution& execution : tree.executions) {
    ++by_outcome[execution.record.outcome];
    if (execution.record.start_unix_ns > 0) {
      start = std::min(start, execution.record.start_unix_ns);
      end = std::max(
          end, execution.record.start_unix_ns + std::max<std::int64_t>(0, execution.record.duration_ns));
    }
  }
  for (const auto& [outcome, count] : by_outcome) add_gauge(executions, {{"outcome", outcome}}, count);
  out.push_back(std::move(executions));
  if (end > 0) {
    MetricFamily started =
        family("testscope_run_start_timestamp_seconds",
               "When the run's first execution started, in seconds since the Unix epoch", MetricType::Gauge);
    add_gauge(started, {}, static_cast<double>(start) / 1e9);
    out.push_back(std::move(started));
    MetricFamily duration =
        family("testscope_run_duration_seconds", "From the first execution's start to the last one's end",
               MetricType::Gauge);
    add_gauge(duration, {}, static_cast<double>(end - start) / 1e9);
    out.push_back(std::move(duration));
  }
}

// Each test's durations in seconds (skips left out), by full name.
std::map<std::string, std::vector<double>> durations_of(const ArtifactTree& tree) {
  std::map<std::string, std::vector<double>> durations;
  for (const Execution& execution : tree.executions) {
    for (const TestAttempt& test : execution.tests) {
      if (test.outcome != "skip") {
        durations[test.full_name].push_back(static_cast<double>(test.duration_ns) / 1e9);
      }
    }
  }
  return durations;
}

// A summary of `values` (not empty): quantiles 0.5, 0.95 and 1, sum and count.
ClientMetric duration_summary(const ClientMetric::Label& test, std::vector<double>& values) {
  std::sort(values.begin(), values.end());
  ClientMetric metric;
  metric.label = {test};
  metric.summary.sample_count = values.size();
  for (const double value : values) metric.summary.sample_sum += value;
  for (const double q : {0.5, 0.95, 1.0}) metric.summary.quantile.push_back({q, nearest_rank(values, q)});
  return metric;
}

// The per-test families, in the order they are pushed.
struct TestFamilies {
  MetricFamily runs = family("testscope_run_test_executions",
                             "Executions of each test in the run, by outcome", MetricType::Gauge);
  MetricFamily ratio =
      family("testscope_run_test_failure_ratio",
             "Failed, crashed or timed-out executions of each test over those that ran", MetricType::Gauge);
  MetricFamily ci =
      family("testscope_run_test_failure_ratio_ci95",
             "The 95% Wilson interval of each test's failure ratio (bound=low|high)", MetricType::Gauge);
  MetricFamily verdict =
      family("testscope_run_test_verdict",
             "Each test's verdict over the run (flaky, failed, crashed, timed out, passed, skipped)",
             MetricType::Gauge);
  MetricFamily quarantined = family("testscope_run_test_quarantined",
                                    "1 for each test that ran under a quarantine entry", MetricType::Gauge);
  MetricFamily duration =
      family("testscope_run_test_duration_seconds",
             "Each test's duration over its executions (nearest-rank quantiles)", MetricType::Summary);

  void add(const TestVerdict& v) {
    const ClientMetric::Label test{"test", v.name};
    for (const auto& [outcome, count] : {std::pair<const char*, int>{"pass", v.runs - v.failures},
                                         {"fail", v.fails},
                                         {"crash", v.crashes},
                                         {"timeout", v.timeouts},
                                         {"skip", v.skips}}) {
      if (count > 0) add_gauge(runs, {test, {"outcome", outcome}}, count);
    }
    if (v.runs > 0) {
      add_gauge(ratio, {test}, v.failure_rate);
      add_gauge(ci, {test, {"bound", "low"}}, v.ci95.low);
      add_gauge(ci, {test, {"bound", "high"}}, v.ci95.high);
    }
    add_gauge(verdict, {test, {"verdict", std::string(analysis::verdict_name(v.verdict))}}, 1);
    if (!v.quarantine.empty()) add_gauge(quarantined, {test}, 1);
  }
};

void test_series(const ArtifactTree& tree, const Verdicts& verdicts, std::vector<MetricFamily>& out) {
  TestFamilies families;
  std::map<std::string, std::vector<double>> durations = durations_of(tree);
  for (const TestVerdict& v : verdicts.tests) {
    if (v.kind != "test") continue;
    families.add(v);
    auto found = durations.find(v.name);
    if (found != durations.end() && !found->second.empty()) {
      families.duration.metric.push_back(duration_summary({"test", v.name}, found->second));
    }
  }
  for (MetricFamily* f : {&families.runs, &families.ratio, &families.ci, &families.verdict,
                          &families.quarantined, &families.duration}) {
    if (!f->metric.empty()) out.push_back(std::move(*f));
  }
}

}  // namespace

std::vector<MetricFamily> own_run_metrics(const ArtifactTree& tree, const Verdicts& verdicts) {
  std::vector<MetricFamily> out;
  run_series(tree, out);
  test_series(tree, verdicts, out);
  return out;
}

}  // namespace testscope::exporting
