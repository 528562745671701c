#include "cli/export_command.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <optional>

#include "export/export_metrics.hpp"
#include "export/export_otlp.hpp"
#include "export/export_payloads.hpp"

namespace testscope::cli {

CLI::App* add_export_command(CLI::App& app, exporting::ExportOptions& o) {
  CLI::App* command = app.add_subcommand(
      "export",
      "Send an output folder's traces and logs to an OTLP/HTTP endpoint, its metrics to a Pushgateway");
  command
      ->add_option("out", o.out, "The output folder of `testscope run` (or one execution's artifact folder)")
      ->required()
      ->check(CLI::ExistingDirectory);
  CLI::Option* otlp = command->add_option(
      "--otlp", o.otlp_url,
      "Send over OTLP/HTTP to URL (a base: v1/traces and v1/logs are appended); without URL, "
      "OTEL_EXPORTER_OTLP_ENDPOINT or http://localhost:4318");
  otlp->expected(0, 1);
  command->add_option(
      "--pushgateway", o.pushgateway,
      "Push the run's metrics, added up over its executions, to the Prometheus Pushgateway at URL");
  command->add_option("--job", o.job, "The Pushgateway job (default: testscope)");
  command->add_option("--grouping", o.grouping,
                      "NAME=VALUE: another label of the Pushgateway group (repeatable; program=<program> "
                      "is always one unless given)");
  command->add_option(
      "--prom-file", o.prom_file,
      "Write the run's metrics in the Prometheus text format to FILE (- for standard output)");
  command->callback([&o, otlp] { o.otlp = otlp->count() > 0; });
  command->footer(
      "Configured by OTEL_EXPORTER_OTLP_{,TRACES_,LOGS_}{ENDPOINT,HEADERS,COMPRESSION,TIMEOUT}, "
      "OTEL_SERVICE_NAME,\n"
      "OTEL_RESOURCE_ATTRIBUTES and GitHub Actions' variables (docs/export.md).\n"
      "Exit codes: 0 sent, 1 an endpoint rejected some data, 2 a usage or input error,\n"
      "3 an endpoint was unreachable or refused (the rest was not sent).");
  return command;
}

int export_command(const exporting::ExportOptions& o) {
  std::string error;
  const std::optional<exporting::MetricsDestination> metrics = exporting::metrics_destination(o, error);
  if (!error.empty()) {
    fmt::print(stderr, "testscope export: {}\n", error);
    return exporting::kExitUsage;
  }
  if (!o.otlp && !metrics) {
    fmt::print(
        stderr,
        "testscope export: nothing to send to: give --otlp [URL], --pushgateway URL or --prom-file FILE "
        "(see docs/export.md)\n");
    return exporting::kExitUsage;
  }
  std::optional<exporting::OtlpSetup> otlp;
  if (o.otlp) {
    otlp = exporting::otlp_setup(o.otlp_url);
    if (!otlp) return exporting::kExitUsage;
  }
  analysis::ArtifactTree tree;
  try {
    tree = analysis::load_artifact_tree(o.out);
  } catch (const std::exception& e) {
    fmt::print(stderr, "testscope export: {}\n", e.what());
    return exporting::kExitUsage;
  }
  // With the metrics on standard output, what export says goes to standard error.
  std::FILE* status = metrics && metrics->prom_file == "-" ? stderr : stdout;
  try {
    int code = exporting::kExitSent;
    if (otlp) code = exporting::send_otlp(o.out, tree, *otlp, status);
    if (metrics) code = std::max(code, exporting::export_metrics(*metrics, tree, status));
    return code;
  } catch (const exporting::OutOfMemoryReading& e) {
    // The streams bound what export holds to one span or log line and one batch per signal:
    // only an item of gigabytes gets here. Say which file, rather than dying of bad_alloc.
    fmt::print(stderr,
               "testscope export: {}: out of memory while reading it (a single span or log line too large); "
               "nothing more is sent\n",
               e.path().string());
  } catch (const std::bad_alloc&) {
    fmt::print(stderr, "testscope export: out of memory; nothing more is sent\n");
  }
  return exporting::kExitUsage;
}

}  // namespace testscope::cli
