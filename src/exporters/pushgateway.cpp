// push_to_gateway: one push through prometheus::Gateway, bounded in time.
#include "testscope/pushgateway.hpp"

#include <curl/curl.h>
#include <prometheus/gateway.h>

#include <condition_variable>
#include <mutex>
#include <thread>

#include "exporters/all_metrics.hpp"
#include "exporters/gateway_url.hpp"

namespace testscope {
namespace {

// A grouping label value as a URL path segment: safe characters only.
std::string path_segment(const std::string& text) {
  std::string out = text.empty() ? std::string("unknown") : text;
  for (char& c : out) {
    const bool safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '.' || c == '-' || c == '_';
    if (!safe) c = '_';
  }
  return out;
}

// prometheus::Gateway answers an HTTP status, or a negated CURLcode when no answer came.
std::string describe_status(int status) {
  if (status >= 200 && status < 300) return {};
  if (status < 0) {
    return std::string(curl_easy_strerror(static_cast<CURLcode>(-status))) + " (curl error " +
           std::to_string(-status) + ")";
  }
  return "the Pushgateway answered HTTP status " + std::to_string(status);
}

// The state a push shares with the thread that does it; the thread keeps it alive.
struct PushJob {
  std::mutex mutex;
  std::condition_variable done_cv;
  bool done = false;
  std::string result;
};

}  // namespace

std::string check_pushgateway_url(std::string_view url) noexcept {
  std::string error;
  return detail::parse_gateway_url(url, &error) ? std::string() : error;
}

std::string push_to_gateway(std::string_view url, const std::string& job, const std::string& instance,
                            const std::vector<std::weak_ptr<prometheus::Collectable>>& extra,
                            std::chrono::milliseconds timeout) noexcept {
  try {
    const std::string shown(url);
    std::string error;
    const auto parsed = detail::parse_gateway_url(url, &error);
    if (!parsed) return shown + ": " + error;
    // Collected here, so the pushing thread never touches the live registries.
    auto frozen = std::make_shared<detail::FrozenMetrics>(detail::AllMetrics(extra).Collect());
    // Gateway builds "<host>:<port>/metrics/job/<job>/instance/<instance>"; a path prefix
    // rides on the port.
    auto gateway = std::make_shared<prometheus::Gateway>(
        parsed->scheme + "://" + parsed->host, parsed->port + parsed->path, path_segment(job),
        prometheus::Gateway::GetInstanceLabel(path_segment(instance)));
    gateway->RegisterCollectable(frozen);
    auto state = std::make_shared<PushJob>();
    std::thread worker([state, gateway, frozen] {
      std::string result;
      try {
        // prometheus-cpp's PushAdd() sends PUT: it replaces the whole group, as the
        // Pushgateway documentation's "push" does (its Push() sends POST).
        result = describe_status(gateway->PushAdd());
      } catch (const std::exception& e) {
        result = e.what();
      } catch (...) {
        result = "unknown error";
      }
      std::lock_guard<std::mutex> lock(state->mutex);
      state->result = std::move(result);
      state->done = true;
      state->done_cv.notify_all();
    });
    bool done = false;
    {
      std::unique_lock<std::mutex> lock(state->mutex);
      done = state->done_cv.wait_for(lock, timeout, [&] { return state->done; });
    }
    if (!done) {
      worker.detach();  // it owns what it uses; the process may end before it does
      const auto ms = timeout.count();
      return shown + ": no answer within " +
             (ms % 1000 == 0 ? std::to_string(ms / 1000) + " s" : std::to_string(ms) + " ms");
    }
    worker.join();
    return state->result.empty() ? std::string() : shown + ": " + state->result;
  } catch (const std::exception& e) {
    return std::string(url) + ": " + e.what();
  } catch (...) {
    return std::string(url) + ": unknown error";
  }
}

}  // namespace testscope
