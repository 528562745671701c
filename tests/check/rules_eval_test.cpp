// The evaluation of rules (src/analysis/rules_eval.cpp, check_tree.cpp) over fixture artifact
// trees written as `testscope run` writes them: each kind of rule fires on a tree made to
// trigger it and stays quiet on one that is not, with its evidence; and the guards hold (a
// broken test is never quarantined, a mass failure counts for nothing, too few executions
// quarantine nothing).
#include "check/rules_eval.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "analysis/artifact_tree.hpp"
#include "check/rules.hpp"
#include "rules_fixture.hpp"

namespace testscope::analysis {
namespace {

using rules_test::FixtureTree;
using rules_test::promo_metrics;

constexpr const char* kRacy = "PromoRace.RacyApplyAllowsExactlyOneUse";
constexpr const char* kAtomic = "PromoRace.AtomicApplyAllowsExactlyOneUse";
// The check's date: the fixtures' quarantine entries expire relative to it.
const quarantine::Date kToday{2026, 11, 28};

RuleSet rules(const std::string& text) {
  RulesParseResult r = parse_rules(text, "rules.toml");
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.errors.front().to_string());
  return r.rules;
}

std::vector<std::string> executions_of(const Finding& f) {
  std::vector<std::string> out;
  for (const EvidenceItem& e : f.evidence) out.push_back(e.execution);
  return out;
}

constexpr const char* kFlakyRule = R"([[rule]]
name = "promo-race-flaky"
kind = "verdict"
severity = "warning"
tests = ["PromoRace.*"]
failure_rate_above = "1%"
min_executions = 20
action = "quarantine"
owner = "promo-team"
)";

class RulesEval : public rules_test::ScratchTest {
 protected:
  static CheckResult check(const std::string& rules_text, const FixtureTree& tree,
                           const FixtureTree* baseline = nullptr) {
    const ArtifactTree here = load_artifact_tree(tree.write());
    EXPECT_TRUE(here.problems.empty()) << here.problems.front().message;
    if (baseline == nullptr) return evaluate_rules(rules(rules_text), here, nullptr, kToday);
    const ArtifactTree there = load_artifact_tree(baseline->write());
    return evaluate_rules(rules(rules_text), here, &there, kToday);
  }
};

TEST_F(RulesEval, AVerdictRuleFiresOnAFlakyTestAboveItsRate) {
  FixtureTree tree(path("out"));
  tree.add_series(kRacy, 25, {3, 11, 17});
  tree.add_series(kAtomic, 25);
  const CheckResult r = check(kFlakyRule, tree);
  ASSERT_EQ(r.findings.size(), 1U);
  const Finding& f = r.findings[0];
  EXPECT_EQ(f.rule, "promo-race-flaky");
  EXPECT_EQ(f.test, kRacy);
  EXPECT_EQ(f.test_id, kRacy);
  EXPECT_EQ(f.kind, RuleKind::kVerdict);
  EXPECT_EQ(f.severity, Severity::kWarning);
  EXPECT_DOUBLE_EQ(f.value, 0.12);
  EXPECT_EQ(f.limit, 0.01);
  EXPECT_EQ(f.executions, 25);
  EXPECT_EQ(f.summary, "flaky: failed 3 of 25 executions (12.0%, 95% CI 4.2%-30.0%), above 1.0%");
  EXPECT_EQ(executions_of(f), (std::vector<std::string>{"3", "11", "17"}));
  EXPECT_EQ(f.evidence[0].outcome, "fail");
  EXPECT_EQ(f.evidence[0].artifacts, std::string("runs/3/tests/") + kRacy);
  EXPECT_EQ(f.evidence[0].message, "promo_tests.cpp:85: Expected equality of these values:");
  EXPECT_EQ(f.quarantine, QuarantineState::kEligible);
  ASSERT_TRUE(f.action);
  EXPECT_EQ(f.action->owner, "promo-team");
  EXPECT_EQ(check_exit_code(r), 0);  // a warning
  EXPECT_EQ(r.executions, 25);
  EXPECT_EQ(r.counted_executions, 25);
  EXPECT_TRUE(r.infrastructure_failures.empty());
}

TEST_F(RulesEval, AVerdictRuleStaysQuietBelowItsRateOrMinimum) {
  FixtureTree stable(path("stable"));
  stable.add_series(kRacy, 25);
  stable.add_series(kAtomic, 25);
  EXPECT_TRUE(check(kFlakyRule, stable).findings.empty());

  FixtureTree few(path("few"));  // flaky, but 19 executions < min_executions = 20
  few.add_series(kRacy, 19, {3});
  few.add_series(kAtomic, 19);
  EXPECT_TRUE(check(kFlakyRule, few).findings.empty());

  FixtureTree rare(path("rare"));  // 1 of 200 = 0.5%, not above 1%
  rare.add_series(kRacy, 200, {150});
  rare.add_series(kAtomic, 200);
  EXPECT_TRUE(check(kFlakyRule, rare).findings.empty());
}

TEST_F(RulesEval, AnErrorSeverityFindingGivesExitCodeOne) {
  FixtureTree tree(path("out"));
  tree.add_series(kRacy, 10, {4});
  tree.add_series(kAtomic, 10);
  const CheckResult r = check("[[rule]]\nname = \"f\"\nkind = \"verdict\"\nseverity = \"error\"\n", tree);
  ASSERT_EQ(r.findings.size(), 1U);
  EXPECT_EQ(r.findings[0].summary, "flaky: failed 1 of 10 executions (10.0%, 95% CI 1.8%-40.4%)");
  EXPECT_EQ(r.findings[0].quarantine, QuarantineState::kNotAsked);
  EXPECT_EQ(check_exit_code(r), 1);
}

constexpr const char* kDoubleUseRule = R"([[rule]]
name = "promo-double-use"
kind = "metric"
severity = "error"
metric = 'promo_uses_total{status="ok"}'
above = 1
)";

TEST_F(RulesEval, AMetricRuleFiresWhenAnExecutionIsAboveItsThreshold) {
  FixtureTree tree(path("out"));
  tree.add_series(kRacy, 12, {5, 9}, [&](int e) {
    return promo_metrics(kRacy, e == 5 || e == 9 ? 2 : 1, e == 5 || e == 9 ? 0 : 1);
  });
  tree.add_series(kAtomic, 12, {}, [&](int) { return promo_metrics(kAtomic, 1, 1); });
  const CheckResult r = check(kDoubleUseRule, tree);
  ASSERT_EQ(r.findings.size(), 1U);
  const Finding& f = r.findings[0];
  EXPECT_EQ(f.test, kRacy);
  EXPECT_EQ(f.kind, RuleKind::kMetric);
  EXPECT_EQ(f.value, 2);
  EXPECT_EQ(f.limit, 1.0);
  EXPECT_FALSE(f.baseline);
  EXPECT_EQ(f.summary, "promo_uses_total{status=\"ok\"} per execution: max 2 (execution 5); above 1");
  EXPECT_EQ(executions_of(f), (std::vector<std::string>{"5", "9"}));
  EXPECT_EQ(f.evidence[0].value, 2.0);
  EXPECT_EQ(f.evidence[1].artifacts, std::string("runs/9/tests/") + kRacy);
  EXPECT_EQ(check_exit_code(r), 1);
  EXPECT_TRUE(r.problems.empty());
}

TEST_F(RulesEval, AMetricRuleStaysQuietAtItsThreshold) {
  FixtureTree tree(path("out"));
  tree.add_series(kRacy, 12, {}, [&](int) { return promo_metrics(kRacy, 1, 1); });
  tree.add_series(kAtomic, 12, {}, [&](int) { return promo_metrics(kAtomic, 1, 1); });
  EXPECT_TRUE(check(kDoubleUseRule, tree).findings.empty());
}

TEST_F(RulesEval, AMetricRuleWithMeanAveragesTheExecutions) {
  FixtureTree tree(path("out"));  // limit rises in 3 of 10 executions: mean 0.3
  tree.add_series(kRacy, 10, {}, [&](int e) { return promo_metrics(kRacy, 1, e <= 3 ? 1 : 0); });
  const std::string rule =
      "[[rule]]\nname = \"limits\"\nkind = \"metric\"\nseverity = \"warning\"\n"
      "metric = 'promo_uses_total{status=\"limit\"}'\naggregate = \"mean\"\nabove = ";
  const CheckResult fires = check(rule + "0.25\n", tree);
  ASSERT_EQ(fires.findings.size(), 1U);
  EXPECT_DOUBLE_EQ(fires.findings[0].value, 0.3);
  EXPECT_EQ(fires.findings[0].summary,
            "promo_uses_total{status=\"limit\"} per execution: mean 0.3; above 0.25");
  EXPECT_EQ(executions_of(fires.findings[0]), (std::vector<std::string>{"1", "2", "3"}));
  EXPECT_TRUE(check(rule + "0.3\n", tree).findings.empty());
}

constexpr const char* kLimitRiseRule = R"([[rule]]
name = "limit-rise"
kind = "metric"
severity = "warning"
metric = 'promo_uses_total{status="limit"}'
aggregate = "mean"
above_baseline_factor = 2
)";

TEST_F(RulesEval, AMetricRuleComparesWithTheBaseline) {
  FixtureTree main(path("main"));  // the seed's limit counter rises in 1 of 10 executions on main
  main.add_series(kRacy, 10, {}, [&](int e) { return promo_metrics(kRacy, 1, e == 1 ? 1 : 0); });
  FixtureTree branch(path("branch"));  // and in 5 of 10 on the branch
  branch.add_series(kRacy, 10, {}, [&](int e) { return promo_metrics(kRacy, 1, e % 2 == 0 ? 1 : 0); });
  const CheckResult r = check(kLimitRiseRule, branch, &main);
  ASSERT_EQ(r.findings.size(), 1U);
  const Finding& f = r.findings[0];
  EXPECT_DOUBLE_EQ(f.value, 0.5);
  EXPECT_DOUBLE_EQ(*f.baseline, 0.1);
  EXPECT_DOUBLE_EQ(*f.limit, 0.2);
  EXPECT_EQ(
      f.summary,
      "promo_uses_total{status=\"limit\"} per execution: mean 0.5, baseline mean 0.1 (5.00x); limit 0.2 (2x "
      "baseline)");
  EXPECT_EQ(executions_of(f), (std::vector<std::string>{"2", "4", "6", "8", "10"}));

  FixtureTree same(path("same"));  // as often as on main: quiet
  same.add_series(kRacy, 10, {}, [&](int e) { return promo_metrics(kRacy, 1, e == 7 ? 1 : 0); });
  EXPECT_TRUE(check(kLimitRiseRule, same, &main).findings.empty());
}

TEST_F(RulesEval, ARuleThatNeedsABaselineIsSkippedWithoutOne) {
  FixtureTree tree(path("out"));
  tree.add_series(kRacy, 10, {}, [&](int) { return promo_metrics(kRacy, 1, 1); });
  const CheckResult r = check(kLimitRiseRule, tree);
  EXPECT_TRUE(r.findings.empty());
  ASSERT_EQ(r.skipped_rules.size(), 1U);
  EXPECT_EQ(r.skipped_rules[0].rule, "limit-rise");
  EXPECT_EQ(r.skipped_rules[0].reason, "above_baseline_factor needs --baseline");
}

TEST_F(RulesEval, ARuleThatSelectsNoTestSaysSo) {
  FixtureTree tree(path("out"));
  tree.add_series(kRacy, 3);
  const CheckResult r = check(
      "[[rule]]\nname = \"typo\"\nkind = \"verdict\"\nseverity = \"error\"\n"
      "tests = [\"PromoRcae.*\"]\n",
      tree);
  ASSERT_EQ(r.skipped_rules.size(), 1U);
  EXPECT_EQ(r.skipped_rules[0].reason, "its tests and exclude patterns select no test here");
}

// A misspelt metric gave "no findings" and exit 0 (issue 14): it says it matched no series.
TEST_F(RulesEval, AMetricRuleThatMatchesNoSeriesSaysSo) {
  FixtureTree tree(path("out"));
  tree.add_series(kRacy, 3, {}, [&](int) { return promo_metrics(kRacy, 2, 0); });
  const CheckResult r = check(
      "[[rule]]\nname = \"typo\"\nkind = \"metric\"\nseverity = \"error\"\n"
      "metric = 'promo_use_total{status=\"ok\"}'\nabove = 1\n",
      tree);
  EXPECT_TRUE(r.findings.empty());
  ASSERT_EQ(r.skipped_rules.size(), 1U);
  EXPECT_EQ(r.skipped_rules[0].rule, "typo");
  EXPECT_EQ(r.skipped_rules[0].reason.rfind("its metric promo_use_total{status=\"ok\"} matched no series", 0),
            0U)
      << r.skipped_rules[0].reason;
  EXPECT_TRUE(check(kDoubleUseRule, tree).skipped_rules.empty());  // the right name matches
}

TEST_F(RulesEval, AMetricsFileThatCannotBeReadIsAProblemAndItsRunIsLeftOut) {
  FixtureTree tree(path("out"));
  tree.add_series(kRacy, 4, {}, [&](int e) {
    return e == 2 ? std::string("promo_uses_total{status=ok} 2\n") : promo_metrics(kRacy, 1, 0);
  });
  const CheckResult r = check(kDoubleUseRule, tree);
  EXPECT_TRUE(r.findings.empty());
  ASSERT_EQ(r.problems.size(), 1U);
  EXPECT_EQ(r.problems[0].path, path("out") / "runs/2/tests" / kRacy / "metrics.prom");
  EXPECT_EQ(
      r.problems[0].message,
      "not Prometheus text format: line 1, column 25: expected '\"' to start the label value (metric rules "
      "skip this run)");
}

constexpr const char* kSlowerRule = R"([[rule]]
name = "slower"
kind = "duration"
severity = "error"
above_baseline_factor = 1.5
)";

TEST_F(RulesEval, ADurationRuleFiresWhenP95IsSlowerThanTheBaselines) {
  FixtureTree main(path("main"));
  main.add_series(
      kRacy, 20, {}, [](int) { return std::string(); }, 10000000);  // 10 ms
  FixtureTree branch(path("branch"));
  for (int e = 1; e <= 20; ++e) {
    branch.add(e, kRacy, {"pass", e <= 17 ? 10000000 : 30000000, ""});  // 3 at 30 ms
  }
  const CheckResult r = check(kSlowerRule, branch, &main);
  ASSERT_EQ(r.findings.size(), 1U);
  const Finding& f = r.findings[0];
  EXPECT_EQ(f.kind, RuleKind::kDuration);
  EXPECT_EQ(f.value, 30e6);
  EXPECT_EQ(f.baseline, 10e6);
  EXPECT_EQ(f.limit, 15e6);
  EXPECT_EQ(f.summary, "p95 duration 30.0 ms, baseline p95 10.0 ms (3.00x); limit 15.0 ms (1.5x baseline)");
  EXPECT_EQ(executions_of(f), (std::vector<std::string>{"18", "19", "20"}));
  EXPECT_EQ(check_exit_code(r), 1);

  FixtureTree outlier(path("outlier"));  // one slow execution in 20 is not the p95
  for (int e = 1; e <= 20; ++e) outlier.add(e, kRacy, {"pass", e == 7 ? 90000000 : 11000000, ""});
  EXPECT_TRUE(check(kSlowerRule, outlier, &main).findings.empty());
}

TEST_F(RulesEval, ADurationRuleWithAnAbsoluteLimitNeedsNoBaseline) {
  FixtureTree tree(path("out"));
  tree.add_series(
      kRacy, 10, {}, [](int) { return std::string(); }, 120000000);
  tree.add_series(
      kAtomic, 10, {}, [](int) { return std::string(); }, 80000000);
  const CheckResult r = check(
      "[[rule]]\nname = \"slow\"\nkind = \"duration\"\nseverity = \"warning\"\npercentile = 50\nabove_ms = "
      "100\n",
      tree);
  ASSERT_EQ(r.findings.size(), 1U);
  EXPECT_EQ(r.findings[0].test, kRacy);
  EXPECT_EQ(r.findings[0].summary, "p50 duration 120.0 ms; above 100.0 ms");
}

TEST_F(RulesEval, ABrokenTestIsNeverQuarantinedAndAFindingSaysSo) {
  FixtureTree tree(path("out"));
  tree.add_series(kRacy, 25, {3});
  tree.add_series("PromoRace.Broken", 25, {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13,
                                           14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25});
  tree.add_series("Other.A", 25);
  tree.add_series("Other.B", 25);
  const CheckResult r = check(std::string(kFlakyRule) + "verdicts = [\"flaky\", \"failed\"]\n", tree);
  ASSERT_EQ(r.findings.size(), 2U);
  const Finding& broken = r.findings[0];  // an error, so first
  EXPECT_EQ(broken.test, "PromoRace.Broken");
  EXPECT_EQ(broken.severity, Severity::kError);
  EXPECT_EQ(broken.quarantine, QuarantineState::kBroken);
  EXPECT_EQ(broken.summary,
            "broken, not flaky: failed in all 25 executions it ran in; never quarantined, fix it");
  EXPECT_EQ(broken.evidence.size(), 25U);
  EXPECT_EQ(r.findings[1].test, kRacy);
  EXPECT_EQ(r.findings[1].quarantine, QuarantineState::kEligible);
  EXPECT_EQ(check_exit_code(r), 1);
}

TEST_F(RulesEval, AMassFailureCountsForNothing) {
  // Execution 7: three of four tests fail (a database that was down): an infrastructure
  // failure. The racy test's only failure is there, so it is not flaky at all.
  FixtureTree tree(path("out"));
  tree.add_series(kRacy, 25, {7});
  tree.add_series(kAtomic, 25, {7});
  tree.add_series("Other.A", 25, {7});
  tree.add_series("Other.B", 25);
  const CheckResult r = check(kFlakyRule, tree);
  EXPECT_TRUE(r.findings.empty());
  ASSERT_EQ(r.infrastructure_failures.size(), 1U);
  EXPECT_EQ(r.infrastructure_failures[0].execution, "7");
  EXPECT_EQ(r.infrastructure_failures[0].tests_run, 4);
  EXPECT_EQ(r.infrastructure_failures[0].tests_failed, 3);
  EXPECT_EQ(r.counted_executions, 24);

  // Half failing is not more than half: execution 7 counts.
  FixtureTree half(path("half"));
  half.add_series(kRacy, 25, {7});
  half.add_series(kAtomic, 25, {7});
  half.add_series("Other.A", 25);
  half.add_series("Other.B", 25);
  const CheckResult counted = check(kFlakyRule, half);
  EXPECT_TRUE(counted.infrastructure_failures.empty());
  ASSERT_EQ(counted.findings.size(), 2U);
  EXPECT_EQ(counted.findings[0].test, kAtomic);
  EXPECT_EQ(counted.findings[1].test, kRacy);
}

TEST_F(RulesEval, MassFailuresDoNotMakeATestLookBroken) {
  // The racy test fails in 2 good executions and in the 3 infrastructure failures: flaky over
  // the 22 executions that count, never "broken".
  FixtureTree tree(path("out"));
  tree.add_series(kRacy, 25, {2, 5, 10, 15, 20});
  tree.add_series("Other.A", 25, {5, 10, 15});
  tree.add_series("Other.B", 25, {5, 10, 15});
  const CheckResult r = check(kFlakyRule, tree);
  EXPECT_EQ(r.infrastructure_failures.size(), 3U);
  ASSERT_EQ(r.findings.size(), 1U);
  EXPECT_EQ(r.findings[0].summary, "flaky: failed 2 of 22 executions (9.1%, 95% CI 2.5%-27.8%), above 1.0%");
  EXPECT_EQ(executions_of(r.findings[0]), (std::vector<std::string>{"2", "20"}));
}

TEST_F(RulesEval, TooFewExecutionsQuarantineNothing) {
  FixtureTree tree(path("out"));
  tree.add_series(kRacy, 8, {3});
  tree.add_series(kAtomic, 8);
  const std::string rule =
      "[[rule]]\nname = \"f\"\nkind = \"verdict\"\nseverity = \"warning\"\naction = \"quarantine\"\nowner = "
      "\"o\"\n";
  const CheckResult r = check(rule, tree);  // guards.min_executions defaults to 10
  ASSERT_EQ(r.findings.size(), 1U);
  EXPECT_EQ(r.findings[0].quarantine, QuarantineState::kTooFewExecutions);
  const CheckResult lowered = check(rule + "[guards]\nmin_executions = 8\n", tree);
  ASSERT_EQ(lowered.findings.size(), 1U);
  EXPECT_EQ(lowered.findings[0].quarantine, QuarantineState::kEligible);
}

TEST_F(RulesEval, SkippedCrashedAndTimedOutRunsGiveNoMetricOrDurationValues) {
  FixtureTree tree(path("out"));
  tree.add(1, kRacy, {"pass", 1000000, promo_metrics(kRacy, 1, 0)});
  tree.add(2, kRacy, {"skip", 0, ""});
  tree.add(3, kRacy, {"crash", 900000000, ""});  // recovered: only the comment line
  tree.add(4, kRacy, {"timeout", 900000000, ""});
  const CheckResult metric = check(
      "[[rule]]\nname = \"m\"\nkind = \"metric\"\nseverity = \"warning\"\nmetric = \"promo_uses_total\"\n"
      "aggregate = \"mean\"\nabove = 0.9\n",
      tree);
  ASSERT_EQ(metric.findings.size(), 1U);
  EXPECT_EQ(metric.findings[0].value, 1);  // from execution 1 only
  const CheckResult duration =
      check("[[rule]]\nname = \"d\"\nkind = \"duration\"\nseverity = \"warning\"\nabove_ms = 2\n", tree);
  EXPECT_TRUE(duration.findings.empty());
}

// The racy test flaky in 25 executions, and a broken one, both run under the entry `entry`
// that expires on `expires` (as the test program records it), plus two passing tests.
FixtureTree quarantined_tree(const std::filesystem::path& root, const std::string& expires) {
  FixtureTree tree(root);
  tree.add_series(kRacy, 25, {4, 17});
  tree.add_series("PromoRace.Broken", 25, {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13,
                                           14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25});
  tree.add_series("Other.A", 25);
  tree.add_series("Other.B", 25);
  tree.quarantine(kRacy, "PromoRace.*", expires);
  tree.quarantine("PromoRace.Broken", "PromoRace.*", expires);
  return tree;
}

TEST_F(RulesEval, AQuarantinedFlakyTestIsNotAskedAgainAndIsAtMostAWarning) {
  const FixtureTree tree = quarantined_tree(path("out"), "2026-12-04");
  const std::string error_rule =
      std::string(kFlakyRule).replace(std::string(kFlakyRule).find("warning"), 7, "error");
  const CheckResult r = check(error_rule, tree);
  ASSERT_EQ(r.findings.size(), 2U);
  const Finding& racy = r.findings[1];
  EXPECT_EQ(racy.test, kRacy);
  EXPECT_EQ(racy.quarantine, QuarantineState::kAlreadyQuarantined);
  EXPECT_TRUE(racy.quarantined());
  ASSERT_TRUE(racy.ran_quarantined);
  EXPECT_EQ(racy.ran_quarantined->entry, "PromoRace.* (race, see #1; owner alice; until 2026-12-04)");
  EXPECT_EQ(racy.ran_quarantined->expires, "2026-12-04");
  EXPECT_TRUE(racy.ran_quarantined->applies);
  EXPECT_EQ(racy.rule_severity, Severity::kError);
  EXPECT_EQ(racy.severity, Severity::kWarning);  // the quarantine took its failures off the build
  EXPECT_FALSE(racy.broken);
  EXPECT_EQ(executions_of(racy), (std::vector<std::string>{"4", "17"}));  // the evidence is still there
  EXPECT_EQ(r.quarantined_findings(), 2);

  // Still too few executions: already quarantined wins over "not yet".
  const CheckResult few = check(error_rule + "[guards]\nmin_executions = 100\n", tree);
  ASSERT_EQ(few.findings.size(), 2U);
  EXPECT_EQ(few.findings[1].quarantine, QuarantineState::kAlreadyQuarantined);

  // A report rule on a quarantined test: reported with its quarantine, at most a warning.
  const CheckResult report = check(
      "[[rule]]\nname = \"flaky\"\nkind = \"verdict\"\nseverity = \"error\"\ntests = \"PromoRace.Racy*\"\n",
      tree);
  ASSERT_EQ(report.findings.size(), 1U);
  EXPECT_EQ(report.findings[0].quarantine, QuarantineState::kNotAsked);
  EXPECT_EQ(report.findings[0].severity, Severity::kWarning);
  EXPECT_TRUE(report.findings[0].quarantined());
  EXPECT_EQ(check_exit_code(report), 0);
}

TEST_F(RulesEval, AQuarantinedTestThatIsBrokenIsStillAnError) {
  const FixtureTree tree = quarantined_tree(path("out"), "2026-12-04");
  const CheckResult r = check(kFlakyRule, tree);
  ASSERT_EQ(r.findings.size(), 2U);
  const Finding& broken = r.findings[0];
  EXPECT_EQ(broken.test, "PromoRace.Broken");
  EXPECT_EQ(broken.severity, Severity::kError);
  EXPECT_EQ(broken.rule_severity, Severity::kWarning);
  EXPECT_TRUE(broken.broken);
  EXPECT_TRUE(broken.quarantined());
  EXPECT_EQ(broken.quarantine, QuarantineState::kBroken);
  EXPECT_EQ(
      broken.summary,
      "broken, not flaky: failed in all 25 executions it ran in while quarantined; a quarantine must not "
      "hide a broken test, fix it");
  EXPECT_EQ(check_exit_code(r), 1);

  // Even a rule that does not quarantine, and would not fire on it (flaky only), says so:
  // a quarantine hides a broken test from `run` and `report`, so check must not.
  for (const char* kind : {"verdict\"", "duration\"\nabove_ms = 1000"}) {
    const CheckResult report =
        check(std::string(
                  "[[rule]]\nname = \"r\"\nseverity = \"warning\"\ntests = \"PromoRace.Broken\"\nkind = \"") +
                  kind + "\n",
              tree);
    ASSERT_EQ(report.findings.size(), 1U) << kind;
    EXPECT_EQ(report.findings[0].test, "PromoRace.Broken");
    EXPECT_EQ(report.findings[0].severity, Severity::kError);
    EXPECT_TRUE(report.findings[0].broken);
    EXPECT_EQ(report.findings[0].quarantine, QuarantineState::kNotAsked);
    EXPECT_FALSE(report.findings[0].action);
    EXPECT_EQ(report.findings[0].evidence.size(), 25U);
    EXPECT_EQ(check_exit_code(report), 1);
  }
}

TEST_F(RulesEval, AnExpiredQuarantineIsNoQuarantine) {
  for (const std::string expires : {"2026-11-28", "2026-11-01", "someday"}) {  // today, before, unreadable
    const FixtureTree tree = quarantined_tree(path("out_" + expires), expires);
    const CheckResult r = check(kFlakyRule, tree);
    ASSERT_EQ(r.findings.size(), 2U) << expires;
    const Finding& racy = r.findings[1];
    EXPECT_EQ(racy.quarantine, QuarantineState::kEligible) << expires;
    ASSERT_TRUE(racy.ran_quarantined);
    EXPECT_FALSE(racy.ran_quarantined->applies);
    EXPECT_FALSE(racy.quarantined());
    EXPECT_EQ(r.quarantined_findings(), 0);
    EXPECT_EQ(r.findings[0].summary,
              "broken, not flaky: failed in all 25 executions it ran in; never quarantined, fix it");
  }
  // An expired quarantine does not soften an error rule.
  const FixtureTree tree = quarantined_tree(path("out"), "2026-11-27");
  const CheckResult r = check(
      "[[rule]]\nname = \"flaky\"\nkind = \"verdict\"\nseverity = \"error\"\ntests = \"PromoRace.Racy*\"\n",
      tree);
  ASSERT_EQ(r.findings.size(), 1U);
  EXPECT_EQ(r.findings[0].severity, Severity::kError);
  EXPECT_EQ(check_exit_code(r), 1);
}

TEST_F(RulesEval, TheLastQuarantinedRunDecides) {
  // The entry was renewed during the run: executions 1-10 recorded one that has expired since,
  // the later ones the renewed one.
  FixtureTree first(path("out"));
  for (int e = 1; e <= 10; ++e) first.add(e, kRacy, {e == 4 ? "fail" : "pass", 2000000, ""});
  first.add_series(kAtomic, 25);
  first.quarantine(kRacy, "PromoRace.*", "2026-11-20");
  first.write();
  FixtureTree renewed(path("out"));
  for (int e = 11; e <= 25; ++e) renewed.add(e, kRacy, {e == 17 ? "fail" : "pass", 2000000, ""});
  renewed.quarantine(kRacy, kRacy, "2026-12-20");
  renewed.write();
  const CheckResult r = check(kFlakyRule, FixtureTree(path("out")));  // writes nothing
  ASSERT_EQ(r.findings.size(), 1U);
  ASSERT_TRUE(r.findings[0].ran_quarantined);
  EXPECT_EQ(r.findings[0].ran_quarantined->expires, "2026-12-20");
  EXPECT_EQ(r.findings[0].quarantine, QuarantineState::kAlreadyQuarantined);
}

}  // namespace
}  // namespace testscope::analysis
