// A named pipe in an artifact tree (issue 14, item 14): `report`, `check` and `export`
// opened every file they read with a blocking open, and a FIFO in place of a summary.json,
// run.json, metrics.prom, trace or log file hung them for good. They must never open what
// is not a regular file: each such file is a problem named with its path, and the rest of
// the tree is still used.
//
// Each command runs under coreutils' `timeout`, so a hang fails the test (exit 124) instead
// of stalling the suite; nothing is timed.
#include <sys/stat.h>

#include "cli_harness.hpp"
#include "loopback_server.hpp"
#include "subprocess.hpp"

namespace {

using namespace cli_test;  // NOLINT(google-build-using-namespace): the harness is this file's vocabulary

constexpr int kHung = 124;  // timeout's exit code when it had to stop the command

class FifoInTreeTest : public CliTest {
 protected:
  // Two executions of a test that counts metrics, then FIFOs in place of five of its files.
  void SetUp() override {
    CliTest::SetUp();
    const Result run =
        testscope({"run", "-n", "2", "--out", "out", "--", FIXTURE_PROGRAM, "--gtest_filter=Metrics.Counts"});
    ASSERT_EQ(run.exit_code, 0) << run.err;
    for (const char* file :
         {"runs/2/run.json", "runs/2/tests/Metrics.Counts/summary.json",
          "runs/1/tests/Metrics.Counts/metrics.prom", "runs/1/tests/Metrics.Counts/trace.otlp.json",
          "runs/1/tests/Metrics.Counts/logs.jsonl"}) {
      const fs::path path = dir() / "out" / file;
      ASSERT_TRUE(fs::remove(path)) << path;
      ASSERT_EQ(mkfifo(path.c_str(), 0644), 0) << path;
    }
  }

  // `testscope args...` in dir(), stopped after 30 s if it hangs, with `env` added.
  testscope::testing_support::ProcessResult bounded(std::vector<std::string> args,
                                                    const std::vector<std::string>& env = {}) {
    for (std::string& arg : args) {
      if (arg.rfind("out", 0) == 0 || arg.rfind("rules", 0) == 0) arg = (dir() / arg).string();
    }
    std::vector<std::string> argv = {"/usr/bin/timeout", "--kill-after=5", "30", TESTSCOPE_CLI};
    argv.insert(argv.end(), args.begin(), args.end());
    return testscope::testing_support::run_process(argv, env);
  }
};

TEST_F(FifoInTreeTest, ReportNamesThePipesAndReportsTheRest) {
  const auto r = bounded({"report", "out", "--format", "json"});
  ASSERT_NE(r.exit_code, kHung) << "report hung on a FIFO";
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const json report = json::parse(r.out);
  EXPECT_EQ(test_named(report, "Metrics.Counts")["runs"], 1);
  std::vector<std::string> problems;
  for (const json& p : report["problems"]) {
    problems.push_back(p["path"].get<std::string>() + ": " + p["message"].get<std::string>());
  }
  EXPECT_EQ(problems, (std::vector<std::string>{
                          "runs/2/run.json: is not a regular file; not read",
                          "runs/2/tests/Metrics.Counts/summary.json: is not a regular file; not read"}))
      << r.out;
}

TEST_F(FifoInTreeTest, CheckSkipsThePipeOfAMetricRule) {
  write_file(dir() / "rules.toml",
             "[[rule]]\nname = \"uses\"\nkind = \"metric\"\nseverity = \"warning\"\n"
             "metric = \"fixture_promo_uses_total\"\nabove = 1000\n");
  const auto r = bounded({"check", "out", "--rules", "rules.toml"});
  ASSERT_NE(r.exit_code, kHung) << "check hung on a FIFO";
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE((r.out + r.err).find("runs/1/tests/Metrics.Counts/metrics.prom"), std::string::npos)
      << r.out << r.err;
}

TEST_F(FifoInTreeTest, ExportOfMetricsSkipsThePipe) {
  const auto r = bounded({"export", "out", "--prom-file", "-"});
  ASSERT_NE(r.exit_code, kHung) << "export --prom-file hung on a FIFO";
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("runs/1/tests/Metrics.Counts/metrics.prom: is not a regular file; not read"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.out.find("testscope_run_executions"), std::string::npos) << r.out;
}

TEST_F(FifoInTreeTest, ExportOfTracesAndLogsSkipsThePipes) {
  testscope::otlp_test::LoopbackServer collector([](int) { return testscope::otlp_test::answer(200, "{}"); });
  const auto r = bounded({"export", "out", "--otlp", collector.url()});
  ASSERT_NE(r.exit_code, kHung) << "export --otlp hung on a FIFO";
  for (const char* file : {"trace.otlp.json", "logs.jsonl"}) {
    EXPECT_NE(r.err.find(std::string("runs/1/tests/Metrics.Counts/") + file), std::string::npos) << r.err;
  }
  EXPECT_FALSE(collector.requests().empty()) << "the rest of the tree was still sent\n" << r.err;
}

}  // namespace
