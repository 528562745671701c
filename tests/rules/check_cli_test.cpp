// `testscope check` run as a real process on fixture trees: exit codes 0, 1 and 2, errors that
// name the rules file's line and column, GitHub annotations under GITHUB_ACTIONS=true, JSON,
// and --apply writing a real quarantine file that the quarantine library reads back, keeping
// its comments and never duplicating an entry or quarantining a broken test.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <spawn.h>
#include <sys/wait.h>
#include <testscope/quarantine.hpp>
#include <unistd.h>

#include <string>
#include <vector>

#include "rules_fixture.hpp"

namespace {

namespace q = testscope::quarantine;
using nlohmann::json;
using rules_test::FixtureTree;
using rules_test::slurp;
using rules_test::write;

constexpr const char* kRacy = "PromoRace.RacyApplyAllowsExactlyOneUse";

struct Result {
  int exit_code = -1;
  std::string out, err;
};

class CheckCli : public rules_test::ScratchTest {
 protected:
  void SetUp() override {
    ScratchTest::SetUp();
    FixtureTree tree(path("out"));
    tree.add_series(kRacy, 25, {4, 17});
    tree.add_series("PromoRace.Broken", 25, {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13,
                                             14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25});
    tree.add_series("Other.A", 25);
    tree.add_series("Other.B", 25);
    tree.write();
    write(path("rules.toml"), R"(# promo rules
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

  // Runs `testscope args...` in the scratch folder with only `env` beyond PATH and HOME.
  Result testscope(const std::vector<std::string>& args, std::vector<std::string> env = {}) {
    std::vector<std::string> argv{TESTSCOPE_CLI};
    argv.insert(argv.end(), args.begin(), args.end());
    for (const char* keep : {"PATH", "HOME", "TZ"}) {
      if (const char* value = std::getenv(keep); value != nullptr) {
        env.push_back(std::string(keep) + "=" + value);
      }
    }
    std::vector<char*> a;
    a.reserve(argv.size() + 1);
    for (std::string& s : argv) a.push_back(s.data());
    a.push_back(nullptr);
    std::vector<char*> e;
    e.reserve(env.size() + 1);
    for (std::string& s : env) e.push_back(s.data());
    e.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, path("stdout").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, 2, path("stderr").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const auto cwd = std::filesystem::current_path();
    std::filesystem::current_path(path(""));
    pid_t pid = 0;
    const int rc = posix_spawn(&pid, a[0], &actions, nullptr, a.data(), e.data());
    std::filesystem::current_path(cwd);
    posix_spawn_file_actions_destroy(&actions);
    Result r;
    if (rc != 0) return r;
    int status = 0;
    waitpid(pid, &status, 0);
    if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
    r.out = slurp(path("stdout"));
    r.err = slurp(path("stderr"));
    return r;
  }
};

TEST_F(CheckCli, WarningsOnlyExitZeroAndPrintTheTable) {
  write(path("rules.toml"), "[[rule]]\nname = \"flaky\"\nkind = \"verdict\"\nseverity = \"warning\"\n");
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
  write(path("rules.toml"),
        "[[rule]]\nname = \"p\"\nkind = \"verdict\"\nseverity = \"error\"\ntests = \"Other.*\"\n");
  const Result r = testscope({"check", "out", "--rules", "rules.toml"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "no findings from 1 rule over 25 executions\n");
}

TEST_F(CheckCli, ABadRulesFileExitsTwoNamingLineAndColumn) {
  write(path("bad.toml"), "[[rule]]\nname = \"x\"\nkind = \"verdict\"\nseverity = \"fatal\"\ncolour = 1\n");
  const Result r = testscope({"check", "out", "--rules", "bad.toml"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err,
            "testscope: bad.toml:4:12: 'severity' must be one of \"warning\", \"error\", not 'fatal'\n"
            "testscope: bad.toml:5:1: unknown key 'colour' in a [[rule]]\n");
  EXPECT_EQ(r.out, "");
  write(path("empty.toml"), "");
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
  write(path("q.toml"), "# Quarantined tests: see docs/quarantine.md.\n# Keep this comment.\n");
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

  const q::LoadResult loaded = q::load_quarantine(path("q.toml"));
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
  const std::string before = slurp(path("q.toml"));
  const Result again =
      testscope({"check", "out", "--rules", "rules.toml", "--apply", "--quarantine", "q.toml"});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.out.find("not quarantined PromoRace.RacyApplyAllowsExactlyOneUse (already quarantined): by "
                           "'PromoRace.RacyApplyAllowsExactlyOneUse'"),
            std::string::npos)
      << again.out;
  EXPECT_EQ(slurp(path("q.toml")), before);
}

TEST_F(CheckCli, ApplyCreatesTheDefaultFile) {
  write(path("rules.toml"), slurp(path("rules.toml")) + "tests = [\"PromoRace.Racy*\"]\n");
  ASSERT_EQ(testscope({"check", "out", "--rules", "rules.toml"}).exit_code,
            2);  // `tests` given twice: not TOML
  write(path("rules.toml"),
        "[[rule]]\nname = \"f\"\nkind = \"verdict\"\nseverity = \"warning\"\n"
        "tests = \"PromoRace.Racy*\"\naction = \"quarantine\"\nowner = \"o\"\n"
        "expires_days = 3\nmode = \"skip\"\n");
  const Result r = testscope({"check", "out", "--rules", "rules.toml", "--apply"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const q::LoadResult loaded = q::load_quarantine(path("testscope-quarantine.toml"));
  ASSERT_TRUE(loaded.ok());
  ASSERT_EQ(loaded.file.entries().size(), 1U);
  EXPECT_EQ(loaded.file.entries()[0].mode, q::Mode::kSkip);
  EXPECT_EQ(loaded.file.entries()[0].expires, q::Date::today().plus_days(3));
}

TEST_F(CheckCli, ABadQuarantineFileStopsApplyBeforeAnythingIsWritten) {
  write(path("q.toml"), "[[quarantine]]\ntest = \"A.B\"\n");
  const Result r = testscope({"check", "out", "--rules", "rules.toml", "--apply", "--quarantine", "q.toml"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("testscope: q.toml:1:1: "), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(slurp(path("q.toml")), "[[quarantine]]\ntest = \"A.B\"\n");
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

}  // namespace
