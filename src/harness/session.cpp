// TestSession: one TestCapture per test, artifacts and console timelines, testscope's own
// series with the /metrics endpoint and the Pushgateway push, live OTLP export, and the
// quarantine, for whichever front drives it.
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <map>
#include <memory>
#include <utility>

#include "exporters/test_run_metrics.hpp"
#include "harness/live_exporter.hpp"
#include "harness/quarantine_lookup.hpp"
#include "recorder/clock.hpp"
#include "recorder/mapping.hpp"
#include "testscope/harness.hpp"
#include "testscope/metrics_endpoint.hpp"
#include "testscope/pushgateway.hpp"
#include "testscope/timeline.hpp"
#include "writers/terminal.hpp"

namespace testscope {
namespace {

void warn(const std::string& text) { std::fprintf(stderr, "testscope: warning: %s\n", text.c_str()); }

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

bool failing(Outcome outcome) {
  return outcome == Outcome::kFail || outcome == Outcome::kCrash || outcome == Outcome::kTimeout;
}

// The live exporter's User-Agent: the front's short name.
std::string user_agent(const std::string& framework) {
  return "testscope-" + (framework == "googletest" ? std::string("gtest") : framework);
}

}  // namespace

struct TestSession::State {
  SessionOptions options;
  FrontInfo front;
  RunInfo run;
  harness::QuarantineLookup quarantine;
  std::unique_ptr<ArtifactWriter> writer;
  TestCapture capture;
  detail::TestRunMetrics run_metrics;
  std::unique_ptr<MetricsEndpoint> endpoint;             // while the program runs, with a metrics port
  std::unique_ptr<harness::LiveExporter> live_exporter;  // with otlp
  bool color = false;
  int write_errors = 0;

  bool in_test = false;         // between begin_test() and end_test()
  bool record_pending = false;  // between end_test() and finish_test()
  TestRecord record;            // the last test ended
  TestCounts seen;
  std::map<std::string, int> runs_by_name;  // how often each test has ended: its repetitions
  int quarantined_failures = 0;             // failed tests with a run-mode quarantine note
  int other_failures = 0;                   // failed tests without one
  std::atomic<bool> capturing{false};       // in_test, for add_failure() from any thread
  std::atomic<int> failures_outside_tests{0};
  std::optional<int> final_status;  // set by end_program()

  bool main_process() const { return front.role == ProcessRole::kMain; }

  void report(const std::string& error) {
    if (error.empty()) return;
    if (write_errors++ == 0) warn("cannot write artifacts: " + error + " (test results are unaffected)");
  }

  void start_endpoint() {
    if (options.metrics_address.empty() || !main_process()) return;
    std::string error;
    endpoint = MetricsEndpoint::start(options.metrics_address, {run_metrics.registry()}, &error);
    if (endpoint) {
      std::fprintf(stderr, "testscope: serving metrics at %s\n", endpoint->url().c_str());
    } else {
      warn(error + "; the tests run without a /metrics endpoint");
    }
  }

  // otlp: each test's trace is sent when it ends (docs/export.md).
  void start_live_export() {
    if (!options.otlp || !main_process()) return;
    std::vector<std::string> warnings;
    std::string error;
    live_exporter = harness::LiveExporter::start(otlp::process_environment(), options.otlp_endpoint, warnings,
                                                 error, harness::LiveExporter::kDefaultQueueCapacity,
                                                 user_agent(front.framework));
    for (const std::string& w : warnings) warn(w);
    if (!live_exporter) warn(error + "; no live OTLP export");
  }

  void finish_live_export() {
    if (!live_exporter) return;
    const harness::LiveExportCounts counts = live_exporter->finish();
    const std::string line = harness::describe_live_export(counts, live_exporter->url());
    if (!line.empty()) warn(line);
    run.live_export = harness::summary_of(counts, live_exporter->url());
    live_exporter.reset();
  }

  // Job: the program's name; instance: the host's.
  void push() {
    if (options.pushgateway_url.empty() || !main_process()) return;
    const std::string job = run.argv.empty() ? std::string("testscope")
                                             : std::filesystem::path(run.argv.front()).filename().string();
    const std::string error =
        push_to_gateway(options.pushgateway_url, job, run.host, {run_metrics.registry()});
    if (!error.empty()) warn("cannot push metrics to " + error + "; test results are unaffected");
  }

  // After the framework's result line (GoogleTest's "[  FAILED  ]"), in its layout.
  void print_quarantined(const TestRecord& r, const QuarantineNote& note) const {
    // The reason and owner come from a file anyone may edit: no escape sequences reach the terminal.
    std::printf("%s[QUARANTINED]%s %s: %s (owner %s, until %s, %s:%d); does not fail the build\n",
                color ? "\x1b[33m" : "", color ? "\x1b[0m" : "",
                detail::terminal_safe(r.test.full_name()).c_str(), detail::terminal_safe(note.reason).c_str(),
                detail::terminal_safe(note.owner).c_str(), note.expires.c_str(),
                detail::terminal_safe(note.file).c_str(), note.line);
    std::fflush(stdout);
  }

  void publish(const TestRecord& r) {
    run_metrics.add(r);
    if (live_exporter && r.root_span_id != 0) {
      harness::for_each_trace_body(r, run, live_exporter->max_body_bytes(),
                                   [this](std::string body) { live_exporter->submit(std::move(body)); });
    }
    std::string dir;
    if (writer && r.root_span_id != 0) {
      report(writer->write_test(r, run));
      dir = writer->test_dir(r);
    }
    if (options.console == ConsoleMode::kAlways ||
        (failing(r.outcome) && options.console == ConsoleMode::kFailed)) {
      TimelineOptions timeline;
      timeline.color = color;
      timeline.artifacts_dir = dir;
      timeline.metrics_filter = options.metrics_filter;
      const std::string text = format_timeline(r, timeline);
      std::fwrite(text.data(), 1, text.size(), stdout);
      std::fflush(stdout);
    }
  }

  int with_quarantine(int exit_status) const {
    const bool excused = exit_status != 0 && quarantined_failures > 0 && other_failures == 0 &&
                         failures_outside_tests.load(std::memory_order_acquire) == 0;
    return excused ? 0 : exit_status;
  }
};

TestSession::TestSession(SessionOptions options, FrontInfo front, int argc,
                         const char* const* argv) noexcept {
  // A secondary process may die on purpose: its records must not look like a crash to the runner.
  if (front.role == ProcessRole::kSecondary) detail::disable_file_backing();
  try {
    auto state = std::make_unique<State>();
    state->options = std::move(options);
    state->front = std::move(front);
    state->run = describe_this_run(argc, argv);
    if (!state->front.framework.empty()) state->run.framework = state->front.framework;
    state->color = state->front.color.value_or(detail::use_colour(stdout));
    if (!state->options.artifacts_dir.empty()) {
      state->writer = std::make_unique<ArtifactWriter>(state->options.artifacts_dir);
    }
    std::vector<std::string> warnings;
    state->quarantine = harness::QuarantineLookup::load(
        state->options.quarantine_file, state->run.argv.empty() ? "" : state->run.argv.front(), warnings);
    for (const std::string& w : warnings) warn(w);
    if (state->main_process()) {
      for (const std::string& line : state->quarantine.announcements()) {
        std::fprintf(stderr, "testscope: %s\n", line.c_str());
      }
    }
    state_ = std::move(state);
  } catch (const std::exception& e) {
    warn(std::string("not installed: ") + e.what());
  }
}

TestSession TestSession::from_command_line(int* argc, char** argv, FlagStyle style,
                                           FrontInfo front) noexcept {
  try {
    // run.json keeps the command line as given, testscope flags included.
    std::vector<std::string> original;
    for (int i = 0; argc != nullptr && argv != nullptr && i < *argc; ++i) {
      original.emplace_back(argv[i] != nullptr ? argv[i] : "");
    }
    std::vector<std::string> warnings;
    SessionOptions options = parse_options(argc, argv, style, &warnings);
    for (const std::string& w : warnings) warn(w);
    std::vector<const char*> args;
    args.reserve(original.size());
    for (const std::string& a : original) args.push_back(a.c_str());
    return {std::move(options), std::move(front), static_cast<int>(args.size()), args.data()};
  } catch (const std::exception& e) {
    warn(std::string("not installed: ") + e.what());
    return {};
  }
}

TestSession::~TestSession() = default;
TestSession::TestSession(TestSession&&) noexcept = default;
TestSession& TestSession::operator=(TestSession&&) noexcept = default;

const SessionOptions& TestSession::options() const noexcept {
  static const SessionOptions kNone;
  return state_ ? state_->options : kNone;
}

std::optional<QuarantineNote> TestSession::quarantine_note_for(std::string_view full_name) const noexcept {
  try {
    return state_ ? state_->quarantine.note_for(full_name) : std::nullopt;
  } catch (...) {
    return std::nullopt;
  }
}

bool TestSession::is_skipped(std::string_view full_name) const noexcept {
  try {
    return state_ && state_->quarantine.is_skipped(full_name);
  } catch (...) {
    return false;
  }
}

std::vector<std::string> TestSession::skip_patterns() const {
  return state_ ? state_->quarantine.skip_patterns() : std::vector<std::string>{};
}

void TestSession::set_color(bool color) noexcept {
  if (state_) state_->color = color;
}

void TestSession::begin_program(std::int64_t random_seed) noexcept {
  if (!state_) return;
  State& s = *state_;
  guard([&] {
    s.run.random_seed = random_seed;
    if (s.writer) s.report(s.writer->write_run(s.run));
  });
  guard([&] { s.start_endpoint(); });
  guard([&] { s.start_live_export(); });
}

void TestSession::begin_test(TestInfo test) noexcept {
  if (!state_ || state_->final_status) return;
  State& s = *state_;
  if (s.in_test) {
    end_test(Outcome::kFail);
    finish_test();
  } else if (s.record_pending) {
    finish_test();
  }
  guard([&] {
    s.capture.begin(std::move(test), s.run.parent);
    s.in_test = true;
    s.capturing.store(true, std::memory_order_release);
  });
}

void TestSession::add_failure(Failure failure) noexcept {
  if (!state_) return;
  State& s = *state_;
  if (failure.type.empty()) {
    try {
      const std::string& framework = s.front.framework;
      failure.type = (framework.empty() || framework == "googletest" ? std::string("gtest") : framework) +
                     (failure.fatal ? ".fatal_failure" : ".nonfatal_failure");
    } catch (...) {
      // No memory for the name: the trace says gtest's, as before the type was named.
    }
  }
  if (!s.capturing.load(std::memory_order_acquire)) {
    s.failures_outside_tests.fetch_add(1, std::memory_order_acq_rel);
  }
  s.capture.add_failure(std::move(failure));
}

const TestRecord& TestSession::end_test(Outcome outcome) noexcept {
  static const TestRecord kNone;
  if (!state_) return kNone;
  State& s = *state_;
  if (!s.in_test) return kNone;
  s.capturing.store(false, std::memory_order_release);
  s.in_test = false;
  guard([&] {
    s.record = s.capture.end(outcome);
    s.record.quarantine = s.quarantine.note_for(s.record.test.full_name());
    s.record.repetition = ++s.runs_by_name[s.record.test.full_name()];  // its own folder from the 2nd
    s.record_pending = true;
    ++s.seen.run;
    if (outcome == Outcome::kSkip) ++s.seen.skipped;
    if (failing(outcome)) {
      ++s.seen.failed;
      ++(s.record.quarantine ? s.quarantined_failures : s.other_failures);
    }
  });
  return s.record;
}

void TestSession::finish_test() noexcept {
  if (!state_ || !state_->record_pending) return;
  State& s = *state_;
  s.record_pending = false;
  guard([&] {
    if (s.record.quarantine && failing(s.record.outcome) && s.front.print_quarantined) {
      s.print_quarantined(s.record, *s.record.quarantine);
    }
    s.publish(s.record);
  });
}

int TestSession::end_program(int exit_status, std::optional<TestCounts> counts) noexcept {
  if (!state_) return exit_status;
  State& s = *state_;
  if (s.final_status) return *s.final_status;
  if (s.in_test) end_test(Outcome::kFail);
  finish_test();
  const int status = s.with_quarantine(exit_status);
  s.final_status = status;
  guard([&] {
    s.run.end_unix_ns = detail::unix_now_ns();
    s.run.exit_status = status;
    const TestCounts c = counts.value_or(s.seen);
    s.run.tests_run = c.run;
    s.run.tests_failed = c.failed;
    s.run.tests_skipped = c.skipped;
    // Before run.json is written, so that it records what became of the live export.
    guard([&] { s.finish_live_export(); });
    if (s.writer) s.report(s.writer->write_run(s.run));
    if (s.write_errors > 1) {
      warn(std::to_string(s.write_errors) + " artifact writes failed in all; test results are unaffected");
    }
  });
  guard([&] { s.push(); });
  guard([&] { s.endpoint.reset(); });
  if (status != exit_status) {
    std::fprintf(stderr, "testscope: every failure was in a quarantined test; exit code 0\n");
  }
  return status;
}

int TestSession::exit_status_with_quarantine(int exit_status) const noexcept {
  return state_ ? state_->with_quarantine(exit_status) : exit_status;
}

}  // namespace testscope
