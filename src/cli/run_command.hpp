// `testscope run [options] -- PROGRAM [ARGS...]`: runs a test program many times, each
// execution with TESTSCOPE_ARTIFACTS=<out>/runs/<n>, then writes and prints the verdicts.
#pragma once

#include <CLI/CLI.hpp>

#include <optional>
#include <string>
#include <vector>

namespace testscope::cli {

// The options of one `testscope run`, as parsed. Plain data.
struct RunOptions {
  int executions = 10;
  bool until_fail = false;
  double time_budget_s = 0;  // 0: none
  int jobs = 1;
  double timeout_s = 0;  // 0: none
  bool shuffle = false;
  std::optional<long> seed;  // first --gtest_random_seed with --shuffle; random if unset
  std::string out = "testscope-out";
  std::vector<std::string> program;  // PROGRAM ARGS..., untouched
  std::vector<std::string> argv;     // testscope's own command line, for the record
};

// Registers the `run` subcommand on `app`, parsing into `options` (which must outlive it).
CLI::App* add_run_command(CLI::App& app, RunOptions& options);

// Runs it; returns the exit code (0 all passed, 1 a failure or flaky test, 2 a usage or
// input error, 130 interrupted).
int run_command(const RunOptions& options);

}  // namespace testscope::cli
