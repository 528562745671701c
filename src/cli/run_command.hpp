// `testscope run [options] -- PROGRAM [ARGS...]`: runs a test program many times, each
// execution with TESTSCOPE_ARTIFACTS=<out>/runs/<n>, then writes and prints the verdicts.
#pragma once

#include <CLI/CLI.hpp>

#include <optional>
#include <string>
#include <vector>

#include "analysis/shard.hpp"

namespace testscope::cli {

// The options of one `testscope run`, as parsed. Plain data.
struct RunOptions {
  int executions = 10;
  bool until_fail = false;
  double time_budget_s = 0;  // 0: none
  int jobs = 1;
  double timeout_s = 0;  // 0: none
  bool shuffle = false;
  std::optional<long> seed;              // first --gtest_random_seed with --shuffle; random if unset
  std::optional<analysis::Shard> shard;  // --shard I/N: only that slice of the tests
  std::string out = "testscope-out";
  std::vector<std::string> program;  // PROGRAM ARGS..., untouched
  std::vector<std::string> argv;     // testscope's own command line, for the record
};

// Registers the `run` subcommand on `app`, parsing into `options` (which must outlive it).
CLI::App* add_run_command(CLI::App& app, RunOptions& options);

// Sets GTEST_TOTAL_SHARDS=total and GTEST_SHARD_INDEX=index-1 in `environment`
// ("NAME=value" entries), replacing any values it had.
void set_shard_environment(std::vector<std::string>& environment, const analysis::Shard& shard);

// Runs it; returns the exit code (0 all passed, 1 a failure or flaky test, 2 a usage or
// input error, 130 interrupted).
int run_command(const RunOptions& options);

}  // namespace testscope::cli
