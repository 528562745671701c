#include "exporters/test_run_metrics.hpp"

namespace testscope::detail {

TestRunMetrics::TestRunMetrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      tests_(&prometheus::BuildCounter()
                  .Name("testscope_tests_total")
                  .Help("Tests finished, by suite and outcome")
                  .Register(*registry_)),
      durations_(&prometheus::BuildHistogram()
                      .Name("testscope_test_duration_seconds")
                      .Help("Duration of each test, setup and teardown included")
                      .Register(*registry_)),
      spans_(&prometheus::BuildCounter()
                  .Name("testscope_spans_recorded_total")
                  .Help("Spans recorded by the code under test (test root spans not counted)")
                  .Register(*registry_)
                  .Add({})),
      dropped_(&prometheus::BuildCounter()
                    .Name("testscope_records_dropped_total")
                    .Help("Span and log records lost because a thread's buffer was full")
                    .Register(*registry_)
                    .Add({})) {}

void TestRunMetrics::add(const TestRecord& record) {
  static const prometheus::Histogram::BucketBoundaries kBuckets = {0.001, 0.005, 0.01, 0.05, 0.1, 0.5,
                                                                   1,     5,     10,   30,   60,  300};
  const std::string outcome(to_string(record.outcome));
  tests_->Add({{"suite", record.test.suite}, {"outcome", outcome}}).Increment();
  durations_->Add({{"suite", record.test.suite}}, kBuckets)
      .Observe(static_cast<double>(record.duration_ns()) / 1e9);
  const std::size_t roots = record.root_span_id != 0 && !record.spans.empty() ? 1 : 0;
  spans_->Increment(static_cast<double>(record.spans.size() - roots));
  dropped_->Increment(static_cast<double>(record.dropped_records));
}

}  // namespace testscope::detail
