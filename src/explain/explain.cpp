// Reading a tree's traces for explain, in parallel, and the test list.
#include "explain/explain.hpp"

#include <algorithm>
#include <map>
#include <thread>

#include "explain/explain_engine.hpp"
#include "testscope/artifact_files.hpp"

namespace testscope::explain {
namespace {

bool failing_outcome(const std::string& outcome) {
  return outcome == "fail" || outcome == "crash" || outcome == "timeout";
}

// Ids of `from` as ids of `to`.
void remap(ExecutionTrace& trace, const std::vector<StringId>& map) {
  auto at = [&map](StringId& id) {
    if (id != kNoString) id = map[id];
  };
  for (SpanRecord& s : trace.spans) at(s.name);
  for (Attribute& a : trace.attributes) {
    at(a.key);
    at(a.value);
  }
  for (EventRecord& e : trace.events) at(e.name);
  for (ThreadRecord& t : trace.threads) at(t.name);
  for (MetricRecord& m : trace.metrics) {
    at(m.series);
    at(m.value);
  }
}

// One test's executions in tree order, with their traces read by `jobs` threads (each
// with its own pool, merged into `pool` afterwards, in order, so ids are deterministic).
std::vector<ExecutionInput> read_executions(const analysis::ArtifactTree& tree, const std::string& full_name,
                                            int jobs, StringPool& pool,
                                            std::vector<analysis::Problem>& problems) {
  std::vector<ExecutionInput> inputs;
  for (const analysis::Execution& execution : tree.executions) {
    for (const analysis::TestAttempt& attempt : execution.tests) {
      if (attempt.full_name != full_name ||
          !(failing_outcome(attempt.outcome) || attempt.outcome == "pass")) {
        continue;
      }
      ExecutionInput input;
      const std::string tests = std::string(artifact_files::kTestsFolder) + "/" + attempt.id;
      input.artifacts = execution.dir.empty() ? tests : execution.dir + "/" + tests;
      input.failing = failing_outcome(attempt.outcome);
      if (execution.record.provoke) {
        input.provoke_profile = execution.record.provoke->profile;
      } else if (execution.provoked) {
        input.provoke_profile = "provoked";
      }
      inputs.push_back(std::move(input));
    }
  }
  const auto workers = static_cast<std::size_t>(std::clamp(jobs, 1, 64));
  std::vector<StringPool> pools(workers);
  auto work = [&](std::size_t w) {
    for (std::size_t i = w; i < inputs.size(); i += workers) {
      inputs[i].trace = read_execution_trace(tree.root / inputs[i].artifacts, pools[w]);
    }
  };
  std::vector<std::thread> threads;
  for (std::size_t w = 1; w < workers; ++w) threads.emplace_back(work, w);
  work(0);
  for (std::thread& t : threads) t.join();
  std::vector<std::vector<StringId>> maps(workers);
  for (std::size_t w = 0; w < workers; ++w) {
    maps[w].resize(pools[w].size());
    for (StringId id = 0; id < pools[w].size(); ++id) maps[w][id] = pool.intern(pools[w].text(id));
  }
  std::vector<ExecutionInput> readable;
  readable.reserve(inputs.size());
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i].trace.error.empty()) {
      problems.push_back({inputs[i].artifacts + "/" + artifact_files::kOtlpTraceFile, inputs[i].trace.error});
      continue;
    }
    remap(inputs[i].trace, maps[i % workers]);
    readable.push_back(std::move(inputs[i]));
  }
  return readable;
}

struct TestName {
  std::string full_name, id;
  int failing = 0, passing = 0;
};

// The tests asked for (by full name or id; unknown ones into `unknown`), or every flaky one.
std::vector<const TestName*> choose_tests(const std::map<std::string, TestName>& tests,
                                          const std::vector<std::string>& wanted_tests,
                                          std::vector<std::string>& unknown) {
  std::vector<const TestName*> chosen;
  if (wanted_tests.empty()) {
    for (const auto& [name, t] : tests) {
      if (t.failing > 0 && t.passing > 0) chosen.push_back(&t);
    }
    return chosen;
  }
  for (const std::string& wanted : wanted_tests) {
    const auto it = std::find_if(tests.begin(), tests.end(), [&wanted](const auto& entry) {
      return entry.first == wanted || entry.second.id == wanted;
    });
    if (it == tests.end()) {
      unknown.push_back(wanted);
    } else if (std::find(chosen.begin(), chosen.end(), &it->second) == chosen.end()) {
      chosen.push_back(&it->second);
    }
  }
  return chosen;
}

}  // namespace

const char* kind_name(CandidateKind kind) {
  switch (kind) {
    case CandidateKind::kOrder:
      return "order";
    case CandidateKind::kOverlap:
      return "overlap";
    case CandidateKind::kAttribute:
      return "attribute";
    case CandidateKind::kEvent:
      return "event";
    case CandidateKind::kPresence:
      return "presence";
    case CandidateKind::kError:
      return "error";
    case CandidateKind::kDuration:
      return "duration";
    case CandidateKind::kMetric:
      return "metric";
  }
  return "";
}

ExplainResult explain_tree(const analysis::ArtifactTree& tree, const ExplainOptions& options) {
  ExplainResult result;
  result.alpha = options.alpha;
  result.problems = tree.problems;
  std::map<std::string, TestName> tests;
  for (const analysis::Execution& execution : tree.executions) {
    if (execution.provoked || execution.record.provoke) ++result.provoked_executions;
    for (const analysis::TestAttempt& attempt : execution.tests) {
      TestName& t = tests[attempt.full_name];
      t.full_name = attempt.full_name;
      t.id = attempt.id;
      if (failing_outcome(attempt.outcome)) ++t.failing;
      if (attempt.outcome == "pass") ++t.passing;
    }
  }
  const std::vector<const TestName*> chosen = choose_tests(tests, options.tests, result.unknown_tests);
  for (const TestName* t : chosen) {
    StringPool pool;
    std::vector<analysis::Problem> problems;
    const std::vector<ExecutionInput> inputs =
        read_executions(tree, t->full_name, options.jobs, pool, problems);
    TestExplanation explanation = explain_test(t->full_name, t->id, inputs, pool, options);
    explanation.unreadable = static_cast<int>(problems.size());
    result.problems.insert(result.problems.end(), problems.begin(), problems.end());
    result.tests.push_back(std::move(explanation));
  }
  return result;
}

int explain_exit_code(const ExplainResult& result) { return result.unknown_tests.empty() ? 0 : 2; }

}  // namespace testscope::explain
