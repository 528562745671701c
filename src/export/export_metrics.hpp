// The metrics half of `testscope export`: `--pushgateway URL` pushes a run's aggregated
// metrics (analysis/run_metrics.hpp) to a Prometheus Pushgateway, `--prom-file FILE`
// writes them in the text format (for node_exporter's textfile collector, or to look at).
// docs/export.md "Metrics".
#pragma once

#include <cstdio>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "analysis/artifact_tree.hpp"
#include "export/export_options.hpp"

namespace testscope::exporting {

// Where the metrics go, checked. Plain data.
struct MetricsDestination {
  std::string pushgateway;  // "" for none
  std::string job;
  std::vector<std::pair<std::string, std::string>> grouping;  // as given by --grouping, in order
  std::string prom_file;                                      // "" for none, "-" for standard output
};

// The destination `options` name, nullopt when they name none; a bad URL, job or grouping
// label sets `error` ("--grouping 'job=x': ..."), to be reported as a usage error.
std::optional<MetricsDestination> metrics_destination(const ExportOptions& options, std::string& error);

// Aggregates `tree`'s metrics and sends them where `destination` says, printing the
// outcome to `status` and each bad file to stderr. Returns export's exit code: 0 done, 1 the
// Pushgateway refused the metrics (HTTP 400), 2 the --prom-file could not be written, 3 the
// Pushgateway was unreachable or refused otherwise. Bad metrics.prom files are skipped and
// reported, and do not change the exit code.
int export_metrics(const MetricsDestination& destination, const analysis::ArtifactTree& tree,
                   std::FILE* status);

}  // namespace testscope::exporting
