// An artifact tree prepared for `testscope check`: the executions that count (those that
// were not infrastructure failures), the verdicts over them, and each test's runs with their
// durations and, read on demand, their metric deltas (metrics.prom). Internal to the rules
// evaluation (rules_eval.hpp).
//
// Not thread-safe: metric values are read and cached on first use.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "analysis/artifact_tree.hpp"
#include "analysis/prom_text.hpp"
#include "analysis/verdicts.hpp"
#include "check/metric_selector.hpp"

namespace testscope::analysis {

// An execution left out of every rule: more than the allowed fraction of its tests failed.
// Plain data.
struct InfrastructureFailure {
  std::string execution;  // its name: "3"
  int tests_run = 0;      // tests that ran (not skipped)
  int tests_failed = 0;   // of them: fail, crash or timeout
};

// One run of a test in a counted execution. Plain data; `attempt` points into the tree.
struct TestRun {
  std::string execution;  // "3"
  std::string folder;     // relative to the root: "runs/3/tests/Suite.Name"
  const TestAttempt* attempt = nullptr;
};

// The tree, filtered and indexed. Keeps a reference to the tree it was made from, which must
// outlive it.
class CheckTree {
 public:
  // Finds the infrastructure failures (see Guards::mass_failure_fraction) and indexes the rest.
  CheckTree(const ArtifactTree& tree, double mass_failure_fraction);

  const ArtifactTree& tree() const { return tree_; }
  const std::vector<InfrastructureFailure>& infrastructure_failures() const { return infrastructure_; }
  // Executions that count: all but the infrastructure failures.
  int counted_executions() const { return counted_; }
  // The verdicts computed over the executions that count.
  const Verdicts& verdicts() const { return verdicts_; }
  // The verdict of test `full_name` (kind "test"), or null when it never appeared.
  const TestVerdict* verdict(const std::string& full_name) const;
  // The runs of test `full_name` in execution order (skipped ones included), or empty.
  const std::vector<TestRun>& runs(const std::string& full_name) const;

  // The sum of the samples `selector` picks in `run`'s metrics.prom (0 when none does;
  // NaN samples are left out), or nullopt when the file is missing or not valid: a Problem
  // is then recorded once for it. `matched` (when given) is set when a sample was picked.
  std::optional<double> metric_value(const TestRun& run, const MetricSelector& selector,
                                     bool* matched = nullptr);
  // Files that could not be used, with their path under the tree's root as given.
  const std::vector<Problem>& problems() const { return problems_; }

 private:
  const ArtifactTree& tree_;
  std::vector<InfrastructureFailure> infrastructure_;
  int counted_ = 0;
  Verdicts verdicts_;
  std::map<std::string, std::size_t> verdict_index_;
  std::map<std::string, std::vector<TestRun>> runs_;
  std::map<std::string, std::optional<std::vector<PromSample>>> metrics_;  // by folder
  std::vector<Problem> problems_;
};

}  // namespace testscope::analysis
