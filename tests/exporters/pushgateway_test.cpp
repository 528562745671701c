// A real Pushgateway (Debian's prometheus-pushgateway) receives what a GoogleTest program
// pushes at its end (--testscope_pushgateway), read back from the Pushgateway's own
// /metrics; a second push replaces the group; a path the Pushgateway does not serve gives
// the non-2xx warning and no change in the results. The server is always stopped.
#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "child_process.hpp"
#include "http_client.hpp"
#include "prometheus_text.hpp"
#include "subprocess.hpp"

namespace testscope {
namespace {

namespace fs = std::filesystem;
using testing_support::ChildProcess;
using testing_support::http_get;
using testing_support::parse_prometheus_text;
using testing_support::run_process;

std::string host_name() {
  std::array<char, 256> host{};
  gethostname(host.data(), host.size() - 1);
  return host.data();
}

TEST(Pushgateway, ARealPushgatewayHoldsWhatTheProgramPushed) {
  const std::string pushgateway = TESTSCOPE_PUSHGATEWAY_BIN;
  ASSERT_TRUE(fs::exists(pushgateway))
      << pushgateway
      << " not found: install Debian's prometheus-pushgateway package (scripts/bootstrap does)";
  const int port = testing_support::free_loopback_port();
  const std::string url = "http://127.0.0.1:" + std::to_string(port);
  ChildProcess server({pushgateway, "--web.listen-address=127.0.0.1:" + std::to_string(port),
                       "--log.level=warn",
                       // Debian's build persists to /var/lib/prometheus/pushgateway.data by default: every
                       // Pushgateway a test starts would share (and keep) what earlier ones held.
                       "--persistence.file="});
  ASSERT_TRUE(server.started()) << server.error();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (http_get(url + "/-/ready", std::chrono::seconds(1)).status != 200 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(http_get(url + "/-/ready").status, 200) << "the Pushgateway did not start:\n" << server.err();

  const auto pushed = run_process({FIXTURE_PROGRAM, "--gtest_filter=Metrics.*:Logs.*",
                                   "--testscope_console=never", "--testscope_pushgateway=" + url});
  EXPECT_EQ(pushed.exit_code, 1) << pushed.out << pushed.err;  // Metrics.FailsAfterCounting fails
  EXPECT_EQ(pushed.err, "") << "no warning";

  const std::string group_text = http_get(url + "/metrics").body;
  const auto m = parse_prometheus_text(group_text);
  EXPECT_TRUE(m.bad.empty()) << group_text;
  const std::map<std::string, std::string> group = {{"job", "fixture_program"}, {"instance", host_name()}};
  auto value = [&](const std::string& name, std::map<std::string, std::string> labels) {
    labels.insert(group.begin(), group.end());
    const auto* s = m.find(name, labels);
    EXPECT_NE(s, nullptr) << name << " with the group's labels missing in\n" << group_text;
    return s != nullptr ? s->value : -1.0;
  };
  EXPECT_GT(value("push_time_seconds", {}), 0);
  EXPECT_EQ(value("push_failure_time_seconds", {}), 0);
  EXPECT_EQ(value("testscope_tests_total", {{"suite", "Metrics"}, {"outcome", "pass"}}), 1);
  EXPECT_EQ(value("testscope_tests_total", {{"suite", "Metrics"}, {"outcome", "fail"}}), 1);
  EXPECT_EQ(value("testscope_tests_total", {{"suite", "Logs"}, {"outcome", "pass"}}), 1);
  EXPECT_EQ(value("testscope_test_duration_seconds_count", {{"suite", "Metrics"}}), 2);
  EXPECT_EQ(value("testscope_spans_recorded_total", {}), 5);
  EXPECT_EQ(value("testscope_records_dropped_total", {}), 0);
  EXPECT_EQ(value("fixture_promo_uses_total", {{"promo_code", "SUMMER20"}, {"status", "ok"}}), 4);
  EXPECT_EQ(value("fixture_promo_uses_total", {{"promo_code", "SUMMER20"}, {"status", "limit"}}), 1);
  EXPECT_EQ(value("fixture_request_duration_seconds_bucket", {{"path", "/apply"}, {"le", "1"}}), 2);
  EXPECT_EQ(value("fixture_open_connections", {}), 7);

  // A second push replaces the group (HTTP PUT): a run of Logs.* alone has no promo counter.
  const auto again = run_process({FIXTURE_PROGRAM, "--gtest_filter=Logs.*", "--testscope_console=never",
                                  "--testscope_pushgateway=" + url});
  EXPECT_EQ(again.exit_code, 0) << again.out << again.err;
  EXPECT_EQ(again.err, "");
  const std::string replaced_text = http_get(url + "/metrics").body;
  const auto replaced = parse_prometheus_text(replaced_text);
  EXPECT_EQ(replaced.find("fixture_promo_uses_total", group), nullptr) << replaced_text;
  EXPECT_EQ(replaced.find("testscope_tests_total", {{"suite", "Metrics"}, {"job", "fixture_program"}}),
            nullptr);
  ASSERT_NE(replaced.find("testscope_tests_total", {{"suite", "Logs"}, {"job", "fixture_program"}}), nullptr);
  EXPECT_EQ(replaced.find("testscope_tests_total", {{"suite", "Logs"}, {"job", "fixture_program"}})->value,
            1);

  // A path the Pushgateway does not serve: a non-2xx answer, one warning, same results.
  const std::string wrong = url + "/not/a/pushgateway";
  const auto rejected = run_process({FIXTURE_PROGRAM, "--gtest_filter=Logs.*", "--testscope_console=never",
                                     "--testscope_pushgateway=" + wrong});
  EXPECT_EQ(rejected.exit_code, 0) << rejected.out << rejected.err;
  EXPECT_NE(rejected.out.find("[  PASSED  ] 1 test."), std::string::npos) << rejected.out;
  EXPECT_EQ(rejected.err, "testscope: warning: cannot push metrics to " + wrong +
                              ": the Pushgateway answered HTTP status 404: 404 page not found; test results "
                              "are unaffected\n");
  // Its answer's body is in that message, not on the program's standard output (issue 14).
  EXPECT_EQ(rejected.out.find("404 page not found"), std::string::npos) << rejected.out;
}

}  // namespace
}  // namespace testscope
