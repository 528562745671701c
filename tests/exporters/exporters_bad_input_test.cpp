// The exporters' flags on a real GoogleTest program (tests/gtest/fixture_program): an
// occupied metrics port, an unreachable Pushgateway and bad values each give one clear
// warning naming the port or URL and the reason, and the tests run and report exactly as
// without them (same result lines, same exit code, same run.json counts).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>

#include "http_client.hpp"
#include "subprocess.hpp"

namespace testscope {
namespace {

namespace fs = std::filesystem;
using testing_support::LoopbackSocket;
using testing_support::ProcessResult;
using testing_support::run_process;

constexpr const char* kFixture = FIXTURE_PROGRAM;

// The lines by which GoogleTest reports the fixture's results.
void expect_same_results(const ProcessResult& result) {
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
  for (const char* line :
       {"[  PASSED  ] 9 tests.", "[  SKIPPED ] 1 test", "[  FAILED  ] Fixture.FailsTwice",
        "[  FAILED  ] Fixture.Throws", "[  FAILED  ] Metrics.FailsAfterCounting", " 3 FAILED TESTS"}) {
    EXPECT_NE(result.out.find(line), std::string::npos) << line << "\n" << result.out;
  }
  EXPECT_EQ(result.out.find("leftover argument"), std::string::npos) << "the flags are removed";
}

std::size_t occurrences(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(ExportersBadInput, APlainRunReportsTheFixturesResults) {
  const ProcessResult plain = run_process({kFixture, "--testscope_console=never"});
  expect_same_results(plain);
  EXPECT_EQ(plain.err, "");
}

TEST(ExportersBadInput, AnOccupiedPortWarnsAndTheTestsStillRun) {
  LoopbackSocket taken(/*listening=*/true);
  ASSERT_GT(taken.port(), 0);
  const std::string address = "127.0.0.1:" + std::to_string(taken.port());
  const fs::path out = fs::temp_directory_path() / ("testscope_busy_port_" + std::to_string(getpid()));
  fs::remove_all(out);
  const ProcessResult flag = run_process({kFixture, "--testscope_console=never",
                                          "--testscope_metrics_port=" + std::to_string(taken.port()),
                                          "--testscope_artifacts=" + out.string()});
  expect_same_results(flag);
  const std::string warning = "testscope: warning: cannot serve metrics on " + address +
                              ": Address already in use; the tests run without a /metrics endpoint\n";
  EXPECT_EQ(flag.err, warning);
  const auto run = nlohmann::json::parse(testing_support::slurp(out / "run.json"));
  EXPECT_EQ(run["exit_status"], 1);
  EXPECT_EQ(run["tests"]["run"], 13);
  EXPECT_EQ(run["tests"]["failed"], 3);
  fs::remove_all(out);

  // The same through the environment variable.
  const ProcessResult env = run_process({kFixture, "--testscope_console=never"},
                                        {"TESTSCOPE_METRICS_PORT=" + std::to_string(taken.port())});
  expect_same_results(env);
  EXPECT_EQ(env.err, warning);
}

TEST(ExportersBadInput, AnUnreachablePushgatewayWarnsAndTheTestsStillRun) {
  const std::string url = "http://127.0.0.1:" + std::to_string(testing_support::free_loopback_port());
  const std::string warning = "testscope: warning: cannot push metrics to " + url +
                              ": Couldn't connect to server (curl error 7); test results are unaffected\n";
  const ProcessResult flag =
      run_process({kFixture, "--testscope_console=never", "--testscope_pushgateway=" + url});
  expect_same_results(flag);
  EXPECT_EQ(flag.err, warning);
  const ProcessResult env =
      run_process({kFixture, "--testscope_console=never"}, {"TESTSCOPE_PUSHGATEWAY=" + url});
  expect_same_results(env);
  EXPECT_EQ(env.err, warning);
  // An empty flag turns the variable's push off.
  const ProcessResult off = run_process({kFixture, "--testscope_console=never", "--testscope_pushgateway="},
                                        {"TESTSCOPE_PUSHGATEWAY=" + url});
  expect_same_results(off);
  EXPECT_EQ(off.err, "");
}

TEST(ExportersBadInput, BadValuesWarnOnceEachAtTheStart) {
  const ProcessResult result =
      run_process({kFixture, "--testscope_console=never", "--testscope_metrics_port=99999",
                   "--testscope_pushgateway=ftp://gateway:21"});
  expect_same_results(result);
  EXPECT_EQ(
      result.err,
      "testscope: warning: --testscope_metrics_port: expected [HOST:]PORT with PORT from 0 to 65535, got "
      "'99999'; no metrics endpoint\n"
      "testscope: warning: --testscope_pushgateway: 'ftp://gateway:21': unsupported scheme 'ftp' (expected "
      "http or https); no push\n");
  EXPECT_EQ(result.out.find("testscope: warning"), std::string::npos) << "warnings go to stderr";
  const ProcessResult env =
      run_process({kFixture, "--testscope_console=never"},
                  {"TESTSCOPE_METRICS_PORT=example.com:80", "TESTSCOPE_PUSHGATEWAY=http://"});
  expect_same_results(env);
  EXPECT_EQ(occurrences(env.err, "testscope: warning: TESTSCOPE_METRICS_PORT: "), 1U) << env.err;
  EXPECT_EQ(occurrences(env.err, "testscope: warning: TESTSCOPE_PUSHGATEWAY: 'http://': no host; no push"),
            1U)
      << env.err;
}

TEST(ExportersBadInput, AGoodPortServesWhileTheProgramRunsAndSaysWhere) {
  const ProcessResult result =
      run_process({kFixture, "--testscope_console=never", "--testscope_metrics_port=0"});
  expect_same_results(result);
  const std::string prefix = "testscope: serving metrics at http://127.0.0.1:";
  ASSERT_EQ(result.err.rfind(prefix, 0), 0U) << result.err;
  EXPECT_EQ(occurrences(result.err, "\n"), 1U) << "one line, no warning: " << result.err;
}

}  // namespace
}  // namespace testscope
