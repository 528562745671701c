// The GoogleTest listener: one TestCapture per test, artifacts and console timelines, and
// the metrics endpoint and Pushgateway push with testscope's own series.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>

#include "exporters/test_run_metrics.hpp"
#include "gtest/live_exporter.hpp"
#include "gtest/quarantine_gate.hpp"
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

// The quarantine as installed, for run_all_tests(). Set once by install(), before any test.
std::shared_ptr<const QuarantineGate>& installed_gate() {
  static std::shared_ptr<const QuarantineGate> gate;
  return gate;
}

std::string full_name(const testing::TestInfo& info) {
  return std::string(info.test_suite_name()) + "." + info.name();
}

// True when the program failed only through tests quarantined in run mode.
bool only_quarantined_failures(const testing::UnitTest& unit_test, const QuarantineGate& gate) {
  if (unit_test.ad_hoc_test_result().Failed()) return false;
  for (int i = 0; i < unit_test.total_test_suite_count(); ++i) {
    const testing::TestSuite& suite = *unit_test.GetTestSuite(i);
    if (suite.ad_hoc_test_result().Failed()) return false;
    for (int j = 0; j < suite.total_test_count(); ++j) {
      const testing::TestInfo& info = *suite.GetTestInfo(j);
      if (info.result()->Failed() && !gate.note_for(full_name(info))) return false;
    }
  }
  return true;
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

// Forwards every event to GoogleTest's default printer (which it owns), then adds
// testscope's own output after a test's result line.
class Listener final : public TestEventListener {
 public:
  Listener(Options options, RunInfo run, std::unique_ptr<TestEventListener> printer,
           std::shared_ptr<const QuarantineGate> gate)
      : options_(std::move(options)),
        run_(std::move(run)),
        printer_(std::move(printer)),
        gate_(std::move(gate)),
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
    guard([&] { start_live_export(); });
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
      record.quarantine = gate_->note_for(full_name(info));
    });
    if (printer_) printer_->OnTestEnd(info);
    guard([&] {
      if (record.quarantine && info.result()->Failed()) print_quarantined(info, *record.quarantine);
      finish_test(record);
    });
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
      run_.exit_status = unit_test.Passed() || only_quarantined_failures(unit_test, *gate_) ? 0 : 1;
      run_.tests_run = unit_test.test_to_run_count();
      run_.tests_failed = unit_test.failed_test_count();
      run_.tests_skipped = unit_test.skipped_test_count();
      // Before run.json is written, so that it records what became of the live export.
      guard([&] { finish_live_export(); });
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

  // --testscope_otlp: each test's trace is sent when it ends (docs/export.md).
  void start_live_export() {
    if (!options_.otlp || death_test_child()) return;
    std::vector<std::string> warnings;
    std::string error;
    live_exporter_ =
        live::LiveExporter::start(otlp::process_environment(), options_.otlp_endpoint, warnings, error);
    for (const std::string& w : warnings) warn(w);
    if (!live_exporter_) warn(error + "; no live OTLP export");
  }

  void finish_live_export() {
    if (!live_exporter_) return;
    const live::LiveExportCounts counts = live_exporter_->finish();
    const std::string line = live::describe_live_export(counts, live_exporter_->url());
    if (!line.empty()) warn(line);
    run_.live_export = live::summary_of(counts, live_exporter_->url());
    live_exporter_.reset();
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

  // After GoogleTest's "[  FAILED  ]" line, in its layout.
  void print_quarantined(const testing::TestInfo& info, const QuarantineNote& note) const {
    std::printf("%s[QUARANTINED]%s %s: %s (owner %s, until %s, %s:%d); does not fail the build\n",
                color_ ? "\x1b[33m" : "", color_ ? "\x1b[0m" : "", full_name(info).c_str(),
                note.reason.c_str(), note.owner.c_str(), note.expires.c_str(), note.file.c_str(), note.line);
    std::fflush(stdout);
  }

  void finish_test(const TestRecord& record) {
    run_metrics_.add(record);
    if (live_exporter_ && record.root_span_id != 0) {
      for (std::string& body : live::trace_bodies(record, run_, live_exporter_->max_body_bytes())) {
        live_exporter_->submit(std::move(body));
      }
    }
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
  std::shared_ptr<const QuarantineGate> gate_;  // never null
  std::unique_ptr<ArtifactWriter> writer_;
  TestCapture capture_;
  detail::TestRunMetrics run_metrics_;
  std::unique_ptr<MetricsEndpoint> endpoint_;  // while the program runs, with --testscope_metrics_port
  std::unique_ptr<live::LiveExporter> live_exporter_;  // with --testscope_otlp
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
    std::vector<std::string> warnings;
    auto gate = std::make_shared<QuarantineGate>(
        QuarantineGate::load(options.quarantine_file, run.argv.empty() ? "" : run.argv.front(), warnings));
    for (const std::string& w : warnings) warn(w);
    if (!death_test_child()) {
      for (const std::string& line : gate->apply_to_filter()) {
        std::fprintf(stderr, "testscope: %s\n", line.c_str());
      }
    }
    installed_gate() = gate;
    // NOLINTNEXTLINE(cppcoreguidelines-owning-memory): GoogleTest's API takes ownership of a raw pointer
    listeners.Append(new Listener(options, std::move(run), std::move(printer), std::move(gate)));
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

int run_all_tests() {
  const int result = RUN_ALL_TESTS();
  const std::shared_ptr<const QuarantineGate> gate = installed_gate();
  if (result == 0 || !gate) return result;
  try {
    if (!only_quarantined_failures(*testing::UnitTest::GetInstance(), *gate)) return result;
    std::fprintf(stderr, "testscope: every failure was in a quarantined test; exit code 0\n");
    return 0;
  } catch (...) {
    return result;
  }
}

}  // namespace testscope::gtest
