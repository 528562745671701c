// Issue 5's loop end to end, with real processes: `testscope run` finds a flaky test,
// `testscope check --apply` quarantines it with the evidence, and the next plain run of the
// test program exits 0 while still showing the failure, marked QUARANTINED; `testscope
// report` then lists it as quarantined and exits 0, and `testscope check` on that run sees the
// quarantine its runs recorded: the finding says so, asks for no second entry and no longer
// fails the build, even from an error rule. Cli.FailsOnEvenExecutions (it fails when its
// artifact folder's number is even) makes the flakiness deterministic.
#include <testscope/quarantine.hpp>

#include <string>

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

// The same with severity error: a flaky test fails the build until it is quarantined.
std::string error_rules() {
  std::string text = kRules;
  text.replace(text.find("warning"), 7, "error");
  return text;
}

TEST_F(CliTest, RunCheckApplyThenTheNextRunPassesWithTheFailureQuarantined) {
  const Result run = testscope(
      {"run", "-n", "10", "--", CLI_FIXTURE_PROGRAM, "--gtest_filter=Cli.Passes:Cli.FailsOnEvenExecutions"});
  ASSERT_EQ(run.exit_code, 1) << run.err;
  write_file(dir() / "rules.toml", kRules);
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

  // `check` on the quarantined run: still flaky, reported with its entry, but not asked again,
  // and an error rule does not fail the build for it; the first run (not quarantined) does.
  write_file(dir() / "error-rules.toml", error_rules());
  EXPECT_EQ(testscope({"check", "testscope-out", "--rules", "error-rules.toml"}).exit_code, 1);
  const std::string before = slurp(dir() / "testscope-quarantine.toml");
  const Result again = testscope({"check", "again", "--rules", "error-rules.toml", "--apply", "--quarantine",
                                  "testscope-quarantine.toml"});
  EXPECT_EQ(again.exit_code, 0) << again.out << again.err;
  EXPECT_NE(again.out.find("warning   flaky  Cli.FailsOnEvenExecutions  already quarantined  flaky: failed 1 "
                           "of 2 executions"),
            std::string::npos)
      << again.out;
  EXPECT_NE(again.out.find("          ran quarantined by Cli.FailsOnEvenExecutions ("), std::string::npos)
      << again.out;
  EXPECT_NE(again.out.find("an error on a quarantined test counts as a warning\n"), std::string::npos)
      << again.out;
  EXPECT_NE(again.out.find("1 finding (0 errors, 1 warning; 1 on quarantined tests)"), std::string::npos)
      << again.out;
  EXPECT_NE(again.out.find("not quarantined Cli.FailsOnEvenExecutions (already quarantined): by "
                           "'Cli.FailsOnEvenExecutions' (line "),
            std::string::npos)
      << again.out;
  EXPECT_EQ(slurp(dir() / "testscope-quarantine.toml"), before);

  const Result json_check = testscope({"check", "again", "--rules", "error-rules.toml", "--format", "json"},
                                      {"GITHUB_ACTIONS=true"});
  EXPECT_EQ(json_check.exit_code, 0) << json_check.err;
  const json findings = json::parse(json_check.out)["findings"];
  ASSERT_EQ(findings.size(), 1U) << json_check.out;
  EXPECT_EQ(findings[0]["quarantine"], "already quarantined");
  EXPECT_EQ(findings[0]["severity"], "warning");
  EXPECT_EQ(findings[0]["rule_severity"], "error");
  EXPECT_EQ(findings[0]["ran_quarantined"]["expires"], entry.expires.to_string());
  EXPECT_EQ(findings[0]["ran_quarantined"]["applies"], true);
  EXPECT_NE(json_check.err.find("::warning title=testscope check%3A flaky::Cli.FailsOnEvenExecutions: "),
            std::string::npos)
      << json_check.err;
  EXPECT_NE(json_check.err.find("%0Aaction: already quarantined\n"), std::string::npos) << json_check.err;
}

}  // namespace
