#include "otlp_http/otlp_http_client.hpp"

#include <curl/curl.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <ctime>
#include <optional>
#include <random>
#include <thread>

#include "otlp_http/gzip.hpp"
#include "otlp_http/retry.hpp"

namespace testscope::otlp {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// A list of request headers, freed with the list.
using HeaderList = std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)>;

// What one request brought back.
struct Answer {
  CURLcode code = CURLE_OK;
  std::string curl_error;  // curl's error buffer, when code != CURLE_OK
  long status = 0;
  std::string body;                  // the first kMaxAnswerBodyBytes of the body
  std::uint64_t body_discarded = 0;  // bytes of the body after those, read and dropped
  std::optional<std::string> retry_after;
};

// Failures to connect or to get an answer: the specification asks for a retry.
bool is_retryable_transport_error(CURLcode code) noexcept {
  switch (code) {
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_GOT_NOTHING:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return true;
    default:
      return false;
  }
}

// Keeps the first kMaxAnswerBodyBytes of the body, counts the rest and drops it: a server
// (or anything listening on the port) answering with gigabytes costs no memory.
std::size_t append_body(char* data, std::size_t size, std::size_t count, void* answer) noexcept {
  auto* a = static_cast<Answer*>(answer);
  const std::size_t n = size * count;
  const std::size_t kept = std::min(n, kMaxAnswerBodyBytes - std::min(a->body.size(), kMaxAnswerBodyBytes));
  try {
    a->body.append(data, kept);
  } catch (...) {
    return 0;  // curl reports a write error
  }
  a->body_discarded += n - kept;
  return n;  // the rest is read and dropped, so the request still completes
}

// Keeps the last response's Retry-After; a new status line (after a 100 Continue or a
// redirect) starts over.
std::size_t read_header(char* data, std::size_t size, std::size_t count, void* answer) noexcept {
  try {
    auto* a = static_cast<Answer*>(answer);
    const std::string_view line(data, size * count);
    if (line.rfind("HTTP/", 0) == 0) a->retry_after.reset();
    constexpr std::string_view kName = "retry-after:";
    if (line.size() > kName.size() &&
        std::equal(kName.begin(), kName.end(), line.begin(),
                   [](char x, char y) { return x == std::tolower(static_cast<unsigned char>(y)); })) {
      std::string value(line.substr(kName.size()));
      while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.pop_back();
      a->retry_after = std::move(value);
    }
    return size * count;
  } catch (...) {
    return 0;
  }
}

std::string seconds_text(milliseconds ms) {
  std::array<char, 32> text{};
  std::snprintf(text.data(), text.size(), "%.1f s", static_cast<double>(ms.count()) / 1000.0);
  return text.data();
}

// A server's text as it may reach a terminal: every control character (C0, DEL, and C1 as
// UTF-8, which some terminals obey) becomes '?', so an answer cannot move the cursor or
// recolour the terminal of whoever reads the error; other UTF-8 is kept.
std::string shown(std::string text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte == '\n' || byte == '\r' || byte == '\t') {
      out += ' ';
    } else if (byte < 0x20 || byte == 0x7F) {
      out += '?';
    } else if (byte == 0xC2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
               static_cast<unsigned char>(text[i + 1]) <= 0x9F) {
      out += '?';
      ++i;
    } else {
      out += text[i];
    }
  }
  return out;
}

// The message in a 4xx/5xx body: a google.rpc.Status in JSON ({"message": ...}), else the
// start of the text itself.
std::string error_body_message(const std::string& body) {
  try {
    const auto doc = nlohmann::json::parse(body);
    if (doc.is_object() && doc.contains("message") && doc["message"].is_string()) {
      return shown(doc["message"].get<std::string>());
    }
  } catch (const nlohmann::json::exception&) {
  }
  constexpr std::size_t kMaxShown = 200;
  return shown(body.substr(0, kMaxShown));
}

// partialSuccess of an Export*ServiceResponse: {"partialSuccess": {"rejectedSpans": "2",
// "errorMessage": "..."}} (an int64: a string in JSON, a number accepted too).
void read_partial_success(const std::string& body, Signal signal, ExportResult& result) {
  try {
    const auto doc = nlohmann::json::parse(body);
    if (!doc.is_object() || !doc.contains("partialSuccess") || !doc["partialSuccess"].is_object()) return;
    const auto& partial = doc["partialSuccess"];
    const char* key = signal == Signal::kTraces ? "rejectedSpans" : "rejectedLogRecords";
    if (partial.contains(key)) {
      const auto& value = partial[key];
      if (value.is_number_integer()) {
        result.rejected = value.get<std::int64_t>();
      } else if (value.is_string()) {
        result.rejected = std::stoll(value.get<std::string>());
      }
    }
    if (partial.contains("errorMessage") && partial["errorMessage"].is_string()) {
      result.message = shown(partial["errorMessage"].get<std::string>());
    }
  } catch (const std::exception&) {
    // A body we cannot read is a full success: the status said so.
  }
  if (result.rejected > 0) result.status = ExportStatus::kPartiallyAccepted;
}

// The request headers: Content-Type, Content-Encoding, no 100-continue, then the
// configured ones.
HeaderList request_headers(const SignalConfig& target) {
  HeaderList headers(nullptr, &curl_slist_free_all);
  auto add = [&](const std::string& line) {
    curl_slist* head = curl_slist_append(headers.get(), line.c_str());
    if (head == nullptr) throw std::bad_alloc();
    if (!headers) headers.reset(head);  // appending to a list keeps its head
  };
  add("Content-Type: application/json");
  if (target.gzip) add("Content-Encoding: gzip");
  add("Expect:");  // no 100-continue round trip
  for (const KeyValue& header : target.headers) add(header.key + ": " + header.value);
  return headers;
}

// Puts what `answer` means into `result`; true when the request is worth another attempt.
bool judge(const Answer& answer, Signal signal, ExportResult& result) {
  result.http_status = answer.status;
  if (answer.code != CURLE_OK) {
    result.message = answer.curl_error;
    return is_retryable_transport_error(answer.code);
  }
  if (answer.status >= 200 && answer.status < 300) {
    result.status = ExportStatus::kAccepted;
    result.message.clear();
    read_partial_success(answer.body, signal, result);
    return false;
  }
  result.message = "HTTP " + std::to_string(answer.status);
  const std::string detail = error_body_message(answer.body);
  if (!detail.empty()) result.message += ": " + detail;
  if (answer.body_discarded > 0) {
    result.message += " (an answer of " + std::to_string(answer.body.size() + answer.body_discarded) +
                      " bytes, of which the first " + std::to_string(answer.body.size()) + " were read)";
  }
  if (answer.status == 400 || answer.status == 413) {
    result.status = ExportStatus::kRejected;
    return false;
  }
  return is_retryable_status(answer.status);
}

}  // namespace

std::string_view to_string(ExportStatus status) noexcept {
  switch (status) {
    case ExportStatus::kAccepted:
      return "accepted";
    case ExportStatus::kPartiallyAccepted:
      return "partially accepted";
    case ExportStatus::kRejected:
      return "rejected";
    case ExportStatus::kFailed:
      return "failed";
  }
  return "failed";
}

struct OtlpHttpClient::Impl {
  explicit Impl(ExporterConfig c) : config(std::move(c)), curl(curl_easy_init(), &curl_easy_cleanup) {
    try {
      random.seed(std::random_device{}());
    } catch (...) {
      random.seed(static_cast<std::uint64_t>(Clock::now().time_since_epoch().count()));
    }
  }

  // One POST, bounded by `timeout`.
  Answer post(const SignalConfig& signal, const std::string& body, curl_slist* headers,
              milliseconds timeout) const {
    Answer answer;
    std::array<char, CURL_ERROR_SIZE> error{};
    CURL* h = curl.get();
    curl_easy_reset(h);  // keeps the live connection
    curl_easy_setopt(h, CURLOPT_URL, signal.url.c_str());
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_USERAGENT, config.user_agent.c_str());
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");  // any curl decodes
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);         // timeouts without SIGALRM: threads
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(std::max<std::int64_t>(timeout.count(), 1)));
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &append_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &answer);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, &read_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &answer);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error.data());
    answer.code = curl_easy_perform(h);
    if (answer.code == CURLE_OK) {
      curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &answer.status);
    } else {
      answer.curl_error = error[0] != '\0' ? error.data() : curl_easy_strerror(answer.code);
    }
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, nullptr);
    return answer;
  }

  ExportResult send(Signal signal, std::string_view json_body) {
    ExportResult result;
    const auto start = Clock::now();
    const SignalConfig& target = config.signal(signal);
    const auto deadline = start + target.timeout;
    if (!curl) {
      result.message = "cannot initialise libcurl";
      return result;
    }
    const std::string body = target.gzip ? gzip_compress(json_body) : std::string(json_body);
    const HeaderList headers = request_headers(target);
    for (int attempt = 1;; ++attempt) {
      const auto remaining = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
      const Answer answer = post(target, body, headers.get(), remaining);
      result.attempts = attempt;
      if (!judge(answer, signal, result)) break;
      const auto wait = next_wait(answer, attempt, deadline, target.timeout, result);
      if (!wait) break;
      std::this_thread::sleep_for(*wait);
    }
    result.elapsed = std::chrono::duration_cast<milliseconds>(Clock::now() - start);
    return result;
  }

  // The wait before attempt `attempt` + 1: the server's Retry-After, else the backoff. None
  // (and why, added to result.message) when the attempts are used up or the wait would end
  // past the deadline.
  std::optional<milliseconds> next_wait(const Answer& answer, int attempt, Clock::time_point deadline,
                                        milliseconds timeout, ExportResult& result) {
    if (attempt >= config.retry.max_attempts) {
      result.message += "; gave up after " + std::to_string(attempt) + " attempts";
      return std::nullopt;
    }
    std::optional<milliseconds> wait;
    if (answer.retry_after) wait = parse_retry_after(*answer.retry_after, std::time(nullptr));
    const bool from_server = wait.has_value();
    if (!from_server) {
      wait = backoff_delay(config.retry, attempt, std::uniform_real_distribution<double>(0, 1)(random));
    }
    if (Clock::now() + *wait < deadline) return wait;
    result.message +=
        "; gave up after " + std::to_string(attempt) + (attempt == 1 ? " attempt" : " attempts");
    result.message +=
        from_server ? ": the server's Retry-After (" + seconds_text(*wait) + ")" : ": the next retry";
    result.message += " would pass the export timeout (" + seconds_text(timeout) + ")";
    return std::nullopt;
  }

  ExporterConfig config;
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl;
  std::mt19937_64 random;
};

OtlpHttpClient::OtlpHttpClient(ExporterConfig config) : impl_(std::make_unique<Impl>(std::move(config))) {}
OtlpHttpClient::~OtlpHttpClient() = default;
OtlpHttpClient::OtlpHttpClient(OtlpHttpClient&&) noexcept = default;
OtlpHttpClient& OtlpHttpClient::operator=(OtlpHttpClient&&) noexcept = default;

const ExporterConfig& OtlpHttpClient::config() const noexcept { return impl_->config; }

ExportResult OtlpHttpClient::send(Signal signal, std::string_view json_body) noexcept {
  try {
    return impl_->send(signal, json_body);
  } catch (const std::exception& e) {
    ExportResult result;
    result.message = e.what();
    return result;
  }
}

}  // namespace testscope::otlp
