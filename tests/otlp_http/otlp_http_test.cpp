// testscope::otlp_http without a network: the OTEL_* configuration, key=value lists,
// resource attributes from the environment, Retry-After and backoff, gzip, batching.
// (The client on the wire: export_test.py.)
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "otel_env/key_value_list.hpp"
#include "otel_env/resource_environment.hpp"
#include "otlp_http/batch_builder.hpp"
#include "otlp_http/exporter_config.hpp"
#include "otlp_http/gzip.hpp"
#include "otlp_http/otlp_http_client.hpp"
#include "otlp_http/retry.hpp"

namespace {

using namespace testscope::otlp;  // NOLINT(google-build-using-namespace): the unit under test
using std::chrono::milliseconds;

TEST(KeyValueList, ParsesTrimsAndPercentDecodes) {
  std::vector<std::string> skipped;
  const auto list =
      parse_key_value_list(" api-key = s3cr%3Dt%20value ,x=1,,noequals,=novalue,x=2,e=", &skipped);
  const std::vector<KeyValue> expected = {{"api-key", "s3cr=t value"}, {"x", "2"}, {"e", ""}};
  EXPECT_EQ(list, expected);
  EXPECT_EQ(skipped, (std::vector<std::string>{"noequals", "=novalue"}));
}

TEST(KeyValueList, PercentDecodeKeepsBrokenEscapes) {
  EXPECT_EQ(percent_decode("a%2Cb%2cc"), "a,b,c");
  EXPECT_EQ(percent_decode("100%"), "100%");
  EXPECT_EQ(percent_decode("%zz%4"), "%zz%4");
  EXPECT_EQ(percent_decode("%E2%9C%93"), "\xE2\x9C\x93");
}

TEST(ExporterConfig, DefaultsToLocalhost4318WithGzip) {
  const auto result = exporter_config_from_environment(fixed_environment({}));
  EXPECT_TRUE(result.error.empty());
  EXPECT_TRUE(result.warnings.empty());
  EXPECT_EQ(result.config.traces.url, "http://localhost:4318/v1/traces");
  EXPECT_EQ(result.config.logs.url, "http://localhost:4318/v1/logs");
  EXPECT_TRUE(result.config.traces.gzip);
  EXPECT_EQ(result.config.traces.timeout, milliseconds(10000));
  EXPECT_EQ(result.config.max_body_bytes, 4U * 1024U * 1024U);
}

TEST(ExporterConfig, BaseEndpointGetsSignalPathsSignalEndpointIsUsedAsIs) {
  const auto result = exporter_config_from_environment(
      fixed_environment({{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/mycollector/"},
                         {"OTEL_EXPORTER_OTLP_LOGS_ENDPOINT", "https://logs.example.com"}}));
  EXPECT_EQ(result.config.traces.url, "http://collector:4318/mycollector/v1/traces");
  EXPECT_EQ(result.config.logs.url, "https://logs.example.com");
}

TEST(ExporterConfig, CommandLineEndpointWinsOverEveryVariable) {
  const auto result = exporter_config_from_environment(
      fixed_environment({{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://a:1"},
                         {"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://b:2/t"}}),
      std::string("http://c:3"));
  EXPECT_EQ(result.config.traces.url, "http://c:3/v1/traces");
  EXPECT_EQ(result.config.logs.url, "http://c:3/v1/logs");
  // An empty URL (a bare --otlp) means: from the environment.
  EXPECT_EQ(exporter_config_from_environment(
                fixed_environment({{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://a:1"}}), std::string())
                .config.logs.url,
            "http://a:1/v1/logs");
}

TEST(ExporterConfig, SignalVariablesReplaceTheGeneralOnes) {
  const auto result = exporter_config_from_environment(fixed_environment({
      {"OTEL_EXPORTER_OTLP_HEADERS", "a=1,b=2"},
      {"OTEL_EXPORTER_OTLP_LOGS_HEADERS", "c=3"},
      {"OTEL_EXPORTER_OTLP_COMPRESSION", "none"},
      {"OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "GZIP"},
      {"OTEL_EXPORTER_OTLP_TIMEOUT", "2500"},
      {"OTEL_EXPORTER_OTLP_LOGS_TIMEOUT", "700"},
  }));
  EXPECT_TRUE(result.warnings.empty());
  EXPECT_EQ(result.config.traces.headers, (std::vector<KeyValue>{{"a", "1"}, {"b", "2"}}));
  EXPECT_EQ(result.config.logs.headers, (std::vector<KeyValue>{{"c", "3"}}));
  EXPECT_TRUE(result.config.traces.gzip);
  EXPECT_FALSE(result.config.logs.gzip);
  EXPECT_EQ(result.config.traces.timeout, milliseconds(2500));
  EXPECT_EQ(result.config.logs.timeout, milliseconds(700));
}

TEST(ExporterConfig, BadValuesWarnAndFallBack) {
  const auto result = exporter_config_from_environment(fixed_environment({
      {"OTEL_EXPORTER_OTLP_HEADERS", "good=1,bad header=2,x=a%0D%0Ab,Content-Type=text/plain,oops"},
      {"OTEL_EXPORTER_OTLP_COMPRESSION", "zstd"},
      {"OTEL_EXPORTER_OTLP_TIMEOUT", "10s"},
      {"OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"},
  }));
  EXPECT_TRUE(result.error.empty());
  EXPECT_EQ(result.config.traces.headers, (std::vector<KeyValue>{{"good", "1"}}));
  EXPECT_TRUE(result.config.traces.gzip);
  EXPECT_EQ(result.config.traces.timeout, milliseconds(10000));
  std::string all;
  for (const auto& w : result.warnings) all += w + "\n";
  EXPECT_NE(all.find("'bad header' is not a valid HTTP header"), std::string::npos) << all;
  EXPECT_NE(all.find("'x' is not a valid HTTP header"), std::string::npos) << all;  // CR LF in the value
  EXPECT_NE(all.find("Content-Type is set by testscope itself"), std::string::npos) << all;
  EXPECT_NE(all.find("'oops' is not key=value"), std::string::npos) << all;
  EXPECT_NE(all.find("OTEL_EXPORTER_OTLP_COMPRESSION=zstd"), std::string::npos) << all;
  EXPECT_NE(all.find("OTEL_EXPORTER_OTLP_TIMEOUT=10s"), std::string::npos) << all;
  EXPECT_NE(all.find("OTEL_EXPORTER_OTLP_PROTOCOL=grpc: testscope sends http/json only"), std::string::npos)
      << all;
  // Each problem once, though it applies to both signals.
  EXPECT_EQ(all.find("OTEL_EXPORTER_OTLP_COMPRESSION=zstd"),
            all.rfind("OTEL_EXPORTER_OTLP_COMPRESSION=zstd"));
}

TEST(ExporterConfig, UnusableEndpointIsAnError) {
  EXPECT_NE(exporter_config_from_environment(fixed_environment({}), std::string("ftp://x")).error, "");
  const auto result = exporter_config_from_environment(
      fixed_environment({{"OTEL_EXPORTER_OTLP_ENDPOINT", "localhost:4318"}}));
  EXPECT_EQ(result.error,
            "OTEL_EXPORTER_OTLP_ENDPOINT: 'localhost:4318/v1/traces' is not an http:// or https:// URL");
  EXPECT_EQ(check_endpoint_url("http://"), "has no host");
  EXPECT_EQ(check_endpoint_url("https://:4318/"), "has no host");
  EXPECT_EQ(check_endpoint_url("HTTP://[::1]:4318"), "");
  EXPECT_EQ(check_endpoint_url("http://h/a b"), "holds white space or control characters");
  // What libcurl refuses is refused here, before anything is sent (issue 14).
  EXPECT_EQ(check_endpoint_url("http://[::1").rfind("is not a valid URL (", 0), 0U);
  EXPECT_EQ(check_endpoint_url("http://h:99999/").rfind("is not a valid URL (", 0), 0U);
}

TEST(ExporterConfig, SignalUrlJoinsWithOneSlash) {
  EXPECT_EQ(signal_url("http://h:4318", Signal::kTraces), "http://h:4318/v1/traces");
  EXPECT_EQ(signal_url("http://h:4318/", Signal::kLogs), "http://h:4318/v1/logs");
  EXPECT_EQ(signal_url("http://h/p", Signal::kTraces), "http://h/p/v1/traces");
}

TEST(ResourceEnvironment, GithubThenAttributesThenServiceName) {
  std::vector<std::string> warnings;
  const auto attributes = resource_attributes_from_environment(
      fixed_environment(
          {{"GITHUB_ACTIONS", "true"},
           {"GITHUB_WORKFLOW", "CI"},
           {"GITHUB_RUN_ID", "99"},
           {"GITHUB_SERVER_URL", "https://github.example/"},
           {"GITHUB_REPOSITORY", "acme/shop"},
           {"OTEL_RESOURCE_ATTRIBUTES", "service.name=a,cicd.pipeline.name=Nightly,k=v%2Cw,bad"},
           {"OTEL_SERVICE_NAME", "checkout"}}),
      &warnings);
  const std::vector<KeyValue> expected = {
      {"cicd.pipeline.name", "Nightly"},
      {"cicd.pipeline.run.id", "99"},
      {"cicd.pipeline.run.url.full", "https://github.example/acme/shop/actions/runs/99"},
      {"service.name", "checkout"},
      {"k", "v,w"},
  };
  EXPECT_EQ(attributes, expected);
  EXPECT_EQ(warnings,
            (std::vector<std::string>{"OTEL_RESOURCE_ATTRIBUTES: 'bad' is not key=value; ignored"}));
}

TEST(ResourceEnvironment, NoGithubAttributesOutsideGithubActions) {
  EXPECT_TRUE(resource_attributes_from_environment(
                  fixed_environment({{"GITHUB_WORKFLOW", "CI"}, {"GITHUB_RUN_ID", "1"}}))
                  .empty());
}

TEST(Retry, OnlyTheSpecificationsStatuses) {
  for (long status : {429L, 502L, 503L, 504L}) EXPECT_TRUE(is_retryable_status(status)) << status;
  for (long status : {200L, 400L, 401L, 403L, 404L, 408L, 413L, 500L, 501L}) {
    EXPECT_FALSE(is_retryable_status(status)) << status;
  }
}

TEST(Retry, BackoffGrowsIsCappedAndJittered) {
  const RetryPolicy policy;  // 1 s, x1.5, at most 5 s
  EXPECT_EQ(backoff_delay(policy, 1, 0.999999), milliseconds(1000));
  EXPECT_EQ(backoff_delay(policy, 1, 0.0), milliseconds(500));
  EXPECT_EQ(backoff_delay(policy, 2, 0.999999), milliseconds(1500));
  EXPECT_EQ(backoff_delay(policy, 3, 0.999999), milliseconds(2250));
  EXPECT_EQ(backoff_delay(policy, 10, 0.999999), milliseconds(5000));
  EXPECT_EQ(backoff_delay(policy, 10, 0.0), milliseconds(2500));
}

TEST(Retry, RetryAfterSecondsOrHttpDate) {
  const std::time_t now = 1445412480;  // Wed, 21 Oct 2015 07:28:00 GMT
  EXPECT_EQ(parse_retry_after("120", now), milliseconds(120000));
  EXPECT_EQ(parse_retry_after(" 0\r", now), milliseconds(0));
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now), milliseconds(30000));
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now), milliseconds(0));  // past: now
  EXPECT_EQ(parse_retry_after("99999999999999999999999", now), std::chrono::seconds(365LL * 24 * 3600));
  EXPECT_EQ(parse_retry_after("", now), std::nullopt);
  EXPECT_EQ(parse_retry_after("-5", now), std::nullopt);
  EXPECT_EQ(parse_retry_after("soon", now), std::nullopt);
}

TEST(Gzip, RoundTripsAndRejectsGarbage) {
  std::string data;
  for (int i = 0; i < 10000; ++i) data += R"({"spanId":")" + std::to_string(i) + R"("},)";
  const std::string packed = gzip_compress(data);
  ASSERT_GE(packed.size(), 2U);
  EXPECT_EQ(static_cast<unsigned char>(packed[0]), 0x1FU);  // gzip magic
  EXPECT_EQ(static_cast<unsigned char>(packed[1]), 0x8BU);
  EXPECT_LT(packed.size(), data.size() / 4);
  EXPECT_EQ(gzip_decompress(packed), data);
  EXPECT_EQ(gzip_decompress(gzip_compress("")), "");
  EXPECT_THROW(gzip_decompress("not gzip at all"), std::runtime_error);
  EXPECT_THROW(gzip_decompress(packed.substr(0, packed.size() / 2)), std::runtime_error);
}

std::vector<std::string> spans(int n, std::size_t padding) {
  std::vector<std::string> out;
  out.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    out.push_back(R"({"name":"s)" + std::to_string(i) + R"(","pad":")" + std::string(padding, 'x') + R"("})");
  }
  return out;
}

constexpr const char* kR1 = R"({"n":"r1"})";
constexpr const char* kR = R"({"n":"r"})";
constexpr const char* kScope = R"({"name":"testscope"})";

// Names of the spans in a body, checking its shape and that every resource is R and scope S.
std::vector<std::string> span_names(const std::string& body, const std::string& resource_name) {
  const auto doc = nlohmann::json::parse(body);
  std::vector<std::string> names;
  for (const auto& rs : doc.at("resourceSpans")) {
    EXPECT_EQ(rs.at("resource").at("n"), resource_name);
    for (const auto& ss : rs.at("scopeSpans")) {
      EXPECT_EQ(ss.at("scope").at("name"), "testscope");
      EXPECT_FALSE(ss.at("spans").empty()) << "an empty envelope";
      for (const auto& span : ss.at("spans")) names.push_back(span.at("name"));
    }
  }
  return names;
}

TEST(BatchBuilder, OneBodyWhenEverythingFits) {
  BatchBuilder builder(Signal::kLogs, 1000);
  EXPECT_TRUE(builder.add("{}", "{}", {R"({"a":1})", R"({"a":2})"}).empty());
  EXPECT_TRUE(builder.add(R"({"x":1})", "{}", {R"({"a":3})"}).empty());
  EXPECT_TRUE(builder.add("{}", "{}", {}).empty());
  const auto batch = builder.finish();
  ASSERT_TRUE(batch.has_value());
  EXPECT_EQ(batch->items, 3U);
  EXPECT_FALSE(batch->oversized);
  EXPECT_EQ(batch->body,
            R"({"resourceLogs":[{"resource":{},"scopeLogs":[{"scope":{},"logRecords":[{"a":1},{"a":2}]}]},)"
            R"({"resource":{"x":1},"scopeLogs":[{"scope":{},"logRecords":[{"a":3}]}]}]})");
  EXPECT_FALSE(builder.finish().has_value());
}

TEST(BatchBuilder, SplitsUnderTheLimitRepeatingResourceAndScope) {
  constexpr std::size_t kLimit = 10000;
  BatchBuilder builder(Signal::kTraces, kLimit);
  std::vector<Batch> batches = builder.add(kR1, kScope, spans(100, 300));
  for (Batch& b : builder.add(kR1, kScope, spans(7, 2000))) {
    batches.push_back(std::move(b));
  }
  if (auto last = builder.finish()) batches.push_back(std::move(*last));
  ASSERT_GT(batches.size(), 3U);
  std::vector<std::string> names;
  std::size_t items = 0;
  for (const Batch& batch : batches) {
    EXPECT_LE(batch.body.size(), kLimit);
    EXPECT_FALSE(batch.oversized);
    const auto in_body = span_names(batch.body, "r1");
    EXPECT_EQ(in_body.size(), batch.items);
    names.insert(names.end(), in_body.begin(), in_body.end());
    items += batch.items;
  }
  EXPECT_EQ(items, 107U);
  EXPECT_EQ(names.front(), "s0");
  EXPECT_EQ(names[99], "s99");  // in order, none lost or repeated
  EXPECT_EQ(names.back(), "s6");
  // Full: each body but the last could not take the next span.
  for (std::size_t i = 0; i + 1 < batches.size(); ++i) EXPECT_GT(batches[i].body.size(), kLimit - 2200);
}

TEST(BatchBuilder, AnItemLargerThanTheLimitGoesAlone) {
  BatchBuilder builder(Signal::kTraces, 1000);
  auto batches = builder.add(kR, kScope, spans(1, 100));
  EXPECT_TRUE(batches.empty());
  batches = builder.add(kR, kScope, spans(1, 5000));
  ASSERT_EQ(batches.size(), 1U);  // the small one, closed to make room
  EXPECT_FALSE(batches[0].oversized);
  const auto big = builder.finish();
  ASSERT_TRUE(big.has_value());
  EXPECT_TRUE(big->oversized);
  EXPECT_EQ(big->items, 1U);
  EXPECT_EQ(span_names(big->body, "r").size(), 1U);
}

TEST(OtlpHttpClient, UnusableUrlFailsWithoutThrowing) {
  ExporterConfig config;
  config.traces.url = "http://[not-an-address/v1/traces";
  config.traces.timeout = milliseconds(500);
  OtlpHttpClient client(config);
  const ExportResult result = client.send(Signal::kTraces, "{}");
  EXPECT_EQ(result.status, ExportStatus::kFailed);
  EXPECT_EQ(result.attempts, 1);  // a malformed URL is not retried
  EXPECT_FALSE(result.message.empty());
  EXPECT_EQ(to_string(result.status), "failed");
}

}  // namespace
