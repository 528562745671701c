// testscope-run.json: what `testscope run` (or `testscope merge`) did, written at
// <out>/testscope-run.json (docs/artifacts.md). The runner fills a RunManifest; the tree
// loader reads it back to know how each execution ended (a crash or a timeout leaves no
// summary behind).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "testscope/artifact_files.hpp"
#include "testscope/shard.hpp"

namespace testscope::analysis {

// Where an execution of a merged tree came from. Plain data.
struct ExecutionSource {
  std::string tree;  // the input folder, as given to `testscope merge`
  std::string name;  // the execution's name there ("3" for its runs/3)
};

// The provocation an execution ran under (docs/provoke.md). Plain data.
struct ProvokeRecord {
  std::string profile;  // light | medium | heavy | pct | chaos
  std::uint64_t seed = 0;
  friend bool operator==(const ProvokeRecord&, const ProvokeRecord&) = default;
};

// How one execution of the program ended, as the runner saw it. Plain data.
// A process an execution left running outside its process group (a daemon, a server in a
// session of its own), which the runner killed when the execution ended. Plain data.
struct LeftProcess {
  std::int64_t pid = 0;
  std::string command;  // its command name, as /proc/PID/comm has it (at most 15 bytes)
};

struct ExecutionRecord {
  std::string name;     // folder under <out>/runs/: "1", "2", ...
  std::string outcome;  // pass | fail | crash | timeout | interrupted
  int exit_code = -1;   // -1 unless it exited normally
  int signal = 0;       // the signal that ended it, 0 if none
  std::int64_t start_unix_ns = 0;
  std::int64_t duration_ns = 0;
  std::optional<std::int64_t> seed;       // --gtest_random_seed when --shuffle
  std::optional<Shard> shard;             // the slice of the tests it ran, with --shard
  std::optional<ProvokeRecord> provoke;   // with --provoke, when this execution was provoked
  std::optional<ExecutionSource> source;  // set in a tree made by testscope merge
  // The execution's span in the run's trace (docs/export.md): 32 and 16 lowercase hex
  // digits, given to the program as TRACEPARENT; empty in a file written before runs had one.
  std::string trace_id;
  std::string span_id;
  std::vector<LeftProcess> left_running;  // killed when it ended; empty for most executions
};

// The options of one `testscope run`: what the runner is asked to do and what
// testscope-run.json records of it (one type for both). Plain data.
struct RunOptions {
  int executions = 10;
  bool until_fail = false;
  double time_budget_s = 0;  // 0: none
  int jobs = 1;
  double timeout_s = 0;  // 0: none
  bool shuffle = false;
  std::optional<long> seed;  // the first execution's shuffle seed (then S+1, ...); random if unset
  std::string out = "testscope-out";
  std::optional<Shard> shard;  // only this slice of the tests
  // --provoke: "" off, a profile (light, medium, heavy, pct, chaos), or "auto" (plain and
  // each profile in turn); each execution's seed is derived from `seed`.
  std::string provoke;
  std::string replay_of;  // `testscope replay`: the execution whose settings every execution repeats
};

// One input of `testscope merge`, as the merged manifest records it. Plain data.
struct MergedInput {
  std::string tree;                  // the folder as given to merge
  std::vector<std::string> program;  // its PROGRAM ARGS...
  std::optional<Shard> shard;        // its --shard, if it ran one
  int executions = 0;                // how many of its executions were merged
  bool interrupted = false;
};

// The whole of one `testscope run` or `testscope merge`. Plain data.
struct RunManifest {
  std::string command = "run";        // "run", or "merge" for a tree made by testscope merge
  std::vector<std::string> argv;      // testscope's own command line
  std::vector<std::string> program;   // PROGRAM ARGS... as passed through (merge: the first input's)
  std::optional<RunOptions> options;  // nullopt for a merge (each input had its own)
  std::vector<MergedInput> inputs;    // merge only: the trees merged, in order
  std::int64_t start_unix_ns = 0;
  std::int64_t end_unix_ns = 0;
  bool interrupted = false;
  // The run's own span, the parent of every execution's span (lowercase hex; empty when
  // none: a merge, or a file written before runs had one). parent_span_id: the span of the
  // TRACEPARENT testscope itself was given, which the run joined; empty if none.
  std::string trace_id;
  std::string span_id;
  std::string parent_span_id;
  std::vector<ExecutionRecord> executions;
};

inline constexpr const char* kRunManifestFile = artifact_files::kRunManifestFile;

// Serializes to the JSON of testscope-run.json (schema 1), pretty-printed.
std::string run_manifest_json(const RunManifest& manifest);

// Parses testscope-run.json. Throws std::runtime_error with the byte position (from
// nlohmann's parse error) or the missing/mistyped field when `text` is not a valid manifest.
RunManifest parse_run_manifest(const std::string& text);

}  // namespace testscope::analysis
