// testscope/artifact_files.hpp: the names of the files in an artifact tree and the schema
// version they follow (docs/artifacts.md). The tree is the contract between the harness,
// which writes it inside the test program, and the testscope command, which reads it: both
// sides name the files through these constants, and every JSON file carries
// `"schema": kArtifactSchema`. A reader that meets another schema refuses the tree with a
// message naming the file (exit 2) instead of guessing at its fields.
//
// Constants only: no code, no allocation; usable from C++17.
#pragma once

namespace testscope::artifact_files {

// The schema version of run.json, summary.json, testscope-run.json and verdicts.json.
inline constexpr int kArtifactSchema = 1;

// One execution of a test program (what --testscope_artifacts=DIR holds).
inline constexpr const char* kRunFile = "run.json";
inline constexpr const char* kTestsFolder = "tests";
// In tests/<test-id>/.
inline constexpr const char* kSummaryFile = "summary.json";
inline constexpr const char* kOtlpTraceFile = "trace.otlp.json";
inline constexpr const char* kChromeTraceFile = "trace.chrome.json";
inline constexpr const char* kMetricsFile = "metrics.prom";
inline constexpr const char* kLogsFile = "logs.jsonl";

// What `testscope run` and `testscope merge` add around the executions.
inline constexpr const char* kRunsFolder = "runs";  // runs/<n>/: one execution each
inline constexpr const char* kRunManifestFile = "testscope-run.json";
inline constexpr const char* kVerdictsFile = "verdicts.json";

}  // namespace testscope::artifact_files
