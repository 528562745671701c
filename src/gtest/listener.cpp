// The GoogleTest listener: one TestCapture per test, artifacts and console timelines, and
// the metrics endpoint and Pushgateway push with testscope's own series.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>

#include "exporters/test_run_metrics.hpp"
#include "recorder/mapping.hpp"
#include "testscope/artifacts.hpp"
#include "testscope/capture.hpp"
#include "testscope/gtest.hpp"
#include "testscope/metrics_endpoint.hpp"
#include "testscope/pushgateway.hpp"
#include "testscope/timeline.hpp"

namespace testscope::gtest {
namespace {

using testing::TestEventListener;

bool use_color() {
  if (std::getenv("NO_COLOR") != nullptr || isatty(fileno(stdout)) == 0) return false;
  const std::string flag = GTEST_FLAG_GET(color);
  if (flag == "no" || flag == "false" || flag == "0") return false;
  const char* term = std::getenv("TERM");
  return term == nullptr || std::string_view(term) != "dumb";
}

// A death test's child re-executed by GoogleTest (death_test_style=threadsafe) is not the
// program the user ran: it must not take the metrics port or push.
bool death_test_child() { return !GTEST_FLAG_GET(internal_run_death_test).empty(); }

void warn(const std::string& text) { std::fprintf(stderr, "testscope: warning: %s\n", text.c_str()); }

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

// Forwards every event to GoogleTest's default printer (which it owns), then adds
// testscope's own output after a test's result line.
class Listener final : public TestEventListener {
 public:
  Listener(Options options, RunInfo run, std::unique_ptr<TestEventListener> printer)
      : options_(std::move(options)),
        run_(std::move(run)),
        printer_(std::move(printer)),
        color_(use_color()) {
    if (!options_.artifacts_dir.empty()) writer_ = std::make_unique<ArtifactWriter>(options_.artifacts_dir);
  }

  void OnTestProgramStart(const testing::UnitTest& unit_test) override {
    if (printer_) printer_->OnTestProgramStart(unit_test);
    guard([&] {
      run_.random_seed = unit_test.random_seed();
      if (writer_) report(writer_->write_run(run_));
    });
    guard([&] { start_endpoint(); });
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
    guard([&] { capture_.begin(describe(info), run_.parent); });
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
      capture_.add_failure(std::move(failure));
    });
  }
  void OnTestEnd(const testing::TestInfo& info) override {
    TestRecord record;
    guard([&] {
      const testing::TestResult& result = *info.result();
      const Outcome outcome = result.Skipped()  ? Outcome::kSkip
                              : result.Failed() ? Outcome::kFail
                                                : Outcome::kPass;
      record = capture_.end(outcome);
    });
    if (printer_) printer_->OnTestEnd(info);
    guard([&] { finish_test(record); });
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
  }
  void OnTestProgramEnd(const testing::UnitTest& unit_test) override {
    if (printer_) printer_->OnTestProgramEnd(unit_test);
    guard([&] {
      timespec ts{};
      clock_gettime(CLOCK_REALTIME, &ts);
      run_.end_unix_ns = static_cast<std::int64_t>(ts.tv_sec) * 1000000000LL + ts.tv_nsec;
      run_.exit_status = unit_test.Passed() ? 0 : 1;
      run_.tests_run = unit_test.test_to_run_count();
      run_.tests_failed = unit_test.failed_test_count();
      run_.tests_skipped = unit_test.skipped_test_count();
      if (writer_) report(writer_->write_run(run_));
      if (write_errors_ > 1) {
        warn(std::to_string(write_errors_) + " artifact writes failed in all; test results are unaffected");
      }
    });
    guard([&] { push(); });
    guard([&] { endpoint_.reset(); });
  }

 private:
  template <typename F>
  void guard(F&& f) noexcept {
    try {
      f();
    } catch (const std::exception& e) {
      warn(std::string("internal error, test results are unaffected: ") + e.what());
    } catch (...) {
      warn("internal error, test results are unaffected");
    }
  }

  void report(const std::string& error) {
    if (error.empty()) return;
    if (write_errors_++ == 0) warn("cannot write artifacts: " + error + " (test results are unaffected)");
  }

  void start_endpoint() {
    if (options_.metrics_address.empty() || death_test_child()) return;
    std::string error;
    endpoint_ = MetricsEndpoint::start(options_.metrics_address, {run_metrics_.registry()}, &error);
    if (endpoint_) {
      std::fprintf(stderr, "testscope: serving metrics at %s\n", endpoint_->url().c_str());
    } else {
      warn(error + "; the tests run without a /metrics endpoint");
    }
  }

  // Job: the program's name; instance: the host's.
  void push() {
    if (options_.pushgateway_url.empty() || death_test_child()) return;
    const std::string job = run_.argv.empty() ? std::string("testscope")
                                              : std::filesystem::path(run_.argv.front()).filename().string();
    const std::string error =
        push_to_gateway(options_.pushgateway_url, job, run_.host, {run_metrics_.registry()});
    if (!error.empty()) warn("cannot push metrics to " + error + "; test results are unaffected");
  }

  void finish_test(const TestRecord& record) {
    run_metrics_.add(record);
    std::string dir;
    if (writer_ && record.root_span_id != 0) {
      report(writer_->write_test(record, run_));
      dir = writer_->test_dir(record);
    }
    const bool failed = record.outcome == Outcome::kFail || record.outcome == Outcome::kCrash ||
                        record.outcome == Outcome::kTimeout;
    if (options_.console == ConsoleMode::kAlways || (failed && options_.console == ConsoleMode::kFailed)) {
      TimelineOptions timeline;
      timeline.color = color_;
      timeline.artifacts_dir = dir;
      timeline.metrics_filter = options_.metrics_filter;
      const std::string text = format_timeline(record, timeline);
      std::fwrite(text.data(), 1, text.size(), stdout);
      std::fflush(stdout);
    }
  }

  Options options_;
  RunInfo run_;
  std::unique_ptr<TestEventListener> printer_;
  std::unique_ptr<ArtifactWriter> writer_;
  TestCapture capture_;
  detail::TestRunMetrics run_metrics_;
  std::unique_ptr<MetricsEndpoint> endpoint_;  // while the program runs, with --testscope_metrics_port
  bool color_ = false;
  int write_errors_ = 0;
};

}  // namespace

void install(const Options& options, int argc, char** argv) {
  // The child dies on purpose: its records must not look like a crash to the runner.
  if (death_test_child()) detail::disable_file_backing();
  try {
    testing::TestEventListeners& listeners = testing::UnitTest::GetInstance()->listeners();
    std::unique_ptr<TestEventListener> printer(listeners.Release(listeners.default_result_printer()));
    RunInfo run = describe_this_run(argc, argv);
    // NOLINTNEXTLINE(cppcoreguidelines-owning-memory): GoogleTest's API takes ownership of a raw pointer
    listeners.Append(new Listener(options, std::move(run), std::move(printer)));
  } catch (const std::exception& e) {
    warn(std::string("not installed: ") + e.what());
  }
}

void install(int* argc, char** argv) {
  try {
    // run.json keeps the command line as given, testscope flags included.
    const RunInfo original = describe_this_run(argc != nullptr ? *argc : 0, argv);
    std::vector<std::string> warnings;
    const Options options = parse_options(argc, argv, &warnings);
    for (const std::string& w : warnings) warn(w);
    std::vector<char*> args;
    for (const std::string& a : original.argv) {
      // NOLINTNEXTLINE(cppcoreguidelines-pro-type-const-cast): argv's type; nothing writes through it
      args.push_back(const_cast<char*>(a.c_str()));
    }
    install(options, static_cast<int>(args.size()), args.data());
  } catch (const std::exception& e) {
    warn(std::string("not installed: ") + e.what());
  }
}

}  // namespace testscope::gtest
