#include "analysis/verdicts.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <map>
#include <string_view>

namespace testscope::analysis {
namespace {

constexpr std::array<std::string_view, 6> kVerdictNames = {"flaky",  "crashed", "timed out",
                                                           "failed", "passed",  "skipped"};

// The report's order: by verdict, then the highest failure rate first, then by name.
bool report_order(const TestVerdict& a, const TestVerdict& b) {
  if (a.verdict != b.verdict) return a.verdict < b.verdict;
  if (a.failure_rate != b.failure_rate) return a.failure_rate > b.failure_rate;
  return a.name < b.name;
}

void add_attempt(TestVerdict& v, const std::string& outcome, FailingAttempt failing,
                 std::int64_t duration_ns) {
  if (outcome == "skip") {
    ++v.skips;
    return;
  }
  ++v.runs;
  if (failing.provoked) ++v.provoked_runs;
  v.total_duration_ns += duration_ns;
  if (outcome == "pass") {
    if (v.failing.empty()) v.example_artifacts = failing.artifacts;
    return;
  }
  ++v.failures;
  if (failing.provoked) ++v.provoked_failures;
  if (outcome == "crash") {
    ++v.crashes;
  } else if (outcome == "timeout") {
    ++v.timeouts;
  } else {
    ++v.fails;
  }
  if (v.failing.empty()) v.example_artifacts = failing.artifacts;
  v.failing.push_back(std::move(failing));
}

void finish(TestVerdict& v) {
  if (v.runs == 0) {
    v.verdict = Verdict::kSkipped;
  } else if (v.timeouts > 0) {
    v.verdict = Verdict::kTimedOut;
  } else if (v.crashes > 0) {
    v.verdict = Verdict::kCrashed;
  } else if (v.failures == 0) {
    v.verdict = Verdict::kPassed;
  } else if (v.failures == v.runs) {
    v.verdict = Verdict::kFailed;
  } else {
    v.verdict = Verdict::kFlaky;
  }
  v.failure_rate = v.runs > 0 ? static_cast<double>(v.failures) / v.runs : 0;
  v.ci95 = wilson_interval(v.failures, v.runs);
  if (v.failures == 0 && v.runs > 0) v.rules_out_above = zero_failure_bound(v.runs);
}

std::string program_message(const ExecutionRecord& r) {
  if (r.outcome == "timeout") {
    return "timed out after " + std::to_string(r.duration_ns / 1000000) + " ms; process group killed";
  }
  if (r.signal != 0) {
    return "killed by signal " + std::to_string(r.signal) + " (" + signal_name(r.signal) + ")";
  }
  if (r.outcome == "crash") return "ended without finishing run.json";
  return "exit code " + std::to_string(r.exit_code) + " with no failing test";
}

void count_execution(ExecutionCounts& counts, const std::string& outcome) {
  ++counts.total;
  if (outcome == "pass") ++counts.passed;
  if (outcome == "fail") ++counts.failed;
  if (outcome == "crash") ++counts.crashed;
  if (outcome == "timeout") ++counts.timed_out;
}

// Adds execution `e`'s test attempts to `tests` (by full name) and its whole-program
// attempt to `program`.
void add_execution(const Execution& e, std::map<std::string, TestVerdict>& tests, TestVerdict& program) {
  const ExecutionRecord& r = e.record;
  bool a_test_failed = false;
  bool a_test_died = false;  // a recovered test carries the execution's crash or timeout
  for (const TestAttempt& t : e.tests) {
    TestVerdict& v = tests[t.full_name];
    if (v.name.empty()) {
      v.name = t.full_name;
      v.suite = t.suite;
      v.case_name = t.name;
      v.id = t.id;
      v.kind = "test";
    }
    const std::string folder = (e.dir.empty() ? "" : e.dir + "/") + "tests/" + t.id;
    add_attempt(v, t.outcome, {r.name, t.outcome, r.provoke.has_value(), folder, t.message, t.duration_ns},
                t.duration_ns);
    if (!t.quarantine.empty()) v.quarantine = t.quarantine;
    a_test_failed = a_test_failed || (t.outcome != "pass" && t.outcome != "skip");
    a_test_died = a_test_died || t.outcome == "crash" || t.outcome == "timeout";
  }
  // The whole program fails where no test's summary explains it: a crash or a timeout
  // outside any test (or not recovered), or a non-zero exit with every finished test passing.
  std::string program_outcome = "pass";
  if ((r.outcome == "crash" || r.outcome == "timeout") && !a_test_died) program_outcome = r.outcome;
  if (r.outcome == "fail" && !a_test_failed) program_outcome = "fail";
  const std::string folder = e.dir.empty() ? "." : e.dir;
  add_attempt(program, program_outcome,
              {r.name, program_outcome, r.provoke.has_value(), folder, program_message(r), r.duration_ns},
              r.duration_ns);
}

}  // namespace

std::string_view verdict_name(Verdict verdict) { return kVerdictNames.at(static_cast<std::size_t>(verdict)); }

std::optional<Verdict> parse_verdict(std::string_view name) {
  const auto* const it = std::find(kVerdictNames.begin(), kVerdictNames.end(), name);
  if (it == kVerdictNames.end()) return std::nullopt;
  return static_cast<Verdict>(it - kVerdictNames.begin());
}

std::string signal_name(int signal) {
  const char* abbrev = sigabbrev_np(signal);
  return abbrev != nullptr ? std::string("SIG") + abbrev : "signal " + std::to_string(signal);
}

Verdicts compute_verdicts(const ArtifactTree& tree) {
  Verdicts out;
  out.interrupted = tree.interrupted;
  std::map<std::string, TestVerdict> tests;
  TestVerdict program;
  program.name = tree.program;
  program.kind = "program";
  for (const Execution& e : tree.executions) {
    count_execution(out.executions, e.record.outcome);
    add_execution(e, tests, program);
  }
  for (auto& [name, v] : tests) {
    finish(v);
    out.tests.push_back(std::move(v));
  }
  finish(program);
  if (program.failures > 0 || out.tests.empty()) out.tests.push_back(std::move(program));
  std::stable_sort(out.tests.begin(), out.tests.end(), report_order);
  for (const Problem& p : tree.problems) {
    const auto relative = p.path.lexically_relative(tree.root);
    out.problems.push_back({relative.empty() ? p.path : relative, p.message});
  }
  return out;
}

int verdicts_exit_code(const Verdicts& verdicts) {
  for (const TestVerdict& v : verdicts.tests) {
    if (!verdict_is_clean(v.verdict) && v.quarantine.empty()) return 1;
  }
  return 0;
}

}  // namespace testscope::analysis
