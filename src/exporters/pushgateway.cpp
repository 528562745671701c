// push_to_gateway and push_families: one push through prometheus::Gateway, bounded in time.
#include "testscope/pushgateway.hpp"

#include <curl/curl.h>
#include <prometheus/gateway.h>

#include <algorithm>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "exporters/all_metrics.hpp"
#include "exporters/gateway_url.hpp"
#include "exporters/push_families.hpp"

namespace testscope {
namespace detail {
namespace {

bool plain_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
         c == '_';
}

// A job name as a URL path segment: plain characters only.
std::string path_segment(std::string_view text) {
  std::string out = text.empty() ? std::string("unknown") : std::string(text);
  for (char& c : out) {
    if (!plain_char(c)) c = '_';
  }
  return out;
}

// prometheus::Gateway answers an HTTP status, or a negated CURLcode when no answer came.
PushResult result_of(int status) {
  if (status >= 200 && status < 300) return {PushStatus::kAccepted, {}};
  if (status < 0) {
    return {PushStatus::kUnreachable, std::string(curl_easy_strerror(static_cast<CURLcode>(-status))) +
                                          " (curl error " + std::to_string(-status) + ")"};
  }
  return {status == 400 ? PushStatus::kRejected : PushStatus::kUnreachable,
          "the Pushgateway answered HTTP status " + std::to_string(status)};
}

// The state a push shares with the thread that does it; the thread keeps it alive.
struct PushJob {
  std::mutex mutex;
  std::condition_variable done_cv;
  bool done = false;
  PushResult result;
};

std::string describe(std::chrono::milliseconds timeout) {
  const auto ms = timeout.count();
  return ms % 1000 == 0 ? std::to_string(ms / 1000) + " s" : std::to_string(ms) + " ms";
}

}  // namespace

bool plain_path_segment(std::string_view text) noexcept {
  return !text.empty() && std::all_of(text.begin(), text.end(), plain_char);
}

std::string base64url(std::string_view bytes) {
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    std::uint32_t chunk = static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16U;
    if (i + 1 < bytes.size()) {
      chunk |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8U;
    }
    if (i + 2 < bytes.size()) chunk |= static_cast<unsigned char>(bytes[i + 2]);
    const std::size_t chars = std::min<std::size_t>(bytes.size() - i, 3) + 1;
    for (std::size_t k = 0; k < 4; ++k) out += k < chars ? kAlphabet[(chunk >> (18U - 6U * k)) & 63U] : '=';
  }
  return out.empty() ? std::string("=") : out;
}

PushResult push_families(std::string_view url, std::string_view job,
                         const std::vector<std::pair<std::string, std::string>>& grouping,
                         std::vector<prometheus::MetricFamily> families,
                         std::chrono::milliseconds timeout) noexcept {
  const std::string shown(url);
  try {
    std::string error;
    const auto parsed = parse_gateway_url(url, &error);
    if (!parsed) return {PushStatus::kUnreachable, shown + ": " + error};
    prometheus::Labels labels;
    for (const auto& [name, value] : grouping) {
      if (plain_path_segment(value)) {
        labels[name] = value;
      } else {
        labels[name + "@base64"] = base64url(value);
      }
    }
    auto frozen = std::make_shared<FrozenMetrics>(std::move(families));
    // Gateway builds "<host>:<port>/metrics/job/<job>/<name>/<value>..."; a path prefix
    // rides on the port.
    auto gateway = std::make_shared<prometheus::Gateway>(
        parsed->scheme + "://" + parsed->host, parsed->port + parsed->path, path_segment(job), labels);
    gateway->RegisterCollectable(frozen);
    auto state = std::make_shared<PushJob>();
    std::thread worker([state, gateway, frozen] {
      PushResult result;
      try {
        // prometheus-cpp's PushAdd() sends PUT: it replaces the whole group, as the
        // Pushgateway documentation's "push" does (its Push() sends POST).
        result = result_of(gateway->PushAdd());
      } catch (const std::exception& e) {
        result = {PushStatus::kUnreachable, e.what()};
      } catch (...) {
        result = {PushStatus::kUnreachable, "unknown error"};
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
      return {PushStatus::kUnreachable, shown + ": no answer within " + describe(timeout)};
    }
    worker.join();
    PushResult result = state->result;
    if (result.status != PushStatus::kAccepted) result.message = shown + ": " + result.message;
    return result;
  } catch (const std::exception& e) {
    return {PushStatus::kUnreachable, shown + ": " + e.what()};
  } catch (...) {
    return {PushStatus::kUnreachable, shown + ": unknown error"};
  }
}

}  // namespace detail

std::string check_pushgateway_url(std::string_view url) noexcept {
  std::string error;
  return detail::parse_gateway_url(url, &error) ? std::string() : error;
}

std::string push_to_gateway(std::string_view url, const std::string& job, const std::string& instance,
                            const std::vector<std::weak_ptr<prometheus::Collectable>>& extra,
                            std::chrono::milliseconds timeout) noexcept {
  try {
    // Collected here, so the pushing thread never touches the live registries.
    return detail::push_families(url, job, {{"instance", instance.empty() ? "unknown" : instance}},
                                 detail::AllMetrics(extra).Collect(), timeout)
        .message;
  } catch (const std::exception& e) {
    return std::string(url) + ": " + e.what();
  } catch (...) {
    return std::string(url) + ": unknown error";
  }
}

}  // namespace testscope
