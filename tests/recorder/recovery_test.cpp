// Runs with TESTSCOPE_BUFFER_DIR set (see CMakeLists.txt), as under `testscope run`: the
// recorder's buffers and control block are files, and recover_tests() reads them back.
// Recovering from the live files of this very process stands in for a dead one: the
// files hold exactly what a crash at that moment would have left.
#include "testscope/recovery.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <string>
#include <thread>

#include "testscope/capture.hpp"
#include "testscope/log.hpp"
#include "testscope/span.hpp"

namespace testscope {
namespace {

namespace fs = std::filesystem;

const fs::path& dir() {
  static const fs::path kDir = [] {
    const char* env = std::getenv("TESTSCOPE_BUFFER_DIR");
    return fs::path(env != nullptr ? env : "");
  }();
  return kDir;
}

class RecoveryTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ASSERT_FALSE(dir().empty()) << "run through ctest";
    fs::create_directories(dir());  // before the first span maps a buffer
  }
  static void TearDownTestSuite() {
    std::error_code ignored;
    fs::remove_all(dir(), ignored);  // the mappings stay valid; the names go
  }
};

const SpanData* span_named(const TestRecord& record, const std::string& name) {
  for (const SpanData& span : record.spans) {
    if (span.name == name) return &span;
  }
  return nullptr;
}

TEST_F(RecoveryTest, ARunningTestIsRebuiltFromTheFiles) {
  TestCapture capture;
  capture.begin(TestInfo{"Recovery", "Running", "", "", "recovery_test.cpp", 42});
  {
    Span done("done");
    done.set_attribute("answer", std::int64_t{42});
  }
  log_event("checkpoint", {{"step", "one"}});
  capture.add_failure(Failure{"recovery_test.cpp", 7, "expected 1, got 2", false, 0, ""});
  // Types survive the crash: a front's kind of failure, a language's exception class; one too
  // long to keep is left out (recovery names it after the framework) and its message kept.
  capture.add_failure(Failure{"recovery_test.cpp", 8, "CHECK(x == 1)", false, 0, "catch2.nonfatal_failure"});
  capture.add_failure(Failure{"test_x.py", 9, "assert 1 == 2", true, 0, "AssertionError"});
  capture.add_failure(Failure{"test_x.py", 10, "long", true, 0, std::string(256, 'T')});
  std::promise<void> started;
  std::promise<void> release;
  std::thread helper([&] {
    set_thread_name("helper");
    Span open("open_on_helper");
    started.set_value();
    release.get_future().wait();
  });
  started.get_future().wait();
  auto open = std::make_unique<Span>("open_on_test_thread");

  const Recovery recovery = recover_tests(dir().string(), {Outcome::kCrash, "killed by SIGSEGV", 0});
  EXPECT_TRUE(recovery.problems.empty()) << recovery.problems.front();
  ASSERT_EQ(recovery.tests.size(), 1U);
  const TestRecord& record = recovery.tests[0].record;
  EXPECT_EQ(recovery.tests[0].pid, getpid());
  EXPECT_EQ(record.test.full_name(), "Recovery.Running");
  EXPECT_EQ(record.test.file, "recovery_test.cpp");
  EXPECT_EQ(record.test.line, 42);
  EXPECT_EQ(record.outcome, Outcome::kCrash);
  ASSERT_EQ(record.failures.size(), 5U);
  EXPECT_EQ(record.failures[0].message, "expected 1, got 2");
  EXPECT_EQ(record.failures[0].line, 7);
  EXPECT_FALSE(record.failures[0].fatal);
  EXPECT_EQ(record.failures[0].type, "");
  EXPECT_EQ(record.failures[1].type, "catch2.nonfatal_failure");
  EXPECT_EQ(record.failures[1].message, "CHECK(x == 1)");
  EXPECT_FALSE(record.failures[1].fatal);
  EXPECT_EQ(record.failures[2].type, "AssertionError");
  EXPECT_EQ(record.failures[2].message, "assert 1 == 2");
  EXPECT_TRUE(record.failures[2].fatal);
  EXPECT_EQ(record.failures[3].type, "");
  EXPECT_EQ(record.failures[3].message, "long");
  EXPECT_TRUE(record.failures[3].fatal);
  EXPECT_EQ(record.failures[4].message, "killed by SIGSEGV");
  ASSERT_FALSE(record.spans.empty());
  EXPECT_EQ(record.spans[0].name, "Recovery.Running");  // the root
  EXPECT_EQ(record.spans[0].status_message, "killed by SIGSEGV");
  const SpanData* done = span_named(record, "done");
  ASSERT_NE(done, nullptr);
  EXPECT_TRUE(done->ended);
  EXPECT_EQ(done->parent_span_id, record.root_span_id);
  EXPECT_EQ(done->trace_id, record.trace_id);
  ASSERT_EQ(done->attributes.size(), 1U);
  EXPECT_EQ(std::get<std::int64_t>(done->attributes[0].value), 42);
  const SpanData* open_here = span_named(record, "open_on_test_thread");
  const SpanData* open_there = span_named(record, "open_on_helper");
  ASSERT_NE(open_here, nullptr);
  ASSERT_NE(open_there, nullptr);
  EXPECT_FALSE(open_here->ended);
  EXPECT_FALSE(open_there->ended);
  EXPECT_GE(open_here->end_unix_ns, open_here->start_unix_ns);
  ASSERT_EQ(record.logs.size(), 1U);
  EXPECT_EQ(record.logs[0].event, "checkpoint");
  const bool helper_named = std::any_of(record.threads.begin(), record.threads.end(),
                                        [](const ThreadData& t) { return t.name == "helper"; });
  EXPECT_TRUE(helper_named);

  release.set_value();
  helper.join();
  open.reset();
  (void)capture.end(Outcome::kFail);
  // Finished: nothing is left to recover.
  EXPECT_TRUE(recover_tests(dir().string(), {Outcome::kCrash, "", 0}).tests.empty());
}

TEST_F(RecoveryTest, AForkedChildNeverWritesIntoTheParentsFiles) {
  TestCapture capture;
  capture.begin(TestInfo{"Recovery", "Forks", "", "", "", 0});
  { Span before("before_fork"); }
  const pid_t child = fork();
  if (child == 0) {
    for (int i = 0; i < 100; ++i) Span in_child("in_child");
    _exit(0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  const Recovery recovery = recover_tests(dir().string(), {Outcome::kCrash, "", 0});
  ASSERT_EQ(recovery.tests.size(), 1U);
  const TestRecord& record = recovery.tests[0].record;
  EXPECT_NE(span_named(record, "before_fork"), nullptr);
  EXPECT_EQ(span_named(record, "in_child"), nullptr);
  (void)capture.end(Outcome::kPass);
}

TEST(RecoveryInput, CorruptAndTruncatedFilesAreProblemsNeverCrashes) {
  const fs::path bad = fs::temp_directory_path() / ("recovery_bad_" + std::to_string(getpid()));
  fs::create_directories(bad);
  std::ofstream(bad / "100-control") << "short";
  std::ofstream(bad / "200-control") << std::string(65536, 'x');
  std::ofstream(bad / "300-1.buffer") << std::string(100, '\0');
  std::ofstream(bad / "notes.txt") << "not ours";
  std::ofstream(bad / "x-control") << "not a pid";
  const Recovery recovery = recover_tests(bad.string(), {Outcome::kCrash, "", 0});
  EXPECT_TRUE(recovery.tests.empty());
  ASSERT_EQ(recovery.problems.size(), 2U);
  EXPECT_NE(recovery.problems[0].find("100-control: truncated"), std::string::npos) << recovery.problems[0];
  EXPECT_NE(recovery.problems[1].find("200-control: not a testscope control block"), std::string::npos)
      << recovery.problems[1];
  fs::remove_all(bad);

  const Recovery missing = recover_tests((bad / "nope").string(), {Outcome::kCrash, "", 0});
  ASSERT_EQ(missing.problems.size(), 1U);
  EXPECT_NE(missing.problems[0].find("nope"), std::string::npos);
}

}  // namespace
}  // namespace testscope
