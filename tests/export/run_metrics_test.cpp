// A run's metrics added up (src/analysis/run_metrics*.cpp) from a tree of real files:
// counters, untyped samples, histograms and summaries summed over every test of every
// execution, gauges maximised, types and help kept; bad files, type clashes and reserved
// names reported and left out; testscope's own series checked value by value; and the
// whole serialized by prometheus-cpp, read back by our parser and passed by promtool.
#include "export/run_metrics.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <prometheus/text_serializer.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "analysis/prom_text.hpp"
#include "promtool.hpp"

namespace testscope::exporting {
namespace {

namespace fs = std::filesystem;
using analysis::compute_verdicts;
using analysis::load_artifact_tree;
using analysis::parse_prom_text;
using analysis::PromFamily;
using analysis::PromParse;
using analysis::PromSample;
using nlohmann::json;

class RunMetricsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("run_metrics_" + std::to_string(getpid()));
    fs::remove_all(root_);
  }
  void TearDown() override { fs::remove_all(root_); }

  // Test `name` in execution `n`, ending `outcome` after `duration_ms`, with `metrics` as
  // its metrics.prom (none when empty).
  void write_test(int n, const std::string& name, const std::string& outcome, int duration_ms,
                  const std::string& metrics, const json& quarantine = nullptr) {
    const fs::path run = root_ / "runs" / std::to_string(n);
    if (!fs::exists(run / "run.json")) {
      write(run / "run.json", json{{"schema", 1},
                                   {"argv", {"demo_tests"}},
                                   {"exit_status", 0},
                                   {"start_unix_ns", 1'000'000'000LL * n},
                                   {"end_unix_ns", 1'000'000'000LL * n + 500'000'000}}
                                  .dump());
    }
    const auto dot = name.find('.');
    json summary = {
        {"schema", 1},
        {"test", {{"full_name", name}, {"suite", name.substr(0, dot)}, {"name", name.substr(dot + 1)}}},
        {"outcome", outcome},
        {"duration_ns", std::int64_t{duration_ms} * 1'000'000},
        {"failures", json::array()}};
    if (!quarantine.is_null()) summary["quarantine"] = quarantine;
    write(run / "tests" / name / "summary.json", summary.dump());
    if (!metrics.empty()) write(run / "tests" / name / "metrics.prom", metrics);
  }

  RunMetrics aggregate(const RunMetricsOptions& options = {}) {
    const ArtifactTree tree = load_artifact_tree(root_);
    return aggregate_run_metrics(tree, compute_verdicts(tree), options);
  }

  static void write(const fs::path& path, const std::string& text) {
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << text;
  }

  const fs::path& root() const { return root_; }

 private:
  fs::path root_;
};

// The serialized text, read back: "name{a=\"1\",b=\"2\"}" -> value (labels sorted).
std::map<std::string, double> read_back(const std::string& text) {
  const PromParse parse = parse_prom_text(text);
  EXPECT_TRUE(parse.ok()) << parse.error << "\n" << text;
  std::map<std::string, double> values;
  for (PromSample sample : parse.samples) {
    std::sort(sample.labels.begin(), sample.labels.end());
    std::string key = sample.name;
    if (!sample.labels.empty()) {
      key += '{';
      for (const auto& [name, value] : sample.labels) {
        key.append(name).append("=\"").append(value).append("\",");
      }
      key.back() = '}';
    }
    EXPECT_EQ(values.count(key), 0U) << key << " twice in\n" << text;
    values[key] = sample.value;
  }
  return values;
}

std::string text_of(const RunMetrics& metrics) {
  return prometheus::TextSerializer().Serialize(metrics.families);
}

const char* const kUses =
    "# HELP uses_total Promo uses\n# TYPE uses_total counter\n"
    "uses_total{code=\"S\",status=\"ok\"} 2\nuses_total{code=\"S\",status=\"limit\"} 1\n";
const char* const kWait =
    "# HELP wait_seconds Waits\n# TYPE wait_seconds histogram\n"
    "wait_seconds_bucket{path=\"/a\",le=\"0.1\"} 1\nwait_seconds_bucket{path=\"/a\",le=\"1\"} 3\n"
    "wait_seconds_bucket{path=\"/a\",le=\"+Inf\"} 4\nwait_seconds_sum{path=\"/a\"} 2.5\n"
    "wait_seconds_count{path=\"/a\"} 4\n";

TEST_F(RunMetricsTest, AddsUpCountersHistogramsAndSummariesAndTakesTheLargestGauge) {
  write_test(1, "Demo.A", "pass", 10,
             std::string(kUses) + kWait +
                 "# HELP open Open\n# TYPE open gauge\nopen 7\n"
                 "# HELP bytes Bytes\n# TYPE bytes summary\nbytes_sum 100\n"
                 "bytes_count 2\n# HELP loose Loose\n# TYPE loose untyped\nloose{k=\"v\"} 1.5\n");
  write_test(1, "Demo.B", "pass", 20, "# TYPE uses_total counter\nuses_total{status=\"ok\",code=\"S\"} 5\n");
  write_test(2, "Demo.A", "fail", 30,
             std::string(kUses) + kWait +
                 "# TYPE open gauge\nopen 3\n# TYPE bytes summary\nbytes_sum 50\n"
                 "bytes_count 1\nloose{k=\"v\"} 2\n");
  write_test(2, "Demo.B", "pass", 40, "");  // no metrics.prom: nothing to add, no problem

  const RunMetrics metrics = aggregate();
  EXPECT_TRUE(metrics.problems.empty())
      << metrics.problems.front().path << ": " << metrics.problems.front().message;
  EXPECT_EQ(metrics.files, 3U);
  const std::string text = text_of(metrics);
  const auto v = read_back(text);
  EXPECT_EQ(v.at("uses_total{code=\"S\",status=\"ok\"}"), 9) << "labels in any order are one series";
  EXPECT_EQ(v.at("uses_total{code=\"S\",status=\"limit\"}"), 2);
  EXPECT_EQ(v.at("wait_seconds_bucket{le=\"0.1\",path=\"/a\"}"), 2);
  EXPECT_EQ(v.at("wait_seconds_bucket{le=\"1\",path=\"/a\"}"), 6);
  EXPECT_EQ(v.at("wait_seconds_bucket{le=\"+Inf\",path=\"/a\"}"), 8);
  EXPECT_EQ(v.at("wait_seconds_sum{path=\"/a\"}"), 5);
  EXPECT_EQ(v.at("wait_seconds_count{path=\"/a\"}"), 8);
  EXPECT_EQ(v.at("open"), 7) << "a gauge is not summed: the largest end value";
  EXPECT_EQ(v.at("bytes_sum"), 150);
  EXPECT_EQ(v.at("bytes_count"), 3);
  EXPECT_EQ(v.at("loose{k=\"v\"}"), 3.5) << "untyped samples are increases, so they add up";
  EXPECT_EQ(metrics.test_series, 6U);  // uses x2, wait, open, bytes, loose

  const PromParse parse = parse_prom_text(text);
  auto type = [&](const char* sample) {
    const PromFamily* f = parse.family_of(sample);
    return f != nullptr ? f->type : std::string("none");
  };
  EXPECT_EQ(type("uses_total"), "counter");
  EXPECT_EQ(type("wait_seconds_bucket"), "histogram");
  EXPECT_EQ(type("open"), "gauge");
  EXPECT_EQ(type("bytes_count"), "summary");
  EXPECT_EQ(type("loose"), "untyped");
  EXPECT_EQ(parse.family_of("uses_total")->help, "Promo uses");
  const auto checked = testing_support::promtool_check_metrics(text);
  EXPECT_TRUE(checked.passed) << checked.output << "\n" << text;
}

TEST_F(RunMetricsTest, TestscopesOwnSeriesDescribeTheRun) {
  write_test(1, "Demo.Racy", "fail", 10, "", json{{"entry", "Demo.Racy"}, {"reason", "race"}});
  write_test(1, "Demo.Steady", "pass", 1, "");
  write_test(2, "Demo.Racy", "pass", 30, "", json{{"entry", "Demo.Racy"}, {"reason", "race"}});
  write_test(2, "Demo.Steady", "pass", 2, "");
  write_test(3, "Demo.Racy", "pass", 20, "");
  write_test(3, "Demo.Steady", "pass", 3, "");
  const auto v = read_back(text_of(aggregate()));
  // run.json's exit_status 0 and no runner manifest: every execution passed as far as the tree says.
  EXPECT_EQ(
      v.at("testscope_run_executions{outcome=\"pass\"}") + v.at("testscope_run_executions{outcome=\"fail\"}"),
      3);
  EXPECT_EQ(v.at("testscope_run_executions{outcome=\"crash\"}"), 0);
  EXPECT_EQ(v.at("testscope_run_executions{outcome=\"timeout\"}"), 0);
  EXPECT_EQ(v.at("testscope_run_start_timestamp_seconds"), 1);
  EXPECT_EQ(v.at("testscope_run_duration_seconds"), 2.5);
  EXPECT_EQ(v.at("testscope_run_test_executions{outcome=\"fail\",test=\"Demo.Racy\"}"), 1);
  EXPECT_EQ(v.at("testscope_run_test_executions{outcome=\"pass\",test=\"Demo.Racy\"}"), 2);
  EXPECT_EQ(v.at("testscope_run_test_executions{outcome=\"pass\",test=\"Demo.Steady\"}"), 3);
  EXPECT_EQ(v.count("testscope_run_test_executions{outcome=\"fail\",test=\"Demo.Steady\"}"), 0U);
  EXPECT_DOUBLE_EQ(v.at("testscope_run_test_failure_ratio{test=\"Demo.Racy\"}"), 1.0 / 3);
  EXPECT_EQ(v.at("testscope_run_test_failure_ratio{test=\"Demo.Steady\"}"), 0);
  // Wilson, 1 of 3 at 95%: 0.0615-0.7923 (verdict_stats_test checks the formula itself).
  EXPECT_NEAR(v.at("testscope_run_test_failure_ratio_ci95{bound=\"low\",test=\"Demo.Racy\"}"), 0.0615, 1e-4);
  EXPECT_NEAR(v.at("testscope_run_test_failure_ratio_ci95{bound=\"high\",test=\"Demo.Racy\"}"), 0.7923, 1e-4);
  EXPECT_EQ(v.at("testscope_run_test_verdict{test=\"Demo.Racy\",verdict=\"flaky\"}"), 1);
  EXPECT_EQ(v.at("testscope_run_test_verdict{test=\"Demo.Steady\",verdict=\"passed\"}"), 1);
  EXPECT_EQ(v.at("testscope_run_test_quarantined{test=\"Demo.Racy\"}"), 1);
  EXPECT_EQ(v.count("testscope_run_test_quarantined{test=\"Demo.Steady\"}"), 0U);
  EXPECT_EQ(v.at("testscope_run_test_duration_seconds_count{test=\"Demo.Racy\"}"), 3);
  EXPECT_DOUBLE_EQ(v.at("testscope_run_test_duration_seconds_sum{test=\"Demo.Racy\"}"), 0.06);
  EXPECT_DOUBLE_EQ(v.at("testscope_run_test_duration_seconds{quantile=\"0.5\",test=\"Demo.Racy\"}"), 0.02);
  EXPECT_DOUBLE_EQ(v.at("testscope_run_test_duration_seconds{quantile=\"0.95\",test=\"Demo.Racy\"}"), 0.03);
  EXPECT_DOUBLE_EQ(v.at("testscope_run_test_duration_seconds{quantile=\"1\",test=\"Demo.Racy\"}"), 0.03);
}

TEST_F(RunMetricsTest, BadFilesAndTypeClashesAreReportedAndTheRestStillCounts) {
  write_test(1, "Demo.A", "pass", 1, "# TYPE x counter\nx 2\n# TYPE g gauge\ng 1\n");
  write_test(2, "Demo.A", "pass", 1, "# TYPE x gauge\nx 100\n# TYPE g gauge\ng 4\n");
  write_test(3, "Demo.A", "pass", 1, "# TYPE x counter\nx 3\nbroken{ 1\n");
  write_test(4, "Demo.A", "pass", 1,
             "# TYPE x counter\nx 5\n# TYPE testscope_run_executions counter\n"
             "testscope_run_executions 9\n");
  const RunMetrics metrics = aggregate();
  ASSERT_EQ(metrics.problems.size(), 3U);
  EXPECT_EQ(metrics.problems[0].path, fs::path("runs/2/tests/Demo.A/metrics.prom"));
  EXPECT_EQ(metrics.problems[0].message,
            "line 2: 'x' is a gauge here but a counter in runs/1/tests/Demo.A/metrics.prom; left out here");
  EXPECT_EQ(metrics.problems[1].path, fs::path("runs/3/tests/Demo.A/metrics.prom"));
  EXPECT_EQ(metrics.problems[1].message, "line 3, column 9: expected a label name or '}'");
  EXPECT_EQ(metrics.problems[2].message,
            "'testscope_run_executions': names starting with testscope_run_ are testscope's own; left out");
  const auto v = read_back(text_of(metrics));
  EXPECT_EQ(v.at("x"), 7) << "runs 1 and 4; run 2's gauge and all of the corrupt run 3 left out";
  EXPECT_EQ(v.at("g"), 4) << "run 2's other family still counts";
  EXPECT_EQ(v.at("testscope_run_executions{outcome=\"pass\"}"), 4) << "ours, not the test's";
}

TEST_F(RunMetricsTest, LabelsTheDestinationSetsAreRenamedExported) {
  write_test(1, "Demo.A", "pass", 1, "# TYPE x counter\nx{job=\"mine\",program=\"p\",keep=\"1\"} 2\n");
  RunMetricsOptions options;
  options.reserved_labels = {"job", "instance", "program", "test"};
  const auto v = read_back(text_of(aggregate(options)));
  EXPECT_EQ(v.at("x{exported_job=\"mine\",exported_program=\"p\",keep=\"1\"}"), 2);
  EXPECT_EQ(v.at("testscope_run_test_verdict{exported_test=\"Demo.A\",verdict=\"passed\"}"), 1)
      << "our own labels too";
}

TEST_F(RunMetricsTest, HostileTestNamesAreEscapedAndPassPromtool) {
  const std::string hostile = "Suite/0.Name\"with\\quotes\nand newline";
  write_test(1, "Demo.Plain", "pass", 1,
             "# HELP x_total X\n# TYPE x_total counter\nx_total{v=\"a\\\"b\\\\c\\nd\"} 1\n");
  const fs::path dir = root() / "runs/1/tests/hostile";
  write(dir / "summary.json", json{{"schema", 1},
                                   {"test", {{"full_name", hostile}, {"suite", "Suite/0"}, {"name", "Name"}}},
                                   {"outcome", "fail"},
                                   {"duration_ns", 5},
                                   {"failures", json::array()}}
                                  .dump());
  const std::string text = text_of(aggregate());
  const auto checked = testing_support::promtool_check_metrics(text);
  EXPECT_TRUE(checked.passed) << checked.output << "\n" << text;
  const auto v = read_back(text);
  EXPECT_EQ(v.at("x_total{v=\"a\"b\\c\nd\"}"), 1);
  EXPECT_EQ(v.at("testscope_run_test_verdict{test=\"" + hostile + "\",verdict=\"failed\"}"), 1);
}

}  // namespace
}  // namespace testscope::exporting
