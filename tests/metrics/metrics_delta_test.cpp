// Per-test metric deltas (src/capture/metrics_delta.cpp) through a real TestCapture:
// counters and histograms give what was added during the test, gauges their end value,
// from the default registry, a registered user registry and LabeledCounters.
#include <gtest/gtest.h>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "testscope/capture.hpp"
#include "testscope/metrics.hpp"

namespace testscope {
namespace {

using Labels = std::vector<std::pair<std::string, std::string>>;

std::vector<const MetricSample*> samples_named(const TestRecord& record, const std::string& name) {
  std::vector<const MetricSample*> found;
  for (const MetricSample& sample : record.metrics) {
    if (sample.name == name) found.push_back(&sample);
  }
  return found;
}

const MetricSample* find_sample(const TestRecord& record, const std::string& name, const Labels& labels) {
  for (const MetricSample& sample : record.metrics) {
    if (sample.name == name && sample.labels == labels) return &sample;
  }
  return nullptr;
}

TestRecord run_test(const std::string& name, const std::function<void()>& body) {
  TestCapture capture;
  capture.begin(TestInfo{"MetricsDeltaTest", name, "", "", __FILE__, __LINE__});
  body();
  return capture.end(Outcome::kPass);
}

TEST(MetricsDeltaTest, CountersFromTheDefaultAndAUserRegistryGiveTheIncreaseOnly) {
  auto& requests = prometheus::BuildCounter()
                       .Name("delta_test_requests_total")
                       .Help("Requests handled")
                       .Register(*default_registry());
  // Label names given out of order: the record lists them sorted by name.
  prometheus::Counter& ok = requests.Add({{"status", "ok"}, {"code", "200"}});
  prometheus::Counter& failed = requests.Add({{"status", "error"}, {"code", "500"}});
  prometheus::Counter& untouched = requests.Add({{"status", "idle"}, {"code", "0"}});
  ok.Increment(5);
  failed.Increment(2);
  untouched.Increment(9);

  auto user_registry = std::make_shared<prometheus::Registry>();
  auto& user_family = prometheus::BuildCounter()
                          .Name("delta_test_user_total")
                          .Help("From a user registry")
                          .Register(*user_registry);
  prometheus::Counter& user = user_family.Add({});
  user.Increment(100);
  register_collectable(user_registry);

  const TestRecord record = run_test("Counters", [&] {
    ok.Increment(3);
    failed.Increment(0.5);
    user.Increment(7);
  });

  const MetricSample* ok_sample =
      find_sample(record, "delta_test_requests_total", {{"code", "200"}, {"status", "ok"}});
  ASSERT_NE(ok_sample, nullptr);
  EXPECT_EQ(ok_sample->kind, MetricKind::kCounter);
  EXPECT_EQ(ok_sample->help, "Requests handled");
  EXPECT_EQ(ok_sample->value, 3.0);  // not the total 8
  const MetricSample* failed_sample =
      find_sample(record, "delta_test_requests_total", {{"code", "500"}, {"status", "error"}});
  ASSERT_NE(failed_sample, nullptr);
  EXPECT_EQ(failed_sample->value, 0.5);
  EXPECT_EQ(samples_named(record, "delta_test_requests_total").size(), 2U)
      << "the unchanged series is absent";

  const MetricSample* user_sample = find_sample(record, "delta_test_user_total", {});
  ASSERT_NE(user_sample, nullptr);
  EXPECT_EQ(user_sample->kind, MetricKind::kCounter);
  EXPECT_EQ(user_sample->help, "From a user registry");
  EXPECT_EQ(user_sample->value, 7.0);

  // The next test sees only its own increases: none.
  const TestRecord next = run_test("Nothing", [] {});
  EXPECT_TRUE(samples_named(next, "delta_test_requests_total").empty());
  EXPECT_TRUE(samples_named(next, "delta_test_user_total").empty());
}

TEST(MetricsDeltaTest, GaugeGivesItsEndValueAndHistogramItsIncreases) {
  auto registry = std::make_shared<prometheus::Registry>();
  register_collectable(registry);
  prometheus::Gauge& in_flight = prometheus::BuildGauge()
                                     .Name("delta_test_in_flight")
                                     .Help("In flight")
                                     .Register(*registry)
                                     .Add({{"pool", "db"}});
  prometheus::Gauge& steady =
      prometheus::BuildGauge().Name("delta_test_steady").Help("Steady").Register(*registry).Add({});
  prometheus::Histogram& latency =
      prometheus::BuildHistogram()
          .Name("delta_test_latency_seconds")
          .Help("Latency")
          .Register(*registry)
          .Add({{"op", "apply"}}, prometheus::Histogram::BucketBoundaries{1, 5, 10});
  prometheus::Histogram& idle_histogram = prometheus::BuildHistogram()
                                              .Name("delta_test_idle_seconds")
                                              .Help("Idle")
                                              .Register(*registry)
                                              .Add({}, prometheus::Histogram::BucketBoundaries{1});
  in_flight.Set(7);
  steady.Set(3);
  latency.Observe(0.5);
  latency.Observe(6);
  idle_histogram.Observe(0.1);

  const TestRecord record = run_test("GaugeHistogram", [&] {
    in_flight.Set(42);
    in_flight.Decrement(2);
    latency.Observe(0.5);
    latency.Observe(3);
    latency.Observe(7);
    latency.Observe(20);
  });

  const MetricSample* gauge = find_sample(record, "delta_test_in_flight", {{"pool", "db"}});
  ASSERT_NE(gauge, nullptr);
  EXPECT_EQ(gauge->kind, MetricKind::kGauge);
  EXPECT_EQ(gauge->value, 40.0);
  const MetricSample* steady_gauge = find_sample(record, "delta_test_steady", {});
  ASSERT_NE(steady_gauge, nullptr) << "gauges are listed even when unchanged";
  EXPECT_EQ(steady_gauge->value, 3.0);

  const MetricSample* histogram = find_sample(record, "delta_test_latency_seconds", {{"op", "apply"}});
  ASSERT_NE(histogram, nullptr);
  EXPECT_EQ(histogram->kind, MetricKind::kHistogram);
  EXPECT_EQ(histogram->help, "Latency");
  EXPECT_EQ(histogram->count, 4U);
  EXPECT_EQ(histogram->sum, 30.5);
  const std::vector<std::pair<double, std::uint64_t>> buckets = {
      {1, 1}, {5, 2}, {10, 3}, {std::numeric_limits<double>::infinity(), 4}};
  EXPECT_EQ(histogram->buckets, buckets);
  EXPECT_TRUE(samples_named(record, "delta_test_idle_seconds").empty()) << "unchanged histograms are absent";
}

TEST(MetricsDeltaTest, LabeledCounterGivesTheIncreasePerLabelSet) {
  static LabeledCounter promo_uses("delta_test_promo_uses_total", "Promo code usage attempts",
                                   {"promo_code", "status"});
  promo_uses.increment({"SUMMER20", "ok"}, 10);
  promo_uses.increment({"SUMMER20", "limit"}, 4);

  const TestRecord record = run_test("LabeledCounter", [] {
    std::thread other([] { promo_uses.increment({"SUMMER20", "ok"}); });
    promo_uses.increment({"SUMMER20", "ok"});
    promo_uses.increment({"WINTER5", "ok"}, 2);
    other.join();
  });

  ASSERT_EQ(samples_named(record, "delta_test_promo_uses_total").size(), 2U);
  const MetricSample* ok =
      find_sample(record, "delta_test_promo_uses_total", {{"promo_code", "SUMMER20"}, {"status", "ok"}});
  ASSERT_NE(ok, nullptr);
  EXPECT_EQ(ok->kind, MetricKind::kCounter);
  EXPECT_EQ(ok->help, "Promo code usage attempts");
  EXPECT_EQ(ok->value, 2.0);
  const MetricSample* winter =
      find_sample(record, "delta_test_promo_uses_total", {{"promo_code", "WINTER5"}, {"status", "ok"}});
  ASSERT_NE(winter, nullptr) << "a series created during the test counts from zero";
  EXPECT_EQ(winter->value, 2.0);
}

TEST(MetricsDeltaTest, ARegistryDestroyedDuringTheTestSimplyDisappears) {
  auto doomed = std::make_shared<prometheus::Registry>();
  prometheus::Counter& counter =
      prometheus::BuildCounter().Name("delta_test_doomed_total").Help("Doomed").Register(*doomed).Add({});
  counter.Increment(1);
  register_collectable(doomed);
  auto doomed_gauge_registry = std::make_shared<prometheus::Registry>();
  prometheus::BuildGauge()
      .Name("delta_test_doomed_gauge")
      .Help("Doomed")
      .Register(*doomed_gauge_registry)
      .Add({})
      .Set(1);
  register_collectable(doomed_gauge_registry);

  const TestRecord record = run_test("Destroyed", [&] {
    counter.Increment(5);
    doomed.reset();
    doomed_gauge_registry.reset();
  });
  EXPECT_TRUE(samples_named(record, "delta_test_doomed_total").empty());
  EXPECT_TRUE(samples_named(record, "delta_test_doomed_gauge").empty());

  const TestRecord next = run_test("AfterDestroyed", [] {});  // and later tests are unaffected
  EXPECT_TRUE(samples_named(next, "delta_test_doomed_total").empty());
}

TEST(MetricsDeltaTest, ARegistryRegisteredDuringTheTestCountsFromZero) {
  auto late = std::make_shared<prometheus::Registry>();
  const TestRecord record = run_test("Late", [&] {
    auto& counter =
        prometheus::BuildCounter().Name("delta_test_late_total").Help("Late").Register(*late).Add({});
    counter.Increment(4);
    register_collectable(late);
  });
  const MetricSample* sample = find_sample(record, "delta_test_late_total", {});
  ASSERT_NE(sample, nullptr);
  EXPECT_EQ(sample->value, 4.0);
}

}  // namespace
}  // namespace testscope
