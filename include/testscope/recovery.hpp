// testscope/recovery.hpp: the test a program was running when it died, rebuilt from the
// files its recorder left behind.
//
// `testscope run` gives each execution a folder in TESTSCOPE_BUFFER_DIR. A program linked
// with testscope then keeps its per-thread buffers and a small control block (which test
// is running, its failures so far) in files there instead of anonymous memory. Whatever
// ends the process (a segfault, abort, std::terminate, SIGKILL, a timeout's kill), the
// page cache keeps what it recorded; recover_tests() reads it back into TestRecords that
// the writers in testscope/artifacts.hpp turn into the usual files.
//
//   auto recovered = testscope::recover_tests(dir, {testscope::Outcome::kCrash,
//                                                   "killed by signal 11 (SIGSEGV)", end_ns});
//   for (const auto& test : recovered.tests) writer.write_test(test.record, run);
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "testscope/capture.hpp"

namespace testscope {

// How the process ended, as the runner saw it. Plain data.
struct ProcessEnd {
  Outcome outcome = Outcome::kCrash;  // kCrash or kTimeout
  std::string reason;                 // "killed by signal 11 (SIGSEGV)", recorded as a failure
  std::int64_t end_unix_ns = 0;       // when it was seen dead: open spans end here
};

// A test that was running when its process died, with what it recorded. Plain data.
struct RecoveredTest {
  TestRecord record;  // outcome from ProcessEnd; the reason is its last failure
  std::int64_t pid = 0;
};

// Everything found in a buffer folder. Plain data.
struct Recovery {
  std::vector<RecoveredTest> tests;
  std::vector<std::string> problems;  // files that could not be used: "<path>: <why>"
};

// Reads every process's control block and buffers in `buffer_dir` and rebuilds the tests
// that were running when their process ended (those that finished wrote their own
// artifacts). Corrupt or truncated files become problems; never throws.
Recovery recover_tests(const std::string& buffer_dir, const ProcessEnd& end) noexcept;

}  // namespace testscope
