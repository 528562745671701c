// `testscope export OUT --pushgateway URL --prom-file -` (issue 14, item 9): the metrics on
// standard output must be the Prometheus text and nothing else. prometheus-cpp's Gateway
// left libcurl's default of writing the answer's body to stdout, so a Pushgateway that
// refused the push (400, with its reason) or a wrong path (404 page) corrupted the text.
// Against Debian's real Pushgateway; the text checked by promtool.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "child_process.hpp"
#include "cli_harness.hpp"
#include "http_client.hpp"
#include "promtool.hpp"

namespace cli_test {
namespace {

using testscope::testing_support::ChildProcess;
using testscope::testing_support::http_get;

// PUTs `body` to `url` as a Pushgateway client would; the HTTP status, 0 without an answer.
long http_put(const std::string& url, const std::string& body) {
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return 0;
  auto discard = +[](char*, size_t size, size_t count, void*) -> size_t { return size * count; };
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, "PUT");
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 5000L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
  long status = 0;
  if (curl_easy_perform(curl) == CURLE_OK) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(curl);
  return status;
}

class ExportPromStdoutTest : public CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    const std::string binary = TESTSCOPE_PUSHGATEWAY_BIN;
    ASSERT_TRUE(fs::exists(binary)) << binary
                                    << " not found: scripts/bootstrap installs prometheus-pushgateway";
    const int port = testscope::testing_support::free_loopback_port();
    url_ = "http://127.0.0.1:" + std::to_string(port);
    server_ = std::make_unique<ChildProcess>(std::vector<std::string>{
        binary, "--web.listen-address=127.0.0.1:" + std::to_string(port), "--log.level=warn",
        "--persistence.file="});  // Debian's default persists to a shared file
    ASSERT_TRUE(server_->started()) << server_->error();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    while (http_get(url_ + "/-/ready", std::chrono::seconds(1)).status != 200 &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ASSERT_EQ(http_get(url_ + "/-/ready").status, 200) << "the Pushgateway did not start:\n"
                                                       << server_->err();
    const Result run =
        testscope({"run", "-n", "2", "--out", "out", "--", FIXTURE_PROGRAM, "--gtest_filter=Metrics.Counts"});
    ASSERT_EQ(run.exit_code, 0) << run.err;
    const Result alone = testscope({"export", "out", "--prom-file", "-"});
    ASSERT_EQ(alone.exit_code, 0) << alone.err;
    text_ = alone.out;
    ASSERT_NE(text_.find("testscope_run_executions"), std::string::npos) << text_;
  }

  const std::string& url() const { return url_; }
  const std::string& text() const { return text_; }  // what --prom-file - writes without a push

 private:
  std::string url_;
  std::unique_ptr<ChildProcess> server_;
  std::string text_;
};

TEST_F(ExportPromStdoutTest, ARefusedPushLeavesStandardOutputToTheMetrics) {
  // Another group already holds the fixture's promo counter as a gauge: the Pushgateway
  // refuses the counter with a 400 and a body saying why.
  ASSERT_NE(text().find("# TYPE fixture_promo_uses_total counter"), std::string::npos) << text();
  const std::string clash = "# TYPE fixture_promo_uses_total gauge\nfixture_promo_uses_total 1\n";
  ASSERT_EQ(http_put(url() + "/metrics/job/other", clash), 200);
  const Result r = testscope({"export", "out", "--pushgateway", url(), "--prom-file", "-"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(r.out, text()) << "standard output holds the metrics and nothing else";
  const auto checked = testscope::testing_support::promtool_check_metrics(r.out);
  EXPECT_TRUE(checked.passed) << checked.output << "\n" << r.out;
  // The Pushgateway's reason goes to stderr, as one line of the message.
  EXPECT_NE(r.err.find(url() + ": the Pushgateway answered HTTP status 400: pushed metrics are invalid"),
            std::string::npos)
      << r.err;
}

TEST_F(ExportPromStdoutTest, AWrongPathsPageStaysOffStandardOutput) {
  // A path prefix the Pushgateway does not serve: it answers 404 with a text page.
  const Result r = testscope({"export", "out", "--pushgateway", url() + "/not-here", "--prom-file", "-"});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_EQ(r.out, text());
  EXPECT_NE(r.err.find("the Pushgateway answered HTTP status 404: 404 page not found"), std::string::npos)
      << r.err;
}

TEST_F(ExportPromStdoutTest, AnAcceptedPushPrintsOnlyTheMetrics) {
  const Result r = testscope({"export", "out", "--pushgateway", url(), "--prom-file", "-"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, text());
  EXPECT_NE(http_get(url() + "/metrics").body.find("testscope_run_executions{"), std::string::npos);
}

}  // namespace
}  // namespace cli_test
