// verdicts.json, schema 1: see docs/artifacts.md.
#include <nlohmann/json.hpp>

#include <cmath>

#include "analysis/verdicts.hpp"

namespace testscope::analysis {
namespace {

using nlohmann::ordered_json;

// Rates rounded to 6 decimals, so the file is stable across platforms and readable.
double rounded(double x) { return std::round(x * 1e6) / 1e6; }

}  // namespace

std::string verdicts_json(const Verdicts& verdicts) {
  ordered_json tests = ordered_json::array();
  for (const TestVerdict& v : verdicts.tests) {
    ordered_json failing = ordered_json::array();
    for (const FailingAttempt& f : v.failing) {
      failing.push_back({{"execution", f.execution},
                         {"outcome", f.outcome},
                         {"provoked", f.provoked},
                         {"artifacts", f.artifacts},
                         {"duration_ns", f.duration_ns},
                         {"message", f.message}});
    }
    ordered_json test = {
        {"name", v.name},
        {"kind", v.kind},
        {"id", v.id},
        {"verdict", verdict_name(v.verdict)},
        {"runs", v.runs},
        {"failures", v.failures},
        {"outcomes", {{"fail", v.fails}, {"crash", v.crashes}, {"timeout", v.timeouts}, {"skip", v.skips}}},
        {"failure_rate", rounded(v.failure_rate)},
        {"provoked", v.provoked_runs > 0
                         ? ordered_json{{"runs", v.provoked_runs}, {"failures", v.provoked_failures}}
                         : ordered_json()},
        {"ci95", {rounded(v.ci95.low), rounded(v.ci95.high)}},
        {"rules_out_above", v.rules_out_above ? ordered_json(rounded(*v.rules_out_above)) : ordered_json()},
        {"mean_duration_ns", v.runs > 0 ? v.total_duration_ns / v.runs : 0},
        {"example_artifacts", v.example_artifacts},
        {"quarantine", v.quarantine.empty() ? ordered_json() : ordered_json(v.quarantine)},
        {"failing", failing}};
    if (v.explanation) {  // only when explained: files of runs without explain stay as they were
      const VerdictExplanation& x = *v.explanation;
      test["explanation"] = {
          {"status", x.status},
          {"statement", x.statement},
          {"counts", x.counts},
          {"equally", x.equally},
          {"refined_by", x.refined_by.empty() ? ordered_json() : ordered_json(x.refined_by)},
          {"failing_example", x.failing_example},
          {"passing_example", x.passing_example}};
    }
    tests.push_back(std::move(test));
  }
  ordered_json problems = ordered_json::array();
  for (const Problem& p : verdicts.problems) {
    problems.push_back({{"path", p.path.generic_string()}, {"message", p.message}});
  }
  const ExecutionCounts& e = verdicts.executions;
  const ordered_json doc = {{"schema", 1},
                            {"confidence", 0.95},
                            {"interrupted", verdicts.interrupted},
                            {"executions",
                             {{"total", e.total},
                              {"passed", e.passed},
                              {"failed", e.failed},
                              {"crashed", e.crashed},
                              {"timed_out", e.timed_out}}},
                            {"tests", tests},
                            {"problems", problems}};
  // Replace, not throw, should a name or path hold bytes that are not UTF-8: a report
  // must come out whatever the tree holds.
  return doc.dump(2, ' ', false, ordered_json::error_handler_t::replace) + "\n";
}

}  // namespace testscope::analysis
