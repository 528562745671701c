// Repetitions inside one process (issue 14, item 12): with --gtest_repeat each run of a test
// keeps its own folder (tests/<id>, <id>@2, ...), and the verdicts count every one of them,
// including a repetition that crashed and was recovered by the runner.
#include "cli_harness.hpp"

namespace {

using namespace cli_test;  // NOLINT(google-build-using-namespace): the harness is this file's vocabulary

class RepetitionTest : public CliTest {};

TEST_F(RepetitionTest, EveryRepetitionKeepsItsRecordAndCounts) {
  const Result r = testscope({"run", "-n", "2", "--out", "out", "--", CLI_FIXTURE_PROGRAM,
                              "--gtest_filter=Cli.FailsOnAlternateRepetitions", "--gtest_repeat=4"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  const json verdicts = read_json("out/verdicts.json");
  const json& test = test_named(verdicts, "Cli.FailsOnAlternateRepetitions");
  EXPECT_EQ(test["runs"], 8);      // 2 executions x 4 repetitions
  EXPECT_EQ(test["failures"], 4);  // repetitions 2 and 4 of each
  EXPECT_EQ(test["verdict"], "flaky");
  EXPECT_EQ(test["id"], "Cli.FailsOnAlternateRepetitions");
  for (const char* execution : {"1", "2"}) {
    const fs::path tests = fs::path("out/runs") / execution / "tests";
    for (int repetition = 1; repetition <= 4; ++repetition) {
      const std::string folder = "Cli.FailsOnAlternateRepetitions" +
                                 (repetition == 1 ? std::string() : "@" + std::to_string(repetition));
      const json summary = read_json((tests / folder / "summary.json").string());
      EXPECT_EQ(summary["id"], folder);
      EXPECT_EQ(summary["repetition"], repetition);
      EXPECT_EQ(summary["outcome"], repetition % 2 == 0 ? "fail" : "pass") << folder;
    }
  }
  // report recomputes the same from the tree.
  const Result report = testscope({"report", "out", "--format", "json"});
  EXPECT_EQ(test_named(json::parse(report.out), "Cli.FailsOnAlternateRepetitions")["runs"], 8);
}

TEST_F(RepetitionTest, ARepetitionThatCrashedIsRecoveredIntoItsOwnFolder) {
  const Result r = testscope({"run", "-n", "1", "--out", "out", "--", CLI_FIXTURE_PROGRAM,
                              "--gtest_filter=Cli.SegfaultsInTheSecondRepetition", "--gtest_repeat=3"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  const fs::path tests = "out/runs/1/tests";
  EXPECT_EQ(read_json((tests / "Cli.SegfaultsInTheSecondRepetition/summary.json").string())["outcome"],
            "pass");
  const json crashed = read_json((tests / "Cli.SegfaultsInTheSecondRepetition@2/summary.json").string());
  EXPECT_EQ(crashed["outcome"], "crash");
  EXPECT_EQ(crashed["repetition"], 2);
  const json verdicts = read_json("out/verdicts.json");
  const json& test = test_named(verdicts, "Cli.SegfaultsInTheSecondRepetition");
  EXPECT_EQ(test["runs"], 2);
  EXPECT_EQ(test["failures"], 1);
  EXPECT_EQ(test["verdict"], "crashed");
}

}  // namespace
