// The rules file of `testscope check` (TOML; docs/rules.md): which findings to raise about
// the tests of a `testscope run` output, how severe they are, and which ones quarantine the
// test. Three kinds of rule:
//
//   [[rule]]                                  # verdict: flaky above a failure rate
//   name = "promo-race-flaky"
//   kind = "verdict"
//   severity = "warning"
//   tests = ["PromoRace.*"]
//   failure_rate_above = 0.01                 # or "1%"
//   min_executions = 20
//   action = "quarantine"
//   owner = "promo-team"                      # expires_days = 14, mode = "run" by default
//
//   [[rule]]                                  # metric: a per-test metric delta per execution
//   name = "promo-double-use"
//   kind = "metric"
//   severity = "warning"
//   metric = 'promo_uses_total{status="ok"}'
//   aggregate = "max"                         # or "mean"
//   above = 1                                 # and/or above_baseline_factor, above_baseline_by
//
//   [[rule]]                                  # duration: a percentile against the baseline
//   name = "slower"
//   kind = "duration"
//   severity = "error"
//   above_baseline_factor = 1.5               # p95 (percentile = 95) over 1.5x the baseline's
//
// plus an optional [guards] table (min_executions, mass_failure_fraction). The parser
// reports every problem with file:line:column (toml++ reads the TOML) and never throws for
// bad content. Plain values; thread-safe.
#pragma once

#include <testscope/quarantine.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "analysis/verdicts.hpp"
#include "check/metric_selector.hpp"

namespace testscope::analysis {

// How bad a finding is: an error fails `testscope check` (exit code 1), a warning does not.
enum class Severity { kWarning, kError };
// "warning" or "error".
std::string_view severity_name(Severity severity);

// What a rule looks at.
enum class RuleKind {
  kVerdict,   // the test's verdict and failure rate across the executions
  kMetric,    // a metric's per-test delta (metrics.prom), per execution
  kDuration,  // a percentile of the test's durations
};
// "verdict", "metric" or "duration".
std::string_view rule_kind_name(RuleKind kind);

// How a metric rule turns one value per execution into the one it compares.
enum class Aggregate { kMax, kMean };
// "max" or "mean".
std::string_view aggregate_name(Aggregate aggregate);

// The conditions of a metric or duration rule on the aggregated value v (durations in
// nanoseconds). Every condition given must hold for the rule to fire; at least one is given.
// Plain data.
struct Thresholds {
  std::optional<double> above;            // v > above
  std::optional<double> baseline_factor;  // v > baseline's value x factor (needs --baseline)
  std::optional<double> baseline_by;      // v > baseline's value + amount (needs --baseline)

  bool needs_baseline() const { return baseline_factor.has_value() || baseline_by.has_value(); }
};

// What `check --apply` writes to the quarantine file for a rule's findings. Plain data.
struct QuarantineAction {
  std::string owner;
  int expires_days = 14;  // the entry expires this many days after the day it is added
  quarantine::Mode mode = quarantine::Mode::kRun;
};

// One [[rule]] block, checked. Plain data.
struct Rule {
  std::string name;  // unique in the file: letters, digits, '.', '-', '_'
  RuleKind kind = RuleKind::kVerdict;
  Severity severity = Severity::kWarning;
  std::string description;                     // optional, shown with its findings
  std::vector<std::string> tests;              // globs (* and ?) over full names; empty: every test
  std::vector<std::string> exclude;            // globs of tests left out
  int min_executions = 1;                      // the test ran (not skipped) in at least this many executions
  std::optional<QuarantineAction> quarantine;  // action = "quarantine"; nullopt: "report"
  int line = 0;                                // the line of its [[rule]] header

  // kVerdict: the verdicts that fire (as `testscope report` names them), and the failure
  // rate the test must be above.
  std::vector<analysis::Verdict> verdicts = {analysis::Verdict::kFlaky};
  double failure_rate_above = 0;
  // kMetric: the samples summed per execution, and how executions are combined.
  MetricSelector metric;
  Aggregate aggregate = Aggregate::kMax;
  // kDuration: the percentile compared (nearest rank, 1..100).
  int percentile = 95;
  // kMetric and kDuration.
  Thresholds thresholds;

  // True when the rule looks at the test named `full_name`: it matches a `tests` glob (or
  // `tests` is empty) and no `exclude` glob.
  bool selects(std::string_view full_name) const;
};

// The safety guards. Plain data.
struct Guards {
  // A finding quarantines a test only when the test ran in at least this many executions.
  int min_executions = 10;
  // An execution in which more than this fraction of the tests that ran failed (and at least
  // two ran) is an infrastructure failure: it is left out of every rule. 1 turns this off.
  double mass_failure_fraction = 0.5;
};

// A checked rules file. Plain data.
struct RuleSet {
  std::string file;  // the name given to parse_rules / load_rules
  Guards guards;
  std::vector<Rule> rules;  // in file order
};

// One problem in a rules file, at a position. Plain data.
struct RulesDiagnostic {
  std::string file;
  int line = 0;    // 1-based; 0 when the problem concerns the whole file
  int column = 0;  // 1-based; 0 when unknown
  std::string message;

  // "file:line:column: message", leaving out the parts that are 0.
  std::string to_string() const;
};

// The result of reading a rules file: valid when `errors` is empty; otherwise `rules` holds
// nothing useful.
struct RulesParseResult {
  RuleSet rules;
  std::vector<RulesDiagnostic> errors;  // in the order of their position in the file

  bool ok() const { return errors.empty(); }
};

// Parses the text of a rules file named `file_name` (for messages). Collects every problem
// (a TOML syntax error stops at the first, as toml++ does): not TOML, no rules (an empty
// file), unknown keys (with a suggestion, or the kind they belong to), missing keys, wrong
// types, bad values (severity, kind, action, rates, thresholds, selectors, globs), the same
// rule name twice. Never throws for bad content; std::bad_alloc may escape.
RulesParseResult parse_rules(std::string_view text, const std::string& file_name);

// Reads and parses the file at `path`, named by `path` as given in messages. A file that
// does not exist or cannot be read is an error (line 0).
RulesParseResult load_rules(const std::filesystem::path& path);

}  // namespace testscope::analysis
