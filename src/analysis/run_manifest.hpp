// testscope-run.json: what `testscope run` did, written at <out>/testscope-run.json
// (docs/artifacts.md). The runner fills a RunManifest; the tree loader reads it back to
// know how each execution ended (a crash or a timeout leaves no summary behind).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace testscope::analysis {

// How one execution of the program ended, as the runner saw it. Plain data.
struct ExecutionRecord {
  std::string name;     // folder under <out>/runs/: "1", "2", ...
  std::string outcome;  // pass | fail | crash | timeout | interrupted
  int exit_code = -1;   // -1 unless it exited normally
  int signal = 0;       // the signal that ended it, 0 if none
  std::int64_t start_unix_ns = 0;
  std::int64_t duration_ns = 0;
  std::optional<std::int64_t> seed;  // --gtest_random_seed when --shuffle
};

// The run options as given. Plain data.
struct RunOptionsRecord {
  int executions = 10;
  bool until_fail = false;
  double time_budget_s = 0;  // 0: none
  int jobs = 1;
  double timeout_s = 0;  // 0: none
  bool shuffle = false;
  std::string out;
};

// The whole of one `testscope run`. Plain data.
struct RunManifest {
  std::vector<std::string> argv;     // testscope's own command line
  std::vector<std::string> program;  // PROGRAM ARGS... as passed through
  RunOptionsRecord options;
  std::int64_t start_unix_ns = 0;
  std::int64_t end_unix_ns = 0;
  bool interrupted = false;
  std::vector<ExecutionRecord> executions;
};

inline constexpr const char* kRunManifestFile = "testscope-run.json";

// Serializes to the JSON of testscope-run.json (schema 1), pretty-printed.
std::string run_manifest_json(const RunManifest& manifest);

// Parses testscope-run.json. Throws std::runtime_error with the byte position (from
// nlohmann's parse error) or the missing/mistyped field when `text` is not a valid manifest.
RunManifest parse_run_manifest(const std::string& text);

}  // namespace testscope::analysis
