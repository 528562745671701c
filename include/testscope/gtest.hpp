// testscope/gtest.hpp: capture every GoogleTest test, print its timeline on failure, and
// write its artifacts.
//
// Link testscope::gtest_main instead of GTest::gtest_main, or call install() in your own
// main after InitGoogleTest:
//
//   int main(int argc, char** argv) {
//     testing::InitGoogleTest(&argc, argv);
//     testscope::gtest::install(&argc, argv);
//     return testscope::gtest::run_all_tests();  // RUN_ALL_TESTS(), quarantine applied
//   }
//
// Flags (beside --gtest_*), each with an environment variable; flags win:
//   --testscope_artifacts=DIR           TESTSCOPE_ARTIFACTS   write the artifact tree to DIR
//   --testscope_console=never|failed|always  TESTSCOPE_CONSOLE  timelines on stdout (failed)
//   --testscope_metrics_filter=PREFIX   TESTSCOPE_METRICS_FILTER  console: only metrics whose
//                                       name starts with PREFIX (default: all)
//   --testscope_metrics_port=[HOST:]PORT  TESTSCOPE_METRICS_PORT  serve /metrics while the
//                                       program runs, on 127.0.0.1 unless HOST is given (PORT 0:
//                                       any free port; the URL is printed on stderr)
//   --testscope_otlp[=URL]              TESTSCOPE_OTLP  send each test's trace to an OTLP/HTTP
//                                       endpoint when it ends (URL: a base, v1/traces appended;
//                                       without one, OTEL_EXPORTER_OTLP_ENDPOINT or
//                                       http://localhost:4318), from a background thread with a
//                                       bounded queue; what was not delivered is counted in one
//                                       warning at the end (docs/export.md). Off by default;
//                                       TESTSCOPE_OTLP=1 turns it on, =0 or an empty flag off
//   --testscope_pushgateway=URL         TESTSCOPE_PUSHGATEWAY  push the metrics to a Pushgateway
//                                       at the end (job: the program's name, instance: the host)
//   --testscope_quarantine=FILE         TESTSCOPE_QUARANTINE  the quarantine file
//                                       (docs/quarantine.md); default: testscope-quarantine.toml
//                                       in the current folder or above, else in the program's
//                                       folder or above, up to a repository's root (.git)
// The endpoint and the push serve the registries of testscope/metrics.hpp plus testscope's
// own series: testscope_tests_total{suite,outcome}, testscope_test_duration_seconds{suite},
// testscope_spans_recorded_total and testscope_records_dropped_total.
// An empty metrics port or Pushgateway URL turns them off (`--testscope_pushgateway=`
// overrides the variable). A bad value gets a warning on stderr and the default; the tests
// run regardless. So do an occupied port and a Pushgateway or OTLP endpoint that cannot be
// reached: a `testscope: warning:` line names the port or URL and the reason, and the
// results and exit code stay GoogleTest's.
//
// `testscope run --shard/--shuffle` reaches the program as TESTSCOPE_SHARD=I/N and
// TESTSCOPE_SHUFFLE_SEED=S (testscope/harness.hpp). This front maps them to GoogleTest's own
// sharding (GTEST_TOTAL_SHARDS=N, GTEST_SHARD_INDEX=I-1, set before RUN_ALL_TESTS(), over any
// values already there) and to --gtest_shuffle with --gtest_random_seed=R, R being S modulo
// 99999 with 0 taken as 99999 (GoogleTest's seeds are 1..99999; S itself when it is in that
// range). run.json's random_seed records R. A bad value gets a warning and is ignored.
//
// The session behind all this is testscope::TestSession (testscope/harness.hpp), shared by
// every framework's front; the types below are its types under their GoogleTest names.
#pragma once

#include <string>
#include <vector>

#include "testscope/harness.hpp"

namespace testscope::gtest {

using ConsoleMode = testscope::ConsoleMode;
// What the flags and environment variables ask for. A plain value type.
using Options = testscope::SessionOptions;

// Reads TESTSCOPE_* variables, then --testscope_* flags, removing those flags from argv.
// Problems (unknown flags, bad values) are appended to `warnings`; never throws.
// testscope::parse_options with FlagStyle::kUnderscore.
Options parse_options(int* argc, char** argv, std::vector<std::string>* warnings);

// Parses the options (as above), prints any warnings, and appends testscope's listener to
// GoogleTest's listeners, taking over the default result printer so a failed test's
// timeline is printed right after its "[  FAILED  ]" line. Call once, before
// RUN_ALL_TESTS(). Never throws and never changes the tests' results.
void install(int* argc, char** argv);
// The same with options given by the program; argv is recorded in run.json. When `options`
// has no shard or shuffle seed, TESTSCOPE_SHARD and TESTSCOPE_SHUFFLE_SEED still apply.
void install(const Options& options, int argc = 0, char** argv = nullptr);

// RUN_ALL_TESTS(), except that it returns 0 when every failure was in a test quarantined in
// `run` mode (and none was outside a test). What testscope::gtest_main returns.
int run_all_tests();

}  // namespace testscope::gtest
