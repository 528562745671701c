// testscope/metrics_endpoint.hpp: a live Prometheus /metrics endpoint for the test
// program's run (prometheus-cpp's Exposer), as --testscope_metrics_port serves it.
//
//   std::string error;
//   auto endpoint = testscope::MetricsEndpoint::start("127.0.0.1:9464", {my_registry}, &error);
//   if (!endpoint) std::fprintf(stderr, "testscope: warning: %s\n", error.c_str());
//   // ... Prometheus scrapes http://127.0.0.1:9464/metrics while the tests run ...
//
// What it serves: collect_all() (testscope/metrics.hpp: the default registry, every
// registered collectable, every LabeledCounter) with their running totals, not per-test
// changes, plus the `extra` collectables given to start(), plus prometheus-cpp's own
// exposer_* series. Part of the testscope::exporters library.
#pragma once

#include <prometheus/collectable.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace testscope {

// The address --testscope_metrics_port=[HOST:]PORT means: "9464" is "127.0.0.1:9464"
// (loopback only unless a host is given); HOST is an IPv4 address, "[IPv6]" or
// "localhost"; PORT is 0 to 65535 (0: any free port). Returns "HOST:PORT", or an empty
// string with *error set to why the text is not one. Never throws.
std::string parse_listen_address(std::string_view host_port, std::string* error) noexcept;

// An HTTP server answering GET /metrics in Prometheus text format 0.0.4 on its own
// threads until it is destroyed. Thread-safe: scrapes run concurrently with the tests
// (every collectable it reads is thread-safe). Not copyable or movable.
class MetricsEndpoint {
 public:
  // Starts serving on `address` ("127.0.0.1:9464", "[::1]:9464", "0.0.0.0:0"), the form
  // parse_listen_address() returns. `extra` collectables are held weakly. On failure (port
  // in use, address not available, IPv6 with a civetweb built without it, as Debian's is)
  // returns null and sets *error to a message naming the address and the reason. Never
  // throws. Stopping it takes milliseconds (it wakes civetweb's 2 s accept loop).
  static std::unique_ptr<MetricsEndpoint> start(const std::string& address,
                                                std::vector<std::weak_ptr<prometheus::Collectable>> extra,
                                                std::string* error) noexcept;
  // Stops serving; waits for a scrape in progress to finish.
  ~MetricsEndpoint();
  MetricsEndpoint(const MetricsEndpoint&) = delete;
  MetricsEndpoint& operator=(const MetricsEndpoint&) = delete;

  // The port it listens on (the one chosen when asked for port 0).
  int port() const noexcept;
  // Where to scrape it: "http://127.0.0.1:9464/metrics".
  const std::string& url() const noexcept;

 private:
  struct State;
  explicit MetricsEndpoint(std::unique_ptr<State> state) noexcept;
  std::unique_ptr<State> state_;
};

}  // namespace testscope
