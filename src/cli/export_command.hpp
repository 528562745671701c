// `testscope export OUT --otlp [URL]`: sends the spans and log events of an artifact tree
// (a run's output folder or one execution's) to an OTLP/HTTP endpoint, configured the
// OpenTelemetry way (OTEL_EXPORTER_OTLP_*, OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES).
// `--pushgateway URL` and `--prom-file FILE` send the run's metrics, added up over its
// executions (export_metrics.hpp). Reads the tree only; never changes a file in it.
// Details: docs/export.md.
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace testscope::cli {

// The options of one `testscope export`. Plain data.
struct ExportOptions {
  std::string out;
  bool otlp = false;                  // --otlp was given
  std::string otlp_url;               // its URL; empty: from the environment, else http://localhost:4318
  std::string pushgateway;            // --pushgateway URL; "" for none
  std::string job = "testscope";      // --job: the Pushgateway job
  std::vector<std::string> grouping;  // --grouping NAME=VALUE, repeated
  std::string prom_file;              // --prom-file FILE ("-": standard output); "" for none
};

// Registers the `export` subcommand on `app`, parsing into `options` (which must outlive it).
CLI::App* add_export_command(CLI::App& app, ExportOptions& options);

// Runs it; returns the exit code: 0 everything sent and accepted; 1 the endpoint
// rejected spans, log records or metrics (a partial success, 400 or 413); 2 a usage or
// input error (no destination, a bad URL, job or grouping label, no execution in OUT,
// nothing readable in it, a --prom-file that cannot be written); 3 an endpoint was
// unreachable or refused (no answer after the retries, 401, 404, 5xx...), and what was
// left was not sent. With several destinations, the largest of their codes.
int export_command(const ExportOptions& options);

}  // namespace testscope::cli
