// What `testscope export` reads from a test folder (src/cli/export_payloads.cpp): log
// lines as OTLP LogRecords, resources merged with the environment's attributes, bad
// files and lines reported and skipped.
#include "export/export_payloads.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testscope::exporting::log_record_json;
using testscope::exporting::read_test_payload;

json attribute(const json& list, const std::string& key) {
  for (const auto& a : list) {
    if (a.at("key") == key) return a.at("value");
  }
  return nullptr;
}

TEST(LogRecordJson, ConvertsEveryField) {
  const json record = json::parse(log_record_json(
      R"({"time_unix_ns":1732761600123456789,"severity_text":"WARN","severity_number":13,"event":"promo_applied",)"
      R"("fields":{"code":"SUMMER20","n":-9223372036854775808,"u":18446744073709551615,"r":0.5,"ok":true,)"
      R"("nan":"NaN","none":null,"list":[1,"a"],"obj":{"k":false}},)"
      R"("trace_id":"5f72b24191194479986fcd6345cde1fe","span_id":"a3ce929d0e0e4736","thread":"user-u1","thread_index":2})"));
  EXPECT_EQ(record.at("timeUnixNano"), "1732761600123456789");
  EXPECT_EQ(record.at("severityNumber"), 13);
  EXPECT_EQ(record.at("severityText"), "WARN");
  EXPECT_EQ(record.at("eventName"), "promo_applied");
  EXPECT_EQ(record.at("body"), json({{"stringValue", "promo_applied"}}));
  EXPECT_EQ(record.at("traceId"), "5f72b24191194479986fcd6345cde1fe");
  EXPECT_EQ(record.at("spanId"), "a3ce929d0e0e4736");
  const json& a = record.at("attributes");
  EXPECT_EQ(attribute(a, "code"), json({{"stringValue", "SUMMER20"}}));
  EXPECT_EQ(attribute(a, "n"), json({{"intValue", "-9223372036854775808"}}));
  EXPECT_EQ(attribute(a, "u"), json({{"doubleValue", 18446744073709551615.0}}));
  EXPECT_EQ(attribute(a, "r"), json({{"doubleValue", 0.5}}));
  EXPECT_EQ(attribute(a, "ok"), json({{"boolValue", true}}));
  EXPECT_EQ(attribute(a, "nan"), json({{"stringValue", "NaN"}}));
  EXPECT_EQ(attribute(a, "none"), json::object());
  EXPECT_EQ(attribute(a, "list"),
            json::parse(R"({"arrayValue":{"values":[{"intValue":"1"},{"stringValue":"a"}]}})"));
  EXPECT_EQ(attribute(a, "obj"),
            json::parse(R"({"kvlistValue":{"values":[{"key":"k","value":{"boolValue":false}}]}})"));
  EXPECT_EQ(attribute(a, "thread.name"), json({{"stringValue", "user-u1"}}));
  EXPECT_EQ(a.at(0).at("key"), "code");  // fields keep their order
}

TEST(LogRecordJson, NullIdsAreLeftOut) {
  const json record =
      json::parse(log_record_json(R"({"time_unix_ns":1,"event":"e","trace_id":null,"span_id":null})"));
  EXPECT_FALSE(record.contains("traceId"));
  EXPECT_FALSE(record.contains("spanId"));
  EXPECT_FALSE(record.contains("severityNumber"));
}

TEST(LogRecordJson, BadLinesSayWhy) {
  auto reason = [](const std::string& line) {
    try {
      log_record_json(line);
    } catch (const std::runtime_error& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_EQ(reason(R"({"event":"e"})"), "no integer time_unix_ns");
  EXPECT_EQ(reason(R"({"time_unix_ns":1})"), "no string event");
  EXPECT_EQ(reason(R"([1])"), "not a JSON object");
  EXPECT_EQ(reason(R"({"time_unix_ns":1,"event":"e","severity_number":99})"),
            "severity_number is not an integer from 0 to 24");
  EXPECT_EQ(reason(R"({"time_unix_ns":1,"event":"e","fields":[1]})"), "fields is not an object");
  EXPECT_EQ(reason(R"({"time_unix_ns":1,"event":"e","trace_id":"xyz"})"), "trace_id is not 32 hex digits");
  EXPECT_EQ(reason(R"({"time_unix_ns":1,"event":"e","span_id":"A3CE929D0E0E4736"})"),
            "accepted");  // either case
  EXPECT_EQ(reason(R"({"time_unix_ns":1,)"),
            "not valid JSON at byte 19: syntax error while parsing object key - "
            "unexpected end of input; expected string literal");
}

class ReadTestPayload : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("export_payloads_test_" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  void write(const std::string& name, const std::string& text) const {
    std::ofstream(dir_ / name, std::ios::binary) << text;
  }
  // NOLINTNEXTLINE(cppcoreguidelines-non-private-member-variables-in-classes,misc-non-private-member-variables-in-classes)
  fs::path dir_;
};

constexpr const char* kTrace =
    R"({"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"prog"}},)"
    R"({"key":"team","value":{"stringValue":"old"}}]},"scopeSpans":[{"scope":{"name":"testscope"},"spans":[)"
    R"({"traceId":"5f72b24191194479986fcd6345cde1fe","spanId":"a3ce929d0e0e4736","name":"root"},)"
    R"({"traceId":"5f72b24191194479986fcd6345cde1fe","spanId":"b3ce929d0e0e4736","name":"child"}]}]}]})";

TEST_F(ReadTestPayload, MergesTheEnvironmentIntoTheResourceOfSpansAndLogs) {
  write("trace.otlp.json", kTrace);
  write("logs.jsonl", "{\"time_unix_ns\":5,\"event\":\"a\"}\n\n{\"time_unix_ns\":6,\"event\":\"b\"}\n");
  const auto payload = read_test_payload(dir_, {{"team", "qa"}, {"ci", "yes"}}, "fallback");
  EXPECT_TRUE(payload.problems.empty());
  ASSERT_EQ(payload.spans.size(), 1U);
  EXPECT_EQ(payload.span_count, 2U);
  EXPECT_EQ(payload.log_count, 2U);
  const json resource = json::parse(payload.spans[0].resource_json);
  EXPECT_EQ(attribute(resource.at("attributes"), "service.name"), json({{"stringValue", "prog"}}));  // kept
  EXPECT_EQ(attribute(resource.at("attributes"), "team"), json({{"stringValue", "qa"}}));
  EXPECT_EQ(attribute(resource.at("attributes"), "ci"), json({{"stringValue", "yes"}}));
  ASSERT_EQ(payload.logs.size(), 1U);
  EXPECT_EQ(payload.logs[0].resource_json, payload.spans[0].resource_json);  // the test's resource
  EXPECT_EQ(json::parse(payload.logs[0].scope_json).at("name"), "testscope");
}

TEST_F(ReadTestPayload, BadTraceFileSendsNoSpansButTheLogs) {
  write("trace.otlp.json",
        R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"00","spanId":"a3ce929d0e0e4736"}]}]}]})");
  write("logs.jsonl", "{\"time_unix_ns\":5,\"event\":\"a\"}\nnot json\n");
  const auto payload = read_test_payload(dir_, {}, "fallback");
  EXPECT_TRUE(payload.spans.empty());
  EXPECT_EQ(payload.span_count, 0U);
  ASSERT_EQ(payload.problems.size(), 2U);
  EXPECT_EQ(payload.problems[0].path, dir_ / "trace.otlp.json");
  EXPECT_EQ(payload.problems[0].message,
            "resourceSpans[0].scopeSpans[0].spans[0].traceId is not 32 hex digits");
  EXPECT_EQ(payload.problems[1].path, dir_ / "logs.jsonl");
  EXPECT_EQ(payload.problems[1].message.rfind("line 2: not valid JSON at byte 2", 0), 0U)
      << payload.problems[1].message;
  ASSERT_EQ(payload.logs.size(), 1U);
  EXPECT_EQ(payload.log_count, 1U);
  const json resource = json::parse(payload.logs[0].resource_json);
  EXPECT_EQ(attribute(resource.at("attributes"), "service.name"), json({{"stringValue", "fallback"}}));
}

TEST_F(ReadTestPayload, OutlineChecks) {
  for (const auto& [text, message] : std::vector<std::pair<std::string, std::string>>{
           {"[]", "the document is not an object"},
           {R"({"resourceSpans":{}})", "resourceSpans is not an array"},
           {R"({"resourceSpans":[{"resource":[]}]})", "resourceSpans[0].resource is not an object"},
           {R"({"resourceSpans":[{"scopeSpans":[{"spans":[1]}]}]})",
            "resourceSpans[0].scopeSpans[0].spans[0] is not an object"},
           {"", "is empty"}}) {
    write("trace.otlp.json", text);
    const auto payload = read_test_payload(dir_, {}, "x");
    ASSERT_EQ(payload.problems.size(), 1U) << text;
    EXPECT_EQ(payload.problems[0].message, message);
  }
  write("trace.otlp.json", "{}");  // an empty TracesData: nothing to send, nothing wrong
  EXPECT_TRUE(read_test_payload(dir_, {}, "x").problems.empty());
}

TEST_F(ReadTestPayload, MissingFilesGiveNothing) {
  const auto payload = read_test_payload(dir_, {}, "x");
  EXPECT_TRUE(payload.problems.empty());
  EXPECT_TRUE(payload.spans.empty());
  EXPECT_TRUE(payload.logs.empty());
}

}  // namespace
