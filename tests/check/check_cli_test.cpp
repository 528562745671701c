// `testscope check` run as a real process on fixture trees: exit codes 0, 1 and 2, errors that
// name the rules file's line and column, GitHub annotations under GITHUB_ACTIONS=true, JSON,
// and --apply writing a real quarantine file that the quarantine library reads back, keeping
// its comments and never duplicating an entry or quarantining a broken test; and a tree whose
// runs recorded a quarantine: not asked again, not failing the build, unless broken or expired.
// Runs the command through the CLI tests' harness (tests/cli/cli_harness.hpp).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <testscope/quarantine.hpp>

#include <string>
#include <vector>

#include "cli_harness.hpp"
#include "rules_fixture.hpp"

namespace {

namespace q = testscope::quarantine;
using cli_test::Result;
using cli_test::slurp;
using cli_test::write_file;
using nlohmann::json;
using rules_test::FixtureTree;

constexpr const char* kRacy = "PromoRace.RacyApplyAllowsExactlyOneUse";

class CheckCli : public cli_test::CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    FixtureTree tree(dir() / "out");
    tree.add_series(kRacy, 25, {4, 17});
    tree.add_series("PromoRace.Broken", 25, {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13,
                                             14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25});
    tree.add_series("Other.A", 25);
    tree.add_series("Other.B", 25);
    tree.write();
    write_file(dir() / "rules.toml", R"(# promo rules
[[rule]]
name = "promo-race-flaky"
kind = "verdict"
severity = "warning"
tests = ["PromoRace.*"]
verdicts = ["flaky", "failed"]
failure_rate_above = "1%"
min_executions = 20
action = "quarantine"
owner = "promo-team"
)");
  }
};

TEST_F(CheckCli, WarningsOnlyExitZeroAndPrintTheTable) {
  write_file(dir() / "rules.toml",
             "[[rule]]\nname = \"flaky\"\nkind = \"verdict\"\nseverity = \"warning\"\n");
  const Result r = testscope({"check", "out", "--rules", "rules.toml"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(
      r.out,
      "SEVERITY  RULE   TEST                                    ACTION  FINDING\n"
      "warning   flaky  PromoRace.RacyApplyAllowsExactlyOneUse  report  flaky: failed 2 of 25 executions "
      "(8.0%, 95% CI 2.2%-25.0%)\n"
      "          failed in executions 4, 17; out/runs/4/tests/PromoRace.RacyApplyAllowsExactlyOneUse: "
      "promo_tests.cpp:85: Expected equality of these values:\n"
      "\n"
      "1 finding (0 errors, 1 warning) from 1 rule over 25 executions\n");
  EXPECT_EQ(r.err, "");
}

TEST_F(CheckCli, AnErrorFindingExitsOne) {
  const Result r = testscope({"check", "out", "--rules", "rules.toml"});
  EXPECT_EQ(r.exit_code, 1) << r.err;  // the broken test: an error, whatever the rule's severity
  EXPECT_NE(r.out.find("error     promo-race-flaky  PromoRace.Broken"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("refused: broken"), std::string::npos);
}

TEST_F(CheckCli, NoFindingsExitZero) {
  write_file(dir() / "rules.toml",
             "[[rule]]\nname = \"p\"\nkind = \"verdict\"\nseverity = \"error\"\ntests = \"Other.*\"\n");
  const Result r = testscope({"check", "out", "--rules", "rules.toml"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "no findings from 1 rule over 25 executions\n");
}

TEST_F(CheckCli, ABadRulesFileExitsTwoNamingLineAndColumn) {
  write_file(dir() / "bad.toml",
             "[[rule]]\nname = \"x\"\nkind = \"verdict\"\nseverity = \"fatal\"\ncolour = 1\n");
  const Result r = testscope({"check", "out", "--rules", "bad.toml"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err,
            "testscope: bad.toml:4:12: 'severity' must be one of \"warning\", \"error\", not 'fatal'\n"
            "testscope: bad.toml:5:1: unknown key 'colour' in a [[rule]]\n");
  EXPECT_EQ(r.out, "");
  write_file(dir() / "empty.toml", "");
  EXPECT_EQ(testscope({"check", "out", "--rules", "empty.toml"}).err,
            "testscope: empty.toml:1:1: no rules: the file is empty; write at least one [[rule]] block "
            "(docs/rules.md)\n");
}

TEST_F(CheckCli, UnreadableInputsExitTwo) {
  Result r = testscope({"check", "out", "--rules", "missing.toml"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "testscope: missing.toml: no such file\n");
  r = testscope({"check", "nowhere", "--rules", "rules.toml"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "testscope: nowhere: not a directory\n");
  r = testscope({"check", "out", "--rules", "rules.toml", "--baseline", "nowhere"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "testscope: --baseline: nowhere: not a directory\n");
  EXPECT_EQ(testscope({"check", "out"}).exit_code, 2);  // --rules is required
  EXPECT_EQ(testscope({"check", "out", "--rules", "rules.toml", "--quarantine", "q.toml"}).exit_code, 2);
  EXPECT_EQ(testscope({"check", "out", "--rules", "rules.toml", "--format", "xml"}).exit_code, 2);
}

TEST_F(CheckCli, ApplyWritesAQuarantineFileTheLibraryReadsBack) {
  write_file(dir() / "q.toml", "# Quarantined tests: see docs/quarantine.md.\n# Keep this comment.\n");
  const Result r = testscope({"check", "out", "--rules", "rules.toml", "--apply", "--quarantine", "q.toml"});
  EXPECT_EQ(r.exit_code, 1) << r.err;  // the broken test's finding is an error
  const q::Date today = q::Date::today();
  EXPECT_NE(r.out.find("quarantined PromoRace.RacyApplyAllowsExactlyOneUse until " +
                       today.plus_days(14).to_string() +
                       " (14 days, owner promo-team, mode run) in q.toml (rule "
                       "promo-race-flaky)\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(
      r.out.find("not quarantined PromoRace.Broken (broken): failed in all 25 executions: broken tests are "
                 "never quarantined\n"),
      std::string::npos)
      << r.out;

  const q::LoadResult loaded = q::load_quarantine(dir() / "q.toml");
  ASSERT_TRUE(loaded.ok()) << loaded.errors.front().to_string();
  EXPECT_EQ(
      loaded.file.text().rfind("# Quarantined tests: see docs/quarantine.md.\n# Keep this comment.\n", 0),
      0U);
  ASSERT_EQ(loaded.file.entries().size(), 1U);
  const q::Entry& e = loaded.file.entries()[0];
  EXPECT_EQ(e.test, kRacy);
  EXPECT_EQ(e.owner, "promo-team");
  EXPECT_EQ(e.added, today);
  EXPECT_EQ(e.expires, today.plus_days(14));
  EXPECT_EQ(e.mode, q::Mode::kRun);
  EXPECT_EQ(
      e.reason,
      "testscope check, rule promo-race-flaky: flaky: failed 2 of 25 executions (8.0%, 95% CI 2.2%-25.0%), "
      "above 1.0%; executions 4, 17 of out");
  EXPECT_TRUE(loaded.file.lookup(kRacy, today).quarantined());

  // Again: nothing is added twice.
  const std::string before = slurp(dir() / "q.toml");
  const Result again =
      testscope({"check", "out", "--rules", "rules.toml", "--apply", "--quarantine", "q.toml"});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.out.find("not quarantined PromoRace.RacyApplyAllowsExactlyOneUse (already quarantined): by "
                           "'PromoRace.RacyApplyAllowsExactlyOneUse'"),
            std::string::npos)
      << again.out;
  EXPECT_EQ(slurp(dir() / "q.toml"), before);
}

TEST_F(CheckCli, ApplyCreatesTheDefaultFile) {
  write_file(dir() / "rules.toml", slurp(dir() / "rules.toml") + "tests = [\"PromoRace.Racy*\"]\n");
  ASSERT_EQ(testscope({"check", "out", "--rules", "rules.toml"}).exit_code,
            2);  // `tests` given twice: not TOML
  write_file(dir() / "rules.toml",
             "[[rule]]\nname = \"f\"\nkind = \"verdict\"\nseverity = \"warning\"\n"
             "tests = \"PromoRace.Racy*\"\naction = \"quarantine\"\nowner = \"o\"\n"
             "expires_days = 3\nmode = \"skip\"\n");
  const Result r = testscope({"check", "out", "--rules", "rules.toml", "--apply"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const q::LoadResult loaded = q::load_quarantine(dir() / "testscope-quarantine.toml");
  ASSERT_TRUE(loaded.ok());
  ASSERT_EQ(loaded.file.entries().size(), 1U);
  EXPECT_EQ(loaded.file.entries()[0].mode, q::Mode::kSkip);
  EXPECT_EQ(loaded.file.entries()[0].expires, q::Date::today().plus_days(3));
}

TEST_F(CheckCli, ABadQuarantineFileStopsApplyBeforeAnythingIsWritten) {
  write_file(dir() / "q.toml", "[[quarantine]]\ntest = \"A.B\"\n");
  const Result r = testscope({"check", "out", "--rules", "rules.toml", "--apply", "--quarantine", "q.toml"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("testscope: q.toml:1:1: "), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(slurp(dir() / "q.toml"), "[[quarantine]]\ntest = \"A.B\"\n");
}

TEST_F(CheckCli, GitHubAnnotationsUnderGitHubActions) {
  const Result plain = testscope({"check", "out", "--rules", "rules.toml"});
  EXPECT_EQ(plain.out.find("::"), std::string::npos);
  const Result r = testscope({"check", "out", "--rules", "rules.toml"}, {"GITHUB_ACTIONS=true"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(
      r.out.find("\n::error title=testscope check%3A promo-race-flaky::PromoRace.Broken: broken, not flaky"),
      std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find(
                "\n::warning title=testscope check%3A promo-race-flaky::" + std::string(kRacy) +
                ": flaky: failed 2 of 25 executions (8.0%25, 95%25 CI 2.2%25-25.0%25), above 1.0%25%0Afailed "
                "in executions 4, 17; out/runs/4/tests/"),
            std::string::npos)
      << r.out;
}

TEST_F(CheckCli, JsonKeepsStdoutParseable) {
  const Result r =
      testscope({"check", "out", "--rules", "rules.toml", "--format", "json"}, {"GITHUB_ACTIONS=true"});
  EXPECT_EQ(r.exit_code, 1);
  const json j = json::parse(r.out);
  EXPECT_EQ(j["counts"]["errors"], 1);
  EXPECT_EQ(j["counts"]["warnings"], 1);
  EXPECT_EQ(j["findings"][1]["test"], kRacy);
  EXPECT_EQ(j["findings"][1]["quarantine"], "eligible");
  EXPECT_NE(r.err.find("::error title="), std::string::npos);  // annotations go to stderr
}

// The same tree, run under a quarantine of PromoRace.* (as the test program records it in
// summary.json) that expires `days` from today.
void write_quarantined_tree(const std::filesystem::path& root, int days) {
  FixtureTree tree(root);
  tree.add_series(kRacy, 25, {4, 17});
  tree.add_series("PromoRace.Broken", 25, {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13,
                                           14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25});
  tree.add_series("Other.A", 25);
  tree.add_series("Other.B", 25);
  const std::string expires = q::Date::today().plus_days(days).to_string();
  tree.quarantine(kRacy, "PromoRace.*", expires);
  tree.quarantine("PromoRace.Broken", "PromoRace.*", expires);
  tree.write();
}

TEST_F(CheckCli, ARunUnderQuarantineIsCheckedAsQuarantined) {
  write_quarantined_tree(dir() / "quarantined", 3);
  const std::string entry =
      "PromoRace.* (race, see #1; owner alice; until " + q::Date::today().plus_days(3).to_string() + ")";
  // The broken test is still an error: a quarantine must not hide it.
  const Result r =
      testscope({"check", "quarantined", "--rules", "rules.toml", "--apply", "--quarantine", "q.toml"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(
      r.out.find("error     promo-race-flaky  PromoRace.Broken                        refused: broken      "
                 "broken, not flaky: failed in all 25 executions it ran in while quarantined; a "
                 "quarantine must not hide a broken test, fix it\n"),
      std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("warning   promo-race-flaky  " + std::string(kRacy) +
                       "  already quarantined  flaky: failed 2 of 25 executions"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("          ran quarantined by " + entry + "\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("2 findings (1 error, 1 warning; 2 on quarantined tests)"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("not quarantined " + std::string(kRacy) +
                       " (already quarantined): it ran quarantined by " + entry + "; no entry added\n"),
            std::string::npos)
      << r.out;
  EXPECT_FALSE(std::filesystem::exists(dir() / "q.toml"));  // nothing was added

  // Without the broken test in scope, the quarantined flaky test does not fail the build.
  write_file(dir() / "rules.toml", slurp(dir() / "rules.toml") + "exclude = \"PromoRace.Broken\"\n");
  const Result quiet = testscope({"check", "quarantined", "--rules", "rules.toml"}, {"GITHUB_ACTIONS=true"});
  EXPECT_EQ(quiet.exit_code, 0) << quiet.err;
  EXPECT_NE(quiet.out.find("::warning title=testscope check%3A promo-race-flaky::" + std::string(kRacy)),
            std::string::npos)
      << quiet.out;
  EXPECT_NE(quiet.out.find("%0Aran quarantined by PromoRace.* (race, see #1; owner alice; until "),
            std::string::npos)
      << quiet.out;
  EXPECT_NE(quiet.out.find("%0Aaction: already quarantined\n"), std::string::npos) << quiet.out;
}

TEST_F(CheckCli, AnExpiredQuarantineCountsForNothing) {
  write_quarantined_tree(dir() / "quarantined", 0);  // expires today: no longer applies
  write_file(dir() / "rules.toml", slurp(dir() / "rules.toml") + "exclude = \"PromoRace.Broken\"\n");
  const Result r = testscope({"check", "quarantined", "--rules", "rules.toml", "--format", "json"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const json j = json::parse(r.out);
  ASSERT_EQ(j["findings"].size(), 1U);
  EXPECT_EQ(j["findings"][0]["quarantine"], "eligible");
  EXPECT_EQ(j["findings"][0]["ran_quarantined"]["applies"], false);
  EXPECT_EQ(j["counts"]["quarantined"], 0);
  const Result table = testscope({"check", "quarantined", "--rules", "rules.toml"});
  EXPECT_NE(table.out.find("; the entry has expired: it counts as not quarantined\n"), std::string::npos)
      << table.out;
}

}  // namespace
