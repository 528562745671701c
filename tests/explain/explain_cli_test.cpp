// testscope explain on real runs (docs/explain.md): the promo example's race is named with
// its counts, a test that fails at random gets no separating order, and bad input exits 2.
#include <algorithm>
#include <cstdlib>
#include <regex>

#include "../cli/cli_harness.hpp"

namespace {

using cli_test::json;

class ExplainCli : public cli_test::CliTest {
 protected:
  // The fixture trees of tests/fixtures/make_explain_trees.py, written under dir()/trees; the
  // path of `name` among them.
  std::string fixture_tree(const std::string& name) {
    const std::string command =
        std::string(MAKE_EXPLAIN_TREES) + " " + (dir() / "trees").string() + " >/dev/null";
    EXPECT_EQ(std::system(command.c_str()), 0) << command;
    return (dir() / "trees" / name).string();
  }

  // `testscope report tree` with a GitHub step summary written to dir()/summary.md.
  cli_test::Result report_with_summary(const std::string& tree) {
    return testscope({"report", tree}, {"GITHUB_STEP_SUMMARY=" + (dir() / "summary.md").string()});
  }
};

#ifdef PROMO_TESTS
// A few seconds: 40 executions under --provoke=heavy make the race fail often enough.
TEST_F(ExplainCli, PromoNamesTheReadBeforeTheWrite) {
  const auto run = testscope({"run", "-n", "40", "--provoke=heavy", "--seed", "7", "--out", "out", "--",
                              PROMO_TESTS, "--gtest_filter=PromoRace.Racy*"});
  ASSERT_EQ(run.exit_code, 1) << run.err;
  const auto text = testscope({"explain", "out"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  // The threads are named by role ("the second user") when the users swap parts between
  // executions, or by name (user-u1) when one of them read second in every failing one: which,
  // depends on the schedule. The read of one thread against the other's write is the cause.
  const std::regex cause(
      "Explanation: (the second user|user-u[12])'s db.get_promo [a-z ]+ "
      "(the first user|user-u[12])'s db.increment_promo_uses");
  EXPECT_TRUE(std::regex_search(text.out, cause)) << text.out;
  // The value both users read shows among the other differences; whether it is phrased for both
  // users or for the second one alone depends on how the passing executions were scheduled.
  EXPECT_NE(text.out.find("apply_promo had promo.uses=0"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("provoked (heavy)"), std::string::npos) << text.out;
  const auto out = testscope({"explain", "out", "--format", "json"});
  ASSERT_EQ(out.exit_code, 0) << out.err;
  const json doc = json::parse(out.out);
  const json& test = doc["tests"].at(0);
  EXPECT_EQ(test["status"], "explained");
  const json& top = test["explanations"].at(0);
  EXPECT_EQ(top["kind"], "order");
  EXPECT_EQ(top["failing"]["holds"], top["failing"]["of"]);
  // In (nearly) no passing execution: with SQLite's locks the read can begin before the write
  // ended and still wait for it; a sanitizer build's timing once let one passing execution do so.
  EXPECT_LE(top["passing"]["holds"].get<int>(), std::max(1, top["passing"]["of"].get<int>() / 10))
      << top.dump();
  EXPECT_TRUE(top["significant"].get<bool>());
  ASSERT_EQ(top["operations"].size(), 2U);
  EXPECT_EQ(top["operations"][0]["span"], "db.get_promo");
  EXPECT_NE(top["operations"][0]["thread"], top["operations"][1]["thread"]);
  EXPECT_EQ(top["operations"][1]["span"], "db.increment_promo_uses");
  // No provocation wait is ever named.
  EXPECT_EQ(out.out.find("testscope.provoke"), std::string::npos);
}

// `check` puts the top explanation on a verdict finding: in the table, the JSON and the reason
// of the quarantine entry --apply writes, so the entry says why the test is flaky.
TEST_F(ExplainCli, CheckFindingsAndQuarantineEntriesCarryTheExplanation) {
  const auto run = testscope({"run", "-n", "40", "--provoke=heavy", "--seed", "7", "--out", "out", "--",
                              PROMO_TESTS, "--gtest_filter=PromoRace.Racy*"});
  ASSERT_EQ(run.exit_code, 1) << run.err;
  cli_test::write_file(dir() / "rules.toml", R"([[rule]]
name = "promo-race-flaky"
kind = "verdict"
severity = "warning"
tests = ["PromoRace.*"]
failure_rate_above = "1%"
action = "quarantine"
owner = "promo-team"
)");
  const auto table =
      testscope({"check", "out", "--rules", "rules.toml", "--apply", "--quarantine", "q.toml"});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  const std::regex line(
      "explained: (the second user|user-u[12])'s db.get_promo [a-z ]+ (the first user|user-u[12])'s "
      "db.increment_promo_uses [a-z]+ \\(in [0-9]+ of [0-9]+ failing executions, 0 of [0-9]+ passing\\)");
  EXPECT_TRUE(std::regex_search(table.out, line)) << table.out;
  const std::string entry = cli_test::slurp(dir() / "q.toml");
  EXPECT_NE(entry.find("explained: "), std::string::npos) << entry;
  EXPECT_NE(entry.find("'s db.get_promo"), std::string::npos) << entry;

  const auto out = testscope({"check", "out", "--rules", "rules.toml", "--format", "json"});
  ASSERT_EQ(out.exit_code, 0) << out.err;
  const json finding = json::parse(out.out)["findings"].at(0);
  EXPECT_EQ(finding["kind"], "verdict");
  EXPECT_NE(finding["explanation"].get<std::string>().find("db.increment_promo_uses"), std::string::npos)
      << finding.dump();
}
#endif

// At the default 5% family-wise error rate, a coin flip gets a chance explanation (a span's
// duration that happened to split the groups) in up to 1 run of 20 by design; CI once met it.
// Asked at 0.01%, the claim "nothing separates" must hold but for 1 run in 10,000 at most.
TEST_F(ExplainCli, CoinFlipHasNoSeparatingOrder) {
  const auto run = testscope({"run", "-n", "60", "--out", "out", "--", EXPLAIN_FIXTURE_PROGRAM});
  ASSERT_EQ(run.exit_code, 1) << run.err;
  const auto out = testscope({"explain", "out", "--format", "json", "--alpha", "1e-4"});
  ASSERT_EQ(out.exit_code, 0) << out.err;
  const json doc = json::parse(out.out);
  EXPECT_DOUBLE_EQ(doc["alpha"].get<double>(), 1e-4);
  ASSERT_EQ(doc["tests"].size(), 1U) << out.out;
  const std::string status = doc["tests"][0]["status"];
  EXPECT_TRUE(status == "nothing_separates" || status == "too_few") << out.out;
  for (const json& c : doc["tests"][0]["explanations"]) EXPECT_FALSE(c["significant"].get<bool>()) << out.out;
}

// Where the user already looks (the report's table, verdicts JSON, the GitHub step summary), the
// top explanation comes with the orders timing cannot tell from it: edges in one step of a task.
TEST_F(ExplainCli, ReportsListWhatTimingCannotTellApart) {
  const std::string tree = fixture_tree("step");
  const auto table = report_with_summary(tree);
  ASSERT_EQ(table.exit_code, 1) << table.err;
  EXPECT_NE(table.out.find("  the second clerk's read_balance began before the first clerk's audit ended\n"
                           "  in 18 of 18 failing executions, 0 of 22 passing\n"
                           "  or, the same by timing: the second clerk's read_balance began before the first "
                           "clerk's write_balance began\n"
                           "  or, the same by timing: the second clerk's read_balance began before the first "
                           "clerk's write_balance ended\n"),
            std::string::npos)
      << table.out;
  EXPECT_NE(cli_test::slurp(dir() / "summary.md").find("or, the same by timing: the second clerk"),
            std::string::npos);
  const auto out = testscope({"report", tree, "--format", "json"});
  const json explanation = json::parse(out.out)["tests"].at(0)["explanation"];
  ASSERT_EQ(explanation["equally"].size(), 2U) << explanation.dump();
  EXPECT_NE(explanation["equally"][1].get<std::string>().find("write_balance ended"), std::string::npos);
}

// A race that needs two orders at once: the report says the second one under the first.
TEST_F(ExplainCli, ReportsGiveTheOrderThatRefinesTheExplanation) {
  const std::string tree = fixture_tree("conjunction");
  const auto table = report_with_summary(tree);
  ASSERT_EQ(table.exit_code, 1) << table.err;
  const std::regex refined(
      "\n  where it holds, the failing executions also had: (reader's load began before updater's update "
      "ended|updater's invalidate began before reader's fill ended) \\(in ([0-9]+) of \\2 "
      "failing executions, 0 of [0-9]+ passing\\)\n");
  EXPECT_TRUE(std::regex_search(table.out, refined)) << table.out;
  EXPECT_NE(cli_test::slurp(dir() / "summary.md").find("where it holds, the failing executions also had: "),
            std::string::npos);
  const json explanation =
      json::parse(testscope({"report", tree, "--format", "json"}).out)["tests"].at(0)["explanation"];
  EXPECT_NE(explanation["refined_by"].get<std::string>().find(", 0 of "), std::string::npos)
      << explanation.dump();
  const json step =
      json::parse(testscope({"report", (dir() / "trees" / "step").string(), "--format", "json"}).out);
  EXPECT_TRUE(step["tests"].at(0)["explanation"]["refined_by"].is_null());
}

TEST_F(ExplainCli, BadInputExits2NamingIt) {
  const auto missing = testscope({"explain", "no-such-folder"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("no-such-folder"), std::string::npos) << missing.err;
  cli_test::write_file(dir() / "empty" / "x.txt", "");
  const auto empty = testscope({"explain", "empty"});
  EXPECT_EQ(empty.exit_code, 2);
  EXPECT_NE(empty.err.find("empty"), std::string::npos) << empty.err;
  const auto run = testscope({"run", "-n", "2", "--out", "out", "--", EXPLAIN_FIXTURE_PROGRAM});
  const auto unknown = testscope({"explain", "out", "No.SuchTest"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("no test named 'No.SuchTest' in out"), std::string::npos) << unknown.err;
  const auto top = testscope({"explain", "out", "--top", "0"});
  EXPECT_EQ(top.exit_code, 2);
  const auto alpha = testscope({"explain", "out", "--alpha", "0"});
  EXPECT_EQ(alpha.exit_code, 2);
  EXPECT_NE(alpha.err.find("--alpha"), std::string::npos) << alpha.err;
}

}  // namespace
