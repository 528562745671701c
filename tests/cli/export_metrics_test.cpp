// `testscope export OUT --pushgateway URL | --prom-file FILE` end to end: a real run of a
// GoogleTest program that counts, observes and sets metrics, pushed to a real Pushgateway
// (Debian's) and read back from it; the values checked against the run's own metrics.prom
// files added up here independently; a second push replacing the group; a type clash the
// Pushgateway refuses (exit 1); an unreachable one (exit 3, the tree untouched); bad flags
// (exit 2); and --prom-file passing promtool.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <thread>

#include "child_process.hpp"
#include "cli_harness.hpp"
#include "http_client.hpp"
#include "prometheus_text.hpp"
#include "promtool.hpp"

namespace cli_test {
namespace {

using testscope::testing_support::ChildProcess;
using testscope::testing_support::http_get;
using testscope::testing_support::parse_prometheus_text;
using testscope::testing_support::PromText;

// Every metrics.prom under OUT/runs, parsed.
std::vector<PromText> metrics_files(const fs::path& out) {
  std::vector<PromText> files;
  for (const auto& entry : fs::recursive_directory_iterator(out / "runs")) {
    if (entry.path().filename() == "metrics.prom") {
      files.push_back(parse_prometheus_text(slurp(entry.path())));
    }
  }
  return files;
}

// The sum (or, with `max`, the largest) of one series over the files.
double over_files(const std::vector<PromText>& files, const std::string& name,
                  const std::map<std::string, std::string>& labels, bool max = false) {
  double result = 0;
  for (const PromText& file : files) {
    for (const auto& sample : file.samples) {
      if (sample.name == name && sample.labels == labels) {
        result = max ? std::max(result, sample.value) : result + sample.value;
      }
    }
  }
  return result;
}

class ExportMetricsTest : public CliTest {
 protected:
  // Starts Debian's Pushgateway on a free loopback port; the test fails if it cannot.
  void start_pushgateway() {
    const std::string binary = TESTSCOPE_PUSHGATEWAY_BIN;
    ASSERT_TRUE(fs::exists(binary)) << binary
                                    << " not found: scripts/bootstrap installs prometheus-pushgateway";
    const int port = testscope::testing_support::free_loopback_port();
    url_ = "http://127.0.0.1:" + std::to_string(port);
    server_ = std::make_unique<ChildProcess>(std::vector<std::string>{
        binary, "--web.listen-address=127.0.0.1:" + std::to_string(port), "--log.level=warn",
        // Debian's build persists to /var/lib/prometheus/pushgateway.data by default: every
        // Pushgateway a test starts would share (and keep) what earlier ones held.
        "--persistence.file="});
    ASSERT_TRUE(server_->started()) << server_->error();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    while (http_get(url_ + "/-/ready", std::chrono::seconds(1)).status != 200 &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ASSERT_EQ(http_get(url_ + "/-/ready").status, 200) << "the Pushgateway did not start:\n"
                                                       << server_->err();
  }

  // `testscope run -n N --out OUT` of the fixture program's metric tests.
  void run(const std::string& out, int executions, const std::string& filter) {
    const Result r = testscope({"run", "-n", std::to_string(executions), "--out", out, "--", FIXTURE_PROGRAM,
                                "--gtest_filter=" + filter});
    ASSERT_NE(r.exit_code, 2) << r.out << r.err;
    ASSERT_TRUE(fs::exists(dir() / out / "runs" / std::to_string(executions))) << r.out << r.err;
  }

  PromText pushgateway_metrics() { return parse_prometheus_text(http_get(url_ + "/metrics").body); }
  const std::string& url() const { return url_; }

 private:
  std::string url_;
  std::unique_ptr<ChildProcess> server_;
};

TEST_F(ExportMetricsTest, ARealPushgatewayHoldsTheRunAddedUp) {
  ASSERT_NO_FATAL_FAILURE(start_pushgateway());
  ASSERT_NO_FATAL_FAILURE(run("out", 4, "Metrics.*:Logs.*"));
  const Result pushed =
      testscope({"export", "out", "--pushgateway", url(), "--grouping", "branch=feature/x y"});
  ASSERT_EQ(pushed.exit_code, 0) << pushed.out << pushed.err;
  EXPECT_NE(pushed.out.find("pushed to " + url() +
                            " as job=testscope, program=fixture_program, branch=feature/x y"),
            std::string::npos)
      << pushed.out;
  EXPECT_EQ(pushed.err, "");

  const auto files = metrics_files(dir() / "out");
  ASSERT_GE(files.size(), 4U);
  const PromText m = pushgateway_metrics();
  EXPECT_TRUE(m.bad.empty());
  const std::map<std::string, std::string> group = {
      {"job", "testscope"}, {"program", "fixture_program"}, {"branch", "feature/x y"}};
  auto value = [&](const std::string& name, std::map<std::string, std::string> labels) {
    labels.insert(group.begin(), group.end());
    const auto* s = m.find(name, labels);
    EXPECT_NE(s, nullptr) << name << " missing";
    return s != nullptr ? s->value : -1.0;
  };
  const std::map<std::string, std::string> ok = {{"promo_code", "SUMMER20"}, {"status", "ok"}};
  const std::map<std::string, std::string> limit = {{"promo_code", "SUMMER20"}, {"status", "limit"}};
  const std::map<std::string, std::string> apply = {{"path", "/apply"}, {"le", "1"}};
  EXPECT_EQ(value("fixture_promo_uses_total", ok), over_files(files, "fixture_promo_uses_total", ok));
  EXPECT_GT(value("fixture_promo_uses_total", ok), 4) << "more than one execution's worth";
  EXPECT_EQ(value("fixture_promo_uses_total", limit), over_files(files, "fixture_promo_uses_total", limit));
  EXPECT_EQ(value("fixture_request_duration_seconds_bucket", apply),
            over_files(files, "fixture_request_duration_seconds_bucket", apply));
  EXPECT_EQ(value("fixture_open_connections", {}), over_files(files, "fixture_open_connections", {}, true))
      << "a gauge: the largest end value, not a sum";
  EXPECT_EQ(value("testscope_run_executions", {{"outcome", "fail"}}), 4);
  EXPECT_EQ(
      value("testscope_run_test_verdict", {{"test", "Metrics.FailsAfterCounting"}, {"verdict", "failed"}}),
      1);
  EXPECT_EQ(value("testscope_run_test_executions", {{"test", "Metrics.Counts"}, {"outcome", "pass"}}), 4);
  EXPECT_EQ(value("testscope_run_test_duration_seconds_count", {{"test", "Logs.FromThreads"}}), 4);

  // A second push to the same group replaces it (HTTP PUT): a run of Logs.* alone counts no promo.
  ASSERT_NO_FATAL_FAILURE(run("logs-only", 2, "Logs.*"));
  const Result again =
      testscope({"export", "logs-only", "--pushgateway", url(), "--grouping", "branch=feature/x y"});
  ASSERT_EQ(again.exit_code, 0) << again.out << again.err;
  const PromText after = pushgateway_metrics();
  std::map<std::string, std::string> promo = ok;
  promo.insert(group.begin(), group.end());
  EXPECT_EQ(after.find("fixture_promo_uses_total", promo), nullptr);
  const auto* executions =
      after.find("testscope_run_executions", {{"job", "testscope"}, {"outcome", "pass"}});
  ASSERT_NE(executions, nullptr);
  EXPECT_EQ(executions->value, 2);
}

TEST_F(ExportMetricsTest, AClashThePushgatewayRefusesIsExitOne) {
  ASSERT_NO_FATAL_FAILURE(start_pushgateway());
  ASSERT_NO_FATAL_FAILURE(run("out", 1, "Metrics.Counts"));
  ASSERT_EQ(testscope({"export", "out", "--pushgateway", url()}).exit_code, 0);
  // Another group whose tests call the same counter a gauge: the Pushgateway answers 400.
  ASSERT_NO_FATAL_FAILURE(run("other", 1, "Logs.FromThreads"));
  const auto test_dir = *fs::directory_iterator(dir() / "other/runs/1/tests");
  std::ofstream(test_dir.path() / "metrics.prom")
      << "# HELP fixture_promo_uses_total Promo code usage attempts\n# TYPE fixture_promo_uses_total gauge\n"
         "fixture_promo_uses_total 3\n";
  const Result refused = testscope({"export", "other", "--pushgateway", url(), "--job", "other_job"});
  EXPECT_EQ(refused.exit_code, 1) << refused.out << refused.err;
  EXPECT_NE(refused.err.find(url() + ": the Pushgateway answered HTTP status 400"), std::string::npos)
      << refused.err;
  EXPECT_EQ(pushgateway_metrics().find("testscope_run_executions", {{"job", "other_job"}}), nullptr);
}

TEST_F(ExportMetricsTest, AnUnreachablePushgatewayIsExitThreeAndTheTreeIsUntouched) {
  ASSERT_NO_FATAL_FAILURE(run("out", 2, "Metrics.Counts"));
  std::map<std::string, std::string> before;
  for (const auto& e : fs::recursive_directory_iterator(dir() / "out")) {
    if (e.is_regular_file()) before[e.path().string()] = slurp(e.path());
  }
  const std::string url =
      "http://127.0.0.1:" + std::to_string(testscope::testing_support::free_loopback_port());
  const Result r = testscope({"export", "out", "--pushgateway", url});
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_NE(r.err.find(url + ": Couldn't connect to server"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("the metrics were not pushed"), std::string::npos) << r.err;
  std::map<std::string, std::string> after;
  for (const auto& e : fs::recursive_directory_iterator(dir() / "out")) {
    if (e.is_regular_file()) after[e.path().string()] = slurp(e.path());
  }
  EXPECT_EQ(before, after);
}

TEST_F(ExportMetricsTest, BadFlagsAreUsageErrors) {
  ASSERT_NO_FATAL_FAILURE(run("out", 1, "Metrics.Counts"));
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--pushgateway", "ftp://host"}, "--pushgateway 'ftp://host': "},
      {{"--pushgateway", "http://h", "--job", "a/b"}, "--job 'a/b': a job name has letters"},
      {{"--pushgateway", "http://h", "--grouping", "novalue"}, "--grouping 'novalue': expected NAME=VALUE"},
      {{"--pushgateway", "http://h", "--grouping", "9x=1"}, "--grouping '9x=1': expected NAME=VALUE"},
      {{"--pushgateway", "http://h", "--grouping", "__x=1"}, "--grouping '__x=1': expected NAME=VALUE"},
      {{"--pushgateway", "http://h", "--grouping", "job=1"}, "--grouping 'job=1': the job is given by --job"},
      {{"--pushgateway", "http://h", "--grouping", "a=1", "--grouping", "a=2"}, "'a' is given twice"},
      {{"--grouping", "a=1"}, "--grouping needs --pushgateway URL"},
      {{}, "nothing to send to: give --otlp [URL], --pushgateway URL or --prom-file FILE"},
  };
  for (const auto& [flags, message] : cases) {
    std::vector<std::string> args = {"export", "out"};
    args.insert(args.end(), flags.begin(), flags.end());
    const Result r = testscope(args);
    EXPECT_EQ(r.exit_code, 2) << message << "\n" << r.err;
    EXPECT_NE(r.err.find(message), std::string::npos) << r.err;
    EXPECT_EQ(r.out, "");
  }
}

TEST_F(ExportMetricsTest, PromFilePassesPromtoolAndDashGoesToStandardOutput) {
  ASSERT_NO_FATAL_FAILURE(run("out", 3, "Metrics.*"));
  const Result written = testscope({"export", "out", "--prom-file", "run.prom"});
  ASSERT_EQ(written.exit_code, 0) << written.err;
  EXPECT_NE(written.out.find("written to run.prom"), std::string::npos) << written.out;
  const std::string text = slurp(dir() / "run.prom");
  const auto checked = testscope::testing_support::promtool_check_metrics(text);
  EXPECT_TRUE(checked.passed) << checked.output << "\n" << text;
  const PromText m = parse_prometheus_text(text);
  ASSERT_NE(m.find("testscope_run_executions", {{"outcome", "fail"}}), nullptr) << text;
  EXPECT_EQ(m.find("testscope_run_executions", {{"outcome", "fail"}})->value, 3);

  const Result dash = testscope({"export", "out", "--prom-file", "-"});
  ASSERT_EQ(dash.exit_code, 0) << dash.err;
  EXPECT_EQ(dash.out, text) << "the same text, on standard output";
  // The summary line the docs promise, on standard error (issue 14).
  EXPECT_NE(dash.err.find("testscope export: "), std::string::npos) << dash.err;
  EXPECT_NE(dash.err.find(" series ("), std::string::npos) << dash.err;
  EXPECT_NE(dash.err.find("written to standard output"), std::string::npos) << dash.err;

  // Missing folders are made; a path under a regular file cannot be written.
  const Result nested = testscope({"export", "out", "--prom-file", "new/folder/run.prom"});
  EXPECT_EQ(nested.exit_code, 0) << nested.err;
  EXPECT_EQ(slurp(dir() / "new/folder/run.prom"), text);
  const Result unwritable = testscope({"export", "out", "--prom-file", "run.prom/inside.prom"});
  EXPECT_EQ(unwritable.exit_code, 2);
  EXPECT_NE(unwritable.err.find("testscope export: run.prom: cannot create folder"), std::string::npos)
      << unwritable.err;
  EXPECT_EQ(slurp(dir() / "run.prom"), text) << "the file in the way is untouched";
}

}  // namespace
}  // namespace cli_test
