// `testscope run` as an engine: prepares the output folder, runs the executions of a test
// program (run_loop.hpp), and writes testscope-run.json. The CLI parses the flags, calls
// run_program() and prints the verdicts; nothing here prints but the progress line and
// the problems of the run itself.
//
// How a test program learns what the run wants of it (docs/cli.md, "What a test program
// gets"): TESTSCOPE_ARTIFACTS (its execution's folder), TESTSCOPE_BUFFER_DIR (crash
// recovery), TRACEPARENT (the run's trace), and, with --shard and --shuffle, the neutral
// TESTSCOPE_SHARD=I/N and TESTSCOPE_SHUFFLE_SEED=S that every testscope front applies in its
// framework's own way. A GoogleTest program not linked with testscope gets the same through
// GoogleTest's own variables (GTEST_TOTAL_SHARDS, GTEST_SHARD_INDEX, GTEST_SHUFFLE,
// GTEST_RANDOM_SEED), so it shards and shuffles as before.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "analysis/run_manifest.hpp"
#include "runner/progress.hpp"

namespace testscope::runner {

// What to run. Plain data.
struct RunRequest {
  analysis::RunOptions options;
  std::vector<std::string> program;  // PROGRAM ARGS..., passed through untouched
  std::vector<std::string> argv;     // testscope's own command line, for the record
  // `testscope replay`: every execution repeats this one's shuffle seed, shard and
  // provocation (options.replay_of names it).
  std::optional<analysis::ExecutionRecord> replay;
};

// What the run did. Plain data.
struct RunResult {
  analysis::RunManifest manifest;  // as written to <out>/testscope-run.json
  std::string error;               // set when the run could not happen or its record not be written
  bool manifest_written = false;   // testscope-run.json is on disk (at least one execution)
  bool finished_any = false;       // an execution ran to its end (not interrupted)
  // No execution finished, so OUT was put back as it was: the previous run's results, if any,
  // are still there, and nothing of this run is.
  bool kept_previous = false;
};

// Runs `request` into request.options.out, locked for the run's life (out_folder.hpp: a
// second run into it is refused). A previous run's output there is replaced once an
// execution has finished; until then it waits aside, and a run that finishes no execution
// (a program that cannot start, an early Ctrl-C) leaves OUT as it was. A folder holding
// runs/ but no testscope-run.json is refused. testscope-run.json is written at the start and
// rewritten as executions start and end. Blocks SIGCHLD, SIGINT and SIGTERM while it runs
// (run_loop.hpp). Never throws for a bad program or folder: those are in `error`.
RunResult run_program(const RunRequest& request, Progress& progress);

// Sets the neutral TESTSCOPE_SHARD=I/N and GoogleTest's GTEST_TOTAL_SHARDS=N and
// GTEST_SHARD_INDEX=I-1 in `environment` ("NAME=value" entries), replacing any values it had.
void set_shard_environment(std::vector<std::string>& environment, const Shard& shard);

// Sets TESTSCOPE_PROVOKE=PROFILE and TESTSCOPE_PROVOKE_SEED=SEED (`provoke`), or
// TESTSCOPE_PROVOKE=off for an execution of --provoke=auto that runs plain (nullopt).
void set_provoke_environment(std::vector<std::string>& environment,
                             const std::optional<analysis::ProvokeRecord>& provoke);

// The provocation of execution `number` (1, 2, ...) of a run with `options`: nullopt when
// it runs plain. --provoke=auto cycles plain, heavy, light, chaos; each execution's seed is
// derived from options.seed and its number, so a run's seeds are reproducible.
std::optional<analysis::ProvokeRecord> provoke_for_execution(const analysis::RunOptions& options, int number);

// The profiles --provoke accepts: light, medium, heavy, pct, chaos, auto.
bool valid_provoke_mode(const std::string& mode);

// Sets TESTSCOPE_SHUFFLE_SEED=S and GoogleTest's GTEST_SHUFFLE=1 and GTEST_RANDOM_SEED=S,
// replacing any values it had. S is in 1..99999, the seeds GoogleTest accepts.
void set_shuffle_environment(std::vector<std::string>& environment, long seed);

}  // namespace testscope::runner
