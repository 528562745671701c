// summary_json(): parsed back with nlohmann::json and checked field by field, for the
// hand-built record (every outcome, a parameterized name) and for a real capture.
#include <gtest/gtest.h>

#include <array>
#include <string>
#include <utility>

#include "writer_fixture.hpp"

namespace testscope {

// RealCapture's capture is made here: its tests compare the captured file with __FILE__.
void RealCapture::SetUpTestSuite() { capture_at(SourceLocation::current()); }

namespace {

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
  record.failures.push_back(Failure{"b.cpp", 3, "soft", false, kStart + 1, ""});
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

}  // namespace
}  // namespace testscope
