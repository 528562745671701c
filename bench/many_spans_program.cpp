// One GoogleTest test that records THREADS x SPANS spans (environment variables
// TESTSCOPE_BENCH_THREADS and TESTSCOPE_BENCH_SPANS; 64 x 50,000 = 3.2 million by default),
// each with two attributes, linked with testscope::gtest_main so that its artifacts are
// written as any test's are. bench/peak_memory.py measures the peak resident size of this
// program and of `testscope export` of what it wrote (docs/performance.md, "Peak memory").
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "testscope/span.hpp"

namespace {

std::int64_t from_environment(const char* name, std::int64_t fallback) {
  const char* text = std::getenv(name);  // NOLINT(concurrency-mt-unsafe): read before any thread starts
  return text != nullptr ? std::stoll(text) : fallback;
}

TEST(PeakMemory, ManySpans) {
  const std::int64_t threads = from_environment("TESTSCOPE_BENCH_THREADS", 64);
  const std::int64_t spans = from_environment("TESTSCOPE_BENCH_SPANS", 50000);
  std::vector<std::thread> workers;
  workers.reserve(static_cast<std::size_t>(threads));
  for (std::int64_t t = 0; t < threads; ++t) {
    workers.emplace_back([spans, t] {
      for (std::int64_t i = 0; i < spans; ++i) {
        testscope::Span span("step");
        span.set_attribute("worker", t);
        span.set_attribute("item", i);
      }
    });
  }
  for (std::thread& worker : workers) worker.join();
}

}  // namespace
