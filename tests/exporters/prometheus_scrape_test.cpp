// A real Prometheus server (Debian's prometheus package) scrapes the /metrics endpoint of
// a running GoogleTest program (tests/gtest/fixture_program with
// --testscope_metrics_port), and the series are read back through Prometheus' HTTP API.
// The program's last test waits until this test creates a file, so the endpoint stays up
// while Prometheus is queried. Every wait is bounded; both processes are always stopped.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "child_process.hpp"
#include "http_client.hpp"

namespace testscope {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing_support::ChildProcess;
using testing_support::http_get;

// The value of a PromQL query with exactly one result, or nothing.
std::optional<double> query_one(int prometheus_port, const std::string& promql) {
  const auto response = http_get("http://127.0.0.1:" + std::to_string(prometheus_port) +
                                 "/api/v1/query?query=" + testing_support::url_encode(promql));
  if (response.status != 200) return std::nullopt;
  const json doc = json::parse(response.body, nullptr, false);
  if (doc.is_discarded() || doc["status"] != "success" || doc["data"]["result"].size() != 1) {
    return std::nullopt;
  }
  return std::stod(doc["data"]["result"][0]["value"][1].get<std::string>());
}

// A fresh folder for Prometheus' config and database, removed at the end.
class ScratchDir {
 public:
  ScratchDir() : path_(fs::temp_directory_path() / ("testscope_prometheus_" + std::to_string(getpid()))) {
    fs::remove_all(path_);
    fs::create_directories(path_ / "data");
  }
  ~ScratchDir() { fs::remove_all(path_); }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

TEST(PrometheusScrape, ARealPrometheusScrapesTheRunningTestProgram) {
  const ScratchDir dir;
  const fs::path& scratch = dir.path();
  const std::string prometheus = TESTSCOPE_PROMETHEUS_BIN;
  ASSERT_TRUE(fs::exists(prometheus))
      << prometheus << " not found: install Debian's prometheus package (scripts/bootstrap does)";
  const int endpoint_port = testing_support::free_loopback_port();
  int prometheus_port = testing_support::free_loopback_port();
  while (prometheus_port == endpoint_port) prometheus_port = testing_support::free_loopback_port();
  const std::string target = "127.0.0.1:" + std::to_string(endpoint_port);
  std::ofstream(scratch / "prometheus.yml") << "global:\n"
                                               "  scrape_interval: 1s\n"
                                               "  evaluation_interval: 1s\n"
                                               "scrape_configs:\n"
                                               "  - job_name: fixture\n"
                                               "    static_configs:\n"
                                               "      - targets: ['"
                                            << target << "']\n";
  ChildProcess server({prometheus, "--config.file=" + (scratch / "prometheus.yml").string(),
                       "--storage.tsdb.path=" + (scratch / "data").string(),
                       "--web.listen-address=127.0.0.1:" + std::to_string(prometheus_port),
                       "--log.level=warn"});
  ASSERT_TRUE(server.started()) << server.error();

  const fs::path go = scratch / "go";
  ChildProcess program(
      {FIXTURE_PROGRAM, "--gtest_filter=Metrics.*:Logs.*:Scrape.*", "--testscope_console=never",
       "--testscope_metrics_port=" + std::to_string(endpoint_port)},
      {"FIXTURE_WAIT_FOR_FILE=" + go.string()});
  ASSERT_TRUE(program.started()) << program.error();

  // Metrics.* and Logs.* finish at once; then the program waits. Prometheus needs a few
  // seconds to start and one scrape interval to see it.
  const std::string tests_metrics_pass =
      R"(testscope_tests_total{job="fixture",suite="Metrics",outcome="pass"})";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(25);
  std::optional<double> seen;
  while (!(seen = query_one(prometheus_port, tests_metrics_pass)) &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  ASSERT_TRUE(seen.has_value()) << "Prometheus never had " << tests_metrics_pass << "\nprometheus stderr:\n"
                                << server.err() << "\nprogram stderr:\n"
                                << program.err();

  auto value = [&](const std::string& promql) {
    const auto v = query_one(prometheus_port, promql);
    EXPECT_TRUE(v.has_value()) << promql;
    return v.value_or(-1);
  };
  const std::string instance = R"(job="fixture",instance=")" + target + "\"";
  EXPECT_EQ(value("up{" + instance + "}"), 1);
  EXPECT_EQ(value(R"(testscope_tests_total{suite="Metrics",outcome="pass",)" + instance + "}"), 1);
  EXPECT_EQ(value(R"(testscope_tests_total{suite="Metrics",outcome="fail",)" + instance + "}"), 1);
  EXPECT_EQ(value(R"(testscope_tests_total{suite="Logs",outcome="pass",)" + instance + "}"), 1);
  EXPECT_EQ(value(R"(testscope_test_duration_seconds_count{suite="Metrics",)" + instance + "}"), 2);
  EXPECT_EQ(value(R"(testscope_test_duration_seconds_bucket{suite="Logs",le="+Inf",)" + instance + "}"), 1);
  EXPECT_EQ(value("testscope_spans_recorded_total{" + instance + "}"), 5) << "main_work and four worker_step";
  EXPECT_EQ(value("testscope_records_dropped_total{" + instance + "}"), 0);
  // The program's own metrics, as running totals over both Metrics tests.
  EXPECT_EQ(value(R"(fixture_promo_uses_total{promo_code="SUMMER20",status="ok",)" + instance + "}"), 4);
  EXPECT_EQ(value(R"(fixture_promo_uses_total{promo_code="SUMMER20",status="limit",)" + instance + "}"), 1);
  EXPECT_EQ(value(R"(fixture_requests_total{path="/apply",)" + instance + "}"), 3);
  EXPECT_EQ(value("fixture_open_connections{" + instance + "}"), 7);
  EXPECT_EQ(value(R"(fixture_request_duration_seconds_count{path="/apply",)" + instance + "}"), 3);

  std::ofstream(go) << "go";
  ASSERT_TRUE(program.wait(std::chrono::seconds(30))) << "the program did not finish";
  EXPECT_EQ(program.exit_code(), 1) << "Metrics.FailsAfterCounting fails\n" << program.out() << program.err();
  EXPECT_EQ(program.err(), "testscope: serving metrics at http://" + target + "/metrics\n");
  EXPECT_NE(program.out().find("[  PASSED  ] 3 tests."), std::string::npos) << program.out();
  // The endpoint ends with the program.
  EXPECT_EQ(http_get("http://" + target + "/metrics", std::chrono::seconds(2)).status, 0);
}

}  // namespace
}  // namespace testscope
