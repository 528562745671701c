// Issue 5's loop end to end, with real processes: `testscope run` finds a flaky test,
// `testscope check --apply` quarantines it with the evidence, and the next plain run of the
// test program exits 0 while still showing the failure, marked QUARANTINED; `testscope
// report` then lists it as quarantined and exits 0. Cli.FailsOnEvenExecutions (it fails
// when its artifact folder's number is even) makes the flakiness deterministic.
#include <testscope/quarantine.hpp>

#include "cli_harness.hpp"

namespace {

using namespace cli_test;  // NOLINT(google-build-using-namespace): the harness is this file's vocabulary

constexpr const char* kRules = R"(
[[rule]]
name = "flaky"
kind = "verdict"
severity = "warning"
failure_rate_above = "1%"
action = "quarantine"
owner = "cli-team"
)";

TEST_F(CliTest, RunCheckApplyThenTheNextRunPassesWithTheFailureQuarantined) {
  const Result run = testscope(
      {"run", "-n", "10", "--", CLI_FIXTURE_PROGRAM, "--gtest_filter=Cli.Passes:Cli.FailsOnEvenExecutions"});
  ASSERT_EQ(run.exit_code, 1) << run.err;
  std::ofstream(dir() / "rules.toml") << kRules;
  const Result check = testscope({"check", "testscope-out", "--rules", "rules.toml", "--apply",
                                  "--quarantine", "testscope-quarantine.toml"});
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;

  const auto loaded = testscope::quarantine::load_quarantine(dir() / "testscope-quarantine.toml");
  ASSERT_TRUE(loaded.ok());
  ASSERT_EQ(loaded.file.entries().size(), 1U) << loaded.file.text();
  const auto& entry = loaded.file.entries().front();
  EXPECT_EQ(entry.test, "Cli.FailsOnEvenExecutions");
  EXPECT_EQ(entry.owner, "cli-team");
  EXPECT_NE(entry.reason.find("50"), std::string::npos) << "the evidence (5 of 10 runs): " << entry.reason;

  // The next run of the program itself, in an even-numbered folder so the test fails; the
  // quarantine file is found in the current folder, where `check --apply` wrote it.
  const Result plain = testscope({"run", "-n", "2", "--out", "again", "--", CLI_FIXTURE_PROGRAM,
                                  "--gtest_filter=Cli.Passes:Cli.FailsOnEvenExecutions"});
  EXPECT_EQ(plain.exit_code, 0) << plain.out << plain.err;
  const std::string log = slurp(dir() / "again/runs/2/output.log");
  EXPECT_NE(log.find("[  FAILED  ] Cli.FailsOnEvenExecutions"), std::string::npos) << log;
  EXPECT_NE(log.find("[QUARANTINED] Cli.FailsOnEvenExecutions"), std::string::npos) << log;
  EXPECT_EQ(read_json("again/testscope-run.json")["executions"][1]["outcome"], "pass");  // exit code 0
  const json verdicts = read_json("again/verdicts.json");
  EXPECT_EQ(test_named(verdicts, "Cli.FailsOnEvenExecutions")["verdict"], "flaky");
  EXPECT_FALSE(test_named(verdicts, "Cli.FailsOnEvenExecutions")["quarantine"].is_null());
  EXPECT_NE(plain.out.find("QUARANTINED Cli.FailsOnEvenExecutions"), std::string::npos) << plain.out;
}

}  // namespace
