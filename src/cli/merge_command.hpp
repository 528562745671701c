// `testscope merge OUT... --out MERGED`: merges the output folders of several `testscope
// run`s (CI machines, shards) into one: their executions copied to MERGED/runs/1..K, a
// combined testscope-run.json recording each execution's source, then the verdicts
// recomputed, written to verdicts.json and printed as `run` prints them.
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace testscope::cli {

// The options of one `testscope merge`. Plain data.
struct MergeOptions {
  std::vector<std::string> inputs;  // OUT... as given
  std::string out;                  // MERGED
  std::vector<std::string> argv;    // testscope's own command line, for the record
};

// Registers the `merge` subcommand on `app`, parsing into `options` (which must outlive it).
CLI::App* add_merge_command(CLI::App& app, MergeOptions& options);

// Runs it; returns the exit code (0 all passed, 1 a failure or flaky test, 2 a usage or
// input error). On an error nothing is left behind: the result is assembled in a hidden
// folder beside MERGED and moved into place only once complete.
int merge_command(const MergeOptions& options);

}  // namespace testscope::cli
