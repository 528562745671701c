// What `testscope export` reads from one test's folder of an artifact tree: the spans of
// trace.otlp.json and the log events of logs.jsonl, turned into OTLP/JSON pieces for an
// otlp::BatchBuilder, with the environment's resource attributes merged into each
// resource. Reads only; never changes a file.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "analysis/artifact_tree.hpp"
#include "analysis/run_manifest.hpp"
#include "otel_env/key_value_list.hpp"

namespace testscope::exporting {

// The items of one resource and scope, serialized. Plain data.
struct ResourceItems {
  std::string resource_json;       // an OTLP Resource object
  std::string scope_json;          // an InstrumentationScope object
  std::vector<std::string> items;  // Span or LogRecord objects
};

// Everything one test folder gives. Plain data.
struct TestPayload {
  std::vector<ResourceItems> spans;  // one entry per scopeSpans of trace.otlp.json
  std::vector<ResourceItems> logs;   // the log records of logs.jsonl (one entry, or none)
  std::size_t span_count = 0;
  std::size_t log_count = 0;
  std::vector<analysis::Problem> problems;  // files (or lines) that could not be used
};

// Reads <test_dir>/trace.otlp.json and <test_dir>/logs.jsonl (a missing file gives
// nothing). `resource_attributes` are set on every resource (replacing attributes of the
// same key); a resource without service.name gets `default_service_name`. Log records
// get the resource of the test's trace.otlp.json (or, when it cannot be read, one made
// of the attributes and service name). A trace file that is not valid OTLP/JSON
// TracesData in outline (ids included) is a Problem and sends nothing; a bad line of
// logs.jsonl is a Problem naming its line, and the other lines are still sent.
TestPayload read_test_payload(const std::filesystem::path& test_dir,
                              const std::vector<otlp::KeyValue>& resource_attributes,
                              const std::string& default_service_name);

// The run's own spans, from testscope-run.json (docs/export.md, "One picture of a run"):
// the run's span (its parent the TRACEPARENT testscope run was given, if any), and one
// span per execution that has a span in the run's trace, a child of the run's span, so the
// test traces (children of their execution's span) hang from one tree. Nothing when the
// manifest has no trace (a merge, or a file from before runs had one). The resource is
// built as for the tests: `resource_attributes` and service.name `default_service_name`.
ResourceItems run_spans_payload(const analysis::RunManifest& manifest,
                                const std::vector<otlp::KeyValue>& resource_attributes,
                                const std::string& default_service_name);

// One line of logs.jsonl (docs/artifacts.md) as an OTLP LogRecord in JSON: time,
// severity, the event's name as eventName and as the body, its fields as attributes
// (typed), thread.name, trace and span ids. Throws std::runtime_error with the reason.
std::string log_record_json(std::string_view line);

}  // namespace testscope::exporting
