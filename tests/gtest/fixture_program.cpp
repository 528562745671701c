// A GoogleTest program with testscope installed, run as a subprocess by
// gtest_integration_test (and the metrics_artifacts and exporters tests): passing,
// failing, skipped, throwing, threaded, parameterized and typed tests; tests that change
// metrics and log from several threads; one that waits for a file so that a Prometheus
// server can scrape the program while it runs.
#include <gtest/gtest.h>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/summary.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "testscope/gtest.hpp"
#include "testscope/log.hpp"
#include "testscope/metrics.hpp"
#include "testscope/span.hpp"

namespace {

TEST(Fixture, Passes) {
  testscope::Span span("passing_work");
  span.set_attribute("answer", 42);
  EXPECT_EQ(1 + 1, 2);
}

TEST(Fixture, FailsTwice) {
  testscope::Span span("failing_work");
  span.set_attribute("promo.code", "SUMMER20");
  EXPECT_EQ(std::string("two\nlines"), "one line") << "first failure";
  ADD_FAILURE() << "second failure";
}

TEST(Fixture, Skipped) { GTEST_SKIP() << "not today"; }

TEST(Fixture, Throws) {
  testscope::Span span("about_to_throw");
  throw std::runtime_error("boom from the test");
}

TEST(Fixture, Threads) {
  testscope::Span parent("parent");
  std::thread worker(testscope::wrap([] {
    testscope::set_thread_name("worker");
    testscope::Span child("child_on_worker");
  }));
  worker.join();
}

class Param : public ::testing::TestWithParam<int> {};
TEST_P(Param, Case) {
  testscope::Span span("param_work");
  span.set_attribute("param", GetParam());
}
INSTANTIATE_TEST_SUITE_P(Inst, Param, ::testing::Values(0, 1));

template <typename T>
class Typed : public ::testing::Test {};
using Types = ::testing::Types<int, double>;
TYPED_TEST_SUITE(Typed, Types);
TYPED_TEST(Typed, Works) { EXPECT_EQ(TypeParam{}, TypeParam{}); }

// Metrics in testscope's default registry (and a LabeledCounter), changed by the tests
// below by known amounts; metrics_artifacts_test checks them in metrics.prom.
testscope::LabeledCounter& promo_uses() {
  static testscope::LabeledCounter counter("fixture_promo_uses_total", "Promo code usage attempts",
                                           {"promo_code", "status"});
  return counter;
}
prometheus::Family<prometheus::Counter>& requests() {
  static auto& family = prometheus::BuildCounter()
                            .Name("fixture_requests_total")
                            .Help("Requests the fixture handled")
                            .Register(*testscope::default_registry());
  return family;
}
prometheus::Gauge& open_connections() {
  static auto& gauge = prometheus::BuildGauge()
                           .Name("fixture_open_connections")
                           .Help("Connections open at the end of the test")
                           .Register(*testscope::default_registry())
                           .Add({});
  return gauge;
}
prometheus::Histogram& request_seconds() {
  static auto& histogram = prometheus::BuildHistogram()
                               .Name("fixture_request_duration_seconds")
                               .Help("Request durations")
                               .Register(*testscope::default_registry())
                               .Add({{"path", "/apply"}}, prometheus::Histogram::BucketBoundaries{0.1, 1.0});
  return histogram;
}
prometheus::Summary& payload_bytes() {
  static auto& summary = prometheus::BuildSummary()
                             .Name("fixture_payload_bytes")
                             .Help("Payload sizes")
                             .Register(*testscope::default_registry())
                             .Add({}, prometheus::Summary::Quantiles{{0.5, 0.05}});
  return summary;
}

// fixture_promo_uses_total ok +2 (one from another thread) and limit +1;
// fixture_requests_total{path="/apply"} +3; fixture_open_connections = 7;
// fixture_request_duration_seconds{path="/apply"}: 0.05, 0.5, 2 (buckets 1, 2, 3; sum 2.55);
// fixture_payload_bytes: 100, 300 (count 2, sum 400).
TEST(Metrics, Counts) {
  promo_uses().increment({"SUMMER20", "ok"});
  std::thread([] { promo_uses().increment({"SUMMER20", "ok"}); }).join();
  promo_uses().increment({"SUMMER20", "limit"});
  requests().Add({{"path", "/apply"}}).Increment(3);
  open_connections().Set(7);
  for (double seconds : {0.05, 0.5, 2.0}) request_seconds().Observe(seconds);
  payload_bytes().Observe(100);
  payload_bytes().Observe(300);
}

// Fails after fixture_promo_uses_total{status="ok"} +2 and fixture_requests_total{path="/other"} +1.
TEST(Metrics, FailsAfterCounting) {
  promo_uses().increment({"SUMMER20", "ok"}, 2);
  requests().Add({{"path", "/other"}}).Increment();
  ADD_FAILURE() << "counted twice";
}

// Log events from the main thread and four named threads; logs_jsonl checks them.
// Each worker logs kStepsPerWorker "step" events inside its span "worker_step", after one
// "worker_ready" event logged before that span (so under "main_work", through wrap()).
constexpr int kWorkers = 4;
constexpr int kStepsPerWorker = 50;
TEST(Logs, FromThreads) {
  testscope::log_event("test_started", {{"workers", kWorkers}});
  testscope::Span main_work("main_work");
  testscope::log_event("workers_starting", {{"count", kWorkers}}, testscope::Severity::kDebug);
  std::vector<std::thread> workers;
  workers.reserve(kWorkers);
  for (int w = 0; w < kWorkers; ++w) {
    workers.emplace_back(testscope::wrap([w] {
      const std::string name = "logger-" + std::to_string(w);
      testscope::set_thread_name(name);
      testscope::log_event("worker_ready", {{"worker", w}});
      testscope::Span step_span("worker_step");
      step_span.set_attribute("worker", w);
      for (int i = 0; i < kStepsPerWorker; ++i) {
        testscope::log_event(
            "step", {{"worker", w}, {"i", i}, {"ratio", 0.5}, {"even", i % 2 == 0}, {"name", name}},
            i == kStepsPerWorker - 1 ? testscope::Severity::kWarn : testscope::Severity::kInfo);
      }
    }));
  }
  for (std::thread& t : workers) t.join();
  testscope::log_event("workers_done", {{"count", kWorkers}}, testscope::Severity::kError);
}

// Waits, at most 30 s, until the file named by FIXTURE_WAIT_FOR_FILE exists, so that a
// test harness can scrape the running program; returns at once without the variable.
TEST(Scrape, WaitsForSignalFile) {
  const char* path = std::getenv("FIXTURE_WAIT_FOR_FILE");
  if (path == nullptr || *path == '\0') return;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!std::filesystem::exists(path) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  testscope::gtest::install(&argc, argv);
  // Anything left that GoogleTest did not take is reported, to prove testscope flags are removed.
  for (int i = 1; i < argc; ++i) std::printf("leftover argument: %s\n", argv[i]);
  return testscope::gtest::run_all_tests();
}
