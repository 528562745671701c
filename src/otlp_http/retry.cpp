#include "otlp_http/retry.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cmath>
#include <string>

namespace testscope::otlp {

bool is_retryable_status(long status) noexcept {
  return status == 429 || status == 502 || status == 503 || status == 504;
}

std::chrono::milliseconds backoff_delay(const RetryPolicy& policy, int retry, double random01) noexcept {
  const double base = static_cast<double>(policy.initial_backoff.count()) *
                      std::pow(policy.multiplier, static_cast<double>(std::max(retry, 1) - 1));
  const double capped = std::min(base, static_cast<double>(policy.max_backoff.count()));
  const double jitter = 0.5 + 0.5 * std::clamp(random01, 0.0, 1.0);
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(capped * jitter)));
}

std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value, std::time_t now) noexcept {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t' || value.back() == '\r')) {
    value.remove_suffix(1);
  }
  if (value.empty()) return std::nullopt;
  if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    constexpr std::int64_t kMaxSeconds = 365LL * 24 * 3600;  // clamp absurd values, no overflow
    std::int64_t seconds = 0;
    for (char c : value) {
      seconds = std::min(kMaxSeconds, seconds * 10 + (c - '0'));
    }
    return std::chrono::seconds(seconds);
  }
  try {
    const std::string text(value);
    const std::time_t when = curl_getdate(text.c_str(), nullptr);  // RFC 1123 and its older forms
    if (when < 0) return std::nullopt;
    return std::chrono::seconds(std::max<std::time_t>(0, when - now));
  } catch (...) {
    return std::nullopt;
  }
}

}  // namespace testscope::otlp
