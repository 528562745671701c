// `testscope export OUT --otlp [URL]`: sends the spans and log events of an artifact tree
// (a run's output folder or one execution's) to an OTLP/HTTP endpoint, configured the
// OpenTelemetry way (OTEL_EXPORTER_OTLP_*, OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES).
// `--pushgateway URL` and `--prom-file FILE` send the run's metrics, added up over its
// executions (export_metrics.hpp). Reads the tree only; never changes a file in it.
// Details: docs/export.md.
#pragma once

#include <CLI/CLI.hpp>

#include "export/export_options.hpp"

namespace testscope::cli {

// Registers the `export` subcommand on `app`, parsing into `options` (which must outlive it).
CLI::App* add_export_command(CLI::App& app, exporting::ExportOptions& options);

// Runs it; returns the exit code: 0 everything sent and accepted; 1 the endpoint
// rejected spans, log records or metrics (a partial success, 400 or 413); 2 a usage or
// input error (no destination, a bad URL, job or grouping label, no execution in OUT,
// nothing readable in it, a --prom-file that cannot be written); 3 an endpoint was
// unreachable or refused (no answer after the retries, 401, 404, 5xx...), and what was
// left was not sent. With several destinations, the largest of their codes.
int export_command(const exporting::ExportOptions& options);

}  // namespace testscope::cli
