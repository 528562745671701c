// Nothing lost when a test dies: `testscope run` on tests that segfault, abort, call
// std::terminate, SIGKILL themselves or hang until --timeout, each after recording spans
// (one still open on another thread), a log event and a failure. The runner must rebuild
// the dying test's artifacts from the files its recorder left behind.
#include "cli_harness.hpp"

namespace {

using namespace cli_test;  // NOLINT(google-build-using-namespace): the harness is this file's vocabulary

// The span named `name` in an OTLP/JSON file, or null.
const json* otlp_span(const json& otlp, const std::string& name) {
  for (const json& resource : otlp["resourceSpans"]) {
    for (const json& scope : resource["scopeSpans"]) {
      for (const json& span : scope["spans"]) {
        if (span["name"] == name) return &span;
      }
    }
  }
  return nullptr;
}

struct Death {
  const char* test;     // Cli.<test>
  const char* how;      // its record_then() argument
  const char* outcome;  // summary.json outcome
  const char* verdict;
  const char* reason;  // in the recovered failure message
};

// NOLINTNEXTLINE(readability-identifier-naming): the name GoogleTest looks for
void PrintTo(const Death& d, std::ostream* out) {
  *out << d.test;
}  // NOLINT(readability-identifier-naming): gtest's name

class CrashRecoveryTest : public CliTest, public ::testing::WithParamInterface<Death> {};

TEST_P(CrashRecoveryTest, RecoversTheDyingTestsRecords) {
  const Death& d = GetParam();
  // Cli.Passes runs first and finishes normally; the second test dies.
  const Result r = testscope({"run", "-n", "2", "--timeout", "3s", "--", CLI_FIXTURE_PROGRAM,
                              std::string("--gtest_filter=Cli.Passes:Cli.") + d.test});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(r.err.find("cannot recover"), std::string::npos) << r.err;

  const json verdicts = read_json("testscope-out/verdicts.json");
  const std::string name = std::string("Cli.") + d.test;
  const json& died = test_named(verdicts, name);
  EXPECT_EQ(died["verdict"], d.verdict);
  EXPECT_EQ(died["failures"], 2);
  EXPECT_EQ(test_named(verdicts, "Cli.Passes")["verdict"], "passed");
  for (const json& t : verdicts["tests"]) {  // the crash is charged to the test, not the program
    EXPECT_NE(t["kind"], "program") << t.dump();
  }
  EXPECT_NE(r.out.find(name), std::string::npos) << r.out;

  const fs::path test_dir = dir() / "testscope-out/runs/1/tests" / name;
  const json summary = read_json(fs::relative(test_dir / "summary.json", dir()).string());
  EXPECT_EQ(summary["outcome"], d.outcome);
  ASSERT_EQ(summary["failures"].size(), 2U) << summary.dump();
  EXPECT_NE(summary["failures"][0]["message"].get<std::string>().find("a failure before dying"),
            std::string::npos);
  EXPECT_NE(summary["failures"][1]["message"].get<std::string>().find(d.reason), std::string::npos)
      << summary["failures"][1].dump();

  const json otlp = read_json(fs::relative(test_dir / "trace.otlp.json", dir()).string());
  const json* finished = otlp_span(otlp, "finished_before_death");
  ASSERT_NE(finished, nullptr) << otlp.dump();
  EXPECT_NE((*finished)["attributes"].dump().find(d.how), std::string::npos);
  EXPECT_NE(otlp_span(otlp, "open_at_death"), nullptr);
  EXPECT_NE(otlp_span(otlp, "open_on_helper_thread"), nullptr);
  const json* root = otlp_span(otlp, name);
  ASSERT_NE(root, nullptr);
  EXPECT_EQ((*root)["status"]["code"], 2);  // STATUS_CODE_ERROR
  // The death is the last exception event, typed by how the test ended.
  ASSERT_FALSE((*root)["events"].empty());
  EXPECT_NE(
      (*root)["events"].back()["attributes"].dump().find(std::string("\"testscope.") + d.outcome + "\""),
      std::string::npos)
      << (*root)["events"].back().dump();

  EXPECT_NE(slurp(test_dir / "logs.jsonl").find("about_to_die"), std::string::npos);
  EXPECT_NE(slurp(test_dir / "trace.chrome.json").find("open_on_helper_thread"), std::string::npos);
  EXPECT_TRUE(fs::exists(dir() / "testscope-out/runs/1/tests/Cli.Passes/summary.json"));
  // The program could not print the dying test's timeline; the runner did, after its output,
  // ending with a whole line (so the next writer of the log starts on a line of its own).
  const std::string log = slurp(dir() / "testscope-out/runs/1/output.log");
  const std::size_t recovered = log.find("testscope: recovered after the process died:\n");
  ASSERT_NE(recovered, std::string::npos) << log;
  EXPECT_NE(log.find("open_at_death", recovered), std::string::npos) << log.substr(recovered);
  EXPECT_EQ(log.back(), '\n') << log.substr(recovered);
  // Execution 2 died the same way, its program's buffer files in the folder execution 1's
  // used (emptied in between), and was recovered from its own files only.
  const fs::path second_dir = dir() / "testscope-out/runs/2/tests" / name;
  const json second = read_json(fs::relative(second_dir / "summary.json", dir()).string());
  EXPECT_EQ(second["failures"].size(), 2U) << second.dump();
  EXPECT_NE(second["root_span_id"], summary["root_span_id"]);  // the same trace: the run's
  EXPECT_FALSE(fs::exists(dir() / "testscope-out/runs/1/buffers"));
  EXPECT_FALSE(fs::exists(dir() / "testscope-out/buffers"));  // every slot's folder, once the run ends
}

INSTANTIATE_TEST_SUITE_P(
    FiveEnds, CrashRecoveryTest,
    ::testing::Values(Death{"Segfaults", "segfault", "crash", "crashed", "signal 11 (SIGSEGV)"},
                      Death{"Aborts", "abort", "crash", "crashed", "(SIGABRT)"},
                      Death{"Terminates", "terminate", "crash", "crashed", "(SIGABRT)"},
                      Death{"KillsItself", "sigkill", "crash", "crashed", "signal 9 (SIGKILL)"},
                      Death{"HangsInASpan", "hang", "timeout", "timed out", "timed out after 3 s"}),
    [](const ::testing::TestParamInfo<Death>& param) { return std::string(param.param.test); });

// A program killed between tests (no test running) is charged to the whole program.
TEST_F(CliTest, CrashOutsideATestIsTheWholeProgram) {
  const Result r = testscope({"run", "-n", "1", "--", CLI_FIXTURE_PROGRAM, "--gtest_filter=Cli.Passes"},
                             {"CLI_FIXTURE_CRASH_AT_EXIT=1"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  const json verdicts = read_json("testscope-out/verdicts.json");
  EXPECT_EQ(test_named(verdicts, "cli_fixture_program")["verdict"], "crashed");
  EXPECT_EQ(test_named(verdicts, "Cli.Passes")["verdict"], "passed");
}

}  // namespace
