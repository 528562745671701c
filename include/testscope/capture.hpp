// testscope/capture.hpp: one test's spans, events and failures, assembled as a TestRecord.
//
// A test framework integration (the GoogleTest listener, later Catch2/doctest/pytest)
// drives a TestCapture: begin() when a test starts, add_failure() for each assertion
// failure, end() when it finishes. end() gathers every span recorded on any thread during
// the test into a TestRecord, which the writers in testscope/artifacts.hpp turn into files.
//
//   testscope::TestCapture capture;
//   capture.begin({"PromoRace", "RacyApply", ...});
//   ... run the test ...
//   testscope::TestRecord record = capture.end(testscope::Outcome::kFail);
//
// Only one test is captured at a time in a process (the recorder is process-wide).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "testscope/context.hpp"
#include "testscope/log.hpp"
#include "testscope/span.hpp"

namespace testscope {

// How a test ended. Names follow summary.json ("pass", "fail", ...).
enum class Outcome : std::uint8_t { kPass, kFail, kSkip, kCrash, kTimeout };
std::string_view to_string(Outcome outcome) noexcept;

// An attribute as stored in a record: an owning copy.
struct AttributeData {
  std::string key;
  std::variant<std::string, std::int64_t, double, bool> value;
};

struct EventData {
  std::string name;
  std::int64_t time_unix_ns = 0;
  std::vector<AttributeData> attributes;
};

struct SpanData {
  TraceId trace_id;
  std::uint64_t span_id = 0;
  std::uint64_t parent_span_id = 0;  // 0 for a root (or the run's span, via TRACEPARENT)
  std::string name;
  std::int64_t start_unix_ns = 0;
  std::int64_t end_unix_ns = 0;
  bool ended = true;               // false: still open when the test ended
  std::uint32_t thread_index = 0;  // ThreadData::index of the thread that began it
  std::string file;
  std::string function;
  std::uint32_t line = 0;
  std::vector<AttributeData> attributes;
  std::vector<EventData> events;
  StatusCode status = StatusCode::kUnset;
  std::string status_message;
};

struct ThreadData {
  std::uint32_t index = 0;  // small, stable per thread for the program's life
  std::uint64_t os_tid = 0;
  std::string name;
};

// A log event (testscope/log.hpp) as recorded.
struct LogData {
  std::int64_t time_unix_ns = 0;
  std::uint32_t thread_index = 0;
  TraceId trace_id;
  std::uint64_t span_id = 0;  // the span current where it was logged
  Severity severity = Severity::kInfo;
  std::string event;
  std::vector<AttributeData> fields;
};

enum class MetricKind : std::uint8_t { kCounter, kGauge, kHistogram, kSummary, kUntyped };
std::string_view to_string(MetricKind kind) noexcept;  // "counter", "gauge", ...

// What one metric series did during a test (testscope/metrics.hpp lists the sources).
struct MetricSample {
  std::string name;  // the family's name, e.g. "promo_uses_total"
  std::string help;
  MetricKind kind = MetricKind::kUntyped;
  std::vector<std::pair<std::string, std::string>> labels;  // sorted by name
  double value = 0;         // counter, untyped: the increase; gauge: the value at the end
  std::uint64_t count = 0;  // histogram, summary: observations during the test
  double sum = 0;           // histogram, summary: their sum
  std::vector<std::pair<double, std::uint64_t>> buckets;  // histogram: upper bound, cumulative count added
};

// One assertion failure, as the framework reported it.
struct Failure {
  std::string file;
  int line = 0;
  std::string message;
  bool fatal = true;
  std::int64_t time_unix_ns = 0;
  // Its `exception.type` in the trace (OpenTelemetry's convention): the framework's kind of
  // failure (`gtest.fatal_failure`, `catch2.nonfatal_failure`), or the language's exception
  // class (`AssertionError`). Empty: the harness names it after the front's framework
  // (`<framework>.fatal_failure` / `.nonfatal_failure`; GoogleTest's as `gtest.`).
  std::string type;
};

// What the framework knows of a test before it runs.
struct TestInfo {
  std::string suite;        // "PromoRace", "Instances/ParamTest"; "" when the name says it all
  std::string name;         // "RacyApply", "Case/0"; pytest: the node id "tests/test_a.py::test_b[1]"
  std::string type_param;   // typed tests: the type's name
  std::string value_param;  // value-parameterized tests: the value printed
  std::string file;
  int line = 0;

  // "suite.name", or the name alone when there is no suite (a pytest node id).
  std::string full_name() const { return suite.empty() ? name : suite + "." + name; }
};

// The quarantine entry a test ran under (testscope/quarantine.hpp, mode `run`): its failure
// is reported but does not fail the build. Plain data.
struct QuarantineNote {
  std::string entry;  // the entry's `test`: the name, or the pattern that matched
  std::string reason;
  std::string owner;
  std::string expires;  // "YYYY-MM-DD": the entry applies before this day
  std::string file;     // the quarantine file
  int line = 0;         // of the entry's [[quarantine]] header
};

// Everything captured for one test.
struct TestRecord {
  TestInfo test;
  Outcome outcome = Outcome::kPass;
  std::int64_t start_unix_ns = 0;
  std::int64_t end_unix_ns = 0;
  TraceId trace_id;
  std::uint64_t root_span_id = 0;
  std::vector<SpanData> spans;      // the root span first, the rest by start time
  std::vector<ThreadData> threads;  // every thread that recorded, by index
  std::vector<Failure> failures;
  std::vector<LogData> logs;                 // by time; each thread's in the order logged
  std::vector<MetricSample> metrics;         // series that changed (counters, histograms) and all gauges
  std::uint64_t dropped_records = 0;         // lost to full buffers (or threads without one)
  std::uint64_t orphan_records = 0;          // ends/attributes of spans begun before the test
  std::optional<QuarantineNote> quarantine;  // set when the test is quarantined
  // Which run of this test in its process: 1, then 2, 3, ... when the framework runs it again
  // (--gtest_repeat; TestSession counts). Each run has its own artifact folder.
  int repetition = 1;

  std::int64_t duration_ns() const noexcept { return end_unix_ns - start_unix_ns; }
  const SpanData* find_span(std::uint64_t span_id) const noexcept;
};

// Drives the capture of one test at a time. begin/end are called from the thread that
// runs the test; add_failure from any thread. Nothing here throws: on an internal error
// the record is returned with what could be gathered.
class TestCapture {
 public:
  TestCapture();
  ~TestCapture();
  TestCapture(const TestCapture&) = delete;
  TestCapture& operator=(const TestCapture&) = delete;

  // Starts recording spans for `test`. The root span's parent is `parent` when valid
  // (e.g. from TRACEPARENT), making the test's trace part of a larger one.
  void begin(TestInfo test, const SpanContext& parent = {}) noexcept;
  // Records an assertion failure as an "exception" event on the test's root span.
  void add_failure(Failure failure) noexcept;
  // Stops recording and returns the test's record.
  TestRecord end(Outcome outcome) noexcept;
  // True between begin() and end().
  bool active() const noexcept;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace testscope
