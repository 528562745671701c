// A GoogleTest program with testscope installed, run by full_disk_test through `testscope
// run` on a nearly full file system. Its tests touch many pages of buffer memory and write
// small artifacts: one span on each of 128 threads (every thread gets a buffer of its own),
// a passing test, a failing one and, selected with --gtest_filter, one that segfaults.
#include <gtest/gtest.h>

#include <csignal>
#include <thread>
#include <vector>

#include "testscope/span.hpp"

// The runner is what these tests observe: a segfault must end the process the way it
// would without a sanitizer, not become the sanitizer's report and exit code.
// NOLINTBEGIN(bugprone-reserved-identifier,readability-identifier-naming): the sanitizers' names
extern "C" const char* __asan_default_options() { return "handle_segv=0:handle_sigbus=0:handle_sigfpe=0"; }
extern "C" const char* __tsan_default_options() { return "handle_segv=0:handle_sigbus=0:handle_sigfpe=0"; }
// NOLINTEND(bugprone-reserved-identifier,readability-identifier-naming)

namespace {

constexpr int kThreads = 128;

void spans_on_threads() {
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([i] {
      testscope::Span span("work_on_thread");
      span.set_attribute("thread", i);
    });
  }
  for (std::thread& t : threads) t.join();
}

TEST(FullDisk, SpansOnManyThreads) {
  spans_on_threads();
  SUCCEED();
}

TEST(FullDisk, Passes) {
  testscope::Span span("passing_work");
  SUCCEED();
}

TEST(FullDisk, Fails) {
  testscope::Span span("failing_work");
  EXPECT_EQ(1, 2) << "fails every time";
}

TEST(FullDisk, Segfaults) {
  spans_on_threads();
  testscope::Span open("open_at_death");
  raise(SIGSEGV);
}

}  // namespace
