// The engine of explain without the file system: one test's executions, already read.
// explain_tree() reads the traces and calls it; the tests and the benchmark call it directly.
#pragma once

#include <string>
#include <vector>

#include "explain/execution_trace.hpp"
#include "explain/explain.hpp"

namespace testscope::explain {

// One execution of the test. Plain data.
struct ExecutionInput {
  std::string artifacts;        // the test's folder relative to the tree's root: "runs/7/tests/Suite.Name"
  bool failing = false;         // outcome fail, crash or timeout
  std::string provoke_profile;  // "" when not provoked
  ExecutionTrace trace;         // error must be empty
};

// Explains one test. `pool` holds the traces' strings (paths are added to it).
TestExplanation explain_test(const std::string& name, const std::string& id,
                             const std::vector<ExecutionInput>& executions, StringPool& pool,
                             const ExplainOptions& options);

}  // namespace testscope::explain
