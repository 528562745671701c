// testscope/doctest.hpp: capture every doctest test case, print its timeline under a failure,
// and write its artifacts.
//
// Link testscope::doctest_main (it provides doctest's implementation and `main`; define
// neither DOCTEST_CONFIG_IMPLEMENT nor DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN), or, with your own
// main in the file that defines DOCTEST_CONFIG_IMPLEMENT, link testscope::doctest and write:
//
//   int main(int argc, char** argv) {
//     testscope::doctest::install(&argc, argv);  // takes --testscope-* out before doctest parses
//     doctest::Context context(argc, argv);
//     // ... your own context.setOption(...) calls ...
//     return testscope::doctest::run(context);  // context.run(), quarantine applied
//   }
//
// testscope listens through doctest's reporter API (a listener registered with
// DOCTEST_REGISTER_LISTENER), so doctest's own reporters (console, xml, junit, yours) stay as
// they are. What it records:
//   - each TEST_CASE is one test: suite = its TEST_SUITE, or for a test case outside any
//     suite its source file's name without the extension; name = the test case's name
//     (with "<type>" for TEST_CASE_TEMPLATE); full name "suite.name";
//   - each SUBCASE is a span, named as the subcase, under the spans open where it is entered;
//     doctest runs a test case once per leaf subcase, all in the same test, each subcase span
//     with the attribute doctest.pass (1, 2, ... the run of the test case it belongs to);
//   - a failed CHECK/REQUIRE (with its expansion, INFO/CAPTURE context and subcase path),
//     FAIL/FAIL_CHECK, an exception out of the test case, a time limit exceeded and a
//     should_fail test that passed are failures ("exception" events, summary.json); MESSAGE
//     and failed WARN assertions are log events;
//   - outcome pass or fail as doctest decides it (may_fail, should_fail, expected_failures
//     included). Test cases doctest does not run (doctest::skip(), filters) get no record.
//     A test case that crashes (doctest reports "test case CRASHED") is recovered by
//     `testscope run` from the recorder's files; testscope does nothing in doctest's signal
//     handler.
//
// Flags (doctest's style, beside its own), each with its environment variable; flags win:
//   --testscope-artifacts=DIR  --testscope-console=never|failed|always
//   --testscope-metrics-filter=PREFIX  --testscope-metrics-port=[HOST:]PORT
//   --testscope-otlp[=URL]  --testscope-pushgateway=URL  --testscope-quarantine=FILE
// (testscope/harness.hpp, docs/frameworks.md). The timeline has no colour when doctest's
// --no-colors says so, and colour when its --force-colors does.
//
// Quarantine `skip`, TESTSCOPE_SHARD=I/N and TESTSCOPE_SHUFFLE_SEED=S (testscope run --shard,
// --shuffle) become doctest options of `context` in run(): test-case-exclude filters for the
// quarantined test cases and for those outside the shard (numbered in doctest's file order
// after your filters, doctest::skip() and the quarantine, test k in shard I when
// k % N == I - 1), and --order-by=rand --rand-seed=R, R being S modulo 2147483647 with 0
// taken as 2147483647 (doctest's seed is an int; run.json's random_seed records R).
#pragma once

#include "testscope/harness.hpp"

namespace doctest {
class Context;
}

namespace testscope::doctest {

// Reads the TESTSCOPE_* variables and the --testscope-* flags, takes those flags out of argv
// (before doctest parses it) and creates the session doctest's events drive. Call once,
// before constructing doctest::Context. Never throws and never changes the tests' results.
void install(int* argc, char** argv);
// The same with options given by the program; argv (may be null) is recorded in run.json
// and is the command line run() lists the test cases with. When `options` has no shard or
// shuffle seed, TESTSCOPE_SHARD and TESTSCOPE_SHUFFLE_SEED still apply.
void install(const SessionOptions& options, int argc = 0, char** argv = nullptr);

// Applies quarantine `skip`, the shard and the shuffle to `context` (see above; to find the
// test cases it lists them first, with a second doctest::Context on the command line given
// to install()), then returns context.run(), or 0 when every failure was in a test
// quarantined in `run` mode (and none was outside a test). Without install(): context.run().
int run(::doctest::Context& context);

}  // namespace testscope::doctest
