// The GoogleTest front: GoogleTest's events translated into a TestSession (testscope/harness.hpp),
// quarantine `skip` through --gtest_filter, and TESTSCOPE_SHARD / TESTSCOPE_SHUFFLE_SEED
// through GoogleTest's sharding and shuffle.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "testscope/gtest.hpp"
#include "testscope/harness.hpp"

namespace testscope::gtest {
namespace {

using testing::TestEventListener;

// GoogleTest's largest --gtest_random_seed; its seeds are 1..kMaxRandomSeed.
constexpr std::uint64_t kMaxRandomSeed = 99999;

void warn(const std::string& text) { std::fprintf(stderr, "testscope: warning: %s\n", text.c_str()); }

// A death test's child re-executed by GoogleTest (death_test_style=threadsafe) is not the
// program the user ran: it must not take the metrics port or push.
bool death_test_child() { return !GTEST_FLAG_GET(internal_run_death_test).empty(); }

FrontInfo googletest_front() {
  FrontInfo front;
  front.framework = "googletest";
  front.role = death_test_child() ? ProcessRole::kSecondary : ProcessRole::kMain;
  const std::string flag = GTEST_FLAG_GET(color);
  if (flag == "no" || flag == "false" || flag == "0") front.color = false;
  return front;
}

// The session as installed, for run_all_tests(). Set once by install(), before any test.
std::shared_ptr<TestSession>& installed_session() {
  static std::shared_ptr<TestSession> session;
  return session;
}

TestInfo describe(const testing::TestInfo& info) {
  TestInfo test;
  test.suite = info.test_suite_name();
  test.name = info.name();
  if (info.type_param() != nullptr) test.type_param = info.type_param();
  if (info.value_param() != nullptr) test.value_param = info.value_param();
  if (info.file() != nullptr) test.file = info.file();
  test.line = info.line();
  return test;
}

// Adds the patterns to the negative part of --gtest_filter, leaving its positive part as it is.
void skip_in_filter(const std::vector<std::string>& patterns) {
  std::string negative;
  for (const std::string& p : patterns) {
    // ':' separates --gtest_filter's patterns, and a space ends it; a name holding them (a
    // pytest node id in a shared quarantine file) names no GoogleTest test.
    if (p.find_first_of(": ") != std::string::npos) continue;
    negative += (negative.empty() ? "" : ":") + p;
  }
  if (negative.empty()) return;
  std::string filter = GTEST_FLAG_GET(filter);
  filter += filter.find('-') == std::string::npos ? "-" + negative : ":" + negative;
  GTEST_FLAG_SET(filter, filter);
}

// TESTSCOPE_SHARD=I/N as GoogleTest's GTEST_TOTAL_SHARDS=N and GTEST_SHARD_INDEX=I-1 (read by
// RUN_ALL_TESTS()); TESTSCOPE_SHUFFLE_SEED=S as --gtest_shuffle --gtest_random_seed=R, R in 1..99999.
void apply_shard_and_shuffle(const Options& options) {
  if (options.shard) {
    // NOLINTBEGIN(concurrency-mt-unsafe): install() runs before RUN_ALL_TESTS() starts any test thread
    setenv("GTEST_TOTAL_SHARDS", std::to_string(options.shard->total).c_str(), 1);
    setenv("GTEST_SHARD_INDEX", std::to_string(options.shard->index - 1).c_str(), 1);
    // NOLINTEND(concurrency-mt-unsafe)
  }
  if (options.shuffle_seed) {
    const std::uint64_t r = *options.shuffle_seed % kMaxRandomSeed;
    GTEST_FLAG_SET(shuffle, true);
    GTEST_FLAG_SET(random_seed, static_cast<std::int32_t>(r == 0 ? kMaxRandomSeed : r));
  }
}

// Forwards every event to GoogleTest's default printer (which it owns), then adds
// testscope's own output after a test's result line.
class Listener final : public TestEventListener {
 public:
  Listener(std::shared_ptr<TestSession> session, std::unique_ptr<TestEventListener> printer)
      : session_(std::move(session)), printer_(std::move(printer)) {}

  void OnTestProgramStart(const testing::UnitTest& unit_test) override {
    if (printer_) printer_->OnTestProgramStart(unit_test);
    session_->begin_program(unit_test.random_seed());
  }
  void OnTestIterationStart(const testing::UnitTest& unit_test, int iteration) override {
    if (printer_) printer_->OnTestIterationStart(unit_test, iteration);
  }
  void OnEnvironmentsSetUpStart(const testing::UnitTest& unit_test) override {
    if (printer_) printer_->OnEnvironmentsSetUpStart(unit_test);
  }
  void OnEnvironmentsSetUpEnd(const testing::UnitTest& unit_test) override {
    if (printer_) printer_->OnEnvironmentsSetUpEnd(unit_test);
  }
  void OnTestSuiteStart(const testing::TestSuite& suite) override {
    if (printer_) printer_->OnTestSuiteStart(suite);
  }
#ifndef GTEST_REMOVE_LEGACY_TEST_CASEAPI_
  void OnTestCaseStart(const testing::TestCase& test_case) override {
    if (printer_) printer_->OnTestCaseStart(test_case);
  }
  void OnTestCaseEnd(const testing::TestCase& test_case) override {
    if (printer_) printer_->OnTestCaseEnd(test_case);
  }
#endif
  void OnTestStart(const testing::TestInfo& info) override {
    if (printer_) printer_->OnTestStart(info);
    guard([&] { session_->begin_test(describe(info)); });
  }
  void OnTestDisabled(const testing::TestInfo& info) override {
    if (printer_) printer_->OnTestDisabled(info);
  }
  void OnTestPartResult(const testing::TestPartResult& result) override {
    if (printer_) printer_->OnTestPartResult(result);
    if (!result.failed()) return;
    guard([&] {
      Failure failure;
      failure.file = result.file_name() != nullptr ? result.file_name() : "";
      failure.line = result.line_number();
      failure.message = result.message() != nullptr ? result.message() : "";
      failure.fatal = result.fatally_failed();
      session_->add_failure(std::move(failure));
    });
  }
  void OnTestEnd(const testing::TestInfo& info) override {
    const testing::TestResult& result = *info.result();
    session_->end_test(result.Skipped() ? Outcome::kSkip : result.Failed() ? Outcome::kFail : Outcome::kPass);
    if (printer_) printer_->OnTestEnd(info);
    session_->finish_test();
  }
  void OnTestSuiteEnd(const testing::TestSuite& suite) override {
    if (printer_) printer_->OnTestSuiteEnd(suite);
  }
  void OnEnvironmentsTearDownStart(const testing::UnitTest& unit_test) override {
    if (printer_) printer_->OnEnvironmentsTearDownStart(unit_test);
  }
  void OnEnvironmentsTearDownEnd(const testing::UnitTest& unit_test) override {
    if (printer_) printer_->OnEnvironmentsTearDownEnd(unit_test);
  }
  void OnTestIterationEnd(const testing::UnitTest& unit_test, int iteration) override {
    if (printer_) printer_->OnTestIterationEnd(unit_test, iteration);
    // What RUN_ALL_TESTS() will return: 1 when any iteration failed.
    if (!unit_test.Passed()) any_iteration_failed_ = true;
  }
  void OnTestProgramEnd(const testing::UnitTest& unit_test) override {
    if (printer_) printer_->OnTestProgramEnd(unit_test);
    TestCounts counts;  // the last iteration's, as GoogleTest reports them
    counts.run = unit_test.test_to_run_count();
    counts.failed = unit_test.failed_test_count();
    counts.skipped = unit_test.skipped_test_count();
    session_->end_program(any_iteration_failed_ ? 1 : 0, counts);
  }

 private:
  template <typename F>
  static void guard(F&& f) noexcept {
    try {
      f();
    } catch (...) {
      warn("internal error, test results are unaffected");
    }
  }

  std::shared_ptr<TestSession> session_;  // never null
  std::unique_ptr<TestEventListener> printer_;
  bool any_iteration_failed_ = false;
};

void install_session(TestSession session) {
  auto shared = std::make_shared<TestSession>(std::move(session));
  if (!death_test_child()) {
    skip_in_filter(shared->skip_patterns());
    apply_shard_and_shuffle(shared->options());
  }
  testing::TestEventListeners& listeners = testing::UnitTest::GetInstance()->listeners();
  std::unique_ptr<TestEventListener> printer(listeners.Release(listeners.default_result_printer()));
  installed_session() = shared;
  // NOLINTNEXTLINE(cppcoreguidelines-owning-memory): GoogleTest's API takes ownership of a raw pointer
  listeners.Append(new Listener(std::move(shared), std::move(printer)));
}

}  // namespace

Options parse_options(int* argc, char** argv, std::vector<std::string>* warnings) {
  return testscope::parse_options(argc, argv, FlagStyle::kUnderscore, warnings);
}

void install(const Options& options, int argc, char** argv) {
  try {
    Options with_runner = options;
    std::vector<std::string> warnings;
    read_runner_environment(with_runner, &warnings);
    for (const std::string& w : warnings) warn(w);
    install_session(TestSession(std::move(with_runner), googletest_front(), argc, argv));
  } catch (const std::exception& e) {
    warn(std::string("not installed: ") + e.what());
  }
}

void install(int* argc, char** argv) {
  try {
    install_session(TestSession::from_command_line(argc, argv, FlagStyle::kUnderscore, googletest_front()));
  } catch (const std::exception& e) {
    warn(std::string("not installed: ") + e.what());
  }
}

int run_all_tests() {
  const int result = RUN_ALL_TESTS();
  const std::shared_ptr<TestSession> session = installed_session();
  // end_program() said so on stderr when it excused the failures.
  return result == 0 || !session ? result : session->exit_status_with_quarantine(result);
}

}  // namespace testscope::gtest
