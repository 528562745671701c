// Shared by the tests of the artifact writers (tests/writers) and of the capture
// (tests/capture): a deterministic hand-built TestRecord and RunInfo, a real capture of spans
// on several threads (RealCapture), and helpers that parse and inspect the JSON the writers
// produce.
#pragma once

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "testscope/artifacts.hpp"
#include "testscope/capture.hpp"
#include "testscope/context.hpp"
#include "testscope/span.hpp"

namespace testscope {

using nlohmann::json;

inline constexpr std::int64_t kStart = 1'700'000'000'123'456'789;  // unix ns of the test's start
inline constexpr std::uint64_t kRootId = 0x1111111111111111ULL;
inline constexpr std::uint64_t kLoadId = 0x2222222222222222ULL;
inline constexpr std::uint64_t kWorkId = 0x3333333333333333ULL;
inline constexpr std::uint64_t kOpenId = 0x00000000000000abULL;  // leading zeros must stay in the hex
inline constexpr std::uint64_t kMainTid = 1001;
inline constexpr std::uint64_t kWorkerTid = 1002;
inline constexpr TraceId kTrace{0x0123456789abcdefULL, 0xfedcba9876543210ULL};
inline constexpr const char* kTraceHex = "0123456789abcdeffedcba9876543210";

// Parses `text`, failing the test (not crashing) if it is not valid JSON.
inline json parse(const std::string& text) {
  try {
    return json::parse(text);
  } catch (const std::exception& e) {
    ADD_FAILURE() << "invalid JSON: " << e.what() << "\n" << text.substr(0, 2000);
    return {};
  }
}

inline bool is_lower_hex(const json& value, std::size_t length) {
  if (!value.is_string()) return false;
  const std::string text = value.get<std::string>();
  if (text.size() != length) return false;
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

inline bool is_decimal_string(const json& value) {
  if (!value.is_string()) return false;
  const std::string text = value.get<std::string>();
  if (text.empty()) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (!(std::isdigit(static_cast<unsigned char>(text[i])) != 0 || (i == 0 && text[i] == '-'))) return false;
  }
  return true;
}

// OTLP KeyValue list -> key -> AnyValue object; fails on duplicate keys or bad shapes.
inline std::map<std::string, json> otlp_attributes(const json& list) {
  std::map<std::string, json> out;
  EXPECT_TRUE(list.is_array()) << list;
  if (!list.is_array()) return out;
  for (const json& kv : list) {
    EXPECT_TRUE(kv.is_object() && kv.size() == 2 && kv.contains("key") && kv.contains("value")) << kv;
    if (!kv.contains("key") || !kv.contains("value")) continue;
    const std::string key = kv["key"].get<std::string>();
    EXPECT_EQ(out.count(key), 0U) << "duplicate attribute " << key;
    const json& value = kv["value"];
    EXPECT_TRUE(value.is_object() && value.size() == 1) << "AnyValue must have one field: " << value;
    if (value.contains("stringValue")) {
      EXPECT_TRUE(value["stringValue"].is_string()) << value;
    }
    if (value.contains("intValue")) {
      EXPECT_TRUE(is_decimal_string(value["intValue"])) << value;
    }
    if (value.contains("boolValue")) {
      EXPECT_TRUE(value["boolValue"].is_boolean()) << value;
    }
    if (value.contains("doubleValue")) {
      const json& d = value["doubleValue"];
      EXPECT_TRUE(d.is_number() || d == "NaN" || d == "Infinity" || d == "-Infinity") << value;
    }
    out[key] = value;
  }
  return out;
}

// Keys repeated inside one JSON object (nlohmann keeps the last silently; readers differ).

inline json str_value(const std::string& s) { return json{{"stringValue", s}}; }
inline json int_value(std::int64_t v) { return json{{"intValue", std::to_string(v)}}; }
inline json double_value(double v) { return json{{"doubleValue", v}}; }
inline json bool_value(bool v) { return json{{"boolValue", v}}; }
inline AttributeData attr(std::string key, std::variant<std::string, std::int64_t, double, bool> value) {
  return AttributeData{std::move(key), std::move(value)};
}

// A deterministic record: root and "load" on the main thread; "work" on a worker thread
// (a cross-thread child of the root) with an event and an error; "open" under "work",
// still open when the test ended. One fatal, multi-line failure.
inline TestRecord hand_record() {
  TestRecord r;
  r.test = TestInfo{"Suite", "Case", "", "", "/src/suite_test.cpp", 42};
  r.outcome = Outcome::kFail;
  r.start_unix_ns = kStart;
  r.end_unix_ns = kStart + 5'000'000;
  r.trace_id = kTrace;
  r.root_span_id = kRootId;
  r.threads = {ThreadData{0, kMainTid, "main"}, ThreadData{1, kWorkerTid, "worker-1"}};

  SpanData root;
  root.trace_id = kTrace;
  root.span_id = kRootId;
  root.name = "Suite.Case";
  root.start_unix_ns = kStart;
  root.end_unix_ns = kStart + 5'000'000;
  root.thread_index = 0;
  root.file = "/src/suite_test.cpp";
  root.line = 42;
  root.function = "Suite.Case";
  root.attributes = {attr("test.suite.name", std::string("Suite")),
                     attr("test.case.name", std::string("Suite.Case")),
                     attr("test.case.result.status", std::string("fail"))};
  root.events.push_back(EventData{
      "exception",
      kStart + 4'000'000,
      {attr("exception.type", std::string("gtest.fatal_failure")),
       attr("exception.message", std::string("Expected: 1\n  Actual: 2")),
       attr("code.filepath", std::string("/src/suite_test.cpp")), attr("code.lineno", std::int64_t{50})}});
  root.status = StatusCode::kError;
  root.status_message = "Expected: 1\n  Actual: 2";

  SpanData load;
  load.trace_id = kTrace;
  load.span_id = kLoadId;
  load.parent_span_id = kRootId;
  load.name = "load";
  load.start_unix_ns = kStart + 100'000;
  load.end_unix_ns = kStart + 1'100'000;
  load.thread_index = 0;
  load.file = "/src/load.cpp";
  load.line = 7;
  load.function = "load_all";
  load.attributes = {attr("db.system", std::string("sqlite")), attr("rows", std::int64_t{-12}),
                     attr("ratio", 0.25), attr("cache.hit", true),
                     attr("big", std::numeric_limits<std::int64_t>::min())};

  SpanData work;
  work.trace_id = kTrace;
  work.span_id = kWorkId;
  work.parent_span_id = kRootId;
  work.name = "work";
  work.start_unix_ns = kStart + 1'500'000;
  work.end_unix_ns = kStart + 3'500'000;
  work.thread_index = 1;
  work.attributes = {attr("worker.id", std::int64_t{1})};
  work.events.push_back(EventData{"retry",
                                  kStart + 2'000'000,
                                  {attr("attempt", std::int64_t{2}), attr("reason", std::string("busy")),
                                   attr("backoff", 1.5), attr("last", false)}});
  work.status = StatusCode::kError;
  work.status_message = "limit reached";

  SpanData open;
  open.trace_id = kTrace;
  open.span_id = kOpenId;
  open.parent_span_id = kWorkId;
  open.name = "open";
  open.start_unix_ns = kStart + 3'000'000;
  open.end_unix_ns = kStart + 5'000'000;
  open.ended = false;
  open.thread_index = 1;

  r.spans = {root, load, work, open};
  r.failures.push_back(
      Failure{"/src/suite_test.cpp", 50, "Expected: 1\n  Actual: 2", true, kStart + 4'000'000, ""});
  return r;
}

inline RunInfo hand_run() {
  RunInfo run;
  run.argv = {"/opt/bin/suite_tests", "--gtest_filter=Suite.*"};
  run.start_unix_ns = kStart - 1'000'000;
  run.host = "ci-runner-7";
  run.pid = 4242;
  run.random_seed = 17;
  run.resource = {attr("service.name", std::string("suite_tests")),
                  attr("deployment.environment", std::string("ci")), attr("process.pid", std::int64_t{4242})};
  return run;
}

inline std::vector<json> events_of(const json& doc, const std::string& phase) {
  std::vector<json> out;
  for (const json& e : doc["traceEvents"]) {
    if (e["ph"] == phase) out.push_back(e);
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// A real capture: spans on several threads, every attribute type, events, errors, an
// unfinished span and failures, through every writer.
//
// Each test file that uses it defines RealCapture::SetUpTestSuite() as
// `capture_at(SourceLocation::current());`, so that the captured test's file and the "outer"
// span's code.filepath are that file, which its tests compare with __FILE__.

class RealCapture : public ::testing::Test {
 protected:
  static void SetUpTestSuite();
  static void capture_at(const SourceLocation& here) {
    TestCapture capture;
    capture.begin(TestInfo{"CaptureSuite", "TwoThreads", "", "", here.file, static_cast<int>(here.line)});
    {
      Span outer("outer", here);
      outer.set_attribute("s", "text")
          .set_attribute("i", std::int64_t{-7})
          .set_attribute("u", 42U)
          .set_attribute("d", 2.5)
          .set_attribute("b", true)
          .set_attribute("nan", std::nan(""));
      outer.add_event("checkpoint", {{"k", "v"}, {"n", 3}, {"x", 1.5}, {"ok", false}});
      std::thread wrapped(wrap([] {
        set_thread_name("worker-wrap");
        Span work("wrapped_work");
        work.set_attribute("worker.id", 1);
        work.add_event("retry", {{"attempt", 2}});
        work.set_error("boom");
      }));
      wrapped.join();
      std::thread scoped([context = outer.context()] {
        set_thread_name("worker-scope");
        ContextScope scope(context);
        Span work("scoped_work");
        Span inner("scoped_inner");
        inner.set_attribute("depth", 2);
      });
      scoped.join();
    }
    auto open = std::make_unique<Span>("left_open");
    capture.add_failure(Failure{"some_test.cpp", 12, "Expected: 1\nActual: 2", true, 0, ""});
    capture.add_failure(Failure{"other.cpp", 99, "soft failure", false, kStart, ""});
    record_ = std::make_unique<TestRecord>(capture.end(Outcome::kFail));
    open.reset();  // ends after the capture: stays unfinished in the record
    run_ = std::make_unique<RunInfo>(hand_run());
    run_->pid = getpid();
  }
  static void TearDownTestSuite() {
    record_.reset();
    run_.reset();
  }

  static const SpanData* span_named(const std::string& name) {
    for (const SpanData& s : record_->spans) {
      if (s.name == name) return &s;
    }
    return nullptr;
  }

  static std::unique_ptr<TestRecord> record_;
  static std::unique_ptr<RunInfo> run_;
};

inline std::unique_ptr<TestRecord> RealCapture::record_;
inline std::unique_ptr<RunInfo> RealCapture::run_;

}  // namespace testscope
