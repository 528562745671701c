// Evaluating a rules file (rules.hpp) over the artifact tree of a `testscope run`, and
// optionally a baseline tree (e.g. the main branch's): the findings of `testscope check`,
// each with the rule, the test, the severity and the evidence (which executions, which
// values), plus what the safety guards decided (docs/rules.md):
//
// - an execution in which more than guards.mass_failure_fraction of the tests that ran
//   failed (at least two ran) is an infrastructure failure: left out of every rule;
// - a test that failed in every execution that counts is broken: a rule whose action is
//   quarantine never quarantines it, and says so in an error-severity finding instead;
// - a finding quarantines only a test that ran in at least guards.min_executions executions;
// - a test that ran quarantined (its runs recorded an entry that still applies on the check's
//   date) is not asked to be quarantined again, and its findings are at most warnings,
//   unless it is broken: a quarantine never hides a broken test.
//
// Deterministic: the same inputs give the same findings in the same order.
#pragma once

#include <testscope/quarantine.hpp>

#include <optional>
#include <string>
#include <vector>

#include "analysis/artifact_tree.hpp"
#include "check/check_tree.hpp"
#include "check/rules.hpp"

namespace testscope::analysis {

// One execution cited by a finding. Plain data.
struct EvidenceItem {
  std::string execution;        // "3"
  std::string outcome;          // the test's outcome there: pass | fail | crash | timeout
  std::optional<double> value;  // metric rules: the value; duration rules: the duration (ns)
  std::string artifacts;        // the test's folder, relative to the tree root
  std::string message;          // verdict rules: the failure's first line
};

// What the guards say about quarantining the test of a finding.
enum class QuarantineState {
  kNotAsked,            // the rule's action is report
  kEligible,            // --apply quarantines it
  kBroken,              // refused: the test failed in every execution
  kTooFewExecutions,    // refused: it ran in fewer than guards.min_executions executions
  kAlreadyQuarantined,  // not asked: the test ran quarantined by an entry that still applies
};

// The quarantine entry a test ran under, as its runs recorded it (summary.json "quarantine"
// of its last run that had one). Plain data.
struct RanQuarantined {
  std::string entry;    // one line: "PromoRace.* (race, see #1; owner alice; until 2026-12-04)"
  std::string expires;  // as recorded: "2026-12-04"; may be empty or unreadable in a damaged file
  // True when `expires` is a date after the check's date: the quarantine still applies. An
  // expired entry (or one whose expiry cannot be read) is not a quarantine.
  bool applies = false;
};

// One finding. Plain data.
struct Finding {
  std::string rule;
  RuleKind kind = RuleKind::kVerdict;
  // The finding's severity: the rule's, but always kError for a broken test (the guard) and
  // at most kWarning for a test that ran under a quarantine that still applies.
  Severity severity = Severity::kWarning;
  Severity rule_severity = Severity::kWarning;  // the rule's, as written
  std::string description;                      // the rule's
  std::string test;                             // full name
  std::string test_id;                          // folder name under tests/
  std::string summary;                          // one line saying what fired and why
  // The value compared: the failure rate (verdict), the aggregated metric value (metric) or
  // the duration percentile in ns (duration).
  double value = 0;
  std::optional<double> limit;         // what it had to be above (the strictest condition)
  std::optional<double> baseline;      // the baseline's value, when one was compared
  int executions = 0;                  // the test's executions that counted (skips left out)
  std::vector<EvidenceItem> evidence;  // in execution order
  QuarantineState quarantine = QuarantineState::kNotAsked;
  std::optional<QuarantineAction> action;  // the rule's, when its action is quarantine
  // The guard's finding on a broken test (failed in every execution it ran in) that a
  // quarantine rule selects or that ran quarantined: the summary says so, the evidence is
  // its failures.
  bool broken = false;
  std::optional<RanQuarantined> ran_quarantined;  // when the test's runs recorded a quarantine
  // A verdict finding on a flaky test: what `testscope explain` finds separates its failing
  // executions from its passing ones, in one line with the counts ("the second user's
  // db.get_promo ended before ... (in 20 of 20 failing executions, 0 of 14 passing)"); empty
  // when nothing separates them. evaluate_rules leaves it empty; the caller fills it.
  std::string explanation;

  // True when the test ran under a quarantine that still applies.
  bool quarantined() const { return ran_quarantined && ran_quarantined->applies; }
};

// A rule that could not be evaluated, and why. Plain data.
struct SkippedRule {
  std::string rule;
  std::string reason;
};

// Everything `testscope check` reports. Plain data.
struct CheckResult {
  std::vector<Finding> findings;  // errors first, then in rule order, then by test name
  // Findings whose test ran under a quarantine that still applies (Finding::quarantined()).
  int quarantined_findings() const;
  std::vector<InfrastructureFailure> infrastructure_failures;           // of the tree
  std::vector<InfrastructureFailure> baseline_infrastructure_failures;  // of the baseline
  std::vector<SkippedRule> skipped_rules;
  std::vector<Problem> problems;  // metrics.prom files that could not be used (full paths)
  int executions = 0;             // in the tree
  int counted_executions = 0;     // of them, not infrastructure failures
  int rules = 0;
  Guards guards;
};

// Evaluates every rule of `rules` over `tree`, comparing with `baseline` where rules ask for
// it (null: rules that need a baseline are skipped, with a reason). `today` decides whether
// a quarantine the runs recorded still applies (`testscope check` passes the local date).
// Reads the metrics.prom files metric rules need; files that cannot be used are problems,
// never exceptions.
CheckResult evaluate_rules(const RuleSet& rules, const ArtifactTree& tree, const ArtifactTree* baseline,
                           quarantine::Date today);

// 1 when a finding has severity error, else 0 (documented exit codes of `testscope check`).
int check_exit_code(const CheckResult& result);

// "12.3 ms" / "1.25 s" / "850 us" for a duration in nanoseconds, as findings show it.
std::string format_duration(double ns);

}  // namespace testscope::analysis
