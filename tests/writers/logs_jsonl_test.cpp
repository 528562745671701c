// logs_jsonl(): every line parsed back with nlohmann::json, on a hand-built record and on
// one captured from several threads logging at once.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "testscope/artifacts.hpp"
#include "testscope/log.hpp"
#include "testscope/span.hpp"

namespace testscope {
namespace {

using nlohmann::json;

std::vector<json> parse_lines(const std::string& text) {
  std::vector<json> out;
  EXPECT_TRUE(text.empty() || text.back() == '\n') << "every line ends in a newline";
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) out.push_back(json::parse(line));  // throws (fails) on a bad line
  return out;
}

AttributeData field(std::string key, std::variant<std::string, std::int64_t, double, bool> value) {
  return AttributeData{std::move(key), std::move(value)};
}

TEST(LogsJsonl, WritesEveryFieldOfEveryEvent) {
  TestRecord record;
  record.threads = {ThreadData{1, 4100, "main"}, ThreadData{2, 4101, "user-u1"}};
  const TraceId trace{0x4bf92f3577b34da6ULL, 0xa3ce929d0e0e4736ULL};
  record.logs.push_back(
      LogData{1700000000000000001,
              2,
              trace,
              0x00f067aa0ba902b7ULL,
              Severity::kWarn,
              "promo_check",
              {field("code", std::string("SUMMER20")), field("uses", std::int64_t{-3}), field("ratio", 0.25),
               field("ok", true), field("big", std::int64_t{1} << 60)}});
  record.logs.push_back(LogData{1700000000000000002, 1, TraceId{}, 0, Severity::kInfo, "no_span", {}});
  const std::vector<json> lines = parse_lines(logs_jsonl(record));
  ASSERT_EQ(lines.size(), 2U);
  const json& first = lines[0];
  EXPECT_EQ(first["time_unix_ns"].get<std::int64_t>(), 1700000000000000001);
  EXPECT_EQ(first["severity_text"], "WARN");
  EXPECT_EQ(first["severity_number"], 13);
  EXPECT_EQ(first["event"], "promo_check");
  EXPECT_EQ(first["fields"], (json{{"code", "SUMMER20"},
                                   {"uses", -3},
                                   {"ratio", 0.25},
                                   {"ok", true},
                                   {"big", std::int64_t{1} << 60}}));
  EXPECT_TRUE(first["fields"]["uses"].is_number_integer());
  EXPECT_EQ(first["trace_id"], "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(first["span_id"], "00f067aa0ba902b7");
  EXPECT_EQ(first["thread"], "user-u1");
  EXPECT_EQ(first["thread_index"], 2);
  // Key order as documented.
  const std::string text = logs_jsonl(record);
  const std::string raw = text.substr(0, text.find('\n'));
  std::size_t at = 0;
  for (const std::string key : {"time_unix_ns", "severity_text", "severity_number", "event", "fields",
                                "trace_id", "span_id", "thread", "thread_index"}) {
    const std::size_t found = raw.find("\"" + key + "\":", at);
    ASSERT_NE(found, std::string::npos) << key << " in order in " << raw;
    at = found;
  }
  EXPECT_EQ(lines[1]["trace_id"], nullptr);
  EXPECT_EQ(lines[1]["span_id"], nullptr);
  EXPECT_EQ(lines[1]["fields"], json::object());
  EXPECT_EQ(lines[1]["thread"], "main");
}

TEST(LogsJsonl, EmptyRecordIsAnEmptyFile) { EXPECT_EQ(logs_jsonl(TestRecord{}), ""); }

TEST(LogsJsonl, RepeatedKeysKeepTheLastValueAndTextIsRepaired) {
  TestRecord record;
  record.logs.push_back(
      LogData{1,
              9,
              TraceId{1, 2},
              3,
              Severity::kFatal,
              "bad \xff name",
              {field("k", std::int64_t{1}), field("k", std::string("second")),
               field("text", std::string("line\nbreak \"quoted\" \xfe")), field("nan", std::nan(""))}});
  const std::string text = logs_jsonl(record);
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1) << "a newline inside a value is escaped";
  const std::vector<json> lines = parse_lines(text);
  ASSERT_EQ(lines.size(), 1U);
  EXPECT_EQ(lines[0]["fields"].size(), 3U);
  EXPECT_EQ(lines[0]["fields"]["k"], "second");
  EXPECT_EQ(lines[0]["fields"]["text"], "line\nbreak \"quoted\" \xef\xbf\xbd");
  EXPECT_EQ(lines[0]["fields"]["nan"], "NaN");
  EXPECT_EQ(lines[0]["event"], "bad \xef\xbf\xbd name");
  EXPECT_EQ(lines[0]["severity_text"], "FATAL");
  EXPECT_EQ(lines[0]["thread"], "") << "a thread the record does not list has no name";
}

// Four threads log at once inside their own spans; every event comes out, in timestamp
// order per thread, with the span that was current where it was logged.
TEST(LogsJsonl, ManyThreadsAreCompleteOrderedAndCarryTheirSpan) {
  constexpr int kThreads = 4;
  constexpr int kEvents = 500;
  TestCapture capture;
  capture.begin(TestInfo{"Logs", "ManyThreads", "", "", "logs_jsonl_test.cpp", 1});
  log_event("before_threads");
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back(wrap([t] {
      set_thread_name("logger-" + std::to_string(t));
      Span span("logging_span");
      span.set_attribute("thread", t);
      for (int i = 0; i < kEvents; ++i) log_event("tick", {{"thread", t}, {"i", i}});
    }));
  }
  for (std::thread& thread : threads) thread.join();
  const TestRecord record = capture.end(Outcome::kPass);
  const std::vector<json> lines = parse_lines(logs_jsonl(record));
  ASSERT_EQ(lines.size(), static_cast<std::size_t>(kThreads * kEvents + 1));
  EXPECT_EQ(lines[0]["event"], "before_threads");
  EXPECT_EQ(lines[0]["span_id"], span_id_to_hex(record.root_span_id));

  std::map<int, std::vector<const json*>> by_thread;  // our thread number -> its ticks, file order
  std::int64_t previous_time = 0;
  for (const json& line : lines) {
    EXPECT_GE(line["time_unix_ns"].get<std::int64_t>(), previous_time) << "the file is in time order";
    previous_time = line["time_unix_ns"].get<std::int64_t>();
    EXPECT_EQ(line["trace_id"], record.trace_id.to_hex());
    if (line["event"] == "tick") by_thread[line["fields"]["thread"].get<int>()].push_back(&line);
  }
  ASSERT_EQ(by_thread.size(), static_cast<std::size_t>(kThreads));
  for (const auto& [t, ticks] : by_thread) {
    ASSERT_EQ(ticks.size(), static_cast<std::size_t>(kEvents)) << "thread " << t;
    // The span current on that thread: its own logging_span.
    const std::string span_hex = (*ticks.front())["span_id"];
    const SpanData* span = nullptr;
    for (const SpanData& s : record.spans) {
      if (span_id_to_hex(s.span_id) == span_hex) span = &s;
    }
    ASSERT_NE(span, nullptr) << span_hex;
    EXPECT_EQ(span->name, "logging_span");
    EXPECT_EQ(std::get<std::int64_t>(span->attributes.at(0).value), t);
    for (int i = 0; i < kEvents; ++i) {
      const json& tick = *ticks[static_cast<std::size_t>(i)];
      EXPECT_EQ(tick["fields"]["i"], i) << "per thread in the order logged";
      EXPECT_EQ(tick["span_id"], span_hex);
      EXPECT_EQ(tick["thread"], "logger-" + std::to_string(t));
      EXPECT_EQ(tick["thread_index"], span->thread_index);
      EXPECT_GE(tick["time_unix_ns"].get<std::int64_t>(), span->start_unix_ns);
      EXPECT_LE(tick["time_unix_ns"].get<std::int64_t>(), span->end_unix_ns);
      if (i > 0) {
        EXPECT_GE(tick["time_unix_ns"], (*ticks[static_cast<std::size_t>(i) - 1])["time_unix_ns"]);
      }
    }
  }
}

}  // namespace
}  // namespace testscope
