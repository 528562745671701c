// Loading an artifact tree of many executions: <root>/runs/<n>/run.json and
// <root>/runs/<n>/tests/<id>/summary.json (docs/artifacts.md), plus the runner's
// <root>/testscope-run.json when present. A single execution's root (run.json and tests/
// directly under <root>) loads as one execution named ".".
//
// Bad input never stops the load: every corrupt, truncated or missing file becomes a
// Problem naming its path and what is wrong, and the rest of the tree is still read.
#pragma once

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "analysis/run_manifest.hpp"

namespace testscope::analysis {

// A file that could not be used, and why. `path` is as found under the loaded root.
struct Problem {
  std::filesystem::path path;
  std::string message;
};

// One test in one execution, from its summary.json. Plain data.
struct TestAttempt {
  std::string full_name;  // GoogleTest's full name (test.full_name)
  std::string suite;      // test.suite
  std::string name;       // test.name
  std::string id;         // the folder under tests/
  int repetition = 1;     // which run of the test in its execution (summary.json "repetition")
  std::string outcome;    // pass | fail | skip | crash | timeout
  std::int64_t duration_ns = 0;
  std::string message;  // the failures as "file:line\nmessage", blank lines between; empty if none
  // The quarantine entry it ran under (summary.json "quarantine"), as one line:
  // "PromoRace.* (race, see #1; owner alice; until 2026-12-04)"; empty if none.
  std::string quarantine;
  // That entry's expiry as recorded ("2026-12-04"); empty if none. It applied on the days
  // before this date: `testscope check` counts the quarantine only while it still applies.
  std::string quarantine_expires;
};

// One execution of the program: how it ended and the tests it finished. Plain data.
struct Execution {
  ExecutionRecord record;  // outcome "unknown" when neither the runner nor run.json says
  std::string dir;         // relative to the root: "runs/3" (or "" for a single root)
  bool has_run_json = false;
  bool provoked = false;  // run.json records provocation settings ("chaos"): the program applied them
  std::vector<TestAttempt> tests;  // sorted by full_name
};

// Everything readable in a tree. Plain data.
struct ArtifactTree {
  std::filesystem::path root;
  std::string program;  // the program's file name, for the whole-program verdict
  bool interrupted = false;
  std::vector<Execution> executions;  // in execution order (numeric folder names first)
  std::vector<Problem> problems;
};

// The whole content of the regular file at `path`, or nullopt with `error` (if not null)
// set to the problem: "is not a regular file; not read" for a named pipe, a device or a
// socket, which are never opened for reading (a FIFO would block the reader for good),
// "cannot be read (<reason>)" otherwise. Every reader of an artifact tree uses it.
// Throws only std::bad_alloc.
std::optional<std::string> read_artifact_file(const std::filesystem::path& path,
                                              std::string* error = nullptr);

// A stdio stream closed with its handle.
using ArtifactStream = std::unique_ptr<std::FILE, int (*)(std::FILE*)>;

// The regular file at `path` open for reading as a stream, for a reader that must not hold
// the whole of a file that may be gigabytes (a trace of millions of spans), or null with
// `error` (if not null) set as read_artifact_file() sets it. `size` (if not null) gets its
// size in bytes. Throws only std::bad_alloc.
ArtifactStream open_artifact_file(const std::filesystem::path& path, std::string* error = nullptr,
                                  std::uintmax_t* size = nullptr);

// Loads the tree at `root`. Executions that did not run to their end (outcome `interrupted`
// or `running` in testscope-run.json; in a run that did not end, folders it does not record)
// are left out. Throws std::runtime_error only if `root` is not a readable directory or holds
// no finished execution at all; everything else is a Problem.
ArtifactTree load_artifact_tree(const std::filesystem::path& root);

}  // namespace testscope::analysis
