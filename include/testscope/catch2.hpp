// testscope/catch2.hpp: capture every Catch2 (v2) test case, print its timeline under a
// failure, and write its artifacts.
//
// Link testscope::catch2_main instead of writing a main (and instead of Catch2::Catch2WithMain,
// or a file defining CATCH_CONFIG_MAIN). With your own main, define CATCH_CONFIG_RUNNER in it and
// hand your Catch::Session to run():
//
//   #define CATCH_CONFIG_RUNNER
//   #include <catch2/catch.hpp>
//   #include <testscope/catch2.hpp>
//
//   int main(int argc, char** argv) {
//     Catch::Session session;  // add your own options to session.cli() here, if any
//     return testscope::catch2::run(session, argc, argv);
//   }
//
// A test case is one test: its full name is "<class>.<name>" (TEST_CASE_METHOD's fixture class)
// or "<file stem>.<name>" (a plain TEST_CASE in promo_catch2.cpp: "promo_catch2.<name>"), the
// name quarantine entries and `testscope report` use; its folder is that name made safe
// (testscope/artifacts.hpp's test_id()). Catch2 runs a test case once per leaf section (and per
// generator value); those runs stay inside the one test, each section entered as a span named
// after the section, with the attribute catch2.run (1, 2, ... in Catch2's order), and each
// failure names its section path. A failed assertion (CHECK, REQUIRE, FAIL, an unexpected
// exception) is a failure with its file:line, the expression, its expansion and the INFO
// messages, as Catch2 prints it. docs/frameworks.md has the details.
//
// Flags (beside Catch2's, taken out of argv before Catch2 parses it), each with an environment
// variable; flags win:
//   --testscope-artifacts=DIR  --testscope-console=never|failed|always
//   --testscope-metrics-filter=PREFIX  --testscope-metrics-port=[HOST:]PORT
//   --testscope-otlp[=URL]  --testscope-pushgateway=URL  --testscope-quarantine=FILE
// with the meanings of testscope/gtest.hpp's --testscope_* flags (TESTSCOPE_ARTIFACTS, ...).
// Catch2's --use-colour no|yes turns the timeline's colour off or on. With a reporter that writes
// a file format to stdout (-r xml, junit, ...; no -o FILE) the console timeline is off.
//
// The quarantine file: `run` entries print [QUARANTINED] after the test case's output and
// run() returns 0 when every failure was quarantined; `skip` entries keep the test case from
// running (taken out of Catch2's test spec). The file refuses spaces in a name: match a Catch2
// name with spaces by a pattern with '?' for each ("PromoRace.racy?apply?allows?exactly?one?use"). `testscope
// run --shard I/N` (TESTSCOPE_SHARD) runs the test cases k % N == I - 1 of those Catch2 would run (numbered
// from 0 in declaration order), through Catch2's test spec; `--shuffle` (TESTSCOPE_SHUFFLE_SEED=S) is
// Catch2's
// --order rand --rng-seed S mod 2^32, which run.json's random_seed records.
//
// Catch2 v2 changes its reporter interface with CATCH_CONFIG_ENABLE_BENCHMARKING; testscope's
// listener is built without it, so a program that enables BENCHMARK cannot use this front.
#pragma once

#if defined(CATCH_CONFIG_ENABLE_BENCHMARKING)
#error \
    "testscope::catch2 is built without CATCH_CONFIG_ENABLE_BENCHMARKING; Catch2 v2's reporter interface differs with it"
#endif

#include <memory>

namespace Catch {
struct ConfigData;
}  // namespace Catch

namespace testscope::catch2 {
namespace detail {

// The steps of run() that are testscope's, compiled in testscope::catch2 (Catch::Session exists
// only where CATCH_CONFIG_RUNNER is defined, hence run() is a template in this header).
// Every member is noexcept; problems are `testscope: warning:` lines on stderr.
class CatchRun {
 public:
  // Reads TESTSCOPE_* and takes the --testscope-* flags out of argv; keeps the command line as
  // given for run.json.
  CatchRun(int* argc, char** argv) noexcept;
  ~CatchRun();
  CatchRun(const CatchRun&) = delete;
  CatchRun& operator=(const CatchRun&) = delete;
  CatchRun(CatchRun&&) = delete;
  CatchRun& operator=(CatchRun&&) = delete;

  // After Catch2 parsed its command line into `data`: false for --help and --list-* (then
  // testscope stays out). Otherwise starts the session (quarantine file, colour from
  // --use-colour) and narrows `data` by quarantine `skip` and TESTSCOPE_SHARD, and orders it by
  // TESTSCOPE_SHUFFLE_SEED.
  bool prepare(Catch::ConfigData& data) noexcept;
  // False when skip and shard left no test case to run.
  bool anything_to_run() const noexcept;
  // Before Catch::Session::run(): run.json, the listener installed.
  void begin() noexcept;
  // After it: the listener removed, run.json finished; the status to exit with (quarantine applied).
  int end(int catch2_status) noexcept;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace detail

// Takes testscope's flags out of argv, applies the rest to `session` (Catch2's applyCommandLine:
// its errors and --help are Catch2's, returned as they are), applies the quarantine's `skip`
// entries and TESTSCOPE_SHARD / TESTSCOPE_SHUFFLE_SEED to Catch2's configuration, runs the tests
// with testscope's listener installed, and returns Catch2's exit status, or 0 when every failure
// was in a test case quarantined in `run` mode. With --help, --list-* or a bad command line,
// testscope only takes its flags out. Call once per program, from main, with a Catch::Session.
// Never throws; a problem of testscope's is a `testscope: warning:` line on stderr and changes
// no result.
template <typename CatchSession>
int run(CatchSession& session, int argc, char** argv) {
  detail::CatchRun testscope_run(&argc, argv);
  const int parsed = session.applyCommandLine(argc, argv);
  if (parsed != 0) return parsed;
  auto data = session.configData();
  if (!testscope_run.prepare(data)) return session.run();
  session.useConfigData(data);
  testscope_run.begin();
  return testscope_run.end(testscope_run.anything_to_run() ? session.run() : 0);
}

}  // namespace testscope::catch2
