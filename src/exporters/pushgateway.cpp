// push_to_gateway and push_families: one HTTP PUT of prometheus-cpp's text format, bounded
// in time, with libcurl.
#include "testscope/pushgateway.hpp"

#include <curl/curl.h>
#include <prometheus/text_serializer.h>

#include <algorithm>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <string_view>
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

// What the Pushgateway answered: an HTTP status (0 when no answer came, with `curl_error`
// set) and the start of its body.
struct Answer {
  long status = 0;
  CURLcode curl_error = CURLE_OK;
  std::string body;  // at most kMaxBodyBytes
};

constexpr std::size_t kMaxBodyBytes = 4096;  // enough for the Pushgateway's one-line reasons

// curl's write callback: keeps the first kMaxBodyBytes of the answer in the std::string
// `user`. Without one, curl writes the body to stdout, where `export --prom-file -` writes
// the metrics and a test program its own output.
std::size_t keep_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* body = static_cast<std::string*>(user);
  const std::size_t n = size * count;
  if (body->size() < kMaxBodyBytes) body->append(data, std::min(n, kMaxBodyBytes - body->size()));
  return n;  // the rest is read and dropped, so the request still completes
}

// One PUT of `body` to `uri` (text format 0.0.4), given up a second after `timeout`. Never
// throws.
Answer put_metrics(const std::string& uri, const std::string& body,
                   std::chrono::milliseconds timeout) noexcept {
  Answer answer;
  CURL* curl = curl_easy_init();
  if (curl == nullptr) {
    answer.curl_error = CURLE_FAILED_INIT;
    return answer;
  }
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: text/plain; version=0.0.4; charset=utf-8");
  curl_easy_setopt(curl, CURLOPT_URL, uri.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, "PUT");
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, keep_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &answer.body);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);  // called on a thread of its own
  // A second past the caller's wait, which reports the timeout: the request then ends on
  // its own instead of keeping an abandoned thread for as long as the server stays silent.
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()) + 1000L);
  answer.curl_error = curl_easy_perform(curl);
  if (answer.curl_error == CURLE_OK) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &answer.status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  return answer;
}

// The first line of a server's text, printable ASCII only (anything else becomes '?') and
// at most 300 characters: it goes to a terminal.
std::string first_line_shown(std::string_view text) {
  text = text.substr(0, text.find('\n'));
  std::string out;
  for (const char c : text.substr(0, 300)) out += c >= 0x20 && c < 0x7F ? c : '?';
  return out;
}

PushResult result_of(const Answer& answer) {
  if (answer.curl_error != CURLE_OK) {
    return {PushStatus::kUnreachable, std::string(curl_easy_strerror(answer.curl_error)) + " (curl error " +
                                          std::to_string(static_cast<int>(answer.curl_error)) + ")"};
  }
  if (answer.status >= 200 && answer.status < 300) return {PushStatus::kAccepted, {}};
  std::string message = "the Pushgateway answered HTTP status " + std::to_string(answer.status);
  if (const std::string reason = first_line_shown(answer.body); !reason.empty()) message += ": " + reason;
  return {answer.status == 400 ? PushStatus::kRejected : PushStatus::kUnreachable, message};
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
                         const std::vector<prometheus::MetricFamily>& families,
                         std::chrono::milliseconds timeout) noexcept {
  const std::string shown(url);
  try {
    std::string error;
    const auto parsed = parse_gateway_url(url, &error);
    if (!parsed) return {PushStatus::kUnreachable, shown + ": " + error};
    // The grouping key as the Pushgateway's path: /metrics/job/<job>/<name>/<value>..., in
    // name order; a path prefix of the URL comes first.
    std::map<std::string, std::string> labels;
    for (const auto& [name, value] : grouping) {
      if (plain_path_segment(value)) {
        labels[name] = value;
      } else {
        labels[name + "@base64"] = base64url(value);
      }
    }
    std::string uri = parsed->scheme + "://" + parsed->host + ":" + parsed->port + parsed->path +
                      "/metrics/job/" + path_segment(job);
    for (const auto& [name, value] : labels) {
      uri.append("/").append(name).append("/").append(value);
    }
    std::string body = prometheus::TextSerializer().Serialize(families);
    static const bool kCurlReady = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;  // before any thread
    if (!kCurlReady) return {PushStatus::kUnreachable, shown + ": libcurl could not be initialised"};
    auto state = std::make_shared<PushJob>();
    std::thread worker([state, uri = std::move(uri), body = std::move(body), timeout] {
      PushResult result;
      try {
        // PUT replaces the whole group, as the Pushgateway documentation's "push" does.
        result = result_of(put_metrics(uri, body, timeout));
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
