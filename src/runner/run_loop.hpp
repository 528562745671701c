// The execution loop of `testscope run`: starts up to `jobs` executions at once, each in
// its own process group, reaps them, kills a group on its timeout, stops on SIGINT/SIGTERM
// (killing the running groups) and, with --until-fail, after the first failing execution.
// Blocks SIGCHLD, SIGINT and SIGTERM in the calling thread while it runs. One call at a time.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "analysis/run_manifest.hpp"
#include "runner/progress.hpp"
#include "runner/run.hpp"
#include "testscope/context.hpp"

namespace testscope::runner {

// What the loop did. Plain data.
struct LoopResult {
  analysis::RunManifest manifest;  // executions in order of their numbers
  std::string spawn_error;         // set if the program could not be started
  std::string out_error;           // set if an execution's folder or log could not be made
};

// Told the executions so far, in order of their numbers: those under way with outcome
// "running". Called when one starts or ends, at most every 100 ms (and never more often than
// ten times the last call took), so that a record of 10,000 executions costs little.
using ExecutionsObserver = std::function<void(const std::vector<analysis::ExecutionRecord>&)>;

// Runs the executions into `runs_dir`/<n>/ (which must exist) and reports to `progress`.
// When `run_span` is valid, each execution gets a new span id in its trace, recorded in its
// ExecutionRecord and passed to it as TRACEPARENT=00-<trace>-<execution span>-<flags>
// (replacing any TRACEPARENT of ours), so every test's root span is a child of it.
// Each program gets TESTSCOPE_BUFFER_DIR=<runs_dir>/../buffers/<job slot> (crash_recovery.hpp);
// that folder is emptied after each execution and removed when the loop ends.
// Every execution's process group is killed if this process dies meanwhile (OrphanGuard).
LoopResult run_executions(const RunRequest& request, const std::filesystem::path& runs_dir,
                          Progress& progress, const SpanContext& run_span = {},
                          const ExecutionsObserver& observer = {});

// A random span id (never 0), for the runner's own spans. Not for hot paths.
std::uint64_t random_span_id();

}  // namespace testscope::runner
