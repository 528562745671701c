// The rules file parser (src/analysis/rules_parse.cpp): a full valid file read back value by
// value, the example's file, and every kind of error with its file:line:column.
#include <gtest/gtest.h>

#include <string>

#include "check/rules.hpp"
#include "rules_fixture.hpp"

namespace testscope::analysis {
namespace {

// Every error of `text`, one "file:line:column: message" per line.
std::string errors_of(const std::string& text) {
  const RulesParseResult r = parse_rules(text, "rules.toml");
  std::string out;
  for (const RulesDiagnostic& d : r.errors) out += d.to_string() + "\n";
  EXPECT_EQ(r.ok(), out.empty());
  if (!r.ok()) {
    EXPECT_TRUE(r.rules.rules.empty());
  }
  return out;
}

// The only error of `text`.
std::string error_of(const std::string& text) {
  const RulesParseResult r = parse_rules(text, "rules.toml");
  EXPECT_EQ(r.errors.size(), 1U) << errors_of(text);
  return r.errors.empty() ? "" : r.errors.front().to_string();
}

constexpr const char* kVerdictRule = R"([[rule]]
name = "flaky"
kind = "verdict"
severity = "warning"
)";

TEST(RulesParse, ReadsEveryKindOfRuleAndTheGuards) {
  const RulesParseResult r = parse_rules(R"(# The rules of the promo service.
[guards]
min_executions = 15
mass_failure_fraction = "40%"

[[rule]]
name = "promo-race-flaky"
kind = "verdict"
severity = "error"
description = "the promo race, see #12"
tests = ["PromoRace.*", "Promo?.Other"]
exclude = "PromoRace.Atomic*"
verdicts = ["flaky", "crashed"]
failure_rate_above = "1%"
min_executions = 20
action = "quarantine"
owner = "promo-team"
expires_days = 7
mode = "skip"

[[rule]]
name = "promo.double_use"
kind = "metric"
severity = "warning"
metric = 'promo_uses_total{status="ok", promo_code!="TEST"}'
aggregate = "mean"
above = 1
above_baseline_factor = 1.5
above_baseline_by = 0.25

[[rule]]
name = "slower"
kind = "duration"
severity = "warning"
percentile = 90
above_ms = 50
above_baseline_factor = 2
above_baseline_by_ms = 1.5
)",
                                         "rules.toml");
  ASSERT_TRUE(r.ok()) << errors_of("");
  EXPECT_EQ(r.rules.file, "rules.toml");
  EXPECT_EQ(r.rules.guards.min_executions, 15);
  EXPECT_DOUBLE_EQ(r.rules.guards.mass_failure_fraction, 0.4);
  ASSERT_EQ(r.rules.rules.size(), 3U);

  const Rule& verdict = r.rules.rules[0];
  EXPECT_EQ(verdict.name, "promo-race-flaky");
  EXPECT_EQ(verdict.kind, RuleKind::kVerdict);
  EXPECT_EQ(verdict.severity, Severity::kError);
  EXPECT_EQ(verdict.description, "the promo race, see #12");
  EXPECT_EQ(verdict.tests, (std::vector<std::string>{"PromoRace.*", "Promo?.Other"}));
  EXPECT_EQ(verdict.exclude, (std::vector<std::string>{"PromoRace.Atomic*"}));
  EXPECT_EQ(verdict.verdicts,
            (std::vector<analysis::Verdict>{analysis::Verdict::kFlaky, analysis::Verdict::kCrashed}));
  EXPECT_DOUBLE_EQ(verdict.failure_rate_above, 0.01);
  EXPECT_EQ(verdict.min_executions, 20);
  ASSERT_TRUE(verdict.quarantine.has_value());
  EXPECT_EQ(verdict.quarantine->owner, "promo-team");
  EXPECT_EQ(verdict.quarantine->expires_days, 7);
  EXPECT_EQ(verdict.quarantine->mode, quarantine::Mode::kSkip);
  EXPECT_EQ(verdict.line, 6);
  EXPECT_TRUE(verdict.selects("PromoRace.Racy"));
  EXPECT_TRUE(verdict.selects("PromoX.Other"));
  EXPECT_FALSE(verdict.selects("PromoRace.AtomicApply"));
  EXPECT_FALSE(verdict.selects("Other.Test"));

  const Rule& metric = r.rules.rules[1];
  EXPECT_EQ(metric.kind, RuleKind::kMetric);
  EXPECT_EQ(metric.metric.to_string(), "promo_uses_total{status=\"ok\",promo_code!=\"TEST\"}");
  EXPECT_EQ(metric.aggregate, Aggregate::kMean);
  EXPECT_EQ(metric.thresholds.above, 1.0);
  EXPECT_EQ(metric.thresholds.baseline_factor, 1.5);
  EXPECT_EQ(metric.thresholds.baseline_by, 0.25);
  EXPECT_FALSE(metric.quarantine.has_value());
  EXPECT_TRUE(metric.selects("Anything.At_all"));

  const Rule& duration = r.rules.rules[2];
  EXPECT_EQ(duration.kind, RuleKind::kDuration);
  EXPECT_EQ(duration.percentile, 90);
  EXPECT_EQ(duration.thresholds.above, 50e6);  // nanoseconds
  EXPECT_EQ(duration.thresholds.baseline_factor, 2.0);
  EXPECT_EQ(duration.thresholds.baseline_by, 1.5e6);
}

TEST(RulesParse, DefaultsAreDocumented) {
  const RulesParseResult r = parse_rules(std::string(kVerdictRule) +
                                             "action = \"quarantine\"\nowner = \"me\"\n"
                                             "[[rule]]\nname = \"m\"\nkind = \"metric\"\n"
                                             "severity = \"error\"\nmetric = \"x_total\"\n"
                                             "above = 0\n",
                                         "rules.toml");
  ASSERT_TRUE(r.ok()) << r.errors.front().to_string();
  EXPECT_EQ(r.rules.guards.min_executions, 10);
  EXPECT_DOUBLE_EQ(r.rules.guards.mass_failure_fraction, 0.5);
  const Rule& verdict = r.rules.rules[0];
  EXPECT_EQ(verdict.verdicts, std::vector<analysis::Verdict>{analysis::Verdict::kFlaky});
  EXPECT_EQ(verdict.failure_rate_above, 0);
  EXPECT_EQ(verdict.min_executions, 1);
  EXPECT_EQ(verdict.quarantine->expires_days, 14);
  EXPECT_EQ(verdict.quarantine->mode, quarantine::Mode::kRun);
  EXPECT_EQ(r.rules.rules[1].aggregate, Aggregate::kMax);
  EXPECT_EQ(r.rules.rules[1].percentile, 95);
}

TEST(RulesParse, TheExampleRulesFileIsValid) {
  const RulesParseResult r = load_rules(EXAMPLE_RULES_FILE);
  ASSERT_TRUE(r.ok()) << r.errors.front().to_string();
  ASSERT_EQ(r.rules.rules.size(), 2U);
  EXPECT_EQ(r.rules.rules[0].kind, RuleKind::kVerdict);
  EXPECT_EQ(r.rules.rules[0].tests, std::vector<std::string>{"PromoRace.*"});
  EXPECT_DOUBLE_EQ(r.rules.rules[0].failure_rate_above, 0.01);
  EXPECT_EQ(r.rules.rules[0].min_executions, 20);
  EXPECT_TRUE(r.rules.rules[0].quarantine.has_value());
  EXPECT_EQ(r.rules.rules[1].metric.to_string(), "promo_uses_total{status=\"ok\"}");
  EXPECT_EQ(r.rules.rules[1].thresholds.above, 1.0);
}

TEST(RulesParse, EmptyFilesHaveNoRules) {
  EXPECT_EQ(error_of(""),
            "rules.toml:1:1: no rules: the file is empty; write at least one [[rule]] block (docs/rules.md)");
  EXPECT_EQ(error_of("\n  \n"),
            "rules.toml:1:1: no rules: the file is empty; write at least one [[rule]] block (docs/rules.md)");
  EXPECT_EQ(error_of("# only a comment\n[guards]\nmin_executions = 3\n"),
            "rules.toml:1:1: no rules: write at least one [[rule]] block (docs/rules.md)");
}

TEST(RulesParse, NotTomlStopsAtTheFirstSyntaxError) {
  const std::string e = error_of(std::string(kVerdictRule) + "min_executions = = 3\n");
  EXPECT_EQ(e.rfind("rules.toml:5:18: not valid TOML: ", 0), 0U) << e;
}

TEST(RulesParse, UnknownKeysAreNamedWithASuggestion) {
  EXPECT_EQ(
      error_of("[[rules]]\nname = \"x\"\n"),
      "rules.toml:1:3: unknown key 'rules': a rules file holds [[rule]] blocks and a [guards] table (did you "
      "mean 'rule'?)");
  EXPECT_EQ(
      error_of(std::string(kVerdictRule) + "failure_rate_abov = 0.1\n"),
      "rules.toml:5:1: unknown key 'failure_rate_abov' in a [[rule]] (did you mean 'failure_rate_above'?)");
  EXPECT_EQ(error_of(std::string(kVerdictRule) + "colour = \"red\"\n"),
            "rules.toml:5:1: unknown key 'colour' in a [[rule]]");
  EXPECT_EQ(error_of(std::string(kVerdictRule) + "above_ms = 3\n"),
            "rules.toml:5:1: 'above_ms' is a key of duration rules, not of a verdict rule");
  EXPECT_EQ(error_of(std::string(kVerdictRule) + "[guards]\nmin_execution = 3\n"),
            "rules.toml:6:1: unknown key 'min_execution' in [guards] (did you mean 'min_executions'?)");
}

TEST(RulesParse, MissingKeysPointAtTheRule) {
  EXPECT_EQ(errors_of("# rules\n\n[[rule]]\nkind = \"verdict\"\n"),
            "rules.toml:3:1: this [[rule]] has no 'name'\n"
            "rules.toml:3:1: this [[rule]] has no 'severity'\n");
  EXPECT_EQ(error_of("[[rule]]\nname = \"x\"\nseverity = \"error\"\n"),
            "rules.toml:1:1: this [[rule]] has no 'kind'");
  EXPECT_EQ(error_of("[[rule]]\nname = \"x\"\nkind = \"metric\"\nseverity = \"error\"\nabove = 1\n"),
            "rules.toml:1:1: this [[rule]] has no 'metric'");
  EXPECT_EQ(
      error_of("[[rule]]\nname = \"x\"\nkind = \"duration\"\nseverity = \"error\"\n"),
      "rules.toml:1:1: this duration rule has no condition: give 'above_ms', 'above_baseline_factor' or "
      "'above_baseline_by_ms'");
  EXPECT_EQ(error_of(std::string(kVerdictRule) + "action = \"quarantine\"\n"),
            "rules.toml:5:10: action = \"quarantine\" needs an 'owner' (who fixes the test)");
}

TEST(RulesParse, WrongTypesSayWhatWasExpected) {
  EXPECT_EQ(error_of("[[rule]]\nname = 3\nkind = \"verdict\"\nseverity = \"error\"\n"),
            "rules.toml:2:8: 'name' must be a string (in quotes), not an integer");
  EXPECT_EQ(error_of(std::string(kVerdictRule) + "min_executions = \"20\"\n"),
            "rules.toml:5:18: 'min_executions' must be a whole number, not a string");
  EXPECT_EQ(error_of(std::string(kVerdictRule) + "failure_rate_above = true\n"),
            "rules.toml:5:22: 'failure_rate_above' must be a fraction (0.01) or a percentage (\"1%\"), not a "
            "boolean");
  EXPECT_EQ(error_of(std::string(kVerdictRule) + "tests = [\"A.*\", 7]\n"),
            "rules.toml:5:17: 'tests' must hold test names or patterns in quotes, not an integer");
  EXPECT_EQ(
      error_of("[[rule]]\nname = \"d\"\nkind = \"duration\"\nseverity = \"error\"\nabove_ms = \"50ms\"\n"),
      "rules.toml:5:12: 'above_ms' must be a number of milliseconds, not a string");
  EXPECT_EQ(error_of("rule = 3\n"), "rules.toml:1:8: write each rule as a [[rule]] block (two brackets)");
  EXPECT_EQ(error_of("[rule]\nname = \"x\"\n"),
            "rules.toml:1:1: write each rule as a [[rule]] block (two brackets)");
  EXPECT_EQ(error_of(std::string(kVerdictRule) + "[[guards]]\nmin_executions = 3\n"),
            "rules.toml:5:1: 'guards' must be a table ([guards] on its own line), not an array: write "
            "[guards] with "
            "one bracket");
}

TEST(RulesParse, BadValuesAreNamed) {
  EXPECT_EQ(error_of("[[rule]]\nname = \"x\"\nkind = \"latency\"\nseverity = \"error\"\n"),
            "rules.toml:3:8: 'kind' must be one of \"verdict\", \"metric\", \"duration\", not 'latency'");
  EXPECT_EQ(error_of("[[rule]]\nname = \"x\"\nkind = \"verdict\"\nseverity = \"fatal\"\n"),
            "rules.toml:4:12: 'severity' must be one of \"warning\", \"error\", not 'fatal'");
  EXPECT_EQ(error_of(std::string(kVerdictRule) + "action = \"mute\"\n"),
            "rules.toml:5:10: 'action' must be one of \"report\", \"quarantine\", not 'mute'");
  EXPECT_EQ(
      error_of(std::string(kVerdictRule) + "failure_rate_above = 5\n"),
      "rules.toml:5:22: 'failure_rate_above' must be a fraction from 0 and below 1 (write 0.01 or \"1%\" for "
      "one per cent), not 5");
  EXPECT_EQ(
      error_of(std::string(kVerdictRule) + "failure_rate_above = \"one%\"\n"),
      "rules.toml:5:22: 'failure_rate_above' must be a fraction (0.01) or a percentage (\"1%\"), not 'one%'");
  EXPECT_EQ(
      error_of(std::string(kVerdictRule) + "verdicts = [\"flakey\"]\n"),
      "rules.toml:5:13: 'verdicts' holds \"flaky\", \"failed\", \"crashed\" or \"timed out\", not 'flakey'");
  EXPECT_EQ(error_of(std::string(kVerdictRule) + "min_executions = 0\n"),
            "rules.toml:5:18: 'min_executions' must be from 1 to 1000000, not 0");
  EXPECT_EQ(
      error_of(std::string(kVerdictRule) + "action = \"quarantine\"\nowner = \"me\"\nexpires_days = 0\n"),
      "rules.toml:7:16: 'expires_days' must be from 1 to 3650, not 0");
  EXPECT_EQ(error_of(std::string(kVerdictRule) + "action = \"quarantine\"\nowner = \" \"\n"),
            "rules.toml:6:9: 'owner' must not be empty");
  EXPECT_EQ(error_of(std::string(kVerdictRule) + "owner = \"me\"\n"),
            "rules.toml:5:9: 'owner' applies only to action = \"quarantine\"");
  EXPECT_EQ(
      error_of(std::string(kVerdictRule) + "tests = [\"Promo Race.*\"]\n"),
      "rules.toml:5:10: bad test pattern 'Promo Race.*' in 'tests': test names hold no spaces or control "
      "characters");
  EXPECT_EQ(error_of("[[rule]]\nname = \"no spaces\"\nkind = \"verdict\"\nseverity = \"error\"\n"),
            "rules.toml:2:8: bad rule name 'no spaces': use letters, digits, '-', '_' and '.' (at most 100)");
  EXPECT_EQ(error_of("[[rule]]\nname = \"d\"\nkind = \"duration\"\nseverity = \"error\"\npercentile = 0\n"
                     "above_ms = 1\n"),
            "rules.toml:5:14: 'percentile' must be from 1 to 100, not 0");
  EXPECT_EQ(
      error_of(
          "[[rule]]\nname = \"d\"\nkind = \"duration\"\nseverity = \"error\"\nabove_baseline_factor = 0\n"),
      "rules.toml:5:25: 'above_baseline_factor' must be above 0, not 0");
  EXPECT_EQ(error_of("[[rule]]\nname = \"d\"\nkind = \"duration\"\nseverity = \"error\"\nabove_ms = inf\n"),
            "rules.toml:5:12: 'above_ms' must be a finite number");
  EXPECT_EQ(error_of(std::string(kVerdictRule) + "[guards]\nmass_failure_fraction = 0\n"),
            "rules.toml:6:25: 'mass_failure_fraction' must be a fraction above 0 to 1 (write 0.01 or \"1%\" "
            "for one "
            "per cent), not 0");
}

TEST(RulesParse, BadSelectorsSayWhereInTheSelector) {
  const std::string head = "[[rule]]\nname = \"m\"\nkind = \"metric\"\nseverity = \"error\"\nabove = 1\n";
  EXPECT_EQ(
      error_of(head + "metric = 'promo_uses_total{status=limit}'\n"),
      "rules.toml:6:10: bad metric selector 'promo_uses_total{status=limit}': expected the label value in "
      "quotes (status=\"limit\") (at character 25)");
  EXPECT_EQ(error_of(head + "metric = 'promo_uses_total{status=~\"ok|limit\"}'\n"),
            "rules.toml:6:10: bad metric selector 'promo_uses_total{status=~\"ok|limit\"}': regex matchers "
            "(=~, !~) "
            "are not supported: use = or != (one rule per value) (at character 24)");
  EXPECT_EQ(error_of(head + "metric = '{status=\"ok\"}'\n"),
            "rules.toml:6:10: bad metric selector '{status=\"ok\"}': write the metric name before '{' (e.g. "
            "promo_uses_total{status=\"ok\"}) (at character 1)");
  EXPECT_EQ(error_of(head + "metric = 'x{a=\"1\"'\n"),
            "rules.toml:6:10: bad metric selector 'x{a=\"1\"': expected '}' to close the label matchers (at "
            "character 8)");
}

TEST(RulesParse, EveryProblemIsReportedInFileOrder) {
  EXPECT_EQ(errors_of(R"([[rule]]
name = "a"
kind = "verdict"
severity = "warning"

[[rule]]
name = "a"
kind = "metric"
severity = "loud"
metric = "x_total"
above = -1
)"),
            "rules.toml:9:12: 'severity' must be one of \"warning\", \"error\", not 'loud'\n");
  EXPECT_EQ(errors_of(std::string(kVerdictRule) + "\n" + kVerdictRule),
            "rules.toml:7:8: rule 'flaky' is already defined at line 1\n");
}

TEST(RulesParse, NonAsciiTextSurvivesTomlPlusPlusWorkaround) {
  // Cyrillic, Greek and accented letters reach undefined behaviour in toml++ 3.3; the parser
  // reads them through the quarantine file's workaround and gives them back unchanged.
  const RulesParseResult r = parse_rules(
      "[[rule]]\nname = \"r\"\nkind = \"verdict\"\nseverity = \"warning\"\n"
      "description = \"\"\"гонка \\\n    Ω между check и update\"\"\"\ntests = [\"Промо.*\"]\n"
      "action = \"quarantine\"\nowner = \"José\"\n",
      "rules.toml");
  ASSERT_TRUE(r.ok()) << r.errors.front().to_string();
  EXPECT_EQ(r.rules.rules[0].description, "гонка Ω между check и update");
  EXPECT_EQ(r.rules.rules[0].tests, std::vector<std::string>{"Промо.*"});
  EXPECT_EQ(r.rules.rules[0].quarantine->owner, "José");
  EXPECT_EQ(error_of(std::string(kVerdictRule) + "é = 1\n").rfind("rules.toml:5:1: not valid TOML: ", 0), 0U);
}

TEST(RulesParse, LoadNamesTheFileItCannotRead) {
  const RulesParseResult missing = load_rules("/nonexistent/rules.toml");
  ASSERT_EQ(missing.errors.size(), 1U);
  EXPECT_EQ(missing.errors[0].to_string(), "/nonexistent/rules.toml: no such file");
  const RulesParseResult directory = load_rules("/");
  ASSERT_EQ(directory.errors.size(), 1U);
  EXPECT_EQ(directory.errors[0].to_string(), "/: is a directory, not a rules file");
}

}  // namespace
}  // namespace testscope::analysis
