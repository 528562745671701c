// The live exporter of the harness (--testscope_otlp, docs/export.md) against a loopback
// receiver: sent, a full queue, an endpoint that is down, a bad endpoint, a trace over the
// request limit split across requests. A front using it as a process: tests/gtest/live_export_test.cpp.
#include "harness/live_exporter.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "loopback_server.hpp"
#include "otlp_http/gzip.hpp"
#include "testscope/artifacts.hpp"
#include "testscope/capture.hpp"
#include "testscope/span.hpp"

namespace {

using testscope::harness::describe_live_export;
using testscope::harness::LiveExportCounts;
using testscope::harness::LiveExporter;
using testscope::otlp_test::answer;
using testscope::otlp_test::LoopbackServer;
using Clock = std::chrono::steady_clock;

constexpr const char* kBody = R"({"resourceSpans":[]})";

// A port nothing listens on: bound, then released.
std::string unreachable_url() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  // NOLINTBEGIN(cppcoreguidelines-pro-type-reinterpret-cast): the sockets API
  (void)bind(fd, reinterpret_cast<sockaddr*>(&addr), len);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  // NOLINTEND(cppcoreguidelines-pro-type-reinterpret-cast)
  close(fd);
  return "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
}

std::unique_ptr<LiveExporter> start(const std::string& url, std::size_t capacity = 64) {
  std::vector<std::string> warnings;
  std::string error;
  auto exporter = LiveExporter::start(testscope::otlp::fixed_environment({}), url, warnings, error, capacity);
  EXPECT_NE(exporter, nullptr) << error;
  EXPECT_TRUE(warnings.empty());
  return exporter;
}

TEST(LiveExporter, SendsEachTraceGzippedToTracesPath) {
  LoopbackServer server([](int) { return answer(200, "{}"); });
  auto exporter = start(server.url());
  ASSERT_NE(exporter, nullptr);
  EXPECT_EQ(exporter->url(), server.url() + "/v1/traces");
  for (int i = 0; i < 3; ++i) exporter->submit(kBody);
  const LiveExportCounts counts = exporter->finish();
  EXPECT_EQ(counts.submitted, 3U);
  EXPECT_EQ(counts.sent, 3U);
  EXPECT_EQ(counts.not_delivered(), 0U);
  EXPECT_EQ(describe_live_export(counts, exporter->url()), "");
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 3U);
  for (const auto& request : requests) {
    EXPECT_EQ(request.head.rfind("POST /v1/traces ", 0), 0U) << request.head;
    EXPECT_NE(request.head.find("Content-Encoding: gzip"), std::string::npos);
    EXPECT_EQ(testscope::otlp::gzip_decompress(request.body), kBody);
  }
}

TEST(LiveExporter, AFullQueueDropsAndCounts) {
  LoopbackServer server([](int) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    return answer(200, "{}");
  });
  auto exporter = start(server.url(), 2);
  ASSERT_NE(exporter, nullptr);
  for (int i = 0; i < 20; ++i) exporter->submit(kBody);  // never blocks
  const LiveExportCounts counts = exporter->finish();
  EXPECT_EQ(counts.submitted, 20U);
  EXPECT_GT(counts.dropped_full, 0U);
  EXPECT_EQ(counts.sent + counts.dropped_full + counts.dropped_at_end, 20U);
  EXPECT_NE(describe_live_export(counts, exporter->url()).find("dropped on a full queue"), std::string::npos);
}

TEST(LiveExporter, AnEndpointThatIsDownCostsOneRequestThenDrops) {
  auto exporter = start(unreachable_url());
  ASSERT_NE(exporter, nullptr);
  const auto begin = Clock::now();
  for (int i = 0; i < 5; ++i) exporter->submit(kBody);
  const LiveExportCounts counts = exporter->finish();
  EXPECT_LT(Clock::now() - begin, std::chrono::seconds(20));  // generous: one 2 s request, then drops
  EXPECT_EQ(counts.sent, 0U);
  EXPECT_EQ(counts.failed, 1U);
  EXPECT_EQ(counts.dropped_down + counts.dropped_at_end, 4U);
  const std::string line = describe_live_export(counts, exporter->url());
  EXPECT_NE(line.find("5 of 5 test traces not delivered"), std::string::npos) << line;
  EXPECT_NE(line.find("1 failed"), std::string::npos) << line;
}

TEST(LiveExporter, BadEndpointIsAnError) {
  std::vector<std::string> warnings;
  std::string error;
  EXPECT_EQ(LiveExporter::start(testscope::otlp::fixed_environment({}), "ftp://x", warnings, error), nullptr);
  EXPECT_FALSE(error.empty());
}

TEST(LiveExporter, SubmitAfterFinishIsCountedNotSent) {
  LoopbackServer server([](int) { return answer(200, "{}"); });
  auto exporter = start(server.url());
  ASSERT_NE(exporter, nullptr);
  exporter->finish();
  exporter->submit(kBody);
  EXPECT_EQ(exporter->counts().dropped_at_end, 1U);
  EXPECT_TRUE(server.requests().empty());
}

// The bodies for_each_trace_body gives, in order.
std::vector<std::string> bodies_of(const testscope::TestRecord& record, const testscope::RunInfo& run,
                                   std::size_t limit) {
  std::vector<std::string> bodies;
  testscope::harness::for_each_trace_body(record, run, limit,
                                          [&bodies](std::string body) { bodies.push_back(std::move(body)); });
  return bodies;
}

// A trace larger than the request limit goes as several requests, each under the limit,
// each a whole ExportTraceServiceRequest with the resource, together holding every span once.
TEST(LiveExporter, ATraceOverTheLimitIsSplitAcrossRequests) {
  testscope::TestCapture capture;
  capture.begin(testscope::TestInfo{"Big", "Trace", "", "", __FILE__, __LINE__});
  for (int i = 0; i < 3000; ++i) {
    testscope::Span span("step");
    span.set_attribute("payload", std::string(100, static_cast<char>('a' + i % 26)));
  }
  const testscope::TestRecord record = capture.end(testscope::Outcome::kPass);
  ASSERT_EQ(record.spans.size(), 3001U);
  const testscope::RunInfo run = testscope::describe_this_run(0, nullptr);
  constexpr std::size_t kLimit = std::size_t{64} * 1024;
  const std::vector<std::string> bodies = bodies_of(record, run, kLimit);
  ASSERT_GT(bodies.size(), 4U);
  std::set<std::string> ids;
  std::size_t spans = 0;
  for (const std::string& body : bodies) {
    EXPECT_LE(body.size(), kLimit);
    const auto doc = nlohmann::json::parse(body);
    ASSERT_EQ(doc.at("resourceSpans").size(), 1U);
    EXPECT_FALSE(doc.at("resourceSpans").at(0).at("resource").at("attributes").empty());
    for (const auto& span : doc.at("resourceSpans").at(0).at("scopeSpans").at(0).at("spans")) {
      ids.insert(span.at("spanId").get<std::string>());
      ++spans;
    }
  }
  EXPECT_EQ(spans, record.spans.size()) << "every span once";
  EXPECT_EQ(ids.size(), record.spans.size());
  // Sliced by the size of a span (the trace is never formatted whole), the bodies are well
  // filled: not many more than the whole trace's size over the limit.
  const std::size_t whole = testscope::otlp_json(record, run).size();
  EXPECT_LE(bodies.size(), 2 * (whole / kLimit + 1)) << whole;
  // Under the limit: one body, the whole trace as on disk.
  const std::vector<std::string> one = bodies_of(record, run, std::size_t{64} * 1024 * 1024);
  ASSERT_EQ(one.size(), 1U);
  EXPECT_EQ(one[0], testscope::otlp_json(record, run));
}

}  // namespace
