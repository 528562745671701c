// MetricsEndpoint and push_to_gateway in process: what the endpoint serves (read with
// libcurl and promtool), and the failures: a port in use, a bad address, a Pushgateway
// that refuses the connection or never answers. None of them throws.
#include <gtest/gtest.h>
#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include <chrono>
#include <memory>
#include <string>

#include "exporters/test_run_metrics.hpp"
#include "http_client.hpp"
#include "prometheus_text.hpp"
#include "promtool.hpp"
#include "testscope/metrics.hpp"
#include "testscope/metrics_endpoint.hpp"
#include "testscope/pushgateway.hpp"

namespace testscope {
namespace {

using testing_support::http_get;
using testing_support::LoopbackSocket;
using testing_support::parse_prometheus_text;

TEST(MetricsEndpoint, ServesEveryRegistryAndTheExtraOnes) {
  static LabeledCounter uses("endpoint_test_uses_total", "Uses", {"status"});
  uses.increment({"ok"}, 2);
  prometheus::BuildCounter()
      .Name("endpoint_test_default_total")
      .Help("In the default registry")
      .Register(*default_registry())
      .Add({})
      .Increment(5);
  auto own = std::make_shared<prometheus::Registry>();
  prometheus::BuildCounter()
      .Name("endpoint_test_extra_total")
      .Help("In an extra registry")
      .Register(*own)
      .Add({{"a", "b"}});

  std::string error;
  auto endpoint = MetricsEndpoint::start("127.0.0.1:0", {own}, &error);
  ASSERT_NE(endpoint, nullptr) << error;
  ASSERT_GT(endpoint->port(), 0);
  EXPECT_EQ(endpoint->url(), "http://127.0.0.1:" + std::to_string(endpoint->port()) + "/metrics");

  const auto response = http_get(endpoint->url());
  ASSERT_EQ(response.status, 200) << response.error;
  const auto m = parse_prometheus_text(response.body);
  EXPECT_TRUE(m.bad.empty()) << response.body;
  ASSERT_NE(m.find("endpoint_test_uses_total", {{"status", "ok"}}), nullptr) << response.body;
  EXPECT_EQ(m.find("endpoint_test_uses_total", {{"status", "ok"}})->value, 2);
  ASSERT_NE(m.find("endpoint_test_default_total"), nullptr) << response.body;
  EXPECT_EQ(m.find("endpoint_test_default_total")->value, 5);
  ASSERT_NE(m.find("endpoint_test_extra_total", {{"a", "b"}}), nullptr) << response.body;

  // Values are live: a later scrape sees a later increment.
  uses.increment({"ok"});
  const auto again = parse_prometheus_text(http_get(endpoint->url()).body);
  EXPECT_EQ(again.find("endpoint_test_uses_total", {{"status", "ok"}})->value, 3);

  // Stopped when destroyed.
  const std::string url = endpoint->url();
  endpoint.reset();
  EXPECT_EQ(http_get(url, std::chrono::seconds(2)).status, 0);
}

TEST(MetricsEndpoint, TestscopesOwnSeriesPassPromtool) {
  detail::TestRunMetrics run;
  TestRecord record;
  record.test.suite = "Suite";
  record.outcome = Outcome::kFail;
  record.start_unix_ns = 0;
  record.end_unix_ns = 250'000'000;
  record.root_span_id = 1;
  record.spans.resize(4);
  record.dropped_records = 7;
  run.add(record);
  record.outcome = Outcome::kPass;
  run.add(record);
  std::string error;
  auto endpoint = MetricsEndpoint::start("127.0.0.1:0", {run.registry()}, &error);
  ASSERT_NE(endpoint, nullptr) << error;
  const std::string body = http_get(endpoint->url()).body;
  const auto m = parse_prometheus_text(body);
  EXPECT_EQ(m.find("testscope_tests_total", {{"suite", "Suite"}, {"outcome", "fail"}})->value, 1);
  EXPECT_EQ(m.find("testscope_tests_total", {{"suite", "Suite"}, {"outcome", "pass"}})->value, 1);
  EXPECT_EQ(m.find("testscope_test_duration_seconds_count", {{"suite", "Suite"}})->value, 2);
  EXPECT_EQ(m.find("testscope_test_duration_seconds_bucket", {{"suite", "Suite"}, {"le", "0.1"}})->value, 0);
  EXPECT_EQ(m.find("testscope_test_duration_seconds_bucket", {{"suite", "Suite"}, {"le", "0.5"}})->value, 2);
  EXPECT_EQ(m.find("testscope_spans_recorded_total")->value, 6) << "roots are not counted";
  EXPECT_EQ(m.find("testscope_records_dropped_total")->value, 14);
  // Only testscope's series: prometheus-cpp's own exposer_* summary has NaN quantiles
  // before its first scrape is measured, and other tests' metrics are not ours to lint.
  std::string ours;
  std::istringstream lines(body);
  for (std::string line; std::getline(lines, line);) {
    if (line.find("testscope_") != std::string::npos) ours += line + "\n";
  }
  const auto check = testing_support::promtool_check_metrics(ours);
  EXPECT_TRUE(check.passed) << check.output << "\n" << ours;
}

TEST(MetricsEndpoint, AWildcardAddressIsReachableOnLoopback) {
  std::string error;
  auto endpoint = MetricsEndpoint::start("0.0.0.0:0", {}, &error);
  ASSERT_NE(endpoint, nullptr) << error;
  EXPECT_EQ(endpoint->url(), "http://0.0.0.0:" + std::to_string(endpoint->port()) + "/metrics");
  EXPECT_EQ(http_get("http://127.0.0.1:" + std::to_string(endpoint->port()) + "/metrics").status, 200);
}

TEST(MetricsEndpoint, APortInUseNamesThePortAndTheReason) {
  LoopbackSocket taken(/*listening=*/true);
  ASSERT_GT(taken.port(), 0);
  const std::string address = "127.0.0.1:" + std::to_string(taken.port());
  std::string error;
  const auto endpoint = MetricsEndpoint::start(address, {}, &error);
  EXPECT_EQ(endpoint, nullptr);
  EXPECT_EQ(error, "cannot serve metrics on " + address + ": Address already in use");
}

TEST(MetricsEndpoint, BadAddressesFailWithoutThrowing) {
  for (const char* address : {"nonsense", "", "10.255.255.254:0", "127.0.0.1:99999"}) {
    std::string error;
    const auto endpoint = MetricsEndpoint::start(address, {}, &error);
    EXPECT_EQ(endpoint, nullptr) << address;
    EXPECT_EQ(error.rfind("cannot serve metrics on " + std::string(address) + ": ", 0), 0U) << error;
  }
}

TEST(PushToGateway, ARefusedConnectionNamesTheUrl) {
  const std::string url = "http://127.0.0.1:" + std::to_string(testing_support::free_loopback_port());
  const std::string error = push_to_gateway(url, "job", "host");
  EXPECT_EQ(error, url + ": Couldn't connect to server (curl error 7)");
}

TEST(PushToGateway, AGatewayThatNeverAnswersTimesOut) {
  LoopbackSocket silent(/*listening=*/true);  // accepts connections (backlog), never answers
  const std::string url = "http://127.0.0.1:" + std::to_string(silent.port());
  const auto start = std::chrono::steady_clock::now();
  const std::string error = push_to_gateway(url, "job", "host", {}, std::chrono::milliseconds(300));
  const auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(error, url + ": no answer within 300 ms");
  EXPECT_LT(waited, std::chrono::seconds(3));
}

}  // namespace
}  // namespace testscope
