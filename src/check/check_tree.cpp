#include "check/check_tree.hpp"

#include <cmath>

#include "testscope/artifact_files.hpp"

namespace testscope::analysis {
namespace {

bool failed(const std::string& outcome) {
  return outcome == "fail" || outcome == "crash" || outcome == "timeout";
}

}  // namespace

CheckTree::CheckTree(const ArtifactTree& tree, double mass_failure_fraction) : tree_(tree) {
  ArtifactTree counted;
  counted.root = tree.root;
  counted.program = tree.program;
  counted.interrupted = tree.interrupted;
  for (const Execution& e : tree.executions) {
    int run = 0;
    int failures = 0;
    for (const TestAttempt& t : e.tests) {
      if (t.outcome == "skip") continue;
      ++run;
      if (failed(t.outcome)) ++failures;
    }
    if (run >= 2 && failures > mass_failure_fraction * run) {
      infrastructure_.push_back({e.record.name, run, failures});
      continue;
    }
    counted.executions.push_back(e);
    for (const TestAttempt& t : e.tests) {
      // Points into `tree` (the caller's, which outlives us), not into the copy.
      runs_[t.full_name].push_back({e.record.name, (e.dir.empty() ? "" : e.dir + "/") + "tests/" + t.id, &t});
    }
  }
  counted_ = static_cast<int>(counted.executions.size());
  verdicts_ = compute_verdicts(counted);
  for (std::size_t i = 0; i < verdicts_.tests.size(); ++i) {
    if (verdicts_.tests[i].kind == "test") verdict_index_[verdicts_.tests[i].name] = i;
  }
}

const TestVerdict* CheckTree::verdict(const std::string& full_name) const {
  const auto found = verdict_index_.find(full_name);
  return found == verdict_index_.end() ? nullptr : &verdicts_.tests[found->second];
}

const std::vector<TestRun>& CheckTree::runs(const std::string& full_name) const {
  static const std::vector<TestRun> kNone;
  const auto found = runs_.find(full_name);
  return found == runs_.end() ? kNone : found->second;
}

std::optional<double> CheckTree::metric_value(const TestRun& run, const MetricSelector& selector,
                                              bool* matched) {
  auto [slot, fresh] = metrics_.try_emplace(run.folder);
  if (fresh) {
    const std::filesystem::path path = tree_.root / run.folder / artifact_files::kMetricsFile;
    std::string error;
    const std::optional<std::string> text = read_artifact_file(path, &error);
    if (!text) {
      problems_.push_back({path, error + " (metric rules skip this run)"});
    } else if (PromParse parsed = parse_prom_text(*text); !parsed.ok()) {
      problems_.push_back(
          {path, "not Prometheus text format: " + parsed.error + " (metric rules skip this run)"});
    } else {
      slot->second = std::move(parsed.samples);
    }
  }
  if (!slot->second) return std::nullopt;
  double sum = 0;
  for (const PromSample& s : *slot->second) {
    if (!selector.matches(s)) continue;
    if (matched != nullptr) *matched = true;
    if (!std::isnan(s.value)) sum += s.value;
  }
  return sum;
}

}  // namespace testscope::analysis
