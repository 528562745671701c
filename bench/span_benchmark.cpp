// What one span costs the thread of the code under test (goals in docs/performance.md).
//
// Every benchmark records the span of the promo example,
//   Span span("apply_promo"); span.set_attribute("promo.code", "SUMMER20").set_attribute("promo.uses", i);
// and is compared with the two clock reads any span needs, one at its begin, one at its end:
//   BM_TwoRawTimestampReads  two raw timestamp reads: the floor the goals are stated against
//   BM_SpanTwoAttributes     the span while a test is captured (goal: at most 2x the floor),
//                            on one thread and on two threads recording at once
//   BM_SpanNoCapture         the same span when no test is captured (goal: at most 2 ns)
//
// With ->Threads(n) Google Benchmark divides the wall time ("Time") by n; the "CPU"
// column is what each span cost the thread that recorded it.
#include <benchmark/benchmark.h>

#include <barrier>
#include <cstdint>
#include <memory>
#include <string>

#include "testscope/capture.hpp"
#include "testscope/span.hpp"

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#else
#include <chrono>
#endif

namespace {

// The clock testscope reads at span begin and end (see src/recorder/clock.hpp).
inline std::uint64_t raw_timestamp() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  return __rdtsc();
#else
  return static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
#endif
}

// The span under measurement, exactly as instrumented code writes it (one call site).
inline void record_apply_promo(std::int64_t uses) noexcept {
  testscope::Span span("apply_promo");
  span.set_attribute("promo.code", "SUMMER20").set_attribute("promo.uses", uses);
}

// Two timestamp reads, each kept from being optimised away.
void BM_TwoRawTimestampReads(benchmark::State& state) {
  for (auto _ : state) {
    std::uint64_t begin = raw_timestamp();
    benchmark::DoNotOptimize(begin);
    std::uint64_t end = raw_timestamp();
    benchmark::DoNotOptimize(end);
  }
}
BENCHMARK(BM_TwoRawTimestampReads)->Threads(1)->Threads(2);

// A full buffer drops records, which is cheaper than writing them: a benchmark that
// filled its buffer would time the drop path. So each thread records kSpansPerTest spans
// per test (160 bytes each: begin 48, the attributes 48 + 40, end 24; 0.8 MB of the
// default 8 MiB buffer), and between tests, with the timers paused, thread 0 ends the
// test, checks that every span arrived whole and none was dropped, and begins the next
// test, which gives every thread an empty buffer again. The first span of each thread in
// each test also resets the thread's buffer; that cost stays in the timed loop.
// Ending a test costs far more per span than recording it (see capture_benchmark), so
// the untimed part dominates the run time: the test size and MinTime keep it short.
constexpr int kSpansPerTest = 5'000;

// What the threads of one BM_SpanTwoAttributes run share. Thread 0 makes it before the
// timed loop and deletes it after; Google Benchmark starts and stops the loops of all
// threads together, which orders both against the other threads.
class CapturedRun {
 public:
  explicit CapturedRun(int threads) : threads_(threads), between_tests_(threads) { begin_test(); }

  // Called by every thread after each batch of kSpansPerTest spans.
  void next_test(int thread_index) {
    between_tests_.arrive_and_wait();  // every thread has ended its spans
    if (thread_index == 0) {
      end_test(static_cast<std::uint64_t>(threads_) * kSpansPerTest);
      begin_test();
    }
    between_tests_.arrive_and_wait();  // the next test has begun
  }

  // Thread 0, after the timed loop: ends the last test (begun after the last batch, empty)
  // and reports what was checked; fails the benchmark if any span went missing.
  void finish(benchmark::State& state) {
    end_test(0);
    state.counters["tests"] = static_cast<double>(tests_);
    state.counters["dropped_records"] = static_cast<double>(dropped_);
    const auto expected =
        static_cast<std::uint64_t>(state.iterations()) * static_cast<std::uint64_t>(threads_);
    if (error_.empty() && spans_ != expected) {
      error_ = "recorded " + std::to_string(spans_) + " whole spans of " + std::to_string(expected);
    }
    if (!error_.empty()) state.SkipWithError(error_.c_str());
  }

 private:
  void begin_test() {
    capture_.begin(testscope::TestInfo{"SpanBenchmark", "TwoAttributes", "", "", __FILE__, __LINE__});
  }

  void end_test(std::uint64_t expected_spans) {
    const testscope::TestRecord record = capture_.end(testscope::Outcome::kPass);
    ++tests_;
    dropped_ += record.dropped_records;
    std::uint64_t whole = 0;  // begin, both attributes and end all recorded
    for (const testscope::SpanData& span : record.spans) {
      if (span.name == "apply_promo" && span.ended && span.attributes.size() == 2) ++whole;
    }
    spans_ += whole;
    if (error_.empty() && (record.dropped_records != 0 || whole != expected_spans)) {
      error_ = "test " + std::to_string(tests_) + ": " + std::to_string(whole) + " whole spans of " +
               std::to_string(expected_spans) + ", " + std::to_string(record.dropped_records) +
               " records dropped";
    }
  }

  const int threads_;
  std::barrier<> between_tests_;
  testscope::TestCapture capture_;
  std::uint64_t tests_ = 0;
  std::uint64_t spans_ = 0;
  std::uint64_t dropped_ = 0;
  std::string error_;  // the first problem found in a record
};

CapturedRun* g_captured_run = nullptr;

// The span while a test is captured: the recorder's hot path.
void BM_SpanTwoAttributes(benchmark::State& state) {
  std::unique_ptr<CapturedRun> owner;
  if (state.thread_index() == 0) {
    owner = std::make_unique<CapturedRun>(state.threads());
    g_captured_run = owner.get();
  }
  while (state.KeepRunningBatch(kSpansPerTest)) {  // every thread runs the same batches
    for (int i = 0; i < kSpansPerTest; ++i) record_apply_promo(i);
    state.PauseTiming();
    g_captured_run->next_test(state.thread_index());
    state.ResumeTiming();
  }
  if (state.thread_index() == 0) {
    owner->finish(state);
    g_captured_run = nullptr;
  }
}
BENCHMARK(BM_SpanTwoAttributes)->Threads(1)->Threads(2)->MinTime(0.2);

// The same span when no test is captured: what instrumentation costs production code
// and tests run without the harness.
void BM_SpanNoCapture(benchmark::State& state) {
  if (testscope::Span("probe").is_recording()) {
    state.SkipWithError("a test is being captured");
    return;
  }
  std::int64_t uses = 0;
  for (auto _ : state) record_apply_promo(uses++);
}
BENCHMARK(BM_SpanNoCapture);

}  // namespace

BENCHMARK_MAIN();
