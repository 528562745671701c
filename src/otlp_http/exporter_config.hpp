// Where and how an OTLP/HTTP exporter sends, from the OpenTelemetry exporter variables
// (opentelemetry-specification, protocol/exporter.md):
//
//   OTEL_EXPORTER_OTLP_ENDPOINT          base URL; v1/traces and v1/logs are appended
//   OTEL_EXPORTER_OTLP_TRACES_ENDPOINT   the traces URL, used as it is (…_LOGS_ENDPOINT too)
//   OTEL_EXPORTER_OTLP_HEADERS           k=v,k2=v2 request headers, values percent-decoded
//   OTEL_EXPORTER_OTLP_COMPRESSION       gzip (our default) | none
//   OTEL_EXPORTER_OTLP_TIMEOUT           milliseconds for one batch, retries included (10000)
//
// each with a signal-specific form (OTEL_EXPORTER_OTLP_TRACES_HEADERS, ..._LOGS_TIMEOUT)
// that replaces the general one for that signal. The default endpoint is
// http://localhost:4318. OTEL_EXPORTER_OTLP_PROTOCOL is not followed: testscope only
// speaks http/json, and says so when asked for another protocol.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "otel_env/environment.hpp"
#include "otel_env/key_value_list.hpp"
#include "otlp_http/batch_builder.hpp"
#include "otlp_http/retry.hpp"
#include "otlp_http/signal.hpp"

namespace testscope::otlp {

inline constexpr std::string_view kDefaultEndpoint = "http://localhost:4318";

// How one signal is sent. A plain value.
struct SignalConfig {
  std::string url;                           // the full URL requests go to
  std::vector<KeyValue> headers;             // extra request headers
  bool gzip = true;                          // Content-Encoding: gzip
  std::chrono::milliseconds timeout{10000};  // per batch, retries and waits included
};

// Everything an OtlpHttpClient needs. A plain value.
struct ExporterConfig {
  SignalConfig traces;
  SignalConfig logs;
  RetryPolicy retry;
  std::size_t max_body_bytes = BatchBuilder::kDefaultMaxBodyBytes;
  std::string user_agent = "testscope";  // the User-Agent header, e.g. "testscope/0.1.0"

  const SignalConfig& signal(Signal s) const noexcept { return s == Signal::kTraces ? traces : logs; }
};

// A configuration read from the environment, with what was wrong in it.
struct ExporterConfigResult {
  ExporterConfig config;
  std::vector<std::string> warnings;  // bad values that fell back to the default
  std::string error;                  // non-empty: an endpoint URL is not usable
};

// Reads the variables above from `env`. `endpoint`, when given and not empty (the
// command line's URL), is a base URL like OTEL_EXPORTER_OTLP_ENDPOINT and wins over
// every endpoint variable, the signal-specific ones included. Never throws except
// std::bad_alloc.
ExporterConfigResult exporter_config_from_environment(
    const Environment& env, const std::optional<std::string>& endpoint = std::nullopt);

// `base` + "v1/<signal>", with exactly one '/' between them (the specification's rule for
// OTEL_EXPORTER_OTLP_ENDPOINT): "http://h:4318" and "http://h:4318/" both give
// "http://h:4318/v1/traces"; "http://h/p" gives "http://h/p/v1/traces".
std::string signal_url(std::string_view base, Signal signal);

// Empty when `url` can be used as an endpoint (http:// or https://, then a host);
// otherwise the reason, without the URL.
std::string check_endpoint_url(std::string_view url);

}  // namespace testscope::otlp
