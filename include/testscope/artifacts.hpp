// testscope/artifacts.hpp: the artifact tree on disk (schema 1), written next to the tests.
//
//   <root>/run.json                         one execution of a test program
//   <root>/tests/<test-id>/summary.json     outcome, failures, counts, trace id
//   <root>/tests/<test-id>/trace.otlp.json  OTLP/JSON TracesData (opens in Jaeger/Tempo tools)
//   <root>/tests/<test-id>/trace.chrome.json Chrome trace events (opens in ui.perfetto.dev)
//   <root>/tests/<test-id>/metrics.prom     metric changes during the test, Prometheus text 0.0.4
//   <root>/tests/<test-id>/logs.jsonl       log events, one JSON object per line
//
// The tree is the contract between the test process and the testscope CLI; its layout
// and fields are documented in docs/artifacts.md. Writers never throw: each returns an
// error message naming the file and the reason, or an empty string on success.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "testscope/artifact_files.hpp"
#include "testscope/capture.hpp"
#include "testscope/provoke.hpp"

namespace testscope {

inline constexpr int kArtifactSchema = artifact_files::kArtifactSchema;  // testscope/artifact_files.hpp
std::string_view version() noexcept;                                     // "0.1.0"

// What became of the traces a test program sent live (--testscope_otlp, docs/export.md),
// as run.json records it at the end. Plain data.
struct LiveExportSummary {
  std::string url;            // the traces URL
  std::int64_t traces = 0;    // test traces handed to the exporter
  std::int64_t sent = 0;      // accepted by the endpoint
  std::int64_t rejected = 0;  // refused by it (400, 413, a partial success's spans)
  std::int64_t failed = 0;    // requests not delivered (unreachable, 5xx, timed out)
  std::int64_t dropped = 0;   // never sent: a full queue, the cool-down after a failure, the end
  std::string last_error;     // the last failure's or rejection's message; "" if none
};

// One execution of a test program, as run.json records it.
struct RunInfo {
  std::vector<std::string> argv;
  std::int64_t start_unix_ns = 0;
  std::int64_t end_unix_ns = 0;  // 0 while running
  std::string host;
  std::int64_t pid = 0;
  std::string framework = "googletest";
  std::int64_t random_seed = 0;  // the framework's shuffle seed
  // Provocation in force (testscope/provoke.hpp); run.json's "chaos", null when off.
  std::optional<ProvokeSettings> provoke;
  int exit_status = -1;  // -1 while running
  int tests_run = 0;
  int tests_failed = 0;
  int tests_skipped = 0;
  SpanContext parent;  // from TRACEPARENT, when set
  // OpenTelemetry resource: service.name, host, process, the CI's (GitHub Actions' cicd.*)
  // and OTEL_RESOURCE_ATTRIBUTES.
  std::vector<AttributeData> resource;
  // Set at the end when the program exported live; run.json's "live_export" (null if not).
  std::optional<LiveExportSummary> live_export;
};

// Fills argv, start time, host, pid, parent (TRACEPARENT) and the resource (GitHub Actions'
// cicd.* attributes, OTEL_RESOURCE_ATTRIBUTES, OTEL_SERVICE_NAME) from the process and its
// environment.
RunInfo describe_this_run(int argc, const char* const* argv);

// A file-system-safe, distinct folder name for a test's full name: letters, digits, '.',
// '-', '_' kept; anything else (slashes, spaces, unicode, leading dots) replaced by '_';
// a short hash of the real name appended whenever the name was changed or shortened, so
// different names never share a folder. At most 120 bytes. The real name stays in
// summary.json.
std::string test_id(std::string_view full_name);

// The folder of one run of a test under tests/: test_id(full_name) for its first run in the
// process, then "<test_id>@2", "@3", ... for its repetitions (`repetition` > 1). '@' is never
// in a test id, so a repetition's folder never meets another test's.
std::string test_folder(std::string_view full_name, int repetition);

// Writes an artifact tree under a root folder. Thread-compatible.
class ArtifactWriter {
 public:
  explicit ArtifactWriter(std::string root) : root_(std::move(root)) {}

  const std::string& root() const noexcept { return root_; }
  // <root>/tests/<folder>, where the test's files go: see test_folder().
  std::string test_dir(const TestRecord& record) const;
  // Writes <root>/run.json (atomically: a reader sees the old or the new file).
  std::string write_run(const RunInfo& run) const;
  // Writes the files of one test; summary.json last, so its presence means they are complete.
  std::string write_test(const TestRecord& record, const RunInfo& run) const;

 private:
  std::string root_;
};

// The individual formats, as strings (see docs/artifacts.md).
std::string summary_json(const TestRecord& record);
std::string otlp_json(const TestRecord& record, const RunInfo& run);
std::string chrome_trace_json(const TestRecord& record, const RunInfo& run);
// The test's MetricSamples in Prometheus text format 0.0.4 (prometheus-cpp's TextSerializer),
// after a `# testscope:` comment line; passes `promtool check metrics` for well-named metrics.
std::string metrics_prom(const TestRecord& record);
// The test's log events, one JSON object per line (each ending in '\n'), in time order.
std::string logs_jsonl(const TestRecord& record);
std::string run_json(const RunInfo& run);

}  // namespace testscope
