// OtlpHttpClient against a loopback HTTP server in this process (so it also runs under
// ASan and TSan): gzip and headers on the wire, the retry rules with a short backoff,
// partial success, an endpoint that refuses connections, one that never answers.
#include "otlp_http/otlp_http_client.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "loopback_server.hpp"
#include "otlp_http/gzip.hpp"

namespace {

using testscope::otlp_test::answer;
using testscope::otlp_test::LoopbackServer;

using namespace testscope::otlp;  // NOLINT(google-build-using-namespace): the unit under test
using std::chrono::milliseconds;

ExporterConfig config_for(const std::string& base) {
  ExporterConfig config;
  config.traces.url = base + "/v1/traces";
  config.logs.url = base + "/v1/logs";
  config.traces.headers = {{"api-key", "secret value"}};
  config.retry.initial_backoff = milliseconds(20);
  config.retry.max_backoff = milliseconds(50);
  config.user_agent = "testscope/test";
  return config;
}

constexpr const char* kBody = R"({"resourceSpans":[]})";

TEST(OtlpHttpClient, RetriesA503ThenSendsTheSameGzippedRequest) {
  LoopbackServer server(
      [](int n) { return n == 0 ? answer(503, R"({"message":"busy"})") : answer(200, "{}"); });
  OtlpHttpClient client(config_for(server.url()));
  const ExportResult result = client.send(Signal::kTraces, kBody);
  EXPECT_EQ(result.status, ExportStatus::kAccepted) << result.message;
  EXPECT_EQ(result.attempts, 2);
  EXPECT_EQ(result.http_status, 200);
  EXPECT_TRUE(result.message.empty());
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2U);
  EXPECT_EQ(requests[0].body, requests[1].body);
  EXPECT_EQ(gzip_decompress(requests[0].body), kBody);
  const std::string& head = requests[0].head;
  EXPECT_EQ(head.rfind("POST /v1/traces HTTP/1.1\r\n", 0), 0U) << head;
  EXPECT_NE(head.find("Content-Type: application/json\r\n"), std::string::npos) << head;
  EXPECT_NE(head.find("Content-Encoding: gzip\r\n"), std::string::npos) << head;
  EXPECT_NE(head.find("api-key: secret value\r\n"), std::string::npos) << head;
  EXPECT_NE(head.find("User-Agent: testscope/test\r\n"), std::string::npos) << head;
}

TEST(OtlpHttpClient, HonoursRetryAfterAndSendsPlainJsonWhenToldTo) {
  LoopbackServer server(
      [](int n) { return n == 0 ? answer(429, "", "Retry-After: 0\r\n") : answer(200, ""); });
  ExporterConfig config = config_for(server.url());
  config.logs.gzip = false;
  OtlpHttpClient client(config);
  const ExportResult result = client.send(Signal::kLogs, kBody);
  EXPECT_EQ(result.status, ExportStatus::kAccepted) << result.message;
  EXPECT_EQ(result.attempts, 2);
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2U);
  EXPECT_EQ(requests[1].body, kBody);
  EXPECT_EQ(requests[1].head.find("Content-Encoding"), std::string::npos);
  EXPECT_EQ(requests[1].head.find("api-key"), std::string::npos);  // the traces' headers only
}

TEST(OtlpHttpClient, BadRequestIsRejectedWithoutRetry) {
  LoopbackServer server([](int) { return answer(400, R"({"code":3,"message":"bad data"})"); });
  OtlpHttpClient client(config_for(server.url()));
  const ExportResult result = client.send(Signal::kTraces, kBody);
  EXPECT_EQ(result.status, ExportStatus::kRejected);
  EXPECT_EQ(result.attempts, 1);
  EXPECT_EQ(result.http_status, 400);
  EXPECT_EQ(result.message, "HTTP 400: bad data");
}

TEST(OtlpHttpClient, OtherErrorStatusesFailWithoutRetry) {
  LoopbackServer server([](int) { return answer(500, "oops\nline two"); });
  OtlpHttpClient client(config_for(server.url()));
  const ExportResult result = client.send(Signal::kTraces, kBody);
  EXPECT_EQ(result.status, ExportStatus::kFailed);
  EXPECT_EQ(result.attempts, 1);
  EXPECT_EQ(result.message, "HTTP 500: oops line two");
}

// The peak resident size of this process (each test is a process of its own), in bytes.
std::size_t peak_resident_bytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-union-access): glibc declares ru_maxrss in a union
  return static_cast<std::size_t>(usage.ru_maxrss) * 1024;
}

// An answer of 256 MiB (a misconfigured proxy, a wrong port): the first 64 KiB are kept for
// the message, the rest is read and dropped, and memory does not grow with it.
TEST(OtlpHttpClient, AHugeAnswerIsReadButOnlyItsStartKept) {
  constexpr std::size_t kHuge = std::size_t{256} << 20U;
  const std::string head =
      "HTTP/1.1 400 X\r\nContent-Type: text/plain\r\nContent-Length: " + std::to_string(kHuge) +
      "\r\nConnection: close\r\n\r\n";
  LoopbackServer server([&head](int) { return std::string(head); }, kHuge);
  OtlpHttpClient client(config_for(server.url()));
  const std::size_t before = peak_resident_bytes();
  const ExportResult result = client.send(Signal::kTraces, kBody);
  const std::size_t growth = peak_resident_bytes() - before;
  EXPECT_EQ(result.status, ExportStatus::kRejected);
  EXPECT_EQ(result.http_status, 400);
  EXPECT_EQ(result.attempts, 1);
  EXPECT_EQ(result.message, "HTTP 400: " + std::string(200, 'x') + " (an answer of " + std::to_string(kHuge) +
                                " bytes, of which the first " + std::to_string(kMaxAnswerBodyBytes) +
                                " were read)");
  EXPECT_LT(growth, std::size_t{32} << 20U)
      << "reading the answer grew the peak resident size by " << (growth >> 20U) << " MiB";
}

// A 2xx answer that large is a success (its start is no partialSuccess we can read).
TEST(OtlpHttpClient, AHugeSuccessAnswerIsASuccess) {
  constexpr std::size_t kHuge = std::size_t{8} << 20U;
  const std::string head =
      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(kHuge) +
      "\r\nConnection: close\r\n\r\n";
  LoopbackServer server([&head](int) { return std::string(head); }, kHuge);
  OtlpHttpClient client(config_for(server.url()));
  const ExportResult result = client.send(Signal::kTraces, kBody);
  EXPECT_EQ(result.status, ExportStatus::kAccepted);
  EXPECT_EQ(result.message, "");
}

TEST(OtlpHttpClient, RetryableStatusGivesUpAfterMaxAttempts) {
  LoopbackServer server([](int) { return answer(502, ""); });
  ExporterConfig config = config_for(server.url());
  config.retry.max_attempts = 3;
  OtlpHttpClient client(config);
  const ExportResult result = client.send(Signal::kTraces, kBody);
  EXPECT_EQ(result.status, ExportStatus::kFailed);
  EXPECT_EQ(result.attempts, 3);
  EXPECT_EQ(result.message, "HTTP 502; gave up after 3 attempts");
  EXPECT_EQ(server.requests().size(), 3U);
}

TEST(OtlpHttpClient, PartialSuccessCountsRejectedItems) {
  LoopbackServer server([](int n) {
    return n == 0 ? answer(200, R"({"partialSuccess":{"rejectedSpans":"2","errorMessage":"too old"}})")
                  : answer(200, R"({"partialSuccess":{"rejectedLogRecords":5}})");
  });
  OtlpHttpClient client(config_for(server.url()));
  ExportResult result = client.send(Signal::kTraces, kBody);
  EXPECT_EQ(result.status, ExportStatus::kPartiallyAccepted);
  EXPECT_EQ(result.rejected, 2);
  EXPECT_EQ(result.message, "too old");
  EXPECT_EQ(result.attempts, 1);  // never retried
  result = client.send(Signal::kLogs, kBody);
  EXPECT_EQ(result.status, ExportStatus::kPartiallyAccepted);
  EXPECT_EQ(result.rejected, 5);
}

TEST(OtlpHttpClient, RefusedConnectionsAreRetriedThenFail) {
  int port = 0;
  {
    LoopbackServer gone([](int) { return std::string(); });
    port = std::stoi(gone.url().substr(gone.url().rfind(':') + 1));
  }  // closed: connections to it are refused
  ExporterConfig config = config_for("http://127.0.0.1:" + std::to_string(port));
  config.retry.max_attempts = 4;
  OtlpHttpClient client(config);
  const ExportResult result = client.send(Signal::kTraces, kBody);
  EXPECT_EQ(result.status, ExportStatus::kFailed);
  EXPECT_EQ(result.attempts, 4);
  EXPECT_EQ(result.http_status, 0);
  EXPECT_NE(result.message.find("gave up after 4 attempts"), std::string::npos) << result.message;
}

TEST(OtlpHttpClient, AServerThatNeverAnswersEndsAtTheTimeout) {
  std::atomic<bool> release{false};
  LoopbackServer server([&](int) {
    while (!release) std::this_thread::sleep_for(milliseconds(10));
    return std::string();
  });
  ExporterConfig config = config_for(server.url());
  config.traces.timeout = milliseconds(400);
  OtlpHttpClient client(config);
  const ExportResult result = client.send(Signal::kTraces, kBody);
  release = true;
  EXPECT_EQ(result.status, ExportStatus::kFailed);
  EXPECT_LT(result.elapsed, milliseconds(2000));
  EXPECT_GE(result.elapsed, milliseconds(350));
  EXPECT_NE(result.message.find("imed out"), std::string::npos) << result.message;
}

TEST(OtlpHttpClient, OneClientPerThread) {
  LoopbackServer server([](int) { return answer(200, "{}"); });
  std::vector<std::thread> threads;
  threads.reserve(3);
  std::atomic<int> accepted{0};
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&] {
      OtlpHttpClient client(config_for(server.url()));
      for (int i = 0; i < 3; ++i) {
        if (client.send(Signal::kTraces, kBody).status == ExportStatus::kAccepted) ++accepted;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(accepted, 9);
}

}  // namespace
