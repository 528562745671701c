// `testscope` run as a subprocess: run and report against cli_fixture_program (passing,
// flaky, hanging, crashing tests) and the promo example; exit codes 0/1/2/130; bad flags.
#include "cli_harness.hpp"

namespace {

using namespace cli_test;  // NOLINT(google-build-using-namespace): the harness is this file's vocabulary

TEST_F(CliTest, PassingProgramExitsZeroAndWritesTheTree) {
  const Result r = testscope({"run", "-n", "3", "--", CLI_FIXTURE_PROGRAM, "--gtest_filter=Cli.Passes"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("passed   Cli.Passes"), std::string::npos) << r.out;
  const json verdicts = read_json("testscope-out/verdicts.json");
  EXPECT_EQ(verdicts["schema"], 1);
  EXPECT_EQ(test_named(verdicts, "Cli.Passes")["runs"], 3);
  const json run = read_json("testscope-out/testscope-run.json");
  ASSERT_EQ(run["executions"].size(), 3U);
  EXPECT_EQ(run["executions"][0]["outcome"], "pass");
  EXPECT_EQ(run["program"][1], "--gtest_filter=Cli.Passes");  // passed through untouched
  EXPECT_TRUE(fs::exists(dir() / "testscope-out/runs/3/tests/Cli.Passes/summary.json"));
  EXPECT_NE(slurp(dir() / "testscope-out/runs/1/output.log").find("[  PASSED  ] 1 test"), std::string::npos);
  EXPECT_TRUE(r.err.find("3/3 executions") != std::string::npos) << r.err;  // plain lines without a terminal
}

TEST_F(CliTest, FlakyTestExitsOneWithItsRateAndArtifacts) {
  const Result r = testscope({"run", "-n", "4", "-j", "2", "--out", "o", "--", CLI_FIXTURE_PROGRAM,
                              "--gtest_filter=Cli.FailsOnEvenExecutions"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.out.find("flaky"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("o/runs/2/tests/Cli.FailsOnEvenExecutions"), std::string::npos) << r.out;
  const json t = test_named(read_json("o/verdicts.json"), "Cli.FailsOnEvenExecutions");
  EXPECT_EQ(t["verdict"], "flaky");
  EXPECT_EQ(t["failures"], 2);
  EXPECT_EQ(t["failure_rate"], 0.5);
}

TEST_F(CliTest, UntilFailStopsAtTheFirstFailure) {
  const Result r = testscope({"run", "-n", "10", "--until-fail", "--", CLI_FIXTURE_PROGRAM,
                              "--gtest_filter=Cli.FailsOnEvenExecutions"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(read_json("testscope-out/testscope-run.json")["executions"].size(), 2U);
}

TEST_F(CliTest, TimeoutKillsTheWholeProcessGroup) {
  const std::string pid_file = (dir() / "grandchild.pid").string();
  const Result r =
      testscope({"run", "-n", "1", "--timeout", "1s", "--", CLI_FIXTURE_PROGRAM, "--gtest_filter=Cli.Hangs"},
                {"CLI_FIXTURE_PID_FILE=" + pid_file});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_LT(r.seconds, 10);
  EXPECT_NE(r.out.find("timed out"), std::string::npos) << r.out;
  const json run = read_json("testscope-out/testscope-run.json");
  EXPECT_EQ(run["executions"][0]["outcome"], "timeout");
  EXPECT_EQ(run["executions"][0]["signal"], SIGKILL);
  const pid_t grandchild = std::stoi(slurp(pid_file));
  EXPECT_TRUE(gone(grandchild)) << "the hanging program's child " << grandchild << " survived";
}

TEST_F(CliTest, ShuffleRecordsAndPassesASeedPerExecution) {
  const Result r = testscope({"run", "-n", "2", "--shuffle", "--seed", "42", "--", CLI_FIXTURE_PROGRAM,
                              "--gtest_filter=Cli.Passes"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const json run = read_json("testscope-out/testscope-run.json");
  EXPECT_EQ(run["executions"][0]["seed"], 42);
  EXPECT_EQ(run["executions"][1]["seed"], 43);
  EXPECT_EQ(read_json("testscope-out/runs/2/run.json")["random_seed"], 43);
}

TEST_F(CliTest, InterruptKillsRunningGroupsAndStillReports) {
  const std::string pid_file = (dir() / "grandchild.pid").string();
  const auto start = std::chrono::steady_clock::now();
  const pid_t run = start_testscope({"run", "-n", "5", "--", CLI_FIXTURE_PROGRAM, "--gtest_filter=Cli.Hangs"},
                                    {"CLI_FIXTURE_PID_FILE=" + pid_file}, "");
  ASSERT_GT(run, 0);
  // Once the first execution hangs (not after a fixed time: a loaded machine or a sanitizer
  // build may not have reached the run loop within one second).
  ASSERT_TRUE(eventually([&] { return fs::exists(pid_file); }));
  ASSERT_EQ(kill(run, SIGINT), 0);
  const Result r = wait_testscope(run, "");
  EXPECT_EQ(r.exit_code, 130) << r.err;
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 10);
  EXPECT_TRUE(read_json("testscope-out/testscope-run.json")["interrupted"].get<bool>());
  // No execution finished, so there are no verdicts to give: said so, and none written
  // (out_folder_test.cpp has the runs whose executions did finish, and a previous OUT kept).
  EXPECT_NE(r.err.find("interrupted before any execution finished: no verdicts"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir() / "testscope-out/verdicts.json"));
  EXPECT_TRUE(gone(std::stoi(slurp(pid_file))));
}

TEST_F(CliTest, ReportFormats) {
  ASSERT_EQ(testscope({"run", "-n", "4", "--", CLI_FIXTURE_PROGRAM, "--gtest_filter=Cli.*Even*:Cli.Passes"})
                .exit_code,
            1);
  const Result table = testscope({"report", "testscope-out"});
  EXPECT_EQ(table.exit_code, 1);
  EXPECT_NE(table.out.find("flaky"), std::string::npos);

  const Result as_json = testscope({"report", "testscope-out", "--format", "json"});
  EXPECT_EQ(as_json.exit_code, 1);
  EXPECT_EQ(json::parse(as_json.out), read_json("testscope-out/verdicts.json"));

  const std::string summary = (dir() / "summary.md").string();
  std::ofstream(summary) << "earlier step\n";
  const Result junit =
      testscope({"report", "testscope-out", "--junit", "junit.xml"}, {"GITHUB_STEP_SUMMARY=" + summary});
  EXPECT_EQ(junit.exit_code, 1) << junit.err;
  const std::string xml = slurp(dir() / "junit.xml");
  EXPECT_NE(xml.find("<testcase name=\"FailsOnEvenExecutions\" classname=\"Cli\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("<flakyFailure"), std::string::npos);
  EXPECT_NE(xml.find("testscope artifacts: testscope-out/runs/2/tests/Cli.FailsOnEvenExecutions"),
            std::string::npos);
  const std::string md = slurp(summary);
  EXPECT_EQ(md.rfind("earlier step\n### testscope: 1 flaky, 1 passed (4 executions)", 0), 0U) << md;
}

TEST_F(CliTest, UsageErrorsExitTwoWithAClearMessage) {
  struct UsageCase {
    std::vector<std::string> args;
    std::string message;  // expected in stderr
  };
  const std::vector<UsageCase> cases = {
      {{"run", "-n", "0", "--", "true"}, "--executions"},
      {{"run", "--timeout", "5q", "--", "true"}, "--timeout"},
      {{"run", "--timeout", "-1s", "--", "true"}, "--timeout"},
      {{"run", "--bogus", "--", "true"}, "--bogus"},
      {{"run", "-j", "0", "--", "true"}, "--jobs"},
      {{"run"}, "program"},
      {{"frobnicate"}, "frobnicate"},
      {{}, "subcommand"},
      {{"report", "no_such_folder"}, "no_such_folder"},
      {{"report", ".", "--format", "yaml"}, "--format"},
      {{"run", "--", "/no/such/program"}, "cannot start /no/such/program"},
  };
  for (const auto& c : cases) {
    const Result r = testscope(c.args);
    EXPECT_EQ(r.exit_code, 2) << ::testing::PrintToString(c.args) << "\n" << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << ::testing::PrintToString(c.args) << "\n" << r.err;
  }
  const Result help = testscope({"--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("130"), std::string::npos);
}

TEST_F(CliTest, ReportOnAFolderWithoutExecutionsIsAnInputError) {
  fs::create_directories(dir() / "empty");
  const Result r = testscope({"report", "empty"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("no executions"), std::string::npos) << r.err;
}

// The neutral variables every front applies, beside GoogleTest's own for programs not linked
// with testscope; a program's own value of them is replaced.
TEST_F(CliTest, ShardAndShuffleReachTheProgramAsEnvironment) {
  const Result r = testscope({"run", "-n", "2", "--shard", "2/3", "--shuffle", "--seed", "99999", "--",
                              "/bin/sh", "-c", "env > \"$TESTSCOPE_ARTIFACTS/env.txt\""},
                             {"TESTSCOPE_SHARD=9/9"});
  EXPECT_EQ(r.exit_code, 0) << r.err;  // exited 0: the whole program passed, without run.json
  for (const auto& [execution, seed] : {std::pair{"1", "99999"}, std::pair{"2", "1"}}) {
    const std::string env = slurp(dir() / "testscope-out/runs" / execution / "env.txt");
    EXPECT_NE(env.find("\nTESTSCOPE_SHARD=2/3\n"), std::string::npos) << env;
    EXPECT_EQ(env.find("TESTSCOPE_SHARD=9/9"), std::string::npos) << env;
    EXPECT_NE(env.find("\nTESTSCOPE_SHUFFLE_SEED=" + std::string(seed) + "\n"), std::string::npos) << env;
    EXPECT_NE(env.find("\nGTEST_TOTAL_SHARDS=3\n"), std::string::npos) << env;
    EXPECT_NE(env.find("\nGTEST_SHARD_INDEX=1\n"), std::string::npos) << env;
    EXPECT_NE(env.find("\nGTEST_SHUFFLE=1\n"), std::string::npos) << env;
    EXPECT_NE(env.find("\nGTEST_RANDOM_SEED=" + std::string(seed) + "\n"), std::string::npos) << env;
  }
  EXPECT_EQ(read_json("testscope-out/testscope-run.json")["options"]["seed"], 99999);
}

// A tree written to another schema is refused whole, naming the file, instead of guessed at.
TEST_F(CliTest, AnotherSchemaIsRefusedWithTheFileNamed) {
  ASSERT_EQ(testscope({"run", "-n", "2", "--", CLI_FIXTURE_PROGRAM, "--gtest_filter=Cli.Passes"}).exit_code,
            0);
  const fs::path summary = dir() / "testscope-out/runs/2/tests/Cli.Passes/summary.json";
  json doc = json::parse(slurp(summary));
  doc["schema"] = 2;
  write_file(summary, doc.dump());
  Result r = testscope({"report", "testscope-out"});
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.err.find("runs/2/tests/Cli.Passes/summary.json: written to schema 2, but this testscope reads "
                       "schema 1"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(r.out, "");

  doc["schema"] = 1;
  write_file(summary, doc.dump());
  json manifest = read_json("testscope-out/testscope-run.json");
  manifest["schema"] = "two";
  write_file(dir() / "testscope-out/testscope-run.json", manifest.dump());
  r = testscope({"report", "testscope-out", "--format", "json"});
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.err.find("testscope-run.json: written to schema \"two\""), std::string::npos) << r.err;
}

#ifdef PROMO_TESTS
TEST_F(CliTest, PromoExampleTwentyTimes) {
  const Result r = testscope({"run", "-n", "20", "-j", "4", "--", PROMO_TESTS});
  EXPECT_TRUE(r.exit_code == 0 || r.exit_code == 1) << r.err;
  const json verdicts = read_json("testscope-out/verdicts.json");
  EXPECT_EQ(verdicts["executions"]["total"], 20);
  const json& atomic = test_named(verdicts, "PromoRace.AtomicApplyAllowsExactlyOneUse");
  EXPECT_EQ(atomic["verdict"], "passed");
  EXPECT_EQ(atomic["runs"], 20);
  EXPECT_NEAR(atomic["rules_out_above"].get<double>(), 0.139108, 1e-6);
  const json& racy = test_named(verdicts, "PromoRace.RacyApplyAllowsExactlyOneUse");
  EXPECT_TRUE(racy["verdict"] == "passed" || racy["verdict"] == "flaky") << racy.dump();
  EXPECT_EQ(r.exit_code, racy["verdict"] == "flaky" ? 1 : 0);
}
#endif

}  // namespace
