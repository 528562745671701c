// The execution loop of `testscope run`: starts up to `jobs` executions at once, each in
// its own process group, reaps them, kills a group on its timeout, stops on SIGINT/SIGTERM
// (killing the running groups) and, with --until-fail, after the first failing execution.
// Blocks SIGCHLD, SIGINT and SIGTERM in the calling thread while it runs. One call at a time.
#pragma once

#include <filesystem>
#include <string>

#include "analysis/run_manifest.hpp"
#include "cli/progress.hpp"
#include "cli/run_command.hpp"

namespace testscope::cli {

// What the loop did. Plain data.
struct LoopResult {
  analysis::RunManifest manifest;  // executions in order of their numbers
  std::string spawn_error;         // set if the program could not be started
};

// Runs the executions into `runs_dir`/<n>/ (which must exist) and reports to `progress`.
LoopResult run_executions(const RunOptions& options, const std::filesystem::path& runs_dir,
                          Progress& progress);

}  // namespace testscope::cli
