// One push of a fixed set of metric families to a Prometheus Pushgateway (an HTTP PUT of
// prometheus-cpp's text format, with libcurl), bounded in time: what push_to_gateway()
// (testscope/pushgateway.hpp) and `testscope export --pushgateway` do.
#pragma once

#include <prometheus/metric_family.h>

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace testscope::detail {

// How a push ended.
enum class PushStatus {
  kAccepted,     // a 2xx answer
  kRejected,     // HTTP 400: the Pushgateway refused the metrics as invalid or clashing
  kUnreachable,  // no answer in time, a network error, or any other status (401, 404, 5xx...)
};

// A push's status and, unless accepted, "<url>: <reason>". Plain data.
struct PushResult {
  PushStatus status = PushStatus::kUnreachable;
  std::string message;
};

// True when `text` can be a path segment of a Pushgateway URL as written: letters, digits,
// '.', '-' and '_' only.
bool plain_path_segment(std::string_view text) noexcept;

// Pushes `families` under /metrics/job/<job>/<name>/<value>... (the grouping key: `job`,
// whose characters other than plain_path_segment()'s become '_', then `grouping` in name
// order; a value that is not a plain path segment, or is empty, goes base64url-encoded as
// the Pushgateway's `<name>@base64/<value>` form). Replaces what the group held (HTTP PUT).
// Waits at most `timeout`; after that the request is abandoned on a detached thread that
// owns everything it uses. The Pushgateway's answer is never printed: the first line of a
// refusal's body ends the message. Never throws.
PushResult push_families(std::string_view url, std::string_view job,
                         const std::vector<std::pair<std::string, std::string>>& grouping,
                         const std::vector<prometheus::MetricFamily>& families,
                         std::chrono::milliseconds timeout) noexcept;

// RFC 4648 section 5 (URL- and file-name-safe) base64 of `bytes`, with '=' padding. Our own
// few lines: neither prometheus-cpp nor libcurl offers an encoder.
std::string base64url(std::string_view bytes);

}  // namespace testscope::detail
