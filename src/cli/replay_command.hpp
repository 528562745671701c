// `testscope replay OUT EXECUTION [-n K]`: runs one execution of a `testscope run` output
// again, K times, with exactly its settings (shuffle seed, shard, provocation profile and
// seed), and says how often the tests that failed in it fail again (docs/provoke.md).
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace testscope::cli {

// The options of one `testscope replay`. Plain data.
struct ReplayOptions {
  std::string out;        // the run's output folder
  std::string execution;  // its execution's name ("17")
  int times = 20;
  int jobs = 1;
  std::string replay_out;         // default: OUT/replay-<execution>
  std::vector<std::string> argv;  // testscope's own command line, for the record
};

// Registers the `replay` subcommand on `app`, parsing into `options` (which must outlive it).
CLI::App* add_replay_command(CLI::App& app, ReplayOptions& options);

// Runs it; returns the exit code: 0 when the execution's failures did not come back, 1 when
// they did (or other tests failed), 2 a usage or input error, 130 interrupted.
int replay_command(const ReplayOptions& options);

}  // namespace testscope::cli
