// What `testscope export` reads from one test's folder of an artifact tree: the spans of
// trace.otlp.json and the log events of logs.jsonl, turned into OTLP/JSON pieces for an
// otlp::BatchBuilder, with the environment's resource attributes merged into each
// resource. Reads only; never changes a file.
#pragma once

#include <cstddef>
#include <filesystem>
#include <new>
#include <string>
#include <string_view>
#include <vector>

#include "analysis/artifact_tree.hpp"
#include "analysis/run_manifest.hpp"
#include "otel_env/key_value_list.hpp"
#include "otlp_http/signal.hpp"

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

// Where stream_test_payload() puts what it reads, as it reads it: nothing of a test is held
// for longer than one span or one log line. Implementations may throw (std::bad_alloc).
class PayloadSink {
 public:
  PayloadSink() = default;
  virtual ~PayloadSink() = default;
  PayloadSink(const PayloadSink&) = delete;
  PayloadSink& operator=(const PayloadSink&) = delete;
  PayloadSink(PayloadSink&&) = delete;
  PayloadSink& operator=(PayloadSink&&) = delete;

  // The trace file was read and checked: it holds `spans` spans. Return false to have them
  // not read again (when they could not be sent anyway).
  virtual bool spans_checked(std::size_t spans) = 0;
  // The items that follow, until the next call, are of this resource and scope.
  virtual void begin(otlp::Signal signal, const std::string& resource_json,
                     const std::string& scope_json) = 0;
  // One Span or LogRecord object.
  virtual void item(otlp::Signal signal, std::string item) = 0;
  // A file (or line) that could not be used.
  virtual void problem(analysis::Problem problem) = 0;
};

// Memory ran out while reading `path()`: not a bad file to skip but the end of the command
// (export exits 2 naming the file). Thrown by stream_test_payload().
class OutOfMemoryReading : public std::bad_alloc {
 public:
  explicit OutOfMemoryReading(std::filesystem::path path) : path_(std::move(path)) {}
  const char* what() const noexcept override { return "out of memory"; }
  const std::filesystem::path& path() const noexcept { return path_; }

 private:
  std::filesystem::path path_;
};

// Reads <test_dir>/trace.otlp.json and <test_dir>/logs.jsonl (a missing file gives
// nothing) as streams, handing every span and log record to `sink` as it is read.
// `resource_attributes` are set on every resource (replacing attributes of the same key); a
// resource without service.name gets `default_service_name`. Log records get the resource
// of the test's trace.otlp.json (or, when it cannot be read, one made of the attributes and
// service name). A trace file that is not valid OTLP/JSON TracesData in outline (ids
// included) is a problem and gives no span: it is read once to check it, then again for its
// spans. A bad line of logs.jsonl is a problem naming its line; the other lines still count.
// Throws OutOfMemoryReading when memory runs out (a single span of gigabytes), and what the
// sink throws.
void stream_test_payload(const std::filesystem::path& test_dir,
                         const std::vector<otlp::KeyValue>& resource_attributes,
                         const std::string& default_service_name, PayloadSink& sink);

// stream_test_payload() collected into a TestPayload: the whole test in memory, for tests
// and small trees.
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
