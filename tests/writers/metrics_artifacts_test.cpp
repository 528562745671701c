// metrics.prom and logs.jsonl as a real GoogleTest program writes them (the fixture
// program in tests/gtest, and the promo example): promtool passes every metrics.prom, the
// values are what the tests did, and the log events are complete, ordered per thread and
// tied to the right spans of trace.otlp.json.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "prometheus_text.hpp"
#include "promtool.hpp"
#include "subprocess.hpp"

namespace testscope {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing_support::parse_prometheus_text;
using testing_support::promtool_check_metrics;
using testing_support::run_process;
using testing_support::slurp;

// One run of the fixture program with artifacts, shared by the tests below.
class FixtureArtifacts : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ = fs::temp_directory_path() / ("testscope_metrics_artifacts_" + std::to_string(getpid()));
    fs::remove_all(root_);
    result_ = run_process(
        {FIXTURE_PROGRAM, "--testscope_console=never", "--testscope_artifacts=" + root_.string()});
  }
  static void TearDownTestSuite() { fs::remove_all(root_); }
  static const fs::path& root() { return root_; }
  static const testing_support::ProcessResult& result() { return result_; }
  static fs::path test_dir(const std::string& id) { return root_ / "tests" / id; }
  static std::vector<json> read_jsonl(const fs::path& path) {
    std::vector<json> out;
    std::istringstream lines(slurp(path));
    std::string line;
    while (std::getline(lines, line)) out.push_back(json::parse(line));
    return out;
  }

 private:
  static inline fs::path root_;
  static inline testing_support::ProcessResult result_;
};

TEST_F(FixtureArtifacts, EveryTestHasMetricsAndLogsAndEveryMetricsFilePassesPromtool) {
  ASSERT_EQ(result().exit_code, 1) << result().err;  // the fixture's failing tests fail
  int tests = 0;
  for (const auto& entry : fs::directory_iterator(root() / "tests")) {
    ++tests;
    ASSERT_TRUE(fs::exists(entry.path() / "metrics.prom")) << entry.path();
    ASSERT_TRUE(fs::exists(entry.path() / "logs.jsonl")) << entry.path();
    const auto check = promtool_check_metrics(slurp(entry.path() / "metrics.prom"));
    EXPECT_TRUE(check.passed) << entry.path() << ": " << check.output;
  }
  EXPECT_EQ(tests, 13);
}

TEST_F(FixtureArtifacts, MetricsPromHoldsWhatTheTestChanged) {
  const std::string text = slurp(test_dir("Metrics.Counts") / "metrics.prom");
  const auto m = parse_prometheus_text(text);
  EXPECT_TRUE(m.bad.empty()) << text;
  auto value = [&](const std::string& name, const std::map<std::string, std::string>& labels = {}) {
    const auto* s = m.find(name, labels);
    EXPECT_NE(s, nullptr) << name << " missing in\n" << text;
    return s != nullptr ? s->value : -1.0;
  };
  EXPECT_EQ(value("fixture_promo_uses_total", {{"promo_code", "SUMMER20"}, {"status", "ok"}}), 2);
  EXPECT_EQ(value("fixture_promo_uses_total", {{"promo_code", "SUMMER20"}, {"status", "limit"}}), 1);
  EXPECT_EQ(value("fixture_requests_total", {{"path", "/apply"}}), 3);
  EXPECT_EQ(m.find("fixture_requests_total", {{"path", "/other"}}), nullptr) << "another test's counter";
  EXPECT_EQ(value("fixture_open_connections"), 7);
  EXPECT_EQ(value("fixture_request_duration_seconds_bucket", {{"path", "/apply"}, {"le", "0.1"}}), 1);
  EXPECT_EQ(value("fixture_request_duration_seconds_bucket", {{"path", "/apply"}, {"le", "1"}}), 2);
  EXPECT_EQ(value("fixture_request_duration_seconds_bucket", {{"path", "/apply"}, {"le", "+Inf"}}), 3);
  EXPECT_EQ(value("fixture_request_duration_seconds_count", {{"path", "/apply"}}), 3);
  EXPECT_DOUBLE_EQ(value("fixture_request_duration_seconds_sum", {{"path", "/apply"}}), 2.55);
  EXPECT_EQ(value("fixture_payload_bytes_count"), 2);
  EXPECT_EQ(value("fixture_payload_bytes_sum"), 400);

  // The next test's file has only its own increases (the counters are cumulative in the
  // registry; the file holds the differences), plus the gauge's value.
  const std::string next = slurp(test_dir("Metrics.FailsAfterCounting") / "metrics.prom");
  const auto n = parse_prometheus_text(next);
  ASSERT_NE(n.find("fixture_promo_uses_total", {{"status", "ok"}}), nullptr) << next;
  EXPECT_EQ(n.find("fixture_promo_uses_total", {{"status", "ok"}})->value, 2);
  EXPECT_EQ(n.find("fixture_promo_uses_total", {{"status", "limit"}}), nullptr) << next;
  ASSERT_NE(n.find("fixture_requests_total", {{"path", "/other"}}), nullptr) << next;
  EXPECT_EQ(n.find("fixture_requests_total", {{"path", "/other"}})->value, 1);
  EXPECT_EQ(n.find("fixture_requests_total", {{"path", "/apply"}}), nullptr) << next;
  EXPECT_EQ(n.count("fixture_request_duration_seconds_count"), 0U) << next;
  EXPECT_EQ(n.find("fixture_open_connections")->value, 7);

  // A later test that changed no metric lists only the gauge, with its value.
  const auto quiet = parse_prometheus_text(slurp(test_dir("Logs.FromThreads") / "metrics.prom"));
  ASSERT_EQ(quiet.samples.size(), 1U);
  EXPECT_EQ(quiet.samples[0].name, "fixture_open_connections");
  EXPECT_EQ(quiet.samples[0].value, 7);
}

TEST_F(FixtureArtifacts, LogsFromThreadsAreCompleteOrderedAndOnTheRightSpans) {
  const fs::path dir = test_dir("Logs.FromThreads");
  const std::vector<json> logs = read_jsonl(dir / "logs.jsonl");
  constexpr int kWorkers = 4;
  constexpr int kSteps = 50;
  ASSERT_EQ(logs.size(), static_cast<std::size_t>(3 + kWorkers * (1 + kSteps)));
  const json summary = json::parse(slurp(dir / "summary.json"));
  EXPECT_EQ(summary["counts"]["logs"], logs.size());

  // Span ids by name and thread name, from the OTLP trace.
  const json otlp = json::parse(slurp(dir / "trace.otlp.json"));
  std::map<std::string, std::string> span_of_thread;  // worker_step spans: thread.name -> span id
  std::string main_work;
  for (const json& span : otlp["resourceSpans"][0]["scopeSpans"][0]["spans"]) {
    if (span["name"] == "main_work") main_work = span["spanId"];
    if (span["name"] != "worker_step") continue;
    for (const json& a : span["attributes"]) {
      if (a["key"] == "thread.name") span_of_thread[a["value"]["stringValue"]] = span["spanId"];
    }
  }
  ASSERT_EQ(span_of_thread.size(), static_cast<std::size_t>(kWorkers));
  ASSERT_FALSE(main_work.empty());

  std::map<std::string, std::vector<const json*>> by_thread;
  for (const json& log : logs) {
    EXPECT_EQ(log["trace_id"], summary["trace_id"]);
    by_thread[log["thread"]].push_back(&log);
  }
  ASSERT_EQ(by_thread.size(), static_cast<std::size_t>(kWorkers + 1)) << "the main thread and four loggers";
  for (int w = 0; w < kWorkers; ++w) {
    const std::string name = "logger-" + std::to_string(w);
    const auto& mine = by_thread[name];
    ASSERT_EQ(mine.size(), static_cast<std::size_t>(1 + kSteps)) << name;
    EXPECT_EQ((*mine[0])["event"], "worker_ready");
    EXPECT_EQ((*mine[0])["span_id"], main_work)
        << "logged before its own span: under main_work, through wrap()";
    for (std::size_t i = 1; i < mine.size(); ++i) {
      const json& step = *mine[i];
      EXPECT_EQ(step["event"], "step");
      EXPECT_EQ(step["fields"]["i"], i - 1) << "complete and in the order logged";
      EXPECT_EQ(step["fields"]["worker"], w);
      EXPECT_EQ(step["fields"]["ratio"], 0.5);
      EXPECT_EQ(step["fields"]["even"], (i - 1) % 2 == 0);
      EXPECT_EQ(step["fields"]["name"], name);
      EXPECT_EQ(step["span_id"], span_of_thread.at(name));
      EXPECT_EQ(step["severity_text"], i == mine.size() - 1 ? "WARN" : "INFO");
      EXPECT_GE(step["time_unix_ns"].get<std::int64_t>(), (*mine[i - 1])["time_unix_ns"].get<std::int64_t>());
    }
  }
  const auto& main_thread = by_thread["fixture_program"];
  ASSERT_EQ(main_thread.size(), 3U);
  EXPECT_EQ((*main_thread[0])["event"], "test_started");
  EXPECT_EQ((*main_thread[0])["span_id"], summary["root_span_id"]) << "no span open: the test's root";
  EXPECT_EQ((*main_thread[1])["event"], "workers_starting");
  EXPECT_EQ((*main_thread[1])["severity_text"], "DEBUG");
  EXPECT_EQ((*main_thread[1])["span_id"], main_work);
  EXPECT_EQ((*main_thread[2])["event"], "workers_done");
  EXPECT_EQ((*main_thread[2])["severity_number"], 17);
}

TEST(PromoArtifacts, TheRacyTestCountsAndLogsEachUse) {
#ifndef PROMO_TESTS
  GTEST_SKIP() << "examples not built";
#else
  const fs::path out = fs::temp_directory_path() / ("testscope_promo_metrics_" + std::to_string(getpid()));
  fs::remove_all(out);
  const auto result = run_process({PROMO_TESTS, "--gtest_filter=PromoRace.Racy*", "--testscope_console=never",
                                   "--testscope_artifacts=" + out.string()});
  ASSERT_TRUE(result.exit_code == 0 || result.exit_code == 1) << result.err;
  const fs::path dir = out / "tests" / "PromoRace.RacyApplyAllowsExactlyOneUse";
  const std::string text = slurp(dir / "metrics.prom");
  const auto check = promtool_check_metrics(text);
  EXPECT_TRUE(check.passed) << check.output << "\n" << text;
  const auto m = parse_prometheus_text(text);
  const auto* ok = m.find("promo_uses_total", {{"promo_code", "SUMMER20"}, {"status", "ok"}});
  const auto* limit = m.find("promo_uses_total", {{"promo_code", "SUMMER20"}, {"status", "limit"}});
  ASSERT_NE(ok, nullptr) << text;
  // Passing: one "ok" and one "limit". The race: two "ok" and no "limit".
  const bool passed = result.exit_code == 0;
  EXPECT_EQ(ok->value, passed ? 1 : 2) << text;
  EXPECT_EQ(limit != nullptr ? limit->value : 0, passed ? 1 : 0) << text;

  std::map<std::string, int> events;
  std::set<std::string> users;
  std::istringstream lines(slurp(dir / "logs.jsonl"));
  std::string line;
  while (std::getline(lines, line)) {
    const json log = json::parse(line);
    ++events[log["event"]];
    EXPECT_EQ(log["fields"]["code"], "SUMMER20");
    users.insert(log["fields"]["user"]);
  }
  EXPECT_EQ(events["promo_check"], 2);
  EXPECT_EQ(events["promo_applied"], passed ? 1 : 2);
  EXPECT_EQ(events["promo_limit"], passed ? 1 : 0);
  EXPECT_EQ(users, (std::set<std::string>{"u1", "u2"}));
  fs::remove_all(out);
#endif
}

}  // namespace
}  // namespace testscope
