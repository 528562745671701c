// The GoogleTest integration end to end: real test programs run as subprocesses, their
// artifact trees read back from disk, their console output checked.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <string>

#include "subprocess.hpp"

namespace testscope {
namespace {

namespace fs = std::filesystem;
using testing_support::ProcessResult;
using testing_support::run_process;
using testing_support::slurp;

class GtestIntegration : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    scratch_ = fs::temp_directory_path() / ("testscope_it_" + std::to_string(getpid()) + "_" + info->name());
    fs::remove_all(scratch_);
    fs::create_directories(scratch_);
  }
  void TearDown() override { fs::remove_all(scratch_); }

  static nlohmann::json read_json(const fs::path& path) { return nlohmann::json::parse(slurp(path)); }

  // Every test folder, keyed by the real full name from its summary.json.
  static std::map<std::string, fs::path> tests_by_name(const fs::path& root) {
    std::map<std::string, fs::path> out;
    for (const auto& entry : fs::directory_iterator(root / "tests")) {
      const auto summary = read_json(entry.path() / "summary.json");
      out[summary["test"]["full_name"].get<std::string>()] = entry.path();
    }
    return out;
  }

  // The test's own scratch folder, removed after it.
  const fs::path& scratch() const { return scratch_; }

 private:
  fs::path scratch_;
};

TEST_F(GtestIntegration, WritesACompleteArtifactTreeForEveryTest) {
  const fs::path out = scratch() / "artifacts";
  const ProcessResult result = run_process({FIXTURE_PROGRAM, "--testscope_artifacts=" + out.string()});
  // Fixture.FailsTwice, Fixture.Throws and Metrics.FailsAfterCounting fail.
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
  EXPECT_EQ(result.out.find("leftover argument"), std::string::npos) << "testscope flags must be removed";

  const auto run = read_json(out / "run.json");
  EXPECT_EQ(run["schema"], 1);
  EXPECT_EQ(run["exit_status"], 1);
  EXPECT_EQ(run["tests"]["run"], 13);
  EXPECT_EQ(run["tests"]["failed"], 3);
  EXPECT_EQ(run["tests"]["skipped"], 1);
  EXPECT_EQ(run["argv"][1], "--testscope_artifacts=" + out.string());
  EXPECT_GT(run["end_unix_ns"].get<std::int64_t>(), run["start_unix_ns"].get<std::int64_t>());

  const auto tests = tests_by_name(out);
  const std::set<std::string> expected = {"Fixture.Passes",
                                          "Fixture.FailsTwice",
                                          "Fixture.Skipped",
                                          "Fixture.Throws",
                                          "Fixture.Threads",
                                          "Inst/Param.Case/0",
                                          "Inst/Param.Case/1",
                                          "Typed/0.Works",
                                          "Typed/1.Works",
                                          "Metrics.Counts",
                                          "Metrics.FailsAfterCounting",
                                          "Logs.FromThreads",
                                          "Scrape.WaitsForSignalFile"};
  std::set<std::string> names;
  for (const auto& [name, dir] : tests) {
    names.insert(name);
    for (const char* file :
         {"summary.json", "trace.otlp.json", "trace.chrome.json", "metrics.prom", "logs.jsonl"}) {
      EXPECT_TRUE(fs::exists(dir / file)) << dir / file;
    }
    const std::string id = dir.filename().string();
    EXPECT_EQ(id.find('/'), std::string::npos);
    EXPECT_EQ(read_json(dir / "summary.json")["id"], id);
  }
  EXPECT_EQ(names, expected);

  const auto failing = read_json(tests.at("Fixture.FailsTwice") / "summary.json");
  EXPECT_EQ(failing["outcome"], "fail");
  ASSERT_EQ(failing["failures"].size(), 2U);
  EXPECT_NE(failing["failures"][0]["message"].get<std::string>().find("first failure"), std::string::npos);
  EXPECT_NE(failing["failures"][0]["file"].get<std::string>().find("fixture_program.cpp"), std::string::npos);
  EXPECT_GT(failing["failures"][0]["line"].get<int>(), 0);
  EXPECT_EQ(read_json(tests.at("Fixture.Passes") / "summary.json")["outcome"], "pass");
  EXPECT_EQ(read_json(tests.at("Fixture.Skipped") / "summary.json")["outcome"], "skip");
  const auto threw = read_json(tests.at("Fixture.Throws") / "summary.json");
  EXPECT_EQ(threw["outcome"], "fail");
  EXPECT_NE(threw["failures"][0]["message"].get<std::string>().find("boom from the test"), std::string::npos);
  const auto typed = read_json(tests.at("Typed/1.Works") / "summary.json");
  EXPECT_EQ(typed["test"]["type_param"], "double");
  const auto param = read_json(tests.at("Inst/Param.Case/1") / "summary.json");
  EXPECT_EQ(param["test"]["value_param"], "1");

  const auto threads = read_json(tests.at("Fixture.Threads") / "summary.json");
  EXPECT_EQ(threads["counts"]["spans"], 3);  // root, parent, child_on_worker
  EXPECT_GE(threads["counts"]["threads"], 2);
  const auto otlp = read_json(tests.at("Fixture.Threads") / "trace.otlp.json");
  const auto& spans = otlp["resourceSpans"][0]["scopeSpans"][0]["spans"];
  ASSERT_EQ(spans.size(), 3U);
  EXPECT_EQ(spans[0]["traceId"], threads["trace_id"]);
  EXPECT_EQ(spans[2]["parentSpanId"], spans[1]["spanId"]);
}

TEST_F(GtestIntegration, PrintsTheTimelineOfFailedTestsAfterTheirResultLine) {
  const ProcessResult result = run_process({FIXTURE_PROGRAM});
  EXPECT_EQ(result.exit_code, 1);
  const auto failed_line = result.out.find("[  FAILED  ] Fixture.FailsTwice (");
  const auto timeline = result.out.find("testscope ▸ Fixture.FailsTwice  FAIL");
  ASSERT_NE(failed_line, std::string::npos) << result.out;
  ASSERT_NE(timeline, std::string::npos) << result.out;
  EXPECT_GT(timeline, failed_line);
  EXPECT_NE(result.out.find("failing_work  promo.code=SUMMER20", timeline), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("✗ failure at", timeline), std::string::npos);
  EXPECT_EQ(result.out.find("testscope ▸ Fixture.Passes"), std::string::npos) << "passing tests stay quiet";
  EXPECT_EQ(result.out.find("\x1b["), std::string::npos) << "no colour when stdout is not a terminal";
  EXPECT_TRUE(result.err.empty()) << result.err;
}

TEST_F(GtestIntegration, ConsoleModesAndEnvironmentVariables) {
  const ProcessResult always = run_process({FIXTURE_PROGRAM, "--testscope_console=always"});
  EXPECT_NE(always.out.find("testscope ▸ Fixture.Passes  PASS"), std::string::npos);
  const ProcessResult never = run_process({FIXTURE_PROGRAM, "--testscope_console=never"});
  EXPECT_EQ(never.out.find("testscope ▸"), std::string::npos);
  const ProcessResult env = run_process(
      {FIXTURE_PROGRAM}, {"TESTSCOPE_CONSOLE=never", "TESTSCOPE_ARTIFACTS=" + (scratch() / "env").string()});
  EXPECT_EQ(env.out.find("testscope ▸"), std::string::npos);
  EXPECT_TRUE(fs::exists(scratch() / "env" / "run.json"));
  // A flag wins over its environment variable.
  const ProcessResult both =
      run_process({FIXTURE_PROGRAM, "--testscope_console=always"}, {"TESTSCOPE_CONSOLE=never"});
  EXPECT_NE(both.out.find("testscope ▸ Fixture.Passes"), std::string::npos);
}

TEST_F(GtestIntegration, BadFlagsWarnAndTheTestsStillRun) {
  const ProcessResult result = run_process(
      {FIXTURE_PROGRAM, "--testscope_console=loud", "--testscope_bogus=1", "--testscope_artifacts"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("--testscope_console: expected never, failed or always, got 'loud'"),
            std::string::npos)
      << result.err;
  EXPECT_NE(result.err.find("unknown flag --testscope_bogus=1"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("--testscope_artifacts: missing '=VALUE'"), std::string::npos) << result.err;
  EXPECT_NE(result.out.find("testscope ▸ Fixture.FailsTwice"), std::string::npos) << "falls back to 'failed'";
  EXPECT_EQ(result.out.find("leftover argument"), std::string::npos);
}

TEST_F(GtestIntegration, AnUnwritableArtifactFolderWarnsAndChangesNoResult) {
  const fs::path blocker = scratch() / "a_file";
  std::ofstream(blocker) << "not a folder";
  const ProcessResult good = run_process({FIXTURE_PROGRAM, "--testscope_console=never"});
  const ProcessResult bad = run_process(
      {FIXTURE_PROGRAM, "--testscope_console=never", "--testscope_artifacts=" + (blocker / "out").string()});
  EXPECT_EQ(bad.exit_code, good.exit_code);
  EXPECT_NE(bad.err.find("testscope: warning: cannot write artifacts"), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find((blocker / "out").string()), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find("test results are unaffected"), std::string::npos) << bad.err;
  for (const char* line : {"[  PASSED  ] 9 tests.", "[  FAILED  ] Fixture.FailsTwice",
                           "[  FAILED  ] Fixture.Throws", "[  SKIPPED ] 1 test"}) {
    EXPECT_NE(bad.out.find(line), std::string::npos) << line << "\n" << bad.out;
    EXPECT_NE(good.out.find(line), std::string::npos) << line << "\n" << good.out;
  }
}

TEST_F(GtestIntegration, AFailedTestShowsItsMetricChangesAndLogsFilteredByPrefix) {
  const std::string ok = "fixture_promo_uses_total{promo_code=\"SUMMER20\",status=\"ok\"}  +2\n";
  const ProcessResult all = run_process({FIXTURE_PROGRAM, "--gtest_filter=Metrics.*:Logs.*"});
  const auto timeline = all.out.find("testscope ▸ Metrics.FailsAfterCounting  FAIL");
  ASSERT_NE(timeline, std::string::npos) << all.out;
  EXPECT_NE(all.out.find("\n  metrics:\n", timeline), std::string::npos) << "no filter: every metric\n"
                                                                         << all.out;
  EXPECT_NE(all.out.find(ok, timeline), std::string::npos) << all.out;
  EXPECT_NE(all.out.find("fixture_requests_total{path=\"/other\"}", timeline), std::string::npos) << all.out;
  EXPECT_EQ(all.out.find("testscope ▸ Logs.FromThreads"), std::string::npos) << "passing tests stay quiet";

  const ProcessResult filtered =
      run_process({FIXTURE_PROGRAM, "--gtest_filter=Metrics.*", "--testscope_metrics_filter=fixture_promo_"});
  EXPECT_NE(filtered.out.find("\n  metrics fixture_promo_*:\n    " + ok), std::string::npos) << filtered.out;
  EXPECT_EQ(filtered.out.find("fixture_requests_total"), std::string::npos) << filtered.out;
  const ProcessResult env =
      run_process({FIXTURE_PROGRAM, "--gtest_filter=Metrics.*"}, {"TESTSCOPE_METRICS_FILTER=fixture_promo_"});
  EXPECT_EQ(env.out.find("fixture_requests_total"), std::string::npos) << env.out;
  EXPECT_NE(env.out.find(ok), std::string::npos) << env.out;

  // Log events sit inline under the span current where they were logged.
  const ProcessResult logs =
      run_process({FIXTURE_PROGRAM, "--gtest_filter=Logs.*", "--testscope_console=always"});
  EXPECT_NE(logs.out.find("≡ test_started  workers=4"), std::string::npos) << logs.out;
  EXPECT_NE(logs.out.find("≡ DEBUG workers_starting  count=4"), std::string::npos) << logs.out;
  EXPECT_NE(logs.out.find("lines left out (failures and the spans around them kept); write artifacts "
                          "(--testscope_artifacts=DIR) for the whole trace"),
            std::string::npos)
      << "207 log events are more than the console's 200 lines\n"
      << logs.out;
  // Which worker's steps come first (and so fit in the 200 lines) depends on scheduling:
  // any worker's last step will do.
  const std::regex last_step("≡ WARN step  worker=([0-3])  i=49  ratio=0.5  even=false  name=logger-\\1");
  EXPECT_TRUE(std::regex_search(logs.out, last_step)) << logs.out;
  EXPECT_TRUE(logs.err.empty()) << logs.err;
}

TEST_F(GtestIntegration, JoinsTheTraceGivenInTraceparent) {
  const fs::path out = scratch() / "artifacts";
  const std::string parent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
  run_process({FIXTURE_PROGRAM, "--gtest_filter=Fixture.Passes", "--testscope_artifacts=" + out.string()},
              {"TRACEPARENT=" + parent});
  const auto tests = tests_by_name(out);
  const auto otlp = read_json(tests.at("Fixture.Passes") / "trace.otlp.json");
  const auto& root = otlp["resourceSpans"][0]["scopeSpans"][0]["spans"][0];
  EXPECT_EQ(root["traceId"], "0af7651916cd43dd8448eb211c80319c");
  EXPECT_EQ(root["parentSpanId"], "b7ad6b7169203331");
  EXPECT_EQ(read_json(out / "run.json")["traceparent"], parent);
}

TEST_F(GtestIntegration, ThePromoExampleLeavesACompleteTreeForEveryTest) {
#ifndef PROMO_TESTS
  GTEST_SKIP() << "examples not built";
#else
  const fs::path out = scratch() / "promo";
  const ProcessResult result = run_process({PROMO_TESTS, "--gtest_repeat=1", "--testscope_console=never",
                                            "--testscope_artifacts=" + out.string()});
  ASSERT_TRUE(result.exit_code == 0 || result.exit_code == 1) << result.err;
  const auto tests = tests_by_name(out);
  ASSERT_EQ(tests.size(), 2U);
  for (const auto& [name, dir] : tests) {
    for (const char* file :
         {"summary.json", "trace.otlp.json", "trace.chrome.json", "metrics.prom", "logs.jsonl"}) {
      EXPECT_TRUE(fs::exists(dir / file)) << dir / file;
    }
  }
  EXPECT_EQ(read_json(tests.at("PromoRace.AtomicApplyAllowsExactlyOneUse") / "summary.json")["outcome"],
            "pass");
  const auto racy = read_json(tests.at("PromoRace.RacyApplyAllowsExactlyOneUse") / "trace.otlp.json");
  int apply_spans = 0;
  for (const auto& span : racy["resourceSpans"][0]["scopeSpans"][0]["spans"]) {
    if (span["name"] == "apply_promo") ++apply_spans;
  }
  EXPECT_EQ(apply_spans, 2);
#endif
}

}  // namespace
}  // namespace testscope
