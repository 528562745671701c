// A GoogleTest program with testscope installed, run by cli_test through `testscope run`;
// cli_test picks one behaviour per run with --gtest_filter: passing, failing on even
// executions (flaky across executions), hanging with a grandchild in its process group,
// and five ways of dying inside a test after recording spans, a log event and a failure
// (segfault, abort, std::terminate, SIGKILL, hanging until the runner's timeout).
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <future>
#include <string>
#include <thread>

#include "testscope/log.hpp"
#include "testscope/span.hpp"

// The runner is what these tests observe: a fatal signal must end the process the way it
// would without a sanitizer, not become the sanitizer's report and exit code.
// NOLINTBEGIN(bugprone-reserved-identifier,readability-identifier-naming): the sanitizers' names
extern "C" const char* __asan_default_options() { return "handle_segv=0:handle_sigbus=0:handle_sigfpe=0"; }
extern "C" const char* __tsan_default_options() { return "handle_segv=0:handle_sigbus=0:handle_sigfpe=0"; }
// NOLINTEND(bugprone-reserved-identifier,readability-identifier-naming)

namespace {

// With CLI_FIXTURE_CRASH_AT_EXIT set, the program dies after its tests, outside any test.
bool install_crash_at_exit() noexcept {
  if (std::getenv("CLI_FIXTURE_CRASH_AT_EXIT") != nullptr) std::atexit([] { raise(SIGSEGV); });
  return true;
}
const bool kCrashAtExit = install_crash_at_exit();

TEST(Cli, Passes) {
  testscope::Span span("passing_work");
  EXPECT_EQ(2 + 2, 4);
}

// TESTSCOPE_ARTIFACTS ends in runs/<n>: fails when n is even.
TEST(Cli, FailsOnEvenExecutions) {
  const char* dir = std::getenv("TESTSCOPE_ARTIFACTS");
  ASSERT_NE(dir, nullptr);
  const int n = std::atoi(std::string(dir).substr(std::string(dir).rfind('/') + 1).c_str());
  EXPECT_EQ(n % 2, 1) << "execution " << n << " is even";
}

// Forks a grandchild that sleeps, writes its pid to $CLI_FIXTURE_PID_FILE, then hangs.
TEST(Cli, Hangs) {
  const pid_t child = fork();
  if (child == 0) {
    for (;;) pause();
  }
  if (const char* pid_file = std::getenv("CLI_FIXTURE_PID_FILE")) std::ofstream(pid_file) << child << "\n";
  for (;;) std::this_thread::sleep_for(std::chrono::seconds(1));
}

// A child that leaves the program's process group and session (as a daemon or a server
// started with setsid does) and waits forever. Returns once it has left.
pid_t start_daemon() {
  const pid_t child = fork();
  if (child == 0) {
    setsid();
    for (;;) pause();
  }
  while (child > 0 && getpgid(child) == getpgid(0)) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return child;
}

// Passes in execution 1 (TESTSCOPE_ARTIFACTS ends in runs/1), then hangs as Cli.Hangs does:
// a run whose first execution finished and whose second hangs, for killing testscope. The
// hanging one starts a child in its group and a daemon outside it.
TEST(Cli, HangsAfterTheFirstExecution) {
  const char* dir = std::getenv("TESTSCOPE_ARTIFACTS");
  ASSERT_NE(dir, nullptr);
  if (std::string(dir).ends_with("/1")) return;
  const pid_t child = fork();
  if (child == 0) {
    for (;;) pause();
  }
  const pid_t daemon = start_daemon();
  if (const char* pid_file = std::getenv("CLI_FIXTURE_PID_FILE")) {
    std::ofstream(std::string(pid_file) + ".tmp") << child << " " << getpid() << " " << daemon << "\n";
    std::rename((std::string(pid_file) + ".tmp").c_str(), pid_file);
  }
  for (;;) std::this_thread::sleep_for(std::chrono::seconds(1));
}

// Passes, leaving a daemon running outside its process group; appends the daemon's pid to
// CLI_FIXTURE_PID_FILE.
TEST(Cli, LeavesADaemonRunning) {
  const pid_t daemon = start_daemon();
  ASSERT_GT(daemon, 0);
  if (const char* pid_file = std::getenv("CLI_FIXTURE_PID_FILE")) {
    std::ofstream(pid_file, std::ios::app) << daemon << "\n";
  }
}

// Fails on every second repetition of the program (--gtest_repeat): 1 pass, 2 fail, ...
TEST(Cli, FailsOnAlternateRepetitions) {
  static int repetition = 0;
  ++repetition;
  EXPECT_EQ(repetition % 2, 1) << "repetition " << repetition << " is even";
}

// What every dying test leaves behind: a finished span with an attribute, a log event, a
// non-fatal failure, a span still open on a second thread and one on the test's thread;
// then `die` ends the process inside the open span.
template <typename Die>
void record_then(const char* how, Die die) {
  {
    testscope::Span done("finished_before_death");
    done.set_attribute("how", how);
  }
  testscope::log_event("about_to_die", {{"how", how}});
  EXPECT_EQ(1, 2) << "a failure before dying";
  std::promise<void> started;
  std::thread([&started] {
    testscope::Span open("open_on_helper_thread");
    started.set_value();
    for (;;) std::this_thread::sleep_for(std::chrono::seconds(1));
  }).detach();
  started.get_future().wait();
  testscope::Span open("open_at_death");
  die();
}

TEST(Cli, Segfaults) {
  record_then("segfault", [] { raise(SIGSEGV); });
}

TEST(Cli, Aborts) {
  record_then("abort", [] { std::abort(); });
}

TEST(Cli, Terminates) {
  record_then("terminate", [] { std::terminate(); });
}

TEST(Cli, KillsItself) {
  record_then("sigkill", [] { raise(SIGKILL); });
}

// Passes in its first repetition (--gtest_repeat), dies by SIGSEGV in its second.
TEST(Cli, SegfaultsInTheSecondRepetition) {
  static int repetition = 0;
  if (++repetition == 2) {
    testscope::Span span("before_the_second_death");
    raise(SIGSEGV);
  }
}

TEST(Cli, HangsInASpan) {
  record_then("hang", [] {
    for (;;) std::this_thread::sleep_for(std::chrono::seconds(1));
  });
}

}  // namespace
