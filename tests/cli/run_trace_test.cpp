// "One picture of a run" (docs/export.md): `testscope run` of cli_fixture_program as a real
// process; the run's trace id and each execution's span id are in testscope-run.json, and
// every span of every test's trace.otlp.json is in the run's trace, each test's root span a
// child of its execution's span. With TRACEPARENT set, the run joins that trace instead.
#include <cstdlib>
#include <regex>
#include <set>

#include "cli_harness.hpp"

namespace {

using cli_test::CliTest;
using cli_test::json;
namespace fs = std::filesystem;

constexpr const char* kFilter = "--gtest_filter=Cli.Passes:Cli.FailsOnEvenExecutions";

bool is_hex(const json& value, std::size_t digits) {
  static const std::regex kHex("[0-9a-f]+");
  return value.is_string() && value.get<std::string>().size() == digits &&
         std::regex_match(value.get<std::string>(), kHex);
}

class RunTraceTest : public CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    unsetenv("TRACEPARENT");  // NOLINT(concurrency-mt-unsafe): before any thread; the harness passes our
                              // environment on
  }

  // Checks the trace of every test of every execution against the manifest; returns the
  // number of test traces seen.
  int check_tests_against(const json& manifest) {
    int traces = 0;
    for (const json& execution : manifest["executions"]) {
      EXPECT_EQ(execution["trace_id"], manifest["trace_id"]);
      EXPECT_TRUE(is_hex(execution["span_id"], 16)) << execution.dump();
      const fs::path tests = dir() / "out" / execution["dir"].get<std::string>() / "tests";
      for (const auto& entry : fs::directory_iterator(tests)) {
        const json trace = json::parse(cli_test::slurp(entry.path() / "trace.otlp.json"));
        const json& spans = trace["resourceSpans"][0]["scopeSpans"][0]["spans"];
        if (spans.empty()) {
          ADD_FAILURE() << entry.path() << ": no span";
          continue;
        }
        EXPECT_EQ(spans[0]["parentSpanId"], execution["span_id"]) << entry.path();
        for (const json& span : spans) EXPECT_EQ(span["traceId"], manifest["trace_id"]) << entry.path();
        const json summary = json::parse(cli_test::slurp(entry.path() / "summary.json"));
        EXPECT_EQ(summary["trace_id"], manifest["trace_id"]);
        ++traces;
      }
      const json run = json::parse(cli_test::slurp(tests.parent_path() / "run.json"));
      EXPECT_EQ(run["traceparent"], "00-" + manifest["trace_id"].get<std::string>() + "-" +
                                        execution["span_id"].get<std::string>() + "-01");
    }
    return traces;
  }
};

TEST_F(RunTraceTest, EveryTestHangsFromItsExecutionsSpanInTheRunsTrace) {
  const cli_test::Result r =
      testscope({"run", "-n", "3", "-j", "2", "--out", "out", "--", CLI_FIXTURE_PROGRAM, kFilter});
  ASSERT_EQ(r.exit_code, 1) << r.err;  // FailsOnEvenExecutions fails in execution 2
  const json manifest = read_json("out/testscope-run.json");
  ASSERT_TRUE(is_hex(manifest["trace_id"], 32)) << manifest.dump();
  ASSERT_TRUE(is_hex(manifest["span_id"], 16)) << manifest.dump();
  EXPECT_TRUE(manifest["parent_span_id"].is_null());
  ASSERT_EQ(manifest["executions"].size(), 3U);
  std::set<std::string> span_ids{manifest["span_id"].get<std::string>()};
  for (const json& execution : manifest["executions"]) {
    span_ids.insert(execution["span_id"].get<std::string>());
  }
  EXPECT_EQ(span_ids.size(), 4U) << "span ids must be distinct";
  EXPECT_EQ(check_tests_against(manifest), 6);
}

TEST_F(RunTraceTest, ARunGivenTraceparentJoinsThatTrace) {
  const std::string trace = "4bf92f3577b34da6a3ce929d0e0e4736";
  const std::string parent = "00f067aa0ba902b7";
  const cli_test::Result r =
      testscope({"run", "-n", "1", "--out", "out", "--", CLI_FIXTURE_PROGRAM, "--gtest_filter=Cli.Passes"},
                {"TRACEPARENT=00-" + trace + "-" + parent + "-01"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json manifest = read_json("out/testscope-run.json");
  EXPECT_EQ(manifest["trace_id"], trace);
  EXPECT_EQ(manifest["parent_span_id"], parent);
  EXPECT_NE(manifest["span_id"], parent);
  EXPECT_NE(manifest["executions"][0]["span_id"], parent);
  EXPECT_EQ(check_tests_against(manifest), 1);
}

TEST_F(RunTraceTest, AMalformedTraceparentStartsANewTrace) {
  const cli_test::Result r =
      testscope({"run", "-n", "1", "--out", "out", "--", CLI_FIXTURE_PROGRAM, "--gtest_filter=Cli.Passes"},
                {"TRACEPARENT=not-a-traceparent"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json manifest = read_json("out/testscope-run.json");
  EXPECT_TRUE(is_hex(manifest["trace_id"], 32));
  EXPECT_TRUE(manifest["parent_span_id"].is_null());
  EXPECT_EQ(check_tests_against(manifest), 1);
}

}  // namespace
