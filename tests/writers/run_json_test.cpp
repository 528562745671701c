// run_json() (run.json): a run while it is running and once it has finished, and the
// live export's counts.
#include <gtest/gtest.h>

#include <cstdint>

#include "writer_fixture.hpp"

namespace testscope {
namespace {

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

}  // namespace
}  // namespace testscope
