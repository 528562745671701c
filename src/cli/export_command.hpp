// `testscope export OUT --otlp [URL]`: sends the spans and log events of an artifact tree
// (a run's output folder or one execution's) to an OTLP/HTTP endpoint, configured the
// OpenTelemetry way (OTEL_EXPORTER_OTLP_*, OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES).
// Reads the tree only; never changes a file. Details: docs/export.md.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace testscope::cli {

// The options of one `testscope export`. Plain data.
struct ExportOptions {
  std::string out;
  bool otlp = false;     // --otlp was given
  std::string otlp_url;  // its URL; empty: from the environment, else http://localhost:4318
};

// Registers the `export` subcommand on `app`, parsing into `options` (which must outlive it).
CLI::App* add_export_command(CLI::App& app, ExportOptions& options);

// Runs it; returns the exit code: 0 everything sent and accepted; 1 the endpoint
// rejected spans or log records (a partial success, 400 or 413); 2 a usage or input error
// (no destination, a bad endpoint URL, no execution in OUT, nothing readable in it);
// 3 the endpoint was unreachable or refused (no answer after the retries, 401, 404,
// 5xx...), and what was left was not sent.
int export_command(const ExportOptions& options);

}  // namespace testscope::cli
