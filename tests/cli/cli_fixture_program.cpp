// A GoogleTest program with testscope installed, run by cli_test through `testscope run`;
// cli_test picks one behaviour per run with --gtest_filter: passing, failing on even
// executions (flaky across executions), hanging with a grandchild in its process group,
// and dying of SIGSEGV.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>

#include "testscope/span.hpp"

// The runner is what these tests observe: a fatal signal must end the process the way it
// would without a sanitizer, not become the sanitizer's report and exit code.
extern "C" const char* __asan_default_options() { return "handle_segv=0:handle_sigbus=0:handle_sigfpe=0"; }
extern "C" const char* __tsan_default_options() { return "handle_segv=0:handle_sigbus=0:handle_sigfpe=0"; }

namespace {

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

TEST(Cli, Segfaults) {
  testscope::Span span("about_to_crash");
  raise(SIGSEGV);
}

}  // namespace
