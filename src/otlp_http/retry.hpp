// When to send an OTLP/HTTP request again, and after how long (opentelemetry-proto's
// docs/specification.md, "Retryable Response Codes", "OTLP/HTTP Throttling", "OTLP/HTTP
// Connection"): statuses 429, 502, 503 and 504 and failures to connect or to get an
// answer are retried with exponential backoff and jitter, or after the server's
// Retry-After; nothing else is.
#pragma once

#include <chrono>
#include <ctime>
#include <optional>
#include <string_view>

namespace testscope::otlp {

// How an exporter retries one request. A plain value. Every wait and attempt also ends at
// the request's deadline (the export timeout): a retry that could not start before it is
// not made.
struct RetryPolicy {
  int max_attempts = 5;                             // the first attempt included
  std::chrono::milliseconds initial_backoff{1000};  // before the first retry
  double multiplier = 1.5;                          // the backoff grows by this per retry
  std::chrono::milliseconds max_backoff{5000};      // and never past this
};

// 429, 502, 503, 504: the statuses the specification says to retry. Every other 4xx and
// 5xx must not be.
bool is_retryable_status(long status) noexcept;

// The wait before retry number `retry` (1 for the first retry): initial_backoff *
// multiplier^(retry-1), capped at max_backoff, then scaled by a jitter factor in [0.5, 1]
// given as `random01` in [0, 1) ("equal jitter": never less than half the backoff, so
// retries still spread out while a burst of clients is desynchronised).
std::chrono::milliseconds backoff_delay(const RetryPolicy& policy, int retry, double random01) noexcept;

// A Retry-After header's value (RFC 9110): delay-seconds ("120"), or an HTTP-date, which
// is turned into a delay from `now` (a date in the past is a delay of 0). nullopt when the
// value is neither. Never throws.
std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value, std::time_t now) noexcept;

}  // namespace testscope::otlp
