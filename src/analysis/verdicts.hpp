// Verdicts per test across the executions of an artifact tree: passed (never failed),
// failed (every run), flaky (both), crashed, timed out (any run ended so), skipped (never
// ran), with the failure rate, its 95% Wilson interval and, for a test that never failed,
// the rate its runs rule out. Executions that died or failed outside any test's summary
// count against one extra entry for the whole program (kind "program"), which is listed
// when it has failures or when no test wrote a summary at all.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "analysis/artifact_tree.hpp"
#include "analysis/verdict_stats.hpp"

namespace testscope::analysis {

// The verdict on a test over its executions, in the order reports list them: flaky (failed
// some runs, passed others), crashed or timed out (any run ended so), failed (every run),
// passed (never failed), skipped (never ran).
enum class Verdict { kFlaky, kCrashed, kTimedOut, kFailed, kPassed, kSkipped };

// The name reports, verdicts.json and rules use: "flaky", "crashed", "timed out", "failed",
// "passed", "skipped".
std::string_view verdict_name(Verdict verdict);

// The verdict named `name` (as verdict_name gives it); nullopt for any other text.
std::optional<Verdict> parse_verdict(std::string_view name);

// passed or skipped: nothing to look at.
inline bool verdict_is_clean(Verdict verdict) {
  return verdict == Verdict::kPassed || verdict == Verdict::kSkipped;
}

// One run of a test (or of the program) that did not pass. Plain data.
struct FailingAttempt {
  std::string execution;  // the execution's folder name: "3"
  std::string outcome;    // fail | crash | timeout
  bool provoked = false;  // the execution ran under --provoke
  std::string artifacts;  // relative to the tree root: "runs/3/tests/Suite.Name" or "runs/3"
  std::string message;    // failure text; for the program: "killed by signal 11 (SIGSEGV)", ...
  std::int64_t duration_ns = 0;
};

// The top explanation of a flaky test by `testscope explain` (docs/explain.md), as the
// reports show it. Filled by the explain engine (a later stage); absent until then. Plain data.
struct VerdictExplanation {
  std::string status;     // explained | not_ordering | nothing_separates | too_few
  std::string statement;  // plain words; for nothing_separates and too_few, the summary
  std::string counts;     // "in 32 of 32 failing executions, 0 of 168 passing"; "" when none
  // Statements timing cannot tell from `statement` (edges in one step of a task): the code
  // decides which of them is the cause. Usually empty for threads.
  std::vector<std::string> equally;
  // When the statement alone also holds in some passing executions: the order that tells the
  // failing from the passing where it holds, with its counts there. Usually empty.
  std::string refined_by;
  std::string failing_example, passing_example;  // test folders relative to the root
  // The spans to mark in those executions: span id (16 hex digits) and a label ("1: begin").
  std::vector<std::pair<std::string, std::string>> failing_marks, passing_marks;
};

// The verdict on one test. Plain data.
struct TestVerdict {
  std::string name;  // full name, or the program's file name for kind "program"
  std::string suite;
  std::string case_name;
  std::string id;    // folder name under tests/ ("" for the program)
  std::string kind;  // "test" | "program"
  Verdict verdict = Verdict::kSkipped;
  int runs = 0;      // attempts that ran (skips excluded)
  int failures = 0;  // fails + crashes + timeouts
  int fails = 0, crashes = 0, timeouts = 0, skips = 0;
  // Of `runs` and `failures`, those in executions run under --provoke (docs/provoke.md).
  int provoked_runs = 0, provoked_failures = 0;
  double failure_rate = 0;
  Interval ci95;
  std::optional<double> rules_out_above;  // only when failures == 0 and runs > 0
  std::int64_t total_duration_ns = 0;
  std::string example_artifacts;  // one failing attempt's folder, else the last run's
  std::string
      quarantine;  // the quarantine entry of its last quarantined run (TestAttempt::quarantine); "" if none
  std::vector<FailingAttempt> failing;            // in execution order
  std::optional<VerdictExplanation> explanation;  // flaky tests, once explained
};

// Counts of executions by how they ended. Plain data.
struct ExecutionCounts {
  int total = 0, passed = 0, failed = 0, crashed = 0, timed_out = 0;
};

// The verdicts of a whole tree. Plain data.
struct Verdicts {
  ExecutionCounts executions;
  bool interrupted = false;
  std::vector<TestVerdict> tests;  // flaky, crashed, timed out, failed, passed, skipped; then by name
  std::vector<Problem> problems;   // copied from the tree, paths relative to its root
};

// Computes the verdicts of `tree`. Deterministic: the same tree gives the same verdicts.
Verdicts compute_verdicts(const ArtifactTree& tree);

// 0 when every verdict is passed or skipped, or the test is quarantined; 1 otherwise
// (documented exit codes).
int verdicts_exit_code(const Verdicts& verdicts);

// verdicts.json (schema 1, docs/artifacts.md), pretty-printed, ending in a newline.
std::string verdicts_json(const Verdicts& verdicts);

// The readable name of a signal: "SIGSEGV". "signal 64" for one without a name.
std::string signal_name(int signal);

}  // namespace testscope::analysis
