// testscope/pushgateway.hpp: pushing metrics to a Prometheus Pushgateway (prometheus-cpp's
// text format in an HTTP PUT), as --testscope_pushgateway does at the end of a test program.
//
//   std::string error = testscope::push_to_gateway("http://pushgateway:9091", "my_tests", "ci-runner-7");
//   if (!error.empty()) std::fprintf(stderr, "testscope: warning: cannot push metrics to %s\n",
//   error.c_str());
//
// What it pushes: the current values (running totals, not per-test changes) of
// collect_all() (testscope/metrics.hpp) and of the `extra` collectables, under the
// grouping key job=<job>, instance=<instance>, replacing what that group held (HTTP PUT).
// Part of the testscope::exporters library.
#pragma once

#include <prometheus/collectable.h>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace testscope {

// Why `url` is not a Pushgateway URL push_to_gateway() accepts, or an empty string if it
// is one: `http://` or `https://` (none means http), a host name, IPv4 or [IPv6] address,
// an optional port (default 80 or 443) and an optional path prefix (a Pushgateway behind
// a reverse proxy); no user:password@, query or fragment. Never throws.
std::string check_pushgateway_url(std::string_view url) noexcept;

// Pushes once and waits at most `timeout` for the answer. `job` and `instance` become the
// grouping labels: in `job`, characters other than letters, digits, '.', '-' and '_' become
// '_'; `instance` is kept as given (sent base64-encoded when it has other characters), and
// an empty one becomes "unknown".
// Returns an empty string on success (a 2xx answer), else "<url>: <reason>": a bad URL,
// the network error (connection refused, host not found, timeout), or the HTTP status
// the Pushgateway answered with the first line of its reason. Nothing is printed (the
// answer's body never reaches stdout). Thread-safe; never throws. After a timeout the request is
// abandoned on a detached thread that owns everything it uses.
std::string push_to_gateway(std::string_view url, const std::string& job, const std::string& instance,
                            const std::vector<std::weak_ptr<prometheus::Collectable>>& extra = {},
                            std::chrono::milliseconds timeout = std::chrono::seconds(10)) noexcept;

}  // namespace testscope
