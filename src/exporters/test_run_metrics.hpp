// testscope's own series about a test program's run, in a registry of their own that a
// framework integration owns and hands to the /metrics endpoint and the Pushgateway push:
//
//   testscope_tests_total{suite,outcome}        tests finished (outcome pass|fail|skip|...)
//   testscope_test_duration_seconds{suite}      histogram of test durations
//   testscope_spans_recorded_total              spans recorded by the code under test (roots excluded)
//   testscope_records_dropped_total             records lost to full buffers
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <memory>

#include "testscope/capture.hpp"

namespace testscope::detail {

// add() is called by the thread that runs the tests; the registry may be collected
// concurrently from any thread (prometheus-cpp's metrics are thread-safe).
class TestRunMetrics {
 public:
  TestRunMetrics();
  // Counts one finished test.
  void add(const TestRecord& record);
  // Never null; lives as long as this object's users hold it.
  std::shared_ptr<prometheus::Registry> registry() const { return registry_; }

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>* tests_;
  prometheus::Family<prometheus::Histogram>* durations_;
  prometheus::Counter* spans_;
  prometheus::Counter* dropped_;
};

}  // namespace testscope::detail
