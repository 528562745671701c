// Adding up the tests' metrics.prom files over a run; see run_metrics.hpp. testscope's own
// series are built in run_metrics_own.cpp.
#include "export/run_metrics.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <optional>
#include <sstream>
#include <utility>

#include "analysis/artifact_tree.hpp"
#include "analysis/prom_text.hpp"
#include "export/run_metrics_own.hpp"
#include "testscope/artifact_files.hpp"

namespace testscope::exporting {
namespace {

namespace fs = std::filesystem;
using analysis::PromFamily;
using analysis::PromParse;
using analysis::PromSample;
using Labels = std::vector<std::pair<std::string, std::string>>;

// One series summed (or, for a gauge, maximised) over the run.
struct Series {
  Labels labels;     // sorted by name; without `le` for a histogram
  double value = 0;  // counter, untyped, gauge
  bool has_value = false;
  double sum = 0;  // histogram, summary
  double count = 0;
  std::map<double, double> buckets;  // histogram: upper bound -> cumulative count
};

// One family over the run.
struct Family {
  std::string type;
  std::string help;
  std::string first_file;                // where its type was first seen, for the type-clash message
  std::map<std::string, Series> series;  // by label key
};

std::optional<double> bound_of(std::string_view le) {
  if (!le.empty() && le.front() == '+') le.remove_prefix(1);
  double value = 0;
  const auto [end, error] = std::from_chars(le.data(), le.data() + le.size(), value);
  if (error != std::errc() || end != le.data() + le.size()) return std::nullopt;
  return value;
}

std::string key_of(const Labels& labels) {
  std::string key;
  for (const auto& [name, value] : labels) {
    key += name;
    key += '\x1f';
    key += value;
    key += '\x1e';
  }
  return key;
}

// Never opens what is not a regular file (read_artifact_file): a FIFO would block.
std::optional<std::string> read_file(const fs::path& path, std::string& error) {
  return analysis::read_artifact_file(path, &error);
}

class Aggregator {
 public:
  // Adds one parsed file; `shown` is its path relative to the tree root.
  void add(const PromParse& parse, const std::string& shown, std::vector<Problem>& problems) {
    std::vector<std::string> clashed;  // families of this file left out
    for (const PromSample& sample : parse.samples) {
      const PromFamily* declared = parse.family_of(sample.name);
      const std::string family_name = declared != nullptr ? declared->name : sample.name;
      const std::string type = declared != nullptr ? declared->type : "untyped";
      if (std::find(clashed.begin(), clashed.end(), family_name) != clashed.end()) continue;
      auto [it, added] = families_.try_emplace(family_name);
      Family& family = it->second;
      if (added) {
        family.type = type;
        family.first_file = shown;
        if (declared != nullptr) family.help = declared->help;
      } else if (family.type != type) {
        clashed.push_back(family_name);
        problems.push_back(
            {shown, fmt::format("line {}: '{}' is a {} here but a {} in {}; left out here", sample.line,
                                family_name, type, family.type, family.first_file)});
        continue;
      }
      if (family.help.empty() && declared != nullptr) family.help = declared->help;
      add_sample(family, sample, std::string_view(sample.name).substr(family_name.size()));
    }
  }

  std::map<std::string, Family>& families() { return families_; }

 private:
  static void add_sample(Family& family, const PromSample& sample, std::string_view suffix) {
    const bool histogram = family.type == "histogram";
    const bool summary = family.type == "summary";
    Labels labels;
    for (const auto& label : sample.labels) {
      if (histogram && suffix == "_bucket" && label.first == "le") continue;
      labels.push_back(label);
    }
    if (summary && suffix.empty()) return;  // a quantile: quantiles do not add up
    std::sort(labels.begin(), labels.end());
    Series& series = family.series[key_of(labels)];
    if (series.labels.empty()) series.labels = std::move(labels);
    if (histogram || summary) {
      if (suffix == "_sum") {
        series.sum += sample.value;
      } else if (suffix == "_count") {
        series.count += sample.value;
      } else if (suffix == "_bucket") {
        const std::optional<double> bound = bound_of(sample.label("le"));
        if (bound) series.buckets[*bound] += sample.value;
      }
      return;
    }
    if (family.type == "gauge") {
      if (std::isnan(sample.value)) return;
      series.value = series.has_value ? std::max(series.value, sample.value) : sample.value;
    } else {
      series.value += sample.value;
    }
    series.has_value = true;
  }

  std::map<std::string, Family> families_;
};

prometheus::MetricType type_of(const std::string& type) {
  if (type == "counter") return prometheus::MetricType::Counter;
  if (type == "gauge") return prometheus::MetricType::Gauge;
  if (type == "histogram") return prometheus::MetricType::Histogram;
  if (type == "summary") return prometheus::MetricType::Summary;
  return prometheus::MetricType::Untyped;
}

prometheus::ClientMetric to_metric(const Family& family, const Series& series) {
  prometheus::ClientMetric metric;
  for (const auto& [name, value] : series.labels) metric.label.push_back({name, value});
  switch (type_of(family.type)) {
    case prometheus::MetricType::Counter:
      metric.counter.value = series.value;
      break;
    case prometheus::MetricType::Gauge:
      metric.gauge.value = series.value;
      break;
    case prometheus::MetricType::Summary:
      metric.summary.sample_count = static_cast<std::uint64_t>(std::max(0.0, series.count));
      metric.summary.sample_sum = series.sum;
      break;
    case prometheus::MetricType::Histogram: {
      metric.histogram.sample_count = static_cast<std::uint64_t>(std::max(0.0, series.count));
      metric.histogram.sample_sum = series.sum;
      for (const auto& [bound, count] : series.buckets) {
        prometheus::ClientMetric::Bucket bucket;
        bucket.upper_bound = bound;
        bucket.cumulative_count = static_cast<std::uint64_t>(std::max(0.0, count));
        metric.histogram.bucket.push_back(bucket);
      }
      // The text format requires a +Inf bucket equal to the count.
      if (series.buckets.empty() || !std::isinf(series.buckets.rbegin()->first)) {
        prometheus::ClientMetric::Bucket inf;
        inf.upper_bound = std::numeric_limits<double>::infinity();
        inf.cumulative_count = metric.histogram.sample_count;
        metric.histogram.bucket.push_back(inf);
      }
      break;
    }
    default:
      metric.untyped.value = series.value;
      break;
  }
  return metric;
}

// Renames each label in `reserved` to exported_<name>.
void rename_reserved(std::vector<prometheus::MetricFamily>& families,
                     const std::vector<std::string>& reserved) {
  for (prometheus::MetricFamily& family : families) {
    for (prometheus::ClientMetric& metric : family.metric) {
      for (prometheus::ClientMetric::Label& label : metric.label) {
        if (std::find(reserved.begin(), reserved.end(), label.name) != reserved.end()) {
          label.name = "exported_" + label.name;
        }
      }
    }
  }
}

}  // namespace

RunMetrics aggregate_run_metrics(const ArtifactTree& tree, const Verdicts& verdicts,
                                 const RunMetricsOptions& options) {
  RunMetrics out;
  out.families = own_run_metrics(tree, verdicts);
  Aggregator aggregator;
  for (const Execution& execution : tree.executions) {
    const fs::path dir = execution.dir.empty() ? fs::path() : fs::path(execution.dir);
    for (const TestAttempt& test : execution.tests) {
      const fs::path relative = dir / "tests" / test.id / artifact_files::kMetricsFile;
      std::error_code ec;
      if (!fs::exists(tree.root / relative, ec)) continue;
      std::string error;
      const std::optional<std::string> text = read_file(tree.root / relative, error);
      if (!text) {
        out.problems.push_back({relative, error});
        continue;
      }
      ++out.files;
      const PromParse parse = analysis::parse_prom_text(*text);
      if (!parse.ok()) {
        out.problems.push_back({relative, parse.error});
        continue;
      }
      aggregator.add(parse, relative.string(), out.problems);
    }
  }
  for (auto& [name, family] : aggregator.families()) {
    if (name.starts_with(kOwnMetricPrefix)) {
      out.problems.push_back({family.first_file, fmt::format("'{}': names starting with {} are testscope's "
                                                             "own; left out",
                                                             name, kOwnMetricPrefix)});
      continue;
    }
    prometheus::MetricFamily result;
    result.name = name;
    result.help = family.help;
    result.type = type_of(family.type);
    for (const auto& [key, series] : family.series) result.metric.push_back(to_metric(family, series));
    out.test_series += result.metric.size();
    if (!result.metric.empty()) out.families.push_back(std::move(result));
  }
  rename_reserved(out.families, options.reserved_labels);
  return out;
}

}  // namespace testscope::exporting
