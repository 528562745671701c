// OtlpHttpClient: sends one OTLP/JSON request body to a collector's /v1/traces or
// /v1/logs, with the retry rules of the OTLP specification. Used by `testscope export`,
// and made to be used by an exporter inside a test program (one client on its background
// thread): no global state, a deadline on every call.
//
//   otlp::OtlpHttpClient client(otlp::exporter_config_from_environment(otlp::process_environment()).config);
//   otlp::ExportResult r = client.send(otlp::Signal::kTraces, body);   // body: TracesData JSON
//   if (r.status != otlp::ExportStatus::kAccepted) ... r.message ...
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "otlp_http/exporter_config.hpp"
#include "otlp_http/signal.hpp"

namespace testscope::otlp {

// How a request ended.
enum class ExportStatus {
  kAccepted,           // 2xx, every item taken (`message` may carry the server's warning)
  kPartiallyAccepted,  // 2xx with partialSuccess: `rejected` items were refused, not retried
  kRejected,           // 400 Bad Request or 413 Content Too Large: the server will not take
                       // this data; the specification forbids retrying
  kFailed,             // not delivered: no connection or no answer, a retryable status on
                       // the last attempt or at the deadline, or another 4xx/5xx (401, 404,
                       // 500...): the endpoint is unreachable or refuses
};

// How much of a server's answer (the response body) a client keeps: enough for any error
// message or partialSuccess; the rest is read and dropped (and counted in the message), so a
// server that answers with gigabytes costs no memory.
inline constexpr std::size_t kMaxAnswerBodyBytes = std::size_t{64} * 1024;

// "accepted" | "partially accepted" | "rejected" | "failed".
std::string_view to_string(ExportStatus status) noexcept;

// The outcome of one send(). A plain value.
struct ExportResult {
  ExportStatus status = ExportStatus::kFailed;
  long http_status = 0;                  // of the last answer; 0 when none came
  int attempts = 0;                      // requests made, retries included
  std::int64_t rejected = 0;             // partialSuccess.rejectedSpans / rejectedLogRecords
  std::string message;                   // what went wrong (the server's message, curl's error), or a
                                         // partial success's errorMessage; empty on a clean success
  std::chrono::milliseconds elapsed{0};  // the whole call, waits included
};

// An OTLP/HTTP client for one configuration. Keeps its connection alive between calls
// (the specification asks for it). Not thread-safe: use one client per thread; send()
// blocks the calling thread up to the signal's timeout and never throws.
class OtlpHttpClient {
 public:
  explicit OtlpHttpClient(ExporterConfig config);
  ~OtlpHttpClient();
  OtlpHttpClient(OtlpHttpClient&& other) noexcept;
  OtlpHttpClient& operator=(OtlpHttpClient&& other) noexcept;
  OtlpHttpClient(const OtlpHttpClient&) = delete;
  OtlpHttpClient& operator=(const OtlpHttpClient&) = delete;

  const ExporterConfig& config() const noexcept;

  // POSTs `json_body` (an ExportTraceServiceRequest or ExportLogsServiceRequest in
  // OTLP/JSON) to the signal's URL: Content-Type application/json, gzip unless configured
  // off, the configured headers. Retries on 429, 502, 503, 504 and on failures to
  // connect or to get an answer, after the server's Retry-After when it gives one, else
  // after an exponential backoff with jitter (RetryPolicy); at most max_attempts requests,
  // all within the signal's timeout. Nothing else is retried.
  ExportResult send(Signal signal, std::string_view json_body) noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace testscope::otlp
