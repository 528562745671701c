// The artifact writers (summary.json, trace.otlp.json, trace.chrome.json, run.json) and
// describe_this_run: every output is parsed back with nlohmann::json and checked field by
// field, for hand-built records (deterministic ids and times) and for a real capture.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "testscope/artifacts.hpp"
#include "testscope/capture.hpp"
#include "testscope/context.hpp"
#include "testscope/span.hpp"

namespace testscope {
namespace {

using nlohmann::json;

constexpr std::int64_t kStart = 1'700'000'000'123'456'789;  // unix ns of the test's start
constexpr std::uint64_t kRootId = 0x1111111111111111ULL;
constexpr std::uint64_t kLoadId = 0x2222222222222222ULL;
constexpr std::uint64_t kWorkId = 0x3333333333333333ULL;
constexpr std::uint64_t kOpenId = 0x00000000000000abULL;  // leading zeros must stay in the hex
constexpr std::uint64_t kMainTid = 1001;
constexpr std::uint64_t kWorkerTid = 1002;
constexpr TraceId kTrace{0x0123456789abcdefULL, 0xfedcba9876543210ULL};
constexpr const char* kTraceHex = "0123456789abcdeffedcba9876543210";

// Parses `text`, failing the test (not crashing) if it is not valid JSON.
json parse(const std::string& text) {
  try {
    return json::parse(text);
  } catch (const std::exception& e) {
    ADD_FAILURE() << "invalid JSON: " << e.what() << "\n" << text.substr(0, 2000);
    return {};
  }
}

bool is_lower_hex(const json& value, std::size_t length) {
  if (!value.is_string()) return false;
  const std::string text = value.get<std::string>();
  if (text.size() != length) return false;
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

bool is_decimal_string(const json& value) {
  if (!value.is_string()) return false;
  const std::string text = value.get<std::string>();
  if (text.empty()) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (!(std::isdigit(static_cast<unsigned char>(text[i])) != 0 || (i == 0 && text[i] == '-'))) return false;
  }
  return true;
}

// OTLP KeyValue list -> key -> AnyValue object; fails on duplicate keys or bad shapes.
std::map<std::string, json> otlp_attributes(const json& list) {
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
std::vector<std::string> duplicate_keys(const std::string& text) {
  struct Sax : nlohmann::json_sax<json> {
    std::vector<std::set<std::string>> objects;
    std::vector<std::string> duplicates;
    bool null() override { return true; }
    bool boolean(bool /*val*/) override { return true; }
    bool number_integer(number_integer_t /*val*/) override { return true; }
    bool number_unsigned(number_unsigned_t /*val*/) override { return true; }
    bool number_float(number_float_t /*val*/, const string_t& /*s*/) override { return true; }
    bool string(string_t& /*val*/) override { return true; }
    bool binary(binary_t& /*val*/) override { return true; }
    bool start_object(std::size_t /*elements*/) override {
      objects.emplace_back();
      return true;
    }
    bool key(string_t& k) override {
      if (!objects.back().insert(k).second) duplicates.push_back(k);
      return true;
    }
    bool end_object() override {
      objects.pop_back();
      return true;
    }
    bool start_array(std::size_t /*elements*/) override { return true; }
    bool end_array() override { return true; }
    bool parse_error(std::size_t /*position*/, const std::string& /*last_token*/,
                     const nlohmann::detail::exception& /*ex*/) override {
      return false;
    }
  } sax;
  EXPECT_TRUE(json::sax_parse(text, &sax)) << "invalid JSON";
  return sax.duplicates;
}

json str_value(const std::string& s) { return json{{"stringValue", s}}; }
json int_value(std::int64_t v) { return json{{"intValue", std::to_string(v)}}; }
json double_value(double v) { return json{{"doubleValue", v}}; }
json bool_value(bool v) { return json{{"boolValue", v}}; }

// Sets (or unsets, for nullptr) an environment variable for the scope, then restores it.
// Only for tests that start no threads: setenv/unsetenv race with any concurrent getenv.
// NOLINTBEGIN(concurrency-mt-unsafe): GoogleTest runs these tests on one thread, with no other alive
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = std::string(old);
    if (value != nullptr) {
      setenv(name, value, 1);
    } else {
      unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (old_) {
      setenv(name_.c_str(), old_->c_str(), 1);
    } else {
      unsetenv(name_.c_str());
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::string name_;
  std::optional<std::string> old_;
};
// NOLINTEND(concurrency-mt-unsafe)

AttributeData attr(std::string key, std::variant<std::string, std::int64_t, double, bool> value) {
  return AttributeData{std::move(key), std::move(value)};
}

// A deterministic record: root and "load" on the main thread; "work" on a worker thread
// (a cross-thread child of the root) with an event and an error; "open" under "work",
// still open when the test ended. One fatal, multi-line failure.
TestRecord hand_record() {
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
      Failure{"/src/suite_test.cpp", 50, "Expected: 1\n  Actual: 2", true, kStart + 4'000'000});
  return r;
}

RunInfo hand_run() {
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

// ---------------------------------------------------------------------------------------
// summary.json

TEST(SummaryJson, HandRecordFieldByField) {
  const TestRecord record = hand_record();
  const json s = parse(summary_json(record));
  ASSERT_TRUE(s.is_object());
  EXPECT_EQ(s["schema"], 1);
  EXPECT_EQ(s["schema"], kArtifactSchema);
  EXPECT_EQ(s["testscope_version"], std::string(version()));
  EXPECT_EQ(s["id"], test_id("Suite.Case"));
  EXPECT_EQ(s["id"], "Suite.Case");
  const json& test = s["test"];
  EXPECT_EQ(test["full_name"], "Suite.Case");
  EXPECT_EQ(test["suite"], "Suite");
  EXPECT_EQ(test["name"], "Case");
  EXPECT_EQ(test["type_param"], "");
  EXPECT_EQ(test["value_param"], "");
  EXPECT_EQ(test["file"], "/src/suite_test.cpp");
  EXPECT_EQ(test["line"], 42);
  EXPECT_EQ(s["outcome"], "fail");
  EXPECT_EQ(s["start_unix_ns"].get<std::int64_t>(), kStart);
  EXPECT_EQ(s["end_unix_ns"].get<std::int64_t>(), kStart + 5'000'000);
  EXPECT_EQ(s["duration_ns"].get<std::int64_t>(), 5'000'000);
  EXPECT_EQ(s["trace_id"], kTraceHex);
  EXPECT_TRUE(is_lower_hex(s["trace_id"], 32));
  EXPECT_EQ(s["root_span_id"], "1111111111111111");

  ASSERT_EQ(s["failures"].size(), 1U);
  const json& f = s["failures"][0];
  EXPECT_EQ(f["file"], "/src/suite_test.cpp");
  EXPECT_EQ(f["line"], 50);
  EXPECT_EQ(f["message"], "Expected: 1\n  Actual: 2");
  EXPECT_EQ(f["fatal"], true);
  EXPECT_EQ(f["time_unix_ns"].get<std::int64_t>(), kStart + 4'000'000);

  const json& counts = s["counts"];
  EXPECT_EQ(counts["spans"], 4);
  EXPECT_EQ(counts["events"], 2);
  EXPECT_EQ(counts["threads"], 2);
  EXPECT_EQ(counts["unfinished_spans"], 1);
  EXPECT_EQ(counts["dropped_records"], 0);

  ASSERT_EQ(s["threads"].size(), 2U);
  EXPECT_EQ(s["threads"][0], (json{{"index", 0}, {"os_tid", kMainTid}, {"name", "main"}}));
  EXPECT_EQ(s["threads"][1], (json{{"index", 1}, {"os_tid", kWorkerTid}, {"name", "worker-1"}}));
  EXPECT_EQ(s["artifacts"], (json{{"otlp", "trace.otlp.json"},
                                  {"chrome", "trace.chrome.json"},
                                  {"logs", "logs.jsonl"},
                                  {"metrics", "metrics.prom"}}));
  EXPECT_EQ(counts["logs"], 0);
  EXPECT_EQ(counts["orphan_records"], 0);
  EXPECT_TRUE(s["metrics"].is_array());
}

TEST(SummaryJson, EveryOutcomeAndParameterizedName) {
  TestRecord record = hand_record();
  record.test = TestInfo{"Inst/ParamSuite", "Case/3", "", "std::pair<int, char>(1, 'x')", "p.cpp", 9};
  record.dropped_records = 5;
  record.failures.push_back(Failure{"b.cpp", 3, "soft", false, kStart + 1});
  const std::array<std::pair<Outcome, const char*>, 5> outcomes = {{{Outcome::kPass, "pass"},
                                                                    {Outcome::kFail, "fail"},
                                                                    {Outcome::kSkip, "skip"},
                                                                    {Outcome::kCrash, "crash"},
                                                                    {Outcome::kTimeout, "timeout"}}};
  for (const auto& [outcome, name] : outcomes) {
    record.outcome = outcome;
    const json s = parse(summary_json(record));
    EXPECT_EQ(s["outcome"], name);
    EXPECT_EQ(s["test"]["full_name"], "Inst/ParamSuite.Case/3");
    EXPECT_EQ(s["test"]["value_param"], "std::pair<int, char>(1, 'x')");
    EXPECT_EQ(s["id"], test_id("Inst/ParamSuite.Case/3"));
    EXPECT_EQ(s["counts"]["dropped_records"], 5);
    ASSERT_EQ(s["failures"].size(), 2U);
    EXPECT_EQ(s["failures"][1]["fatal"], false);
    EXPECT_EQ(s["failures"][1]["message"], "soft");
  }
}

// ---------------------------------------------------------------------------------------
// trace.otlp.json

// Structural checks every OTLP span must pass; returns spans by id.
std::map<std::string, json> check_otlp_structure(const json& doc, const TestRecord& record) {
  std::map<std::string, json> by_id;
  EXPECT_TRUE(doc.is_object() && doc.size() == 1 && doc.contains("resourceSpans"))
      << doc.dump().substr(0, 300);
  if (!doc.contains("resourceSpans")) return by_id;
  EXPECT_EQ(doc["resourceSpans"].size(), 1U);
  const json& rs = doc["resourceSpans"][0];
  EXPECT_TRUE(rs["resource"].is_object());
  EXPECT_EQ(rs["scopeSpans"].size(), 1U);
  const json& ss = rs["scopeSpans"][0];
  EXPECT_EQ(ss["scope"]["name"], "testscope");
  EXPECT_EQ(ss["scope"]["version"], std::string(version()));
  const json& spans = ss["spans"];
  EXPECT_EQ(spans.size(), record.spans.size());
  const std::string root_hex = span_id_to_hex(record.root_span_id);
  for (const json& span : spans) {
    SCOPED_TRACE(span.value("name", "?"));
    EXPECT_TRUE(is_lower_hex(span["traceId"], 32)) << span["traceId"];
    EXPECT_EQ(span["traceId"], record.trace_id.to_hex());
    EXPECT_TRUE(is_lower_hex(span["spanId"], 16)) << span["spanId"];
    EXPECT_TRUE(span["name"].is_string());
    EXPECT_EQ(span["kind"], 1);
    EXPECT_TRUE(is_decimal_string(span["startTimeUnixNano"])) << span["startTimeUnixNano"];
    EXPECT_TRUE(is_decimal_string(span["endTimeUnixNano"])) << span["endTimeUnixNano"];
    if (is_decimal_string(span["startTimeUnixNano"]) && is_decimal_string(span["endTimeUnixNano"])) {
      EXPECT_LE(std::stoll(span["startTimeUnixNano"].get<std::string>()),
                std::stoll(span["endTimeUnixNano"].get<std::string>()));
    }
    (void)otlp_attributes(span["attributes"]);
    EXPECT_TRUE(span["events"].is_array());
    for (const json& event : span["events"]) {
      EXPECT_TRUE(is_decimal_string(event["timeUnixNano"])) << event;
      EXPECT_TRUE(event["name"].is_string());
      (void)otlp_attributes(event["attributes"]);
    }
    EXPECT_TRUE(span["status"].is_object());
    if (span["spanId"] == root_hex) {
      EXPECT_FALSE(span.contains("parentSpanId")) << "root span has a parent: " << span["parentSpanId"];
    } else {
      EXPECT_TRUE(span.contains("parentSpanId"));
      EXPECT_TRUE(is_lower_hex(span["parentSpanId"], 16)) << span["parentSpanId"];
    }
    const std::string id = span["spanId"].get<std::string>();
    EXPECT_EQ(by_id.count(id), 0U) << "duplicate span id " << id;
    by_id[id] = span;
  }
  return by_id;
}

TEST(OtlpJson, HandRecordFieldByField) {
  const TestRecord record = hand_record();
  const RunInfo run = hand_run();
  const json doc = parse(otlp_json(record, run));
  std::map<std::string, json> spans = check_otlp_structure(doc, record);
  ASSERT_EQ(spans.size(), 4U);

  const auto resource = otlp_attributes(doc["resourceSpans"][0]["resource"]["attributes"]);
  EXPECT_EQ(resource.size(), 3U);
  EXPECT_EQ(resource.at("service.name"), str_value("suite_tests"));
  EXPECT_EQ(resource.at("deployment.environment"), str_value("ci"));
  EXPECT_EQ(resource.at("process.pid"), int_value(4242));

  // The spans keep the record's order: root first.
  const json& list = doc["resourceSpans"][0]["scopeSpans"][0]["spans"];
  EXPECT_EQ(list[0]["spanId"], "1111111111111111");
  EXPECT_EQ(list[3]["spanId"], "00000000000000ab");

  const json& root = spans.at("1111111111111111");
  EXPECT_EQ(root["name"], "Suite.Case");
  EXPECT_EQ(root["startTimeUnixNano"], std::to_string(kStart));
  EXPECT_EQ(root["endTimeUnixNano"], std::to_string(kStart + 5'000'000));
  EXPECT_EQ(root["status"], (json{{"code", 2}, {"message", "Expected: 1\n  Actual: 2"}}));
  const auto root_attrs = otlp_attributes(root["attributes"]);
  EXPECT_EQ(root_attrs.at("test.suite.name"), str_value("Suite"));
  EXPECT_EQ(root_attrs.at("test.case.name"), str_value("Suite.Case"));
  EXPECT_EQ(root_attrs.at("test.case.result.status"), str_value("fail"));
  EXPECT_EQ(root_attrs.at("thread.id"), int_value(kMainTid));
  EXPECT_EQ(root_attrs.at("thread.name"), str_value("main"));
  EXPECT_EQ(root_attrs.at("code.filepath"), str_value("/src/suite_test.cpp"));
  EXPECT_EQ(root_attrs.at("code.lineno"), int_value(42));
  EXPECT_EQ(root_attrs.at("code.function"), str_value("Suite.Case"));
  EXPECT_EQ(root_attrs.count("testscope.span.unfinished"), 0U);
  EXPECT_EQ(root_attrs.count("testscope.dropped_records"), 0U);  // none dropped
  ASSERT_EQ(root["events"].size(), 1U);
  const json& exception = root["events"][0];
  EXPECT_EQ(exception["name"], "exception");
  EXPECT_EQ(exception["timeUnixNano"], std::to_string(kStart + 4'000'000));
  const auto ex = otlp_attributes(exception["attributes"]);
  EXPECT_EQ(ex.at("exception.type"), str_value("gtest.fatal_failure"));
  EXPECT_EQ(ex.at("exception.message"), str_value("Expected: 1\n  Actual: 2"));
  EXPECT_EQ(ex.at("code.filepath"), str_value("/src/suite_test.cpp"));
  EXPECT_EQ(ex.at("code.lineno"), int_value(50));

  const json& load = spans.at("2222222222222222");
  EXPECT_EQ(load["parentSpanId"], "1111111111111111");
  EXPECT_EQ(load["name"], "load");
  EXPECT_EQ(load["startTimeUnixNano"], std::to_string(kStart + 100'000));
  EXPECT_EQ(load["endTimeUnixNano"], std::to_string(kStart + 1'100'000));
  EXPECT_EQ(load["status"], json::object());
  EXPECT_EQ(load["events"], json::array());
  const auto load_attrs = otlp_attributes(load["attributes"]);
  EXPECT_EQ(load_attrs.at("db.system"), str_value("sqlite"));
  EXPECT_EQ(load_attrs.at("rows"), int_value(-12));
  EXPECT_EQ(load_attrs.at("rows")["intValue"], "-12");
  EXPECT_EQ(load_attrs.at("ratio"), double_value(0.25));
  EXPECT_EQ(load_attrs.at("cache.hit"), bool_value(true));
  EXPECT_EQ(load_attrs.at("big"), (json{{"intValue", "-9223372036854775808"}}));
  EXPECT_EQ(load_attrs.at("code.filepath"), str_value("/src/load.cpp"));
  EXPECT_EQ(load_attrs.at("code.lineno"), int_value(7));
  EXPECT_EQ(load_attrs.at("code.function"), str_value("load_all"));

  const json& work = spans.at("3333333333333333");
  EXPECT_EQ(work["parentSpanId"], "1111111111111111");
  EXPECT_EQ(work["status"], (json{{"code", 2}, {"message", "limit reached"}}));
  const auto work_attrs = otlp_attributes(work["attributes"]);
  EXPECT_EQ(work_attrs.at("worker.id"), int_value(1));
  EXPECT_EQ(work_attrs.at("thread.id"), int_value(kWorkerTid));
  EXPECT_EQ(work_attrs.at("thread.name"), str_value("worker-1"));
  EXPECT_EQ(work_attrs.count("code.filepath"), 0U);  // no location recorded
  EXPECT_EQ(work_attrs.count("code.lineno"), 0U);
  ASSERT_EQ(work["events"].size(), 1U);
  EXPECT_EQ(work["events"][0]["name"], "retry");
  EXPECT_EQ(work["events"][0]["timeUnixNano"], std::to_string(kStart + 2'000'000));
  const auto retry = otlp_attributes(work["events"][0]["attributes"]);
  EXPECT_EQ(retry.size(), 4U);
  EXPECT_EQ(retry.at("attempt"), int_value(2));
  EXPECT_EQ(retry.at("reason"), str_value("busy"));
  EXPECT_EQ(retry.at("backoff"), double_value(1.5));
  EXPECT_EQ(retry.at("last"), bool_value(false));

  const json& open = spans.at("00000000000000ab");
  EXPECT_EQ(open["parentSpanId"], "3333333333333333");
  EXPECT_EQ(open["endTimeUnixNano"], std::to_string(kStart + 5'000'000));
  EXPECT_EQ(otlp_attributes(open["attributes"]).at("testscope.span.unfinished"), bool_value(true));
}

TEST(OtlpJson, RootWithRemoteParentAndDroppedRecords) {
  TestRecord record = hand_record();
  record.spans[0].parent_span_id = 0x4444444444444444ULL;  // e.g. the run's span via TRACEPARENT
  record.dropped_records = 9;
  const json doc = parse(otlp_json(record, hand_run()));
  const json& root = doc["resourceSpans"][0]["scopeSpans"][0]["spans"][0];
  EXPECT_EQ(root["parentSpanId"], "4444444444444444");
  EXPECT_EQ(otlp_attributes(root["attributes"]).at("testscope.dropped_records"), int_value(9));
}

TEST(OtlpJson, OkStatusHasCodeOneAndNoMessage) {
  TestRecord record = hand_record();
  record.spans[1].status = StatusCode::kOk;
  const json doc = parse(otlp_json(record, hand_run()));
  EXPECT_EQ(doc["resourceSpans"][0]["scopeSpans"][0]["spans"][1]["status"], (json{{"code", 1}}));
}

TEST(OtlpJson, AttributeKeysStayUniqueWhenUserKeysMatchAddedOnes) {
  // The writer adds thread.id, code.* etc.; a span may already carry such a key. OTLP
  // requires unique keys within a span's attributes.
  TestRecord record = hand_record();
  record.spans[1].attributes.push_back(attr("thread.id", std::int64_t{5}));
  record.spans[1].attributes.push_back(attr("code.lineno", std::string("user")));
  record.spans[3].attributes.push_back(attr("testscope.span.unfinished", false));
  const std::string text = otlp_json(record, hand_run());
  const json doc = parse(text);
  const json& spans = doc["resourceSpans"][0]["scopeSpans"][0]["spans"];
  for (const json& span : spans) {
    SCOPED_TRACE(span["name"].get<std::string>());
    std::set<std::string> keys;
    for (const json& kv : span["attributes"]) {
      EXPECT_TRUE(keys.insert(kv["key"].get<std::string>()).second)
          << "duplicate attribute key " << kv["key"];
    }
  }
}

TEST(OtlpJson, EmptyRecordIsStillValid) {
  const TestRecord record;
  const json doc = parse(otlp_json(record, RunInfo{}));
  EXPECT_EQ(doc["resourceSpans"][0]["scopeSpans"][0]["spans"], json::array());
  EXPECT_EQ(doc["resourceSpans"][0]["resource"]["attributes"], json::array());
  EXPECT_TRUE(parse(summary_json(record)).is_object());
  EXPECT_TRUE(parse(chrome_trace_json(record, RunInfo{})).is_object());
}

// ---------------------------------------------------------------------------------------
// trace.chrome.json

std::vector<json> events_of(const json& doc, const std::string& phase) {
  std::vector<json> out;
  for (const json& e : doc["traceEvents"]) {
    if (e["ph"] == phase) out.push_back(e);
  }
  return out;
}

// Checks what every chrome trace must satisfy, given the record it came from.
void check_chrome_structure(const json& doc, const TestRecord& record, std::int64_t pid) {
  ASSERT_TRUE(doc.is_object());
  ASSERT_TRUE(doc["traceEvents"].is_array());
  std::map<std::uint32_t, std::uint64_t> tid_of;
  for (const ThreadData& t : record.threads) tid_of[t.index] = t.os_tid;

  // One thread_name per thread, on the thread's OS tid.
  std::map<std::uint64_t, std::string> names;
  for (const json& m : events_of(doc, "M")) {
    EXPECT_EQ(m["pid"], pid);
    if (m["name"] == "thread_name") {
      EXPECT_EQ(names.count(m["tid"].get<std::uint64_t>()), 0U) << "two names for one thread";
      names[m["tid"].get<std::uint64_t>()] = m["args"]["name"].get<std::string>();
    }
  }
  ASSERT_EQ(names.size(), record.threads.size());
  for (const ThreadData& t : record.threads) {
    ASSERT_EQ(names.count(t.os_tid), 1U) << "no thread_name for tid " << t.os_tid;
    EXPECT_NE(names[t.os_tid].find(t.name), std::string::npos) << names[t.os_tid];
  }

  // One complete event per span, in microseconds from the test's start, on its thread.
  const std::vector<json> complete = events_of(doc, "X");
  ASSERT_EQ(complete.size(), record.spans.size());
  for (std::size_t i = 0; i < complete.size(); ++i) {
    const SpanData& span = record.spans[i];
    const json& x = complete[i];
    SCOPED_TRACE(span.name);
    EXPECT_EQ(x["name"], span.name);
    EXPECT_EQ(x["pid"], pid);
    EXPECT_EQ(x["tid"].get<std::uint64_t>(), tid_of.at(span.thread_index));
    ASSERT_TRUE(x["ts"].is_number());
    ASSERT_TRUE(x["dur"].is_number());
    EXPECT_NEAR(x["ts"].get<double>(),
                static_cast<double>(span.start_unix_ns - record.start_unix_ns) / 1000.0, 1e-3);
    EXPECT_NEAR(x["dur"].get<double>(), static_cast<double>(span.end_unix_ns - span.start_unix_ns) / 1000.0,
                1e-3);
    EXPECT_GE(x["dur"].get<double>(), 0.0);
    EXPECT_EQ(x["args"]["span_id"], span_id_to_hex(span.span_id));
    EXPECT_EQ(x["cat"], span.span_id == record.root_span_id ? "test" : "span");
  }

  // Flows: one s/f pair per cross-thread parent link, with matching ids.
  std::size_t cross_thread = 0;
  for (const SpanData& span : record.spans) {
    const SpanData* parent = record.find_span(span.parent_span_id);
    if (parent != nullptr && parent->thread_index != span.thread_index) ++cross_thread;
  }
  const std::vector<json> starts = events_of(doc, "s");
  const std::vector<json> finishes = events_of(doc, "f");
  EXPECT_EQ(starts.size(), cross_thread);
  EXPECT_EQ(finishes.size(), cross_thread);
  std::set<std::uint64_t> start_ids;
  for (const json& s : starts) start_ids.insert(s["id"].get<std::uint64_t>());
  EXPECT_EQ(start_ids.size(), starts.size()) << "flow ids must be unique";
  for (const json& f : finishes) {
    EXPECT_EQ(start_ids.count(f["id"].get<std::uint64_t>()), 1U) << f;
    EXPECT_EQ(f["bp"], "e");
  }
}

TEST(ChromeTrace, HandRecordFieldByField) {
  const TestRecord record = hand_record();
  const RunInfo run = hand_run();
  const std::string text = chrome_trace_json(record, run);
  EXPECT_TRUE(duplicate_keys(text).empty());
  const json doc = parse(text);
  check_chrome_structure(doc, record, 4242);
  EXPECT_EQ(doc["displayTimeUnit"], "ns");
  EXPECT_EQ(doc["otherData"]["test"], "Suite.Case");
  EXPECT_EQ(doc["otherData"]["trace_id"], kTraceHex);
  EXPECT_EQ(doc["otherData"]["outcome"], "fail");

  const std::vector<json> meta = events_of(doc, "M");
  ASSERT_FALSE(meta.empty());
  EXPECT_EQ(meta[0]["name"], "process_name");
  EXPECT_EQ(meta[0]["args"]["name"], "Suite.Case");

  const std::vector<json> x = events_of(doc, "X");
  ASSERT_EQ(x.size(), 4U);
  EXPECT_EQ(x[0]["ts"], 0.0);
  EXPECT_EQ(x[0]["dur"], 5000.0);
  EXPECT_EQ(x[0]["tid"], kMainTid);
  EXPECT_EQ(x[0]["args"]["status"], "ERROR: Expected: 1\n  Actual: 2");
  EXPECT_FALSE(x[0]["args"].contains("parent_span_id"));
  EXPECT_EQ(x[1]["name"], "load");
  EXPECT_EQ(x[1]["ts"], 100.0);
  EXPECT_EQ(x[1]["dur"], 1000.0);
  EXPECT_EQ(x[1]["args"]["parent_span_id"], "1111111111111111");
  EXPECT_EQ(x[1]["args"]["db.system"], "sqlite");
  EXPECT_EQ(x[1]["args"]["rows"], -12);
  EXPECT_EQ(x[1]["args"]["ratio"], 0.25);
  EXPECT_EQ(x[1]["args"]["cache.hit"], true);
  EXPECT_FALSE(x[1]["args"].contains("status"));
  EXPECT_EQ(x[2]["name"], "work");
  EXPECT_EQ(x[2]["tid"], kWorkerTid);
  EXPECT_EQ(x[2]["ts"], 1500.0);
  EXPECT_EQ(x[2]["dur"], 2000.0);
  EXPECT_EQ(x[2]["args"]["status"], "ERROR: limit reached");
  EXPECT_EQ(x[3]["name"], "open");
  EXPECT_EQ(x[3]["args"]["unfinished"], true);
  EXPECT_EQ(x[3]["dur"], 2000.0);

  const std::vector<json> instants = events_of(doc, "i");
  ASSERT_EQ(instants.size(), 2U);
  EXPECT_EQ(instants[0]["name"], "exception");
  EXPECT_EQ(instants[0]["tid"], kMainTid);
  EXPECT_EQ(instants[0]["ts"], 4000.0);
  EXPECT_EQ(instants[0]["s"], "t");
  EXPECT_EQ(instants[0]["args"]["exception.message"], "Expected: 1\n  Actual: 2");
  EXPECT_EQ(instants[1]["name"], "retry");
  EXPECT_EQ(instants[1]["tid"], kWorkerTid);
  EXPECT_EQ(instants[1]["ts"], 2000.0);
  EXPECT_EQ(instants[1]["args"],
            (json{{"attempt", 2}, {"reason", "busy"}, {"backoff", 1.5}, {"last", false}}));

  // Exactly one flow: root (main) -> work (worker); "open" is on work's own thread.
  const std::vector<json> s = events_of(doc, "s");
  const std::vector<json> f = events_of(doc, "f");
  ASSERT_EQ(s.size(), 1U);
  ASSERT_EQ(f.size(), 1U);
  EXPECT_EQ(s[0]["id"], f[0]["id"]);
  EXPECT_EQ(s[0]["tid"], kMainTid);
  EXPECT_EQ(f[0]["tid"], kWorkerTid);
  EXPECT_EQ(s[0]["ts"], 1500.0);  // inside the parent's slice, where the child began
  EXPECT_EQ(f[0]["ts"], 1500.0);
  EXPECT_EQ(s[0]["cat"], "flow");
  EXPECT_EQ(f[0]["bp"], "e");
}

TEST(ChromeTrace, ArgsKeysStayUniqueWhenAttributesUseTheWritersNames) {
  // span_id, parent_span_id, status and unfinished are written into args beside the
  // span's attributes; an attribute of the same name must not repeat the key.
  TestRecord record = hand_record();
  for (SpanData& span : record.spans) {
    span.attributes.push_back(attr("span_id", std::string("user")));
    span.attributes.push_back(attr("parent_span_id", std::string("user")));
    span.attributes.push_back(attr("status", std::string("user")));
    span.attributes.push_back(attr("unfinished", std::string("user")));
  }
  const std::string text = chrome_trace_json(record, hand_run());
  const std::vector<std::string> duplicates = duplicate_keys(text);
  EXPECT_TRUE(duplicates.empty()) << "repeated keys: " << ::testing::PrintToString(duplicates);
}

TEST(ChromeTrace, FlowStartIsClampedIntoTheParentSlice) {
  TestRecord record = hand_record();
  // The worker's span starts after its parent ended (a detached task): the arrow must still
  // leave from inside the parent's slice.
  record.spans[0].end_unix_ns = kStart + 1'000'000;
  record.end_unix_ns = kStart + 5'000'000;
  const json doc = parse(chrome_trace_json(record, hand_run()));
  const std::vector<json> s = events_of(doc, "s");
  ASSERT_EQ(s.size(), 1U);
  EXPECT_EQ(s[0]["ts"], 1000.0);
}

// ---------------------------------------------------------------------------------------
// run.json

TEST(RunJson, WhileRunningThenFinished) {
  RunInfo run = hand_run();
  json doc = parse(run_json(run));
  EXPECT_EQ(doc["schema"], 1);
  EXPECT_EQ(doc["testscope_version"], std::string(version()));
  EXPECT_EQ(doc["framework"], "googletest");
  EXPECT_EQ(doc["argv"], (json{"/opt/bin/suite_tests", "--gtest_filter=Suite.*"}));
  EXPECT_EQ(doc["host"], "ci-runner-7");
  EXPECT_EQ(doc["pid"], 4242);
  EXPECT_EQ(doc["start_unix_ns"].get<std::int64_t>(), kStart - 1'000'000);
  EXPECT_TRUE(doc["end_unix_ns"].is_null());
  EXPECT_TRUE(doc["exit_status"].is_null());
  EXPECT_EQ(doc["random_seed"], 17);
  EXPECT_TRUE(doc.contains("chaos"));
  EXPECT_EQ(doc["tests"], (json{{"run", 0}, {"failed", 0}, {"skipped", 0}}));
  EXPECT_TRUE(doc["traceparent"].is_null());

  run.end_unix_ns = kStart + 9'000'000;
  run.exit_status = 1;
  run.tests_run = 3;
  run.tests_failed = 1;
  run.tests_skipped = 1;
  run.parent = SpanContext{kTrace, 0x00f067aa0ba902b7ULL, true};
  doc = parse(run_json(run));
  EXPECT_EQ(doc["end_unix_ns"].get<std::int64_t>(), kStart + 9'000'000);
  EXPECT_EQ(doc["exit_status"], 1);
  EXPECT_EQ(doc["tests"], (json{{"run", 3}, {"failed", 1}, {"skipped", 1}}));
  EXPECT_EQ(doc["traceparent"], "00-0123456789abcdeffedcba9876543210-00f067aa0ba902b7-01");

  run.exit_status = 0;  // success is a status, not "still running"
  EXPECT_EQ(parse(run_json(run))["exit_status"], 0);
}

// ---------------------------------------------------------------------------------------
// Hostile content: NaN/Infinity, invalid UTF-8, control characters, unicode, empty strings.

TEST(JsonSafety, HostileValuesProduceValidJson) {
  const std::string invalid =
      std::string("bad\xff\xfe") + "\xc3" + "(end";  // stray bytes + truncated sequence
  const std::string control =
      std::string("tab\there\nnl\x01\x1f quote\" back\\ nul") + std::string(1, '\0') + "!";
  TestRecord record = hand_record();
  record.test.suite = "Sü/" + invalid;
  record.test.name = control;
  record.failures[0].message = invalid + "\n" + control;
  record.spans[1].name = invalid;
  record.spans[1].attributes = {attr("nan", std::nan("")),
                                attr("inf", std::numeric_limits<double>::infinity()),
                                attr("ninf", -std::numeric_limits<double>::infinity()),
                                attr("tiny", std::numeric_limits<double>::denorm_min()),
                                attr("huge", std::numeric_limits<double>::max()),
                                attr("invalid", invalid),
                                attr("control", control),
                                attr("unicode", std::string("Тест 🚀 中文")),
                                attr("", std::string(""))};
  record.spans[2].status_message = invalid;
  record.spans[2].events[0].name = control;
  record.threads[1].name = invalid;
  RunInfo run = hand_run();
  run.argv.push_back(invalid);
  run.argv.push_back(control);
  run.host = invalid;
  run.resource.push_back(attr("weird", invalid));

  const std::string fffd = "\xef\xbf\xbd";  // U+FFFD
  const json summary = parse(summary_json(record));
  const json otlp = parse(otlp_json(record, run));
  const json chrome = parse(chrome_trace_json(record, run));
  const json run_doc = parse(run_json(run));
  ASSERT_TRUE(summary.is_object());
  ASSERT_TRUE(otlp.is_object());
  ASSERT_TRUE(chrome.is_object());
  ASSERT_TRUE(run_doc.is_object());

  // Invalid bytes become U+FFFD; valid text, control characters included, survives exactly.
  const std::string suite = summary["test"]["suite"].get<std::string>();
  EXPECT_EQ(suite.rfind("Sü/bad", 0), 0U) << suite;
  EXPECT_NE(suite.find(fffd), std::string::npos) << suite;
  EXPECT_EQ(suite.find('\xff'), std::string::npos);
  EXPECT_EQ(summary["test"]["name"], control);
  const std::string message = summary["failures"][0]["message"].get<std::string>();
  EXPECT_NE(message.find(fffd), std::string::npos);
  EXPECT_NE(message.find(control), std::string::npos);
  EXPECT_NE(summary["threads"][1]["name"].get<std::string>().find(fffd), std::string::npos);
  EXPECT_NE(run_doc["host"].get<std::string>().find(fffd), std::string::npos);
  EXPECT_NE(run_doc["argv"][2].get<std::string>().find(fffd), std::string::npos);
  EXPECT_EQ(run_doc["argv"][3], control);

  const json& load = otlp["resourceSpans"][0]["scopeSpans"][0]["spans"][1];
  EXPECT_NE(load["name"].get<std::string>().find(fffd), std::string::npos);
  const auto attrs = otlp_attributes(load["attributes"]);
  EXPECT_EQ(attrs.at("nan"), (json{{"doubleValue", "NaN"}}));
  EXPECT_EQ(attrs.at("inf"), (json{{"doubleValue", "Infinity"}}));
  EXPECT_EQ(attrs.at("ninf"), (json{{"doubleValue", "-Infinity"}}));
  EXPECT_EQ(attrs.at("tiny")["doubleValue"].get<double>(), std::numeric_limits<double>::denorm_min());
  EXPECT_EQ(attrs.at("huge")["doubleValue"].get<double>(), std::numeric_limits<double>::max());
  EXPECT_EQ(attrs.at("control"), str_value(control));
  EXPECT_EQ(attrs.at("unicode"), str_value("Тест 🚀 中文"));
  EXPECT_EQ(attrs.at(""), str_value(""));
  EXPECT_NE(attrs.at("invalid")["stringValue"].get<std::string>().find(fffd), std::string::npos);
  const json& work = otlp["resourceSpans"][0]["scopeSpans"][0]["spans"][2];
  EXPECT_NE(work["status"]["message"].get<std::string>().find(fffd), std::string::npos);
  EXPECT_EQ(work["events"][0]["name"], control);

  const std::vector<json> x = events_of(chrome, "X");
  ASSERT_EQ(x.size(), 4U);
  EXPECT_EQ(x[1]["args"]["nan"], "NaN");
  EXPECT_EQ(x[1]["args"]["inf"], "Infinity");
  EXPECT_EQ(x[1]["args"]["ninf"], "-Infinity");
  EXPECT_EQ(x[1]["args"]["unicode"], "Тест 🚀 中文");
}

TEST(JsonSafety, InvalidUtf8InAttributeKeys) {
  // Keys come from user code as freely as values do; every writer must repair them.
  const std::string bad_key = std::string("key\xff\xc3");  // both bytes become U+FFFD
  const std::string fffd = "\xef\xbf\xbd";
  TestRecord record = hand_record();
  record.spans[1].attributes.push_back(attr(bad_key, std::string("span value")));
  record.spans[2].events[0].attributes.push_back(attr(bad_key, std::int64_t{1}));
  RunInfo run = hand_run();
  run.resource.push_back(attr(bad_key, std::string("resource value")));

  const json otlp = parse(otlp_json(record, run));
  ASSERT_TRUE(otlp.is_object()) << "trace.otlp.json";
  const json& load = otlp["resourceSpans"][0]["scopeSpans"][0]["spans"][1];
  EXPECT_EQ(otlp_attributes(load["attributes"]).count("key" + fffd + fffd), 1U);

  const json chrome = parse(chrome_trace_json(record, run));
  ASSERT_TRUE(chrome.is_object()) << "trace.chrome.json: attribute keys are written as object keys "
                                     "without UTF-8 repair (src/writers/chrome_trace.cpp write_args)";
  const std::vector<json> x = events_of(chrome, "X");
  ASSERT_EQ(x.size(), 4U);
  EXPECT_EQ(x[1]["args"].count("key" + fffd + fffd), 1U) << x[1]["args"];
}

// ---------------------------------------------------------------------------------------
// A real capture: spans on several threads, every attribute type, events, errors, an
// unfinished span and failures, through every writer.

class RealCapture : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    TestCapture capture;
    const int line = __LINE__;
    capture.begin(TestInfo{"CaptureSuite", "TwoThreads", "", "", __FILE__, line});
    {
      Span outer("outer");
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
    capture.add_failure(Failure{"some_test.cpp", 12, "Expected: 1\nActual: 2", true, 0});
    capture.add_failure(Failure{"other.cpp", 99, "soft failure", false, kStart});
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

std::unique_ptr<TestRecord> RealCapture::record_;
std::unique_ptr<RunInfo> RealCapture::run_;

TEST_F(RealCapture, RecordHasTheExpectedShape) {
  const TestRecord& r = *record_;
  ASSERT_EQ(r.spans.size(), 6U);  // root, outer, wrapped_work, scoped_work, scoped_inner, left_open
  EXPECT_EQ(r.spans[0].span_id, r.root_span_id);
  for (const char* name : {"outer", "wrapped_work", "scoped_work", "scoped_inner", "left_open"}) {
    EXPECT_NE(span_named(name), nullptr) << name;
  }
  EXPECT_GE(r.threads.size(), 3U);
  EXPECT_FALSE(span_named("left_open")->ended);
  EXPECT_EQ(span_named("wrapped_work")->parent_span_id, span_named("outer")->span_id);
  EXPECT_EQ(span_named("scoped_work")->parent_span_id, span_named("outer")->span_id);
  EXPECT_EQ(span_named("scoped_inner")->parent_span_id, span_named("scoped_work")->span_id);
  EXPECT_NE(span_named("wrapped_work")->thread_index, span_named("outer")->thread_index);
  EXPECT_NE(span_named("scoped_work")->thread_index, span_named("wrapped_work")->thread_index);
  EXPECT_EQ(r.failures.size(), 2U);
}

TEST_F(RealCapture, SummaryJson) {
  const TestRecord& r = *record_;
  const json s = parse(summary_json(r));
  EXPECT_EQ(s["schema"], 1);
  EXPECT_EQ(s["id"], "CaptureSuite.TwoThreads");
  EXPECT_EQ(s["test"]["full_name"], "CaptureSuite.TwoThreads");
  EXPECT_EQ(s["test"]["file"], __FILE__);
  EXPECT_EQ(s["outcome"], "fail");
  EXPECT_TRUE(is_lower_hex(s["trace_id"], 32));
  EXPECT_EQ(s["trace_id"], r.trace_id.to_hex());
  EXPECT_NE(s["trace_id"], std::string(32, '0'));
  EXPECT_TRUE(is_lower_hex(s["root_span_id"], 16));
  EXPECT_GT(s["start_unix_ns"].get<std::int64_t>(), 1'600'000'000'000'000'000);
  EXPECT_GE(s["end_unix_ns"].get<std::int64_t>(), s["start_unix_ns"].get<std::int64_t>());
  EXPECT_EQ(s["duration_ns"].get<std::int64_t>(),
            s["end_unix_ns"].get<std::int64_t>() - s["start_unix_ns"].get<std::int64_t>());
  ASSERT_EQ(s["failures"].size(), 2U);
  EXPECT_EQ(s["failures"][0]["file"], "some_test.cpp");
  EXPECT_EQ(s["failures"][0]["line"], 12);
  EXPECT_EQ(s["failures"][0]["message"], "Expected: 1\nActual: 2");
  EXPECT_EQ(s["failures"][0]["fatal"], true);
  EXPECT_GE(s["failures"][0]["time_unix_ns"].get<std::int64_t>(),
            r.start_unix_ns);  // filled in by add_failure
  EXPECT_EQ(s["failures"][1]["fatal"], false);
  EXPECT_EQ(s["failures"][1]["time_unix_ns"].get<std::int64_t>(), kStart);  // kept when given
  EXPECT_EQ(s["counts"]["spans"], 6);
  EXPECT_EQ(s["counts"]["events"], 4);  // checkpoint, retry, 2 exceptions
  EXPECT_EQ(s["counts"]["threads"], r.threads.size());
  EXPECT_EQ(s["counts"]["unfinished_spans"], 1);
  EXPECT_EQ(s["counts"]["dropped_records"], 0);
}

TEST_F(RealCapture, OtlpJson) {
  const TestRecord& r = *record_;
  const json doc = parse(otlp_json(r, *run_));
  std::map<std::string, json> spans = check_otlp_structure(doc, r);
  ASSERT_EQ(spans.size(), 6U);
  std::map<std::string, json> by_name;
  for (const auto& [id, span] : spans) {
    by_name[span["name"].get<std::string>()] = span;
    if (span.contains("parentSpanId")) {
      EXPECT_EQ(spans.count(span["parentSpanId"].get<std::string>()), 1U) << "parent not in the trace";
    }
  }
  const auto resource = otlp_attributes(doc["resourceSpans"][0]["resource"]["attributes"]);
  EXPECT_EQ(resource.at("service.name"), str_value("suite_tests"));

  const json& root = by_name.at("CaptureSuite.TwoThreads");
  EXPECT_EQ(root["spanId"], span_id_to_hex(r.root_span_id));
  EXPECT_FALSE(root.contains("parentSpanId"));
  EXPECT_EQ(root["status"]["code"], 2);
  EXPECT_EQ(root["status"]["message"], "Expected: 1\nActual: 2");
  const auto root_attrs = otlp_attributes(root["attributes"]);
  EXPECT_EQ(root_attrs.at("test.suite.name"), str_value("CaptureSuite"));
  EXPECT_EQ(root_attrs.at("test.case.name"), str_value("CaptureSuite.TwoThreads"));
  EXPECT_EQ(root_attrs.at("test.case.result.status"), str_value("fail"));
  ASSERT_EQ(root["events"].size(), 2U);  // one "exception" per failure
  for (std::size_t i = 0; i < 2; ++i) {
    const json& e = root["events"][i];
    EXPECT_EQ(e["name"], "exception");
    const auto ea = otlp_attributes(e["attributes"]);
    EXPECT_EQ(ea.at("exception.message"), str_value(r.failures[i].message));
    EXPECT_EQ(ea.at("code.filepath"), str_value(r.failures[i].file));
    EXPECT_EQ(ea.at("code.lineno"), int_value(r.failures[i].line));
    EXPECT_EQ(ea.at("exception.type"), str_value(i == 0 ? "gtest.fatal_failure" : "gtest.nonfatal_failure"));
  }

  const json& outer = by_name.at("outer");
  EXPECT_EQ(outer["parentSpanId"], root["spanId"]);
  EXPECT_EQ(outer["status"], json::object());
  const auto oa = otlp_attributes(outer["attributes"]);
  EXPECT_EQ(oa.at("s"), str_value("text"));
  EXPECT_EQ(oa.at("i"), int_value(-7));
  EXPECT_EQ(oa.at("u"), int_value(42));
  EXPECT_EQ(oa.at("d"), double_value(2.5));
  EXPECT_EQ(oa.at("b"), bool_value(true));
  EXPECT_EQ(oa.at("nan"), (json{{"doubleValue", "NaN"}}));
  EXPECT_EQ(oa.at("code.filepath"), str_value(__FILE__));
  EXPECT_TRUE(oa.count("code.lineno") == 1 && oa.at("code.lineno")["intValue"] != "0");
  EXPECT_EQ(oa.count("code.function"), 1U);
  EXPECT_EQ(oa.count("thread.id"), 1U);
  ASSERT_EQ(outer["events"].size(), 1U);
  EXPECT_EQ(outer["events"][0]["name"], "checkpoint");
  const auto ca = otlp_attributes(outer["events"][0]["attributes"]);
  EXPECT_EQ(ca.at("k"), str_value("v"));
  EXPECT_EQ(ca.at("n"), int_value(3));
  EXPECT_EQ(ca.at("x"), double_value(1.5));
  EXPECT_EQ(ca.at("ok"), bool_value(false));

  const json& wrapped = by_name.at("wrapped_work");
  EXPECT_EQ(wrapped["parentSpanId"], outer["spanId"]);
  EXPECT_EQ(wrapped["status"], (json{{"code", 2}, {"message", "boom"}}));
  EXPECT_EQ(otlp_attributes(wrapped["attributes"]).at("thread.name"), str_value("worker-wrap"));
  ASSERT_EQ(wrapped["events"].size(), 1U);
  EXPECT_EQ(otlp_attributes(wrapped["events"][0]["attributes"]).at("attempt"), int_value(2));

  EXPECT_EQ(by_name.at("scoped_work")["parentSpanId"], outer["spanId"]);
  EXPECT_EQ(otlp_attributes(by_name.at("scoped_work")["attributes"]).at("thread.name"),
            str_value("worker-scope"));
  EXPECT_EQ(by_name.at("scoped_inner")["parentSpanId"], by_name.at("scoped_work")["spanId"]);

  const auto open_attrs = otlp_attributes(by_name.at("left_open")["attributes"]);
  EXPECT_EQ(open_attrs.at("testscope.span.unfinished"), bool_value(true));
  EXPECT_EQ(by_name.at("left_open")["endTimeUnixNano"], std::to_string(r.end_unix_ns));
}

TEST_F(RealCapture, ChromeTrace) {
  const TestRecord& r = *record_;
  const json doc = parse(chrome_trace_json(r, *run_));
  check_chrome_structure(doc, r, getpid());
  // outer (main) -> wrapped_work and outer -> scoped_work cross threads; scoped_inner does not.
  EXPECT_EQ(events_of(doc, "s").size(), 2U);
  EXPECT_EQ(events_of(doc, "f").size(), 2U);
  EXPECT_EQ(events_of(doc, "i").size(), 4U);
  const std::vector<json> x = events_of(doc, "X");
  EXPECT_EQ(x[0]["ts"], 0.0);
  // Every span lies within the test (with slack for the tick clock's calibration).
  const double test_us = static_cast<double>(r.duration_ns()) / 1000.0;
  for (const json& e : x) {
    EXPECT_GE(e["ts"].get<double>(), 0.0);
    EXPECT_LE(e["ts"].get<double>() + e["dur"].get<double>(), test_us * 1.1 + 1000.0);
  }
}

TEST_F(RealCapture, ArtifactWriterWritesAllFiles) {
  const std::filesystem::path root =
      std::filesystem::temp_directory_path() / ("testscope_writers_test_" + std::to_string(getpid()));
  std::filesystem::remove_all(root);
  const ArtifactWriter writer(root.string());
  EXPECT_EQ(writer.root(), root.string());
  EXPECT_EQ(writer.write_run(*run_), "");
  EXPECT_EQ(writer.write_test(*record_, *run_), "");
  const std::filesystem::path dir = writer.test_dir(*record_);
  EXPECT_EQ(dir, root / "tests" / "CaptureSuite.TwoThreads");
  for (const char* file : {"summary.json", "trace.otlp.json", "trace.chrome.json"}) {
    std::ifstream in(dir / file);
    ASSERT_TRUE(in) << (dir / file);
    EXPECT_TRUE(json::accept(in)) << file;
  }
  std::ifstream in(root / "run.json");
  ASSERT_TRUE(in);
  EXPECT_EQ(json::parse(in)["argv"], (json{"/opt/bin/suite_tests", "--gtest_filter=Suite.*"}));
  // No temporary files are left behind.
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
    EXPECT_EQ(entry.path().string().find(".tmp"), std::string::npos) << entry.path();
  }
  std::filesystem::remove_all(root);
}

TEST(CaptureWithParent, RootJoinsTheRemoteTrace) {
  const auto parent =
      SpanContext::from_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  ASSERT_TRUE(parent.has_value());
  TestCapture capture;
  capture.begin(TestInfo{"Remote", "Parent", "", "", "f.cpp", 1}, *parent);
  { Span child("child"); }
  const TestRecord record = capture.end(Outcome::kPass);
  const json doc = parse(otlp_json(record, hand_run()));
  const json& spans = doc["resourceSpans"][0]["scopeSpans"][0]["spans"];
  ASSERT_EQ(spans.size(), 2U);
  EXPECT_EQ(spans[0]["traceId"], "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(spans[0]["parentSpanId"], "00f067aa0ba902b7");
  EXPECT_EQ(spans[0]["status"], json::object());  // a passing test leaves the status unset
  EXPECT_EQ(otlp_attributes(spans[0]["attributes"]).at("test.case.result.status"), str_value("pass"));
  EXPECT_EQ(spans[1]["traceId"], "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(spans[1]["parentSpanId"], spans[0]["spanId"]);
  EXPECT_EQ(parse(summary_json(record))["trace_id"], "4bf92f3577b34da6a3ce929d0e0e4736");
}

// ---------------------------------------------------------------------------------------
// describe_this_run and the OTEL_* / TRACEPARENT environment

std::map<std::string, AttributeData> resource_of(const RunInfo& run) {
  std::map<std::string, AttributeData> out;
  for (const AttributeData& a : run.resource) {
    EXPECT_EQ(out.count(a.key), 0U) << "duplicate resource key " << a.key;
    out[a.key] = a;
  }
  return out;
}

std::string string_of(const std::map<std::string, AttributeData>& resource, const std::string& key) {
  auto it = resource.find(key);
  if (it == resource.end()) return "<missing>";
  const auto* s = std::get_if<std::string>(&it->second.value);
  return s != nullptr ? *s : "<not a string>";
}

TEST(DescribeThisRun, ProcessFacts) {
  ScopedEnv service("OTEL_SERVICE_NAME", nullptr);
  ScopedEnv attributes("OTEL_RESOURCE_ATTRIBUTES", nullptr);
  ScopedEnv traceparent("TRACEPARENT", nullptr);
  const std::array<const char*, 3> argv = {"/usr/local/bin/my_tests", "--gtest_repeat=2", "ünïcode arg"};
  timespec before{};
  clock_gettime(CLOCK_REALTIME, &before);
  const RunInfo run = describe_this_run(static_cast<int>(argv.size()), argv.data());
  timespec after{};
  clock_gettime(CLOCK_REALTIME, &after);
  EXPECT_EQ(run.argv,
            (std::vector<std::string>{"/usr/local/bin/my_tests", "--gtest_repeat=2", "ünïcode arg"}));
  EXPECT_GE(run.start_unix_ns, before.tv_sec * 1'000'000'000LL + before.tv_nsec);
  EXPECT_LE(run.start_unix_ns, after.tv_sec * 1'000'000'000LL + after.tv_nsec);
  EXPECT_EQ(run.pid, getpid());
  std::array<char, 256> host = {};
  ASSERT_EQ(gethostname(host.data(), host.size() - 1), 0);
  EXPECT_EQ(run.host, host.data());
  EXPECT_EQ(run.end_unix_ns, 0);
  EXPECT_EQ(run.exit_status, -1);
  EXPECT_FALSE(run.parent.valid());

  const auto resource = resource_of(run);
  EXPECT_EQ(string_of(resource, "service.name"), "my_tests");  // the program's name by default
  EXPECT_EQ(string_of(resource, "process.executable.name"), "my_tests");
  EXPECT_EQ(string_of(resource, "telemetry.sdk.name"), "testscope");
  EXPECT_EQ(string_of(resource, "telemetry.sdk.language"), "cpp");
  EXPECT_EQ(string_of(resource, "telemetry.sdk.version"), std::string(version()));
  EXPECT_EQ(string_of(resource, "host.name"), host.data());
  ASSERT_EQ(resource.count("process.pid"), 1U);
  EXPECT_EQ(std::get<std::int64_t>(resource.at("process.pid").value), getpid());

  const json doc = parse(run_json(run));
  EXPECT_EQ(doc["argv"][2], "ünïcode arg");
  EXPECT_TRUE(doc["traceparent"].is_null());
}

TEST(DescribeThisRun, NoArgv) {
  ScopedEnv service("OTEL_SERVICE_NAME", nullptr);
  const RunInfo run = describe_this_run(0, nullptr);
  EXPECT_TRUE(run.argv.empty());
  EXPECT_EQ(string_of(resource_of(run), "service.name"), "unknown");
}

TEST(DescribeThisRun, OtelServiceName) {
  ScopedEnv attributes("OTEL_RESOURCE_ATTRIBUTES", "service.name=from-attributes");
  const std::array<const char*, 1> argv = {"prog"};
  {
    ScopedEnv service("OTEL_SERVICE_NAME", "checkout-tests");
    EXPECT_EQ(string_of(resource_of(describe_this_run(1, argv.data())), "service.name"), "checkout-tests");
  }
  {
    ScopedEnv service("OTEL_SERVICE_NAME", "");  // empty: as if unset
    EXPECT_EQ(string_of(resource_of(describe_this_run(1, argv.data())), "service.name"), "from-attributes");
  }
}

TEST(DescribeThisRun, OtelResourceAttributesArePercentDecoded) {
  ScopedEnv service("OTEL_SERVICE_NAME", nullptr);
  ScopedEnv attributes("OTEL_RESOURCE_ATTRIBUTES",
                       "deployment.environment=ci%20east, team = a%2Cb ,malformed,=nokey,"
                       "path=%2Fsrv%2Fapp,bad.escape=100%,utf8=%D0%A2%D0%B5%D1%81%D1%82,host.name=override");
  const std::array<const char*, 1> argv = {"/bin/prog"};
  const RunInfo run = describe_this_run(1, argv.data());
  const auto resource = resource_of(run);
  EXPECT_EQ(string_of(resource, "deployment.environment"), "ci east");
  EXPECT_EQ(string_of(resource, "team"), "a,b");
  EXPECT_EQ(string_of(resource, "path"), "/srv/app");
  EXPECT_EQ(string_of(resource, "bad.escape"), "100%");
  EXPECT_EQ(string_of(resource, "utf8"), "Тест");
  EXPECT_EQ(resource.count("malformed"), 0U);
  EXPECT_EQ(resource.count(""), 0U);
  EXPECT_EQ(string_of(resource, "service.name"), "prog");
  // The resource lands in the OTLP file as string attributes.
  const auto otlp =
      otlp_attributes(parse(otlp_json(TestRecord{}, run))["resourceSpans"][0]["resource"]["attributes"]);
  EXPECT_EQ(otlp.at("deployment.environment"), str_value("ci east"));
  EXPECT_EQ(otlp.at("utf8"), str_value("Тест"));
}

TEST(DescribeThisRun, GitHubActionsAttributesLandOnDiskAsExportSendsThem) {
  ScopedEnv service("OTEL_SERVICE_NAME", nullptr);
  ScopedEnv attributes("OTEL_RESOURCE_ATTRIBUTES", "cicd.pipeline.name=overridden");
  ScopedEnv actions("GITHUB_ACTIONS", "true");
  ScopedEnv workflow("GITHUB_WORKFLOW", "ci");
  ScopedEnv run_id("GITHUB_RUN_ID", "77");
  ScopedEnv server("GITHUB_SERVER_URL", "https://github.com/");
  ScopedEnv repository("GITHUB_REPOSITORY", "acme/shop");
  ScopedEnv job("GITHUB_JOB", "unit");
  const std::array<const char*, 1> argv = {"prog"};
  const auto resource = resource_of(describe_this_run(1, argv.data()));
  EXPECT_EQ(string_of(resource, "cicd.pipeline.name"), "overridden") << "OTEL_RESOURCE_ATTRIBUTES wins";
  EXPECT_EQ(string_of(resource, "cicd.pipeline.run.id"), "77");
  EXPECT_EQ(string_of(resource, "cicd.pipeline.task.name"), "unit");
  EXPECT_EQ(string_of(resource, "cicd.pipeline.run.url.full"),
            "https://github.com/acme/shop/actions/runs/77");
  {
    ScopedEnv not_actions("GITHUB_ACTIONS", nullptr);
    EXPECT_EQ(resource_of(describe_this_run(1, argv.data())).count("cicd.pipeline.run.id"), 0U);
  }
}

TEST(RunJson, LiveExportCountsOrNull) {
  RunInfo run;
  EXPECT_TRUE(parse(run_json(run))["live_export"].is_null());
  run.live_export = LiveExportSummary{"http://c:4318/v1/traces", 10, 7, 1, 1, 1, "HTTP 503"};
  const json live = parse(run_json(run))["live_export"];
  EXPECT_EQ(live, (json{{"url", "http://c:4318/v1/traces"},
                        {"traces", 10},
                        {"sent", 7},
                        {"rejected", 1},
                        {"failed", 1},
                        {"dropped", 1},
                        {"last_error", "HTTP 503"}}));
  run.live_export->last_error.clear();
  EXPECT_TRUE(parse(run_json(run))["live_export"]["last_error"].is_null());
}

TEST(DescribeThisRun, Traceparent) {
  ScopedEnv service("OTEL_SERVICE_NAME", nullptr);
  const std::array<const char*, 1> argv = {"prog"};
  {
    ScopedEnv traceparent("TRACEPARENT", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
    const RunInfo run = describe_this_run(1, argv.data());
    ASSERT_TRUE(run.parent.valid());
    EXPECT_EQ(run.parent.trace_id.to_hex(), "4bf92f3577b34da6a3ce929d0e0e4736");
    EXPECT_EQ(run.parent.span_id, 0x00f067aa0ba902b7ULL);
    EXPECT_TRUE(run.parent.sampled);
    EXPECT_EQ(parse(run_json(run))["traceparent"], "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  }
  for (const char* bad : {"", "garbage", "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
                          "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
                          "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01"}) {
    ScopedEnv traceparent("TRACEPARENT", bad);
    const RunInfo run = describe_this_run(1, argv.data());
    EXPECT_FALSE(run.parent.valid()) << bad;
    EXPECT_TRUE(parse(run_json(run))["traceparent"].is_null()) << bad;
  }
}

TEST(DescribeThisRun, EnvironmentIsRestored) {
  // Guards the guard: a variable set for a scope is back to what it was afterwards.
  const char* before = std::getenv("TRACEPARENT");
  const std::optional<std::string> saved =
      before != nullptr ? std::optional<std::string>(before) : std::nullopt;
  {
    ScopedEnv traceparent("TRACEPARENT", "x");
    EXPECT_STREQ(std::getenv("TRACEPARENT"), "x");
    {
      ScopedEnv unset("TRACEPARENT", nullptr);
      EXPECT_EQ(std::getenv("TRACEPARENT"), nullptr);
    }
    EXPECT_STREQ(std::getenv("TRACEPARENT"), "x");
  }
  const char* after = std::getenv("TRACEPARENT");
  EXPECT_EQ(after != nullptr ? std::optional<std::string>(after) : std::nullopt, saved);
}

}  // namespace
}  // namespace testscope
