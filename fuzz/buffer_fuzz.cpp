// libFuzzer target for the record decoder that `testscope run` applies to the buffers a dead
// test program left behind (src/capture/buffer_reader.cpp, assemble.cpp): a file truncated
// mid-record, or overwritten with anything, must decode to what is whole and stop there,
// never crash, hang or read outside the buffer. The record then goes through the writers
// (OTLP/JSON, Chrome trace, console timeline), which must take whatever strings it holds.
// tests/recorder/buffer_regressions_test.cpp replays the seeds and regressions through it.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "capture/assemble.hpp"
#include "testscope/artifacts.hpp"
#include "testscope/timeline.hpp"

namespace {

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "buffer_fuzz: invariant broken: %s\n", what);
    std::abort();
  }
}

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): libFuzzer's entry point, by its required name
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // The recorder's buffers are 8-byte aligned; so is this copy (operator new).
  std::vector<std::uint64_t> words((size + 7) / 8);
  if (size > 0) std::memcpy(words.data(), data, size);
  const testscope::detail::BufferView view{
      reinterpret_cast<const std::byte*>(words.data()), size, 0, 7, 1, "fuzzed"};
  testscope::TestRecord record;
  record.test = {"Fuzz", "Buffer", "", "", "fuzz.cpp", 1};
  record.outcome = testscope::Outcome::kCrash;
  record.start_unix_ns = 1'700'000'000'000'000'000;
  record.end_unix_ns = record.start_unix_ns + 1'000'000;
  record.trace_id = {1, 2};
  record.root_span_id = 3;
  record.failures.push_back({"", 0, "killed by signal 11 (SIGSEGV)", true, record.end_unix_ns});
  testscope::detail::assemble_record(record, {0, record.start_unix_ns, 1.0}, {view}, 0, 1);
  check(!record.spans.empty() && record.spans.front().span_id == 3, "the root span comes first");
  for (const testscope::SpanData& span : record.spans) {
    check(span.end_unix_ns >= span.start_unix_ns || span.ended, "an open span ends after it starts");
  }
  testscope::RunInfo run;
  run.argv = {"fuzz"};
  check(!testscope::otlp_json(record, run).empty(), "OTLP/JSON is written");
  check(!testscope::chrome_trace_json(record, run).empty(), "the Chrome trace is written");
  check(!testscope::format_timeline(record).empty(), "the timeline is written");
  (void)testscope::logs_jsonl(record);
  (void)testscope::summary_json(record);
  return 0;
}
