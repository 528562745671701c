// The renderings of findings (src/analysis/findings_text.cpp, findings_json.cpp): the aligned
// table with its evidence lines, the --apply lines, GitHub annotations with GitHub's escaping,
// and the JSON.
#include "check/findings_format.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace testscope::analysis {
namespace {

using nlohmann::json;

CheckResult example() {
  CheckResult r;
  r.rules = 2;
  r.executions = 26;
  r.counted_executions = 25;
  r.infrastructure_failures = {{"7", 4, 3}};
  Finding broken;
  broken.rule = "promo-race-flaky";
  broken.severity = Severity::kError;
  broken.test = "PromoRace.Broken";
  broken.test_id = "PromoRace.Broken";
  broken.summary = "broken, not flaky: failed in all 2 executions it ran in; never quarantined, fix it";
  broken.value = 1;
  broken.executions = 2;
  broken.evidence = {{"1", "fail", std::nullopt, "runs/1/tests/PromoRace.Broken", "t.cpp:9: boom"},
                     {"2", "crash", std::nullopt, "runs/2/tests/PromoRace.Broken", "t.cpp:9: boom"}};
  broken.quarantine = QuarantineState::kBroken;
  broken.broken = true;
  broken.action = QuarantineAction{"promo-team", 14, quarantine::Mode::kRun};
  Finding metric;
  metric.rule = "promo-double-use";
  metric.kind = RuleKind::kMetric;
  metric.test = "PromoRace.RacyApplyAllowsExactlyOneUse";
  metric.test_id = metric.test;
  metric.summary = "promo_uses_total{status=\"ok\"} per execution: max 2 (execution 5); above 1";
  metric.value = 2;
  metric.limit = 1;
  metric.executions = 25;
  metric.evidence = {{"5", "fail", 2.0, "runs/5/tests/PromoRace.RacyApplyAllowsExactlyOneUse", ""}};
  r.findings = {broken, metric};
  r.skipped_rules = {{"slower", "above_baseline_factor needs --baseline"}};
  return r;
}

TEST(FindingsFormat, TheTableIsAlignedWithEvidenceUnderEachRow) {
  EXPECT_EQ(format_findings_table(example(), "out", false),
            "SEVERITY  RULE              TEST                                    ACTION           FINDING\n"
            "error     promo-race-flaky  PromoRace.Broken                        refused: broken  broken, "
            "not flaky: "
            "failed in all 2 executions it ran in; never quarantined, fix it\n"
            "          failed in executions 1, 2 (crash); out/runs/1/tests/PromoRace.Broken: t.cpp:9: boom\n"
            "warning   promo-double-use  PromoRace.RacyApplyAllowsExactlyOneUse  report           "
            "promo_uses_total{status=\"ok\"} per execution: max 2 (execution 5); above 1\n"
            "          above the limit in execution 5 (2); "
            "out/runs/5/tests/PromoRace.RacyApplyAllowsExactlyOneUse/metrics.prom\n"
            "\n"
            "1 execution of the tree left out as infrastructure failures (more than 50% of their tests "
            "failed): 7 (3 "
            "of 4 tests failed)\n"
            "rule slower not evaluated: above_baseline_factor needs --baseline\n"
            "2 findings (1 error, 1 warning) from 2 rules over 25 executions (of 26)\n");
}

TEST(FindingsFormat, ColourOnlyWhenAsked) {
  EXPECT_EQ(format_findings_table(example(), "out", false).find('\x1b'), std::string::npos);
  const std::string coloured = format_findings_table(example(), "out", true);
  EXPECT_NE(coloured.find("\x1b["), std::string::npos);
}

TEST(FindingsFormat, NoFindings) {
  CheckResult r;
  r.rules = 1;
  r.executions = r.counted_executions = 1;
  EXPECT_EQ(format_findings_table(r, "out", false), "no findings from 1 rule over 1 execution\n");
}

TEST(FindingsFormat, GitHubAnnotationsAreEscaped) {
  CheckResult r = example();
  r.findings[1].summary = "100% sure: a,b\r\nnext";
  EXPECT_EQ(
      format_github_annotations(r, "out"),
      "::error title=testscope check%3A promo-race-flaky::PromoRace.Broken: broken, not flaky: failed in all "
      "2 "
      "executions it ran in; never quarantined, fix it%0Afailed in executions 1, 2 (crash); "
      "out/runs/1/tests/PromoRace.Broken: t.cpp:9: boom%0Aaction: refused: broken\n"
      "::warning title=testscope check%3A promo-double-use::PromoRace.RacyApplyAllowsExactlyOneUse: 100%25 "
      "sure: a,b%0D%0Anext%0Aabove the limit in execution 5 (2); "
      "out/runs/5/tests/PromoRace.RacyApplyAllowsExactlyOneUse/metrics.prom\n");
}

TEST(FindingsFormat, TheApplyLines) {
  ApplyOutcome outcome;
  outcome.items = {
      {ApplyItem::Status::kAdded, "A.B", "r", "until 2026-12-04 (14 days, owner o, mode run)", {}},
      {ApplyItem::Status::kBroken,
       "A.C",
       "r",
       "failed in all 3 executions: broken tests are never "
       "quarantined",
       {}}};
  EXPECT_EQ(format_apply_outcome(outcome, "q.toml"),
            "quarantined A.B until 2026-12-04 (14 days, owner o, mode run) in q.toml (rule r)\n"
            "not quarantined A.C (broken): failed in all 3 executions: broken tests are never quarantined\n");
  EXPECT_EQ(format_apply_outcome({}, "q.toml"),
            "--apply: no finding asks to quarantine a test; q.toml unchanged\n");
}

TEST(FindingsFormat, TheJson) {
  ApplyOutcome outcome;
  quarantine::Entry entry;
  entry.test = "A.B";
  entry.reason = "why";
  entry.owner = "o";
  entry.added = {2026, 11, 20};
  entry.expires = {2026, 12, 4};
  outcome.items = {{ApplyItem::Status::kAdded, "A.B", "r", "until 2026-12-04", entry}};
  const json j = json::parse(format_findings_json(example(), {"out", "", "rules.toml"}, &outcome, "q.toml"));
  EXPECT_EQ(j["schema"], 1);
  EXPECT_EQ(j["tree"], "out");
  EXPECT_TRUE(j["baseline"].is_null());
  EXPECT_EQ(j["rules_file"], "rules.toml");
  EXPECT_EQ(j["executions"]["total"], 26);
  EXPECT_EQ(j["executions"]["counted"], 25);
  EXPECT_EQ(j["executions"]["infrastructure_failures"][0]["execution"], "7");
  EXPECT_EQ(j["counts"]["errors"], 1);
  EXPECT_EQ(j["counts"]["warnings"], 1);
  ASSERT_EQ(j["findings"].size(), 2U);
  const json& broken = j["findings"][0];
  EXPECT_EQ(broken["rule"], "promo-race-flaky");
  EXPECT_EQ(broken["kind"], "verdict");
  EXPECT_EQ(broken["severity"], "error");
  EXPECT_EQ(broken["action"], "quarantine");
  EXPECT_EQ(broken["quarantine"], "refused: broken");
  EXPECT_EQ(broken["quarantine_entry"]["owner"], "promo-team");
  EXPECT_EQ(broken["quarantine_entry"]["expires_days"], 14);
  EXPECT_EQ(broken["evidence"][1]["outcome"], "crash");
  EXPECT_EQ(broken["evidence"][1]["message"], "t.cpp:9: boom");
  EXPECT_FALSE(broken["evidence"][1].contains("value"));
  EXPECT_TRUE(broken["limit"].is_null());
  const json& metric = j["findings"][1];
  EXPECT_EQ(metric["kind"], "metric");
  EXPECT_EQ(metric["action"], "report");
  EXPECT_TRUE(metric["quarantine"].is_null());
  EXPECT_EQ(metric["value"], 2.0);
  EXPECT_EQ(metric["limit"], 1.0);
  EXPECT_EQ(metric["evidence"][0]["value"], 2.0);
  EXPECT_EQ(metric["evidence"][0]["artifacts"], "runs/5/tests/PromoRace.RacyApplyAllowsExactlyOneUse");
  EXPECT_EQ(j["skipped_rules"][0]["rule"], "slower");
  EXPECT_EQ(j["apply"]["file"], "q.toml");
  EXPECT_EQ(j["apply"]["added"], 1);
  EXPECT_EQ(j["apply"]["items"][0]["status"], "added");
  EXPECT_EQ(j["apply"]["items"][0]["entry"]["expires"], "2026-12-04");
  EXPECT_FALSE(json::parse(format_findings_json(example(), {"out", "main", "r.toml"})).contains("apply"));
}

// A flaky test that ran quarantined (error rule, so softened to a warning), a broken one that
// ran quarantined, and one whose quarantine has expired.
CheckResult quarantined_example() {
  CheckResult r;
  r.rules = 1;
  r.executions = r.counted_executions = 25;
  Finding broken;
  broken.rule = "flaky";
  broken.severity = Severity::kError;
  broken.test = "PromoRace.Broken";
  broken.summary =
      "broken, not flaky: failed in all 25 executions it ran in while quarantined; a quarantine must not "
      "hide "
      "a broken test, fix it";
  broken.executions = 25;
  broken.evidence = {{"1", "fail", std::nullopt, "runs/1/tests/PromoRace.Broken", "t.cpp:9: boom"}};
  broken.quarantine = QuarantineState::kBroken;
  broken.action = QuarantineAction{"promo-team", 14, quarantine::Mode::kRun};
  broken.broken = true;
  broken.ran_quarantined =
      RanQuarantined{"PromoRace.* (race; owner alice; until 2026-12-04)", "2026-12-04", true};
  Finding racy;
  racy.rule = "flaky";
  racy.severity = Severity::kWarning;
  racy.rule_severity = Severity::kError;
  racy.test = "PromoRace.Racy";
  racy.summary = "flaky: failed 2 of 25 executions (8.0%, 95% CI 2.2%-25.0%)";
  racy.executions = 25;
  racy.evidence = {{"4", "fail", std::nullopt, "runs/4/tests/PromoRace.Racy", "t.cpp:9: boom"}};
  racy.quarantine = QuarantineState::kAlreadyQuarantined;
  racy.action = broken.action;
  racy.ran_quarantined = broken.ran_quarantined;
  Finding expired = racy;
  expired.test = "Promo.Old";
  expired.severity = Severity::kError;
  expired.quarantine = QuarantineState::kEligible;
  expired.evidence = {{"4", "fail", std::nullopt, "runs/4/tests/Promo.Old", "t.cpp:9: boom"}};
  expired.ran_quarantined =
      RanQuarantined{"Promo.Old (old; owner bob; until 2026-11-01)", "2026-11-01", false};
  r.findings = {broken, expired, racy};
  return r;
}

TEST(FindingsFormat, AQuarantinedTestSaysSoUnderItsEvidence) {
  EXPECT_EQ(
      format_findings_table(quarantined_example(), "out", false),
      "SEVERITY  RULE   TEST              ACTION               FINDING\n"
      "error     flaky  PromoRace.Broken  refused: broken      broken, not flaky: failed in all 25 "
      "executions "
      "it ran in while quarantined; a quarantine must not hide a broken test, fix it\n"
      "          failed in execution 1; out/runs/1/tests/PromoRace.Broken: t.cpp:9: boom\n"
      "          ran quarantined by PromoRace.* (race; owner alice; until 2026-12-04)\n"
      "error     flaky  Promo.Old         quarantine           flaky: failed 2 of 25 executions (8.0%, 95% "
      "CI "
      "2.2%-25.0%)\n"
      "          failed in execution 4; out/runs/4/tests/Promo.Old: t.cpp:9: boom\n"
      "          ran quarantined by Promo.Old (old; owner bob; until 2026-11-01); the entry has expired: it "
      "counts as not quarantined\n"
      "warning   flaky  PromoRace.Racy    already quarantined  flaky: failed 2 of 25 executions (8.0%, 95% "
      "CI "
      "2.2%-25.0%)\n"
      "          failed in execution 4; out/runs/4/tests/PromoRace.Racy: t.cpp:9: boom\n"
      "          ran quarantined by PromoRace.* (race; owner alice; until 2026-12-04); an error on a "
      "quarantined "
      "test counts as a warning\n"
      "\n"
      "3 findings (2 errors, 1 warning; 2 on quarantined tests) from 1 rule over 25 executions\n");
}

TEST(FindingsFormat, AQuarantinedTestInAnnotationsAndJson) {
  const std::string annotations = format_github_annotations(quarantined_example(), "out");
  EXPECT_NE(
      annotations.find("::warning title=testscope check%3A flaky::PromoRace.Racy: flaky: failed 2 of 25 "
                       "executions (8.0%25, 95%25 CI 2.2%25-25.0%25)%0Afailed in execution 4; "
                       "out/runs/4/tests/PromoRace.Racy: t.cpp:9: boom%0Aran quarantined by PromoRace.* "
                       "(race; owner alice; until 2026-12-04); an error on a quarantined test counts as a "
                       "warning%0Aaction: already quarantined\n"),
      std::string::npos)
      << annotations;
  EXPECT_NE(annotations.find("::error title=testscope check%3A flaky::PromoRace.Broken: "),
            std::string::npos);

  const json j = json::parse(format_findings_json(quarantined_example(), {"out", "", "rules.toml"}));
  EXPECT_EQ(j["counts"]["quarantined"], 2);
  const json& racy = j["findings"][2];
  EXPECT_EQ(racy["severity"], "warning");
  EXPECT_EQ(racy["rule_severity"], "error");
  EXPECT_EQ(racy["quarantine"], "already quarantined");
  EXPECT_EQ(racy["broken"], false);
  EXPECT_EQ(racy["ran_quarantined"]["entry"], "PromoRace.* (race; owner alice; until 2026-12-04)");
  EXPECT_EQ(racy["ran_quarantined"]["expires"], "2026-12-04");
  EXPECT_EQ(racy["ran_quarantined"]["applies"], true);
  EXPECT_EQ(j["findings"][0]["broken"], true);
  EXPECT_EQ(j["findings"][1]["ran_quarantined"]["applies"], false);
  EXPECT_TRUE(
      json::parse(format_findings_json(example(), {"out", "", "r.toml"}))["findings"][0]["ran_quarantined"]
          .is_null());
}

}  // namespace
}  // namespace testscope::analysis
