// The metrics of a whole run, for a Pushgateway or a node_exporter textfile collector
// (`testscope export OUT --pushgateway URL | --prom-file FILE`, docs/export.md "Metrics"):
//
// - the tests' own metrics: the changes each test wrote (tests/<id>/metrics.prom) added up
//   over every test of every execution. Counters, histograms and summaries (and untyped
//   samples, which tests write as increases) are summed: what the whole run did. Gauges are
//   end values, which do not add up: a gauge gives the largest value any test ended with.
//   Names, types, help texts and labels are kept, so a histogram stays a histogram.
// - testscope's own series about the run, all named testscope_run_*: executions by outcome,
//   the run's start and duration, and per test its executions by outcome, failure ratio with
//   its 95% Wilson interval, verdict, quarantine and duration quantiles.
//
// Pure function of the tree (reads only the metrics.prom files); deterministic output.
#pragma once

#include <prometheus/metric_family.h>

#include <cstddef>
#include <string>
#include <vector>

#include "analysis/artifact_tree.hpp"
#include "analysis/verdicts.hpp"

namespace testscope::exporting {

using analysis::ArtifactTree;
using analysis::Execution;
using analysis::Problem;
using analysis::TestAttempt;
using analysis::TestVerdict;
using analysis::Verdicts;

// How the metrics are shaped for their destination. Plain data.
struct RunMetricsOptions {
  // Label names the destination sets itself (a Pushgateway's job and grouping keys): a
  // series' own label of such a name is renamed exported_<name>, as Prometheus does when
  // scraping, so the push is not refused for a clash.
  std::vector<std::string> reserved_labels;
};

// The aggregated families, and what could not be used. Plain data.
struct RunMetrics {
  std::vector<prometheus::MetricFamily> families;  // testscope_run_* first, then the tests' by name
  std::size_t files = 0;                           // metrics.prom files read
  std::size_t test_series = 0;                     // series from the tests' metrics
  std::vector<Problem> problems;                   // paths relative to the tree's root
};

// Aggregates the metrics of `tree`, whose verdicts are `verdicts` (compute_verdicts(tree)).
// A metrics.prom that cannot be read or parsed, or a family whose type differs from the one
// an earlier file gave it, is a Problem and is left out; the rest still counts. A missing
// metrics.prom is no problem (a test that changed no metric may have none). Never throws
// for bad input (std::bad_alloc may escape).
RunMetrics aggregate_run_metrics(const ArtifactTree& tree, const Verdicts& verdicts,
                                 const RunMetricsOptions& options = {});

}  // namespace testscope::exporting
