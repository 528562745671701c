// testscope/harness.hpp: a test session for any test framework. A front (the GoogleTest
// listener, a Catch2 or doctest reporter, your own framework's runner) translates its
// framework's events into a TestSession, which does everything else: options from flags and
// TESTSCOPE_* variables, the artifact tree (run.json, one folder per test), testscope's own
// metric series, the /metrics endpoint, the Pushgateway push, live OTLP export, the console
// timeline of a failed test, and the quarantine file. docs/frameworks.md walks through a
// whole front in about 100 lines.
//
//   int main(int argc, char** argv) {
//     testscope::FrontInfo front;
//     front.framework = "mytests";
//     testscope::TestSession session = testscope::TestSession::from_command_line(
//         &argc, argv, testscope::FlagStyle::kDash, front);  // takes --testscope-* out of argv
//     session.begin_program();
//     for (const MyTest& t : tests()) {                         // in run_order(), see below
//       if (session.is_skipped(t.full_name)) continue;          // quarantine, skip mode
//       session.begin_test(t.info);
//       bool ok = t.run([&](testscope::Failure f) { session.add_failure(std::move(f)); });
//       session.end_test(ok ? testscope::Outcome::kPass : testscope::Outcome::kFail);
//       std::printf("%s %s\n", ok ? "ok" : "FAILED", t.full_name.c_str());  // your result line
//       session.finish_test();  // [QUARANTINED] line, timeline, artifacts, metrics, export
//     }
//     return session.end_program(failed ? 1 : 0);  // 0 if every failure was quarantined (run mode)
//   }
//
// Nothing here throws into the program and nothing changes a test's result: problems (a
// bad flag, an unwritable folder, a busy port, an unreachable endpoint) become one
// `testscope: warning: ...` line on stderr each, and the tests run as they would without
// testscope.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "testscope/artifacts.hpp"
#include "testscope/capture.hpp"
#include "testscope/shard.hpp"

namespace testscope {

// When the console shows a test's timeline: never, for failed tests (the default), always.
enum class ConsoleMode { kNever, kFailed, kAlways };

// How a front spells testscope's flags beside its framework's own flags.
enum class FlagStyle {
  kUnderscore,  // --testscope_artifacts=DIR, like GoogleTest's --gtest_*
  kDash,        // --testscope-artifacts=DIR, like Catch2's and doctest's flags
};

// A shuffle seed: decimal digits only, 0..18446744073709551615. nullopt for anything else
// (a sign, spaces, hex, an overflowing number, "").
std::optional<std::uint64_t> parse_shuffle_seed(std::string_view text) noexcept;

// The positions (0-based, in the program's order) of the tests `shard` selects out of
// `count`, in the order to run them: the program's order, or a permutation fixed by
// `shuffle_seed` (the same seed and count give the same order on every platform: a
// splitmix64 generator and a Fisher-Yates shuffle). Never throws except std::bad_alloc.
std::vector<std::size_t> run_order(std::size_t count, const std::optional<Shard>& shard,
                                   const std::optional<std::uint64_t>& shuffle_seed);

// What the flags and environment variables ask for. A plain value type.
struct SessionOptions {
  std::string artifacts_dir;  // empty: no files, console only
  ConsoleMode console = ConsoleMode::kFailed;
  std::string metrics_filter;   // console metrics section: names starting with this; empty: all
  std::string metrics_address;  // "127.0.0.1:9464": serve /metrics there; empty: no endpoint
  std::string pushgateway_url;  // push to this Pushgateway at program end; empty: no push
  bool otlp = false;            // send each test's trace over OTLP/HTTP when it ends
  std::string otlp_endpoint;    // its base URL; empty: OTEL_EXPORTER_OTLP_* or http://localhost:4318
  std::string
      quarantine_file;  // empty: testscope-quarantine.toml here or above, else by the program or above
  // Set by the runner (`testscope run --shard/--shuffle`), from the environment only; each
  // front applies them in its framework's way (see Shard and run_order()).
  std::optional<Shard> shard;                 // TESTSCOPE_SHARD=I/N
  std::optional<std::uint64_t> shuffle_seed;  // TESTSCOPE_SHUFFLE_SEED=S
};

// Reads the TESTSCOPE_* variables, then the testscope flags of `style` (flags win),
// removing those flags from argv (argc/argv may be null: the environment only). The flags,
// each NAME also a variable TESTSCOPE_<NAME in capitals> (shown in kUnderscore's spelling):
//   --testscope_artifacts=DIR  --testscope_console=never|failed|always
//   --testscope_metrics_filter=PREFIX  --testscope_metrics_port=[HOST:]PORT
//   --testscope_otlp[=URL]  --testscope_pushgateway=URL  --testscope_quarantine=FILE
// and, from the environment only, TESTSCOPE_SHARD=I/N and TESTSCOPE_SHUFFLE_SEED=S (empty:
// unset). Problems (unknown flags, bad values) are appended to `warnings` (may be null), each
// naming the flag or variable and the value, and the value is ignored. Never throws.
SessionOptions parse_options(int* argc, char** argv, FlagStyle style, std::vector<std::string>* warnings);

// Fills whichever of options.shard and options.shuffle_seed is unset from TESTSCOPE_SHARD and
// TESTSCOPE_SHUFFLE_SEED, as parse_options() reads them (a bad value: a warning, ignored), for
// a front given options built by the program. Never throws.
void read_runner_environment(SessionOptions& options, std::vector<std::string>* warnings);

// Whether the process is the program the user ran, or a helper process of the framework
// (GoogleTest's death-test child) that must not serve /metrics, push, export live or
// announce the quarantine, and whose recorder buffers are never file-backed (it may die on
// purpose: that must not look like a crash to the runner).
enum class ProcessRole { kMain, kSecondary };

// What a front tells the session about itself. Plain data.
struct FrontInfo {
  std::string framework = "unknown";  // run.json's "framework": "googletest", "catch2", "doctest", ...
  ProcessRole role = ProcessRole::kMain;
  // Colour on the console: nullopt decides as usual (no colour when NO_COLOR is set,
  // stdout is not a terminal or TERM=dumb); a front sets it when its framework's own
  // colour flag says otherwise.
  std::optional<bool> color;
  // Whether finish_test() prints the "[QUARANTINED] ..." line on stdout. A front whose
  // framework reports elsewhere (pytest: in its failure report and terminal summary, from
  // end_test()'s record) turns it off and prints the record's note itself.
  bool print_quarantined = true;
};

// The number of tests a program ran, as run.json records them.
struct TestCounts {
  int run = 0;  // ended tests, skipped ones included
  int failed = 0;
  int skipped = 0;
};

// One execution of a test program, driven by a front. Calls come in this order, from the
// thread that runs the tests (add_failure() from any thread):
//   begin_program  (begin_test  add_failure*  end_test  finish_test)*  end_program
// A call out of order is ignored (begin_test() while a test is open ends it as failed
// first). Every member is noexcept; internal errors become a `testscope: warning:` line.
// Movable, not copyable; a moved-from session ignores every call.
class TestSession {
 public:
  // `argv` is recorded in run.json as given (pass the command line before testscope's flags
  // were taken out). Loads the quarantine file (its problems are warnings on stderr) and,
  // in the main process, prints its announcements (skipped and expired entries).
  TestSession(SessionOptions options, FrontInfo front, int argc = 0,
              const char* const* argv = nullptr) noexcept;
  // parse_options() with `style` (printing its warnings on stderr), then the constructor
  // with the command line as it was before the flags were taken out of argc/argv.
  static TestSession from_command_line(int* argc, char** argv, FlagStyle style, FrontInfo front) noexcept;
  ~TestSession();
  TestSession(TestSession&& other) noexcept;
  TestSession& operator=(TestSession&& other) noexcept;
  TestSession(const TestSession&) = delete;
  TestSession& operator=(const TestSession&) = delete;

  // The options the session runs with (empty options for a moved-from session).
  const SessionOptions& options() const noexcept;

  // The quarantine entry (mode `run`, not expired) a test runs under, or nullopt. Any thread.
  std::optional<QuarantineNote> quarantine_note_for(std::string_view full_name) const noexcept;
  // True when a quarantine entry in mode `skip` (not expired) says the test must not run; the
  // front then does not run it (nor begin_test() it). Any thread.
  bool is_skipped(std::string_view full_name) const noexcept;
  // The `test` (a name or a * ? glob) of each skip entry in force, for a front that skips
  // through its framework's filter (GoogleTest: the negative part of --gtest_filter).
  std::vector<std::string> skip_patterns() const;

  // Colour on the console from now on, over what the constructor decided (FrontInfo::color):
  // for a front whose framework reads its own colour option only when its run starts
  // (doctest's --no-colors). Call before begin_program().
  void set_color(bool color) noexcept;

  // Writes run.json (still running), starts the /metrics endpoint and live export.
  // `random_seed` is run.json's "random_seed": the framework's shuffle seed, 0 if none.
  void begin_program(std::int64_t random_seed = 0) noexcept;
  // Starts capturing `test`: from now on spans on any thread belong to it.
  void begin_test(TestInfo test) noexcept;
  // An assertion failure: inside a test it is an "exception" event on the test's root span
  // and in summary.json; outside a test (a suite's set-up, a global fixture) it keeps the
  // quarantine from excusing the program's failure. Any thread.
  void add_failure(Failure failure) noexcept;
  // Stops capturing and returns the test's record, with its quarantine note when it has one.
  // Valid until the next begin_test(). Prints nothing: the front prints its framework's
  // result line for the test, then calls finish_test().
  const TestRecord& end_test(Outcome outcome) noexcept;
  // After the front's result line: "[QUARANTINED] name: reason (owner, until, file:line);
  // does not fail the build" for a quarantined failure, the timeline (per the console
  // mode), then the artifacts, testscope's series and the live export of the test.
  void finish_test() noexcept;
  // Rewrites run.json with the end, `counts` (nullopt: what the session saw) and the exit
  // status, pushes to the Pushgateway and stops the endpoint. Returns the status to exit
  // with: `exit_status`, or 0 when it is not 0, at least one test failed, and every failed
  // test was quarantined in `run` mode and no failure came outside a test ("testscope:
  // every failure was in a quarantined test; exit code 0" on stderr). Once; a second call
  // returns the same.
  int end_program(int exit_status, std::optional<TestCounts> counts = std::nullopt) noexcept;

  // What end_program() returns for `exit_status`, by the failures seen so far; prints
  // nothing. For a front whose framework decides its exit status after the last event.
  int exit_status_with_quarantine(int exit_status) const noexcept;

 private:
  TestSession() noexcept = default;  // ignores every call, like a moved-from session

  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace testscope
