// otlp_json() (trace.otlp.json): the OTLP/JSON structure, resource, spans, attributes,
// events and statuses, for the hand-built record and for a real capture.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "writer_fixture.hpp"

namespace testscope {

// RealCapture's capture is made here: its tests compare the captured file with __FILE__.
void RealCapture::SetUpTestSuite() { capture_at(SourceLocation::current()); }

namespace {

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

}  // namespace
}  // namespace testscope
