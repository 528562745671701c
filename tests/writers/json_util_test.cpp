// The JSON helpers every writer goes through (src/writers/json_util): hostile content --
// NaN and infinities, invalid UTF-8 in values and keys, control characters, unicode, empty
// strings -- still gives valid JSON from summary_json, otlp_json, chrome_trace_json and run_json.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "writer_fixture.hpp"

namespace testscope {
namespace {

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

}  // namespace
}  // namespace testscope
