// What one test of 1,000 spans costs the harness, from its capture to its artifacts on
// disk (goal in docs/performance.md: under 2 ms in all).
//
//   BM_CaptureAndWrite1000Spans  begin, 1,000 spans with two attributes, end, write_test:
//                                the whole cost of one test to the harness
//   BM_CaptureEnd1000Spans       TestCapture::end() alone: decoding the buffers into a record
//   BM_WriteTest1000Spans        ArtifactWriter::write_test() alone: three files
//   BM_OtlpJson1000Spans         formatting trace.otlp.json, no I/O
//   BM_ChromeTraceJson1000Spans  formatting trace.chrome.json, no I/O
//
// Files go to a fresh folder under $TMPDIR (or /tmp), removed at exit. Each write makes
// new files, as in a real run; the removal of the previous ones is not timed.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>

#include "testscope/artifacts.hpp"
#include "testscope/capture.hpp"
#include "testscope/span.hpp"

namespace {

constexpr int kSpans = 1000;

testscope::TestInfo bench_test() {
  return testscope::TestInfo{"CaptureBenchmark", "ApplyPromo1000", "", "", __FILE__, __LINE__};
}

// The test body: 1,000 spans of the promo example.
void record_spans() {
  for (int i = 0; i < kSpans; ++i) {
    testscope::Span span("apply_promo");
    span.set_attribute("promo.code", "SUMMER20").set_attribute("promo.uses", i);
  }
}

// An empty folder for the artifacts, removed when the program ends.
class ScratchFolder {
 public:
  ScratchFolder() {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern =
        std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/testscope-bench-XXXXXX";
    if (mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~ScratchFolder() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  ScratchFolder(const ScratchFolder&) = delete;
  ScratchFolder& operator=(const ScratchFolder&) = delete;

  const std::string& path() const { return path_; }  // empty if it could not be made

 private:
  std::string path_;
};

const std::string& scratch() {
  static ScratchFolder folder;
  return folder.path();
}

// Removes the tests written so far, with the timers paused, so that every write makes
// new files as a real run does. (Replacing existing files costs several times more wall
// time on ext4, which flushes a file renamed over another one.)
void remove_written_tests(benchmark::State& state) {
  state.PauseTiming();
  std::error_code ignored;
  std::filesystem::remove_all(std::filesystem::path(scratch()) / "tests", ignored);
  state.ResumeTiming();
}

// One captured test of kSpans spans; reports the benchmark invalid if any span was lost.
testscope::TestRecord capture_test(testscope::TestCapture& capture, benchmark::State& state) {
  capture.begin(bench_test());
  record_spans();
  testscope::TestRecord record = capture.end(testscope::Outcome::kPass);
  if (record.dropped_records != 0 || record.spans.size() != kSpans + 1) {
    state.SkipWithError("the capture lost spans");
  }
  return record;
}

void BM_CaptureAndWrite1000Spans(benchmark::State& state) {
  if (scratch().empty()) return state.SkipWithError("cannot make a temporary folder");
  const testscope::ArtifactWriter writer(scratch());
  const testscope::RunInfo run = testscope::describe_this_run(0, nullptr);
  testscope::TestCapture capture;
  std::string error;
  for (auto _ : state) {
    remove_written_tests(state);
    const testscope::TestRecord record = capture_test(capture, state);
    error = writer.write_test(record, run);
    if (!error.empty()) break;
  }
  if (!error.empty()) state.SkipWithError(error.c_str());
}
BENCHMARK(BM_CaptureAndWrite1000Spans)->Unit(benchmark::kMicrosecond);

void BM_CaptureEnd1000Spans(benchmark::State& state) {
  testscope::TestCapture capture;
  testscope::TestRecord record;
  for (auto _ : state) {
    state.PauseTiming();
    record = testscope::TestRecord();  // freeing the last record is not part of end()
    capture.begin(bench_test());
    record_spans();
    state.ResumeTiming();
    record = capture.end(testscope::Outcome::kPass);
    benchmark::DoNotOptimize(record.spans.data());
  }
  if (record.dropped_records != 0 || record.spans.size() != kSpans + 1) {
    state.SkipWithError("the capture lost spans");
  }
}
BENCHMARK(BM_CaptureEnd1000Spans)->Unit(benchmark::kMicrosecond);

void BM_WriteTest1000Spans(benchmark::State& state) {
  if (scratch().empty()) return state.SkipWithError("cannot make a temporary folder");
  const testscope::ArtifactWriter writer(scratch());
  const testscope::RunInfo run = testscope::describe_this_run(0, nullptr);
  testscope::TestCapture capture;
  const testscope::TestRecord record = capture_test(capture, state);
  std::string error;
  for (auto _ : state) {
    remove_written_tests(state);
    error = writer.write_test(record, run);
    if (!error.empty()) break;
  }
  if (!error.empty()) state.SkipWithError(error.c_str());
}
BENCHMARK(BM_WriteTest1000Spans)->Unit(benchmark::kMicrosecond);

void BM_OtlpJson1000Spans(benchmark::State& state) {
  const testscope::RunInfo run = testscope::describe_this_run(0, nullptr);
  testscope::TestCapture capture;
  const testscope::TestRecord record = capture_test(capture, state);
  for (auto _ : state) benchmark::DoNotOptimize(testscope::otlp_json(record, run));
}
BENCHMARK(BM_OtlpJson1000Spans)->Unit(benchmark::kMicrosecond);

void BM_ChromeTraceJson1000Spans(benchmark::State& state) {
  const testscope::RunInfo run = testscope::describe_this_run(0, nullptr);
  testscope::TestCapture capture;
  const testscope::TestRecord record = capture_test(capture, state);
  for (auto _ : state) benchmark::DoNotOptimize(testscope::chrome_trace_json(record, run));
}
BENCHMARK(BM_ChromeTraceJson1000Spans)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
