// `testscope run [options] -- PROGRAM [ARGS...]`: parses the flags into a RunRequest, runs
// it with the runner (runner/run.hpp), then writes and prints the verdicts.
#pragma once

#include <CLI/CLI.hpp>

#include "runner/run.hpp"

namespace testscope::cli {

// Registers the `run` subcommand on `app`, parsing into `request` (which must outlive it).
CLI::App* add_run_command(CLI::App& app, runner::RunRequest& request);

// Runs it; returns the exit code (0 all passed, 1 a failure or flaky test, 2 a usage or
// input error, 130 interrupted).
int run_command(const runner::RunRequest& request);

}  // namespace testscope::cli
