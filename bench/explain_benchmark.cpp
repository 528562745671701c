// testscope explain over 1,000 executions of a test with 1,000 spans each (docs/performance.md,
// goal 8: at most 2 s). The tree is written once (TMPDIR/testscope-explain-bench, ~0.5 GB, kept
// for the next run) in the shape testscope writes it: run.json, summary.json, trace.otlp.json
// with thread.id, thread.name and code.* on every span. Four workers (worker-1..4, so roles
// apply) each run 50 tasks of a task span and four children; in about half of the executions
// worker-2's read of task 10 begins before worker-1's write of it ends, and those fail.
//
// What is timed is what `testscope explain OUT` does: loading the tree, reading and parsing every
// trace (2 threads), aligning, counting the candidates, ranking. Wall time is the goal (the
// reading is parallel), so the benchmark uses real time.
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "analysis/artifact_tree.hpp"
#include "explain/explain.hpp"

namespace {

namespace fs = std::filesystem;

constexpr int kExecutions = 1000;
constexpr int kWorkers = 4;
constexpr int kTasks = 50;  // 4 workers x 50 tasks x 5 spans = 1,000 spans (and the root)
constexpr std::int64_t kT0 = 1'700'000'000'000'000'000;
constexpr const char* kTest = "Bench.Explain";

std::string cpu_model() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  for (std::string line; std::getline(cpuinfo, line);) {
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  }
  return "unknown";
}

void span(std::string& out, std::uint64_t id, std::uint64_t parent, const char* name, std::int64_t begin,
          std::int64_t end, int worker, int task) {
  out += fmt::format(
      R"({{"traceId":"0123456789abcdef0123456789abcdef","spanId":"{:016x}","parentSpanId":"{:016x}","name":"{}","kind":1,)"
      R"("startTimeUnixNano":"{}","endTimeUnixNano":"{}","attributes":[{{"key":"task","value":{{"intValue":"{}"}}}},)"
      R"({{"key":"thread.id","value":{{"intValue":"{}"}}}},{{"key":"thread.name","value":{{"stringValue":"worker-{}"}}}},)"
      R"({{"key":"code.filepath","value":{{"stringValue":"bench/worker.cpp"}}}},{{"key":"code.lineno","value":{{"intValue":"42"}}}},)"
      R"({{"key":"code.function","value":{{"stringValue":"run_task"}}}}],"events":[],"status":{{}}}},)",
      id, parent, name, kT0 + begin, kT0 + end, task, 1000 + worker, worker);
}

// One execution's trace; returns whether it fails.
bool write_trace(const fs::path& file, std::mt19937_64& rng) {
  std::uniform_int_distribution<int> jitter(-4000, 4000);
  std::string out =
      R"({"resourceSpans":[{"resource":{"attributes":[]},"scopeSpans":[{"scope":{"name":"testscope"},"spans":[)";
  out += fmt::format(
      R"({{"traceId":"0123456789abcdef0123456789abcdef","spanId":"{:016x}","name":"{}","kind":1,"startTimeUnixNano":"{}",)"
      R"("endTimeUnixNano":"{}","attributes":[],"events":[],"status":{{}}}},)",
      1, kTest, kT0, kT0 + 2'000'000);
  std::uint64_t id = 2;
  std::int64_t write_end_1 = 0;
  std::int64_t read_begin_2 = 0;
  for (int w = 1; w <= kWorkers; ++w) {
    for (int t = 0; t < kTasks; ++t) {
      // worker-2 runs 12 us behind worker-1, give or take the jitter of both.
      const std::int64_t begin = 10'000 + t * 30'000 + (w == 2 ? 12'000 : 0) + jitter(rng);
      const std::uint64_t task = id++;
      span(out, task, 1, "task", begin, begin + 20'000, w, t);
      span(out, id++, task, "read", begin + 1'000, begin + 4'000, w, t);
      span(out, id++, task, "compute", begin + 5'000, begin + 9'000, w, t);
      span(out, id++, task, "write", begin + 10'000, begin + 14'000, w, t);
      span(out, id++, task, "log", begin + 15'000, begin + 16'000, w, t);
      if (t == 10 && w == 1) write_end_1 = begin + 14'000;
      if (t == 10 && w == 2) read_begin_2 = begin + 1'000;
    }
  }
  out.pop_back();  // the last comma
  out += "]}]}]}";
  std::ofstream(file, std::ios::binary) << out;
  return read_begin_2 < write_end_1;
}

fs::path make_tree() {
  const char* tmp = std::getenv("TMPDIR");
  fs::path root = fs::path(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") / "testscope-explain-bench";
  if (fs::exists(root / "complete")) return root;
  fs::remove_all(root);
  std::mt19937_64 rng(12);
  for (int n = 1; n <= kExecutions; ++n) {
    const fs::path run = root / "runs" / std::to_string(n);
    const fs::path test = run / "tests" / kTest;
    fs::create_directories(test);
    const bool failed = write_trace(test / "trace.otlp.json", rng);
    std::ofstream(test / "summary.json") << fmt::format(
        R"({{"schema":1,"testscope_version":"0.1.0","id":"{0}","test":{{"full_name":"{0}","suite":"Bench","name":"Explain",)"
        R"("type_param":"","value_param":"","file":"b.cpp","line":1}},"outcome":"{1}","quarantine":null,)"
        R"("start_unix_ns":{2},"end_unix_ns":{3},"duration_ns":2000000,"trace_id":"0123456789abcdef0123456789abcdef",)"
        R"("root_span_id":"0000000000000001","failures":[],"counts":{{"spans":1001,"events":0,"threads":5,)"
        R"("unfinished_spans":0,"logs":0,"dropped_records":0,"orphan_records":0}},"metrics":[],"threads":[],)"
        R"("artifacts":{{"otlp":"trace.otlp.json"}}}})",
        kTest, failed ? "fail" : "pass", kT0, kT0 + 2'000'000);
    std::ofstream(run / "run.json") << fmt::format(
        R"({{"schema":1,"testscope_version":"0.1.0","framework":"googletest","argv":["b"],"host":"h","pid":{},)"
        R"("start_unix_ns":{},"end_unix_ns":{},"random_seed":0,"chaos":null,"exit_status":{},)"
        R"("tests":{{"run":1,"failed":{},"skipped":0}},"traceparent":null}})",
        n, kT0, kT0 + 3'000'000, failed ? 1 : 0, failed ? 1 : 0);
  }
  std::ofstream(root / "complete") << "";
  return root;
}

void BM_Explain1000Executions1000Spans(benchmark::State& state) {
  const fs::path root = make_tree();
  std::string status;
  for (auto _ : state) {
    const testscope::explain::ExplainResult result =
        testscope::explain::explain_tree(testscope::analysis::load_artifact_tree(root), {});
    if (result.tests.size() != 1) {
      state.SkipWithError("the benchmark tree has no flaky test");
      return;
    }
    status = result.tests[0].status + ": " + result.tests[0].summary;
    benchmark::DoNotOptimize(status);
  }
  state.SetLabel(status.substr(0, 120));
}
BENCHMARK(BM_Explain1000Executions1000Spans)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);

}  // namespace

int main(int argc, char** argv) {
  benchmark::AddCustomContext("cpu_model", cpu_model());
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
