// MetricsEndpoint: prometheus-cpp's Exposer (civetweb) serving AllMetrics on /metrics.
#include "testscope/metrics_endpoint.hpp"

#include <arpa/inet.h>
#include <civetweb.h>
#include <netinet/in.h>
#include <prometheus/exposer.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "exporters/all_metrics.hpp"
#include "exporters/socket_probe.hpp"

namespace testscope {
namespace {

bool is_ipv4(const std::string& host) {
  in_addr address{};
  return inet_pton(AF_INET, host.c_str(), &address) == 1;
}

bool is_ipv6(const std::string& host) {
  in6_addr address{};
  return inet_pton(AF_INET6, host.c_str(), &address) == 1;
}

}  // namespace

std::string parse_listen_address(std::string_view host_port, std::string* error) noexcept {
  try {
    auto fail = [&](const std::string& why) {
      if (error != nullptr) *error = why;
      return std::string();
    };
    const std::string given(host_port);
    std::string host = "127.0.0.1";
    std::string port = given;
    if (!given.empty() && given.front() == '[') {
      const std::size_t close = given.find(']');
      if (close == std::string::npos || close + 1 >= given.size() || given[close + 1] != ':' ||
          !is_ipv6(given.substr(1, close - 1))) {
        return fail("expected [IPv6]:PORT, got '" + given + "'");
      }
      host = given.substr(0, close + 1);
      port = given.substr(close + 2);
    } else if (const std::size_t colon = given.rfind(':'); colon != std::string::npos) {
      host = given.substr(0, colon);
      port = given.substr(colon + 1);
      if (host == "localhost") host = "127.0.0.1";
      if (!is_ipv4(host)) {
        return fail("expected [HOST:]PORT with HOST an IPv4 address, [IPv6] or localhost, got '" + given +
                    "'");
      }
    }
    const bool digits =
        !port.empty() && port.size() <= 5 && port.find_first_not_of("0123456789") == std::string::npos;
    if (!digits || std::stoi(port) > 65535) {
      return fail("expected [HOST:]PORT with PORT from 0 to 65535, got '" + given + "'");
    }
    return host + ":" + std::to_string(std::stoi(port));
  } catch (...) {
    if (error != nullptr) *error = "out of memory";
    return {};
  }
}

struct MetricsEndpoint::State {
  std::shared_ptr<detail::AllMetrics> metrics;
  std::unique_ptr<prometheus::Exposer> exposer;
  std::string address;  // "HOST:PORT" with the port in use
  int port = 0;
  std::string url;
};

MetricsEndpoint::MetricsEndpoint(std::unique_ptr<State> state) noexcept : state_(std::move(state)) {}

MetricsEndpoint::~MetricsEndpoint() {
  try {
    // Stopping civetweb waits for its listening thread, which looks at the stop flag only
    // when a connection arrives or every 2 s. Connecting until it has stopped makes the
    // end of a test program take milliseconds instead of up to 2 s.
    std::atomic<bool> stopped{false};
    std::thread waker([&] {
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
      while (!stopped.load() && std::chrono::steady_clock::now() < deadline) {
        detail::poke(state_->address);
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    });
    state_->exposer.reset();  // joins civetweb's threads
    stopped = true;
    waker.join();
  } catch (...) {  // NOLINT(bugprone-empty-catch): nothing left to report to at exit
  }
}

std::unique_ptr<MetricsEndpoint> MetricsEndpoint::start(
    const std::string& address, std::vector<std::weak_ptr<prometheus::Collectable>> extra,
    std::string* error) noexcept {
  auto report = [&](const std::string& why) {
    if (error != nullptr) *error = "cannot serve metrics on " + address + ": " + why;
  };
  try {
    constexpr unsigned kCivetwebIpv6 = 8;  // mg_check_feature's bit for IPv6
    if (!address.empty() && address.front() == '[' && mg_check_feature(kCivetwebIpv6) == 0) {
      report("the civetweb library under prometheus-cpp is built without IPv6 (use an IPv4 address)");
      return nullptr;
    }
    auto state = std::make_unique<State>();
    state->metrics = std::make_shared<detail::AllMetrics>(std::move(extra));
    try {
      state->exposer = std::make_unique<prometheus::Exposer>(address, 2);
    } catch (const std::exception& e) {
      // civetweb only says that it failed; binding there ourselves gives the reason.
      const std::string why = detail::listen_error(address);
      report(why.empty() ? std::string(e.what()) : why);
      return nullptr;
    }
    const std::vector<int> ports = state->exposer->GetListeningPorts();
    if (ports.empty()) {
      report("no port to listen on");
      return nullptr;
    }
    state->port = ports.front();
    state->exposer->RegisterCollectable(state->metrics);
    const std::string host = address.substr(0, address.rfind(':'));
    state->address = host + ":" + std::to_string(state->port);
    state->url = "http://" + state->address + "/metrics";
    return std::unique_ptr<MetricsEndpoint>(new MetricsEndpoint(std::move(state)));
  } catch (const std::exception& e) {
    report(e.what());
  } catch (...) {
    report("unknown error");
  }
  return nullptr;
}

int MetricsEndpoint::port() const noexcept { return state_->port; }

const std::string& MetricsEndpoint::url() const noexcept { return state_->url; }

}  // namespace testscope
