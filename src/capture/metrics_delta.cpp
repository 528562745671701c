#include "capture/metrics_delta.hpp"

#include <algorithm>

#include "testscope/metrics.hpp"

namespace testscope::detail {
namespace {

MetricKind kind_of(prometheus::MetricType type) {
  switch (type) {
    case prometheus::MetricType::Counter:
      return MetricKind::kCounter;
    case prometheus::MetricType::Gauge:
      return MetricKind::kGauge;
    case prometheus::MetricType::Histogram:
      return MetricKind::kHistogram;
    case prometheus::MetricType::Summary:
      return MetricKind::kSummary;
    default:
      return MetricKind::kUntyped;
  }
}

std::string key_of(const MetricSample& sample) {
  std::string key = sample.name;
  for (const auto& [name, value] : sample.labels) {
    key += '\0';
    key += name;
    key += '=';
    key += value;
  }
  return key;
}

}  // namespace

MetricsSnapshot MetricsSnapshot::take() {
  MetricsSnapshot snapshot;
  for (const prometheus::MetricFamily& family : collect_all()) {
    for (const prometheus::ClientMetric& metric : family.metric) {
      MetricSample sample;
      sample.name = family.name;
      sample.help = family.help;
      sample.kind = kind_of(family.type);
      for (const auto& label : metric.label) sample.labels.emplace_back(label.name, label.value);
      std::sort(sample.labels.begin(), sample.labels.end());
      switch (sample.kind) {
        case MetricKind::kCounter:
          sample.value = metric.counter.value;
          break;
        case MetricKind::kGauge:
          sample.value = metric.gauge.value;
          break;
        case MetricKind::kUntyped:
          sample.value = metric.untyped.value;
          break;
        case MetricKind::kSummary:
          sample.count = metric.summary.sample_count;
          sample.sum = metric.summary.sample_sum;
          break;
        case MetricKind::kHistogram:
          sample.count = metric.histogram.sample_count;
          sample.sum = metric.histogram.sample_sum;
          for (const auto& bucket : metric.histogram.bucket) {
            sample.buckets.emplace_back(bucket.upper_bound, bucket.cumulative_count);
          }
          break;
      }
      std::string key = key_of(sample);
      snapshot.series_.insert_or_assign(std::move(key), std::move(sample));
    }
  }
  return snapshot;
}

std::vector<MetricSample> MetricsSnapshot::since(const MetricsSnapshot& before) const {
  std::vector<MetricSample> changed;
  for (const auto& [key, now] : series_) {
    auto was = before.series_.find(key);
    const MetricSample* old = was != before.series_.end() ? &was->second : nullptr;
    MetricSample delta = now;
    switch (now.kind) {
      case MetricKind::kGauge:
        changed.push_back(std::move(delta));
        continue;
      case MetricKind::kCounter:
      case MetricKind::kUntyped: {
        // A value below the one before means the series was reset (its registry made
        // anew): everything it holds now happened during the test.
        const bool reset = old == nullptr || now.value < old->value;
        delta.value = reset ? now.value : now.value - old->value;
        if (delta.value != 0.0) changed.push_back(std::move(delta));
        continue;
      }
      case MetricKind::kSummary:
      case MetricKind::kHistogram: {
        const bool reset =
            old == nullptr || now.count < old->count || old->buckets.size() != now.buckets.size();
        if (!reset) {
          delta.count = now.count - old->count;
          delta.sum = now.sum - old->sum;
          for (std::size_t i = 0; i < delta.buckets.size(); ++i) {
            delta.buckets[i].second -= std::min(old->buckets[i].second, delta.buckets[i].second);
          }
        }
        if (delta.count != 0) changed.push_back(std::move(delta));
        continue;
      }
    }
  }
  return changed;
}

}  // namespace testscope::detail
