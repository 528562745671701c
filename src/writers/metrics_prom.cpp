// metrics.prom: a test's metric changes in Prometheus text format 0.0.4, written by
// prometheus-cpp's TextSerializer from the samples turned back into MetricFamily values
// (docs/artifacts.md).
#include <prometheus/client_metric.h>
#include <prometheus/metric_family.h>
#include <prometheus/text_serializer.h>

#include <cmath>
#include <limits>
#include <map>
#include <sstream>

#include "testscope/artifacts.hpp"

namespace testscope {
namespace {

prometheus::MetricType type_of(MetricKind kind) {
  switch (kind) {
    case MetricKind::kCounter:
      return prometheus::MetricType::Counter;
    case MetricKind::kGauge:
      return prometheus::MetricType::Gauge;
    case MetricKind::kHistogram:
      return prometheus::MetricType::Histogram;
    case MetricKind::kSummary:
      return prometheus::MetricType::Summary;
    case MetricKind::kUntyped:
      break;
  }
  return prometheus::MetricType::Untyped;
}

prometheus::ClientMetric to_metric(const MetricSample& sample) {
  prometheus::ClientMetric metric;
  for (const auto& [name, value] : sample.labels) metric.label.push_back({name, value});
  switch (sample.kind) {
    case MetricKind::kCounter:
      metric.counter.value = sample.value;
      break;
    case MetricKind::kGauge:
      metric.gauge.value = sample.value;
      break;
    case MetricKind::kUntyped:
      metric.untyped.value = sample.value;
      break;
    case MetricKind::kSummary:
      metric.summary.sample_count = sample.count;
      metric.summary.sample_sum = sample.sum;
      break;
    case MetricKind::kHistogram:
      metric.histogram.sample_count = sample.count;
      metric.histogram.sample_sum = sample.sum;
      for (const auto& [upper_bound, count] : sample.buckets) {
        prometheus::ClientMetric::Bucket bucket;
        bucket.upper_bound = upper_bound;
        bucket.cumulative_count = count;
        metric.histogram.bucket.push_back(bucket);
      }
      // The text format requires a +Inf bucket equal to the count.
      if (sample.buckets.empty() || !std::isinf(sample.buckets.back().first)) {
        prometheus::ClientMetric::Bucket inf;
        inf.upper_bound = std::numeric_limits<double>::infinity();
        inf.cumulative_count = sample.count;
        metric.histogram.bucket.push_back(inf);
      }
      break;
  }
  return metric;
}

std::string one_line(std::string text) {
  for (char& c : text) c = c == '\n' || c == '\r' ? ' ' : c;
  return text;
}

}  // namespace

std::string metrics_prom(const TestRecord& record) {
  // One family per name, in the samples' order. A name that two collectables use with
  // different types can only appear once in the text format: the first type wins.
  std::vector<prometheus::MetricFamily> families;
  std::map<std::string, std::size_t> family_of;
  for (const MetricSample& sample : record.metrics) {
    auto [it, added] = family_of.try_emplace(sample.name, families.size());
    if (added) {
      prometheus::MetricFamily family;
      family.name = sample.name;
      family.help = sample.help;
      family.type = type_of(sample.kind);
      families.push_back(std::move(family));
    }
    prometheus::MetricFamily& family = families[it->second];
    if (family.type != type_of(sample.kind)) continue;
    family.metric.push_back(to_metric(sample));
  }
  std::ostringstream out;
  out << "# testscope: metric changes during " << one_line(record.test.full_name())
      << ": counters, histograms and summaries as increases, gauges as values at the end\n";
  prometheus::TextSerializer().Serialize(out, families);
  return out.str();
}

}  // namespace testscope
