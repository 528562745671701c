// Writes an artifact tree for the `testscope export` tests, through the real capture and
// writers: OUT/runs/<n>/ for n = 1..EXECUTIONS, each with TESTS tests of SPANS spans and
// as many log events (fields of every type, unicode, NaN, 64-bit extremes), on two threads.
//
//   otlp_http_write_tree OUT EXECUTIONS TESTS SPANS      (OUT is emptied first)
//
// Exit status 0 when every file was written, 1 otherwise (the error is printed), 2 usage.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <string>
#include <thread>

#include "testscope/artifacts.hpp"
#include "testscope/capture.hpp"
#include "testscope/log.hpp"
#include "testscope/span.hpp"

namespace {

void work(int spans, int offset) {
  for (int i = 0; i < spans; ++i) {
    testscope::Span span("export.step");
    span.set_attribute("step.index", offset + i).set_attribute("step.label", "Тест ✓ 🚀");
    testscope::log_event("step_done",
                         {{"index", offset + i},
                          {"ratio", 0.25},
                          {"nan", std::nan("")},
                          {"big", std::numeric_limits<std::int64_t>::max()},
                          {"ok", i % 2 == 0},
                          {"who", "worker \"quoted\""}},
                         i % 3 == 0 ? testscope::Severity::kWarn : testscope::Severity::kInfo);
  }
}

testscope::TestRecord one_test(int execution, int test, int spans) {
  testscope::TestCapture capture;
  capture.begin(testscope::TestInfo{"Export", "Case" + std::to_string(test), "", "", __FILE__, __LINE__});
  {
    testscope::Span outer("outer");
    outer.set_attribute("execution", execution);
    const int half = spans / 2;
    std::thread helper(testscope::wrap([&] {
      testscope::set_thread_name("helper");
      work(spans - half - 1, half);
    }));
    work(half, 0);
    helper.join();
  }
  return capture.end(test % 2 == 0 ? testscope::Outcome::kPass : testscope::Outcome::kFail);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: %s OUT EXECUTIONS TESTS SPANS\n", argv[0]);
    return 2;
  }
  const std::filesystem::path out = argv[1];
  const int executions = std::atoi(argv[2]);
  const int tests = std::atoi(argv[3]);
  const int spans = std::atoi(argv[4]);
  std::error_code ec;
  std::filesystem::remove_all(out, ec);
  int status = 0;
  for (int e = 1; e <= executions; ++e) {
    const testscope::ArtifactWriter writer((out / "runs" / std::to_string(e)).string());
    testscope::RunInfo run = testscope::describe_this_run(argc, argv);
    for (int t = 0; t < tests; ++t) {
      const testscope::TestRecord record = one_test(e, t, spans);
      if (std::string error = writer.write_test(record, run); !error.empty()) {
        std::fprintf(stderr, "write_export_tree: %s\n", error.c_str());
        status = 1;
      }
      ++run.tests_run;
    }
    run.exit_status = 0;
    run.end_unix_ns = run.start_unix_ns + 1;
    if (std::string error = writer.write_run(run); !error.empty()) {
      std::fprintf(stderr, "write_export_tree: %s\n", error.c_str());
      status = 1;
    }
  }
  return status;
}
