#include "otlp_http/exporter_config.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <charconv>

namespace testscope::otlp {
namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::string upper(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::toupper(c); });
  return out;
}

// An option's value for `signal`: OTEL_EXPORTER_OTLP_<SIGNAL>_<option>, else
// OTEL_EXPORTER_OTLP_<option>. Sets *name to the variable it came from.
std::optional<std::string> lookup(const Environment& env, Signal signal, std::string_view option,
                                  std::string* name) {
  *name = "OTEL_EXPORTER_OTLP_" + upper(signal_name(signal)) + "_" + std::string(option);
  if (auto value = env(*name)) return value;
  *name = "OTEL_EXPORTER_OTLP_" + std::string(option);
  return env(*name);
}

// RFC 9110 token characters: what a header name may hold.
bool is_token(std::string_view text) {
  static constexpr std::string_view kSpecials = "!#$%&'*+-.^_`|~";
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || kSpecials.find(c) != std::string_view::npos;
  });
}

std::vector<KeyValue> read_headers(const std::string& variable, const std::string& text,
                                   std::vector<std::string>& warnings) {
  std::vector<std::string> skipped;
  std::vector<KeyValue> headers;
  for (KeyValue& header : parse_key_value_list(text, &skipped)) {
    const std::string name = lower(header.key);
    if (!is_token(header.key) ||
        header.value.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) {
      warnings.push_back(variable + ": header '" + header.key + "' is not a valid HTTP header; ignored");
    } else if (name == "content-type" || name == "content-encoding" || name == "content-length") {
      warnings.push_back(variable + ": " + header.key + " is set by testscope itself; ignored");
    } else {
      headers.push_back(std::move(header));
    }
  }
  for (const std::string& entry : skipped) {
    std::string message = variable;
    message.append(": '").append(entry).append("' is not key=value; ignored");
    warnings.push_back(std::move(message));
  }
  return headers;
}

SignalConfig read_signal(const Environment& env, Signal signal, const std::optional<std::string>& endpoint,
                         ExporterConfigResult& result) {
  SignalConfig config;
  std::string name;
  if (endpoint) {
    config.url = signal_url(*endpoint, signal);
    name = "--otlp";
  } else if (auto url = env("OTEL_EXPORTER_OTLP_" + upper(signal_name(signal)) + "_ENDPOINT")) {
    config.url = *url;  // used as it is
    name = "OTEL_EXPORTER_OTLP_" + upper(signal_name(signal)) + "_ENDPOINT";
  } else if (auto base = env("OTEL_EXPORTER_OTLP_ENDPOINT")) {
    config.url = signal_url(*base, signal);
    name = "OTEL_EXPORTER_OTLP_ENDPOINT";
  } else {
    config.url = signal_url(kDefaultEndpoint, signal);
  }
  if (std::string why = check_endpoint_url(config.url); !why.empty() && result.error.empty()) {
    result.error = name + ": '" + (endpoint ? *endpoint : config.url) + "' " + why;
  }
  if (auto headers = lookup(env, signal, "HEADERS", &name)) {
    config.headers = read_headers(name, *headers, result.warnings);
  }
  if (auto compression = lookup(env, signal, "COMPRESSION", &name)) {
    const std::string value = lower(*compression);
    if (value == "none") {
      config.gzip = false;
    } else if (value != "gzip") {
      result.warnings.push_back(name + "=" + *compression + ": not gzip or none; using gzip");
    }
  }
  if (auto timeout = lookup(env, signal, "TIMEOUT", &name)) {
    std::int64_t ms = 0;
    const char* end = timeout->data() + timeout->size();
    const auto parsed = std::from_chars(timeout->data(), end, ms);
    if (parsed.ec == std::errc() && parsed.ptr == end && ms > 0) {
      config.timeout = std::chrono::milliseconds(ms);
    } else {
      result.warnings.push_back(name + "=" + *timeout +
                                ": not a positive number of milliseconds; using 10000");
    }
  }
  if (auto protocol = lookup(env, signal, "PROTOCOL", &name); protocol && *protocol != "http/json") {
    result.warnings.push_back(name + "=" + *protocol + ": testscope sends http/json only; ignored");
  }
  return config;
}

}  // namespace

std::string signal_url(std::string_view base, Signal signal) {
  std::string url(base);
  if (url.empty() || url.back() != '/') url.push_back('/');
  return url + "v1/" + std::string(signal_name(signal));
}

std::string check_endpoint_url(std::string_view url) {
  const std::string text = lower(url);
  std::size_t host_start = 0;
  if (text.rfind("http://", 0) == 0) {
    host_start = 7;
  } else if (text.rfind("https://", 0) == 0) {
    host_start = 8;
  } else {
    return "is not an http:// or https:// URL";
  }
  const std::size_t host_end = text.find_first_of("/?#", host_start);
  const std::string_view authority = std::string_view(text).substr(host_start, host_end - host_start);
  if (authority.empty() || authority.front() == ':') return "has no host";
  if (url.find_first_of(std::string_view(" \t\r\n\0", 5)) != std::string_view::npos) {
    return "holds white space or control characters";
  }
  // The rest is for the parser that will use it: anything libcurl's refuses ("http://[::1",
  // a bad port) is a usage error now, not an unreachable endpoint later (issue 14).
  CURLU* parsed = curl_url();
  if (parsed == nullptr) return {};
  const std::string copy(url);
  const CURLUcode code = curl_url_set(parsed, CURLUPART_URL, copy.c_str(), 0);
  curl_url_cleanup(parsed);
  if (code != CURLUE_OK) return std::string("is not a valid URL (") + curl_url_strerror(code) + ")";
  return {};
}

ExporterConfigResult exporter_config_from_environment(const Environment& env,
                                                      const std::optional<std::string>& endpoint) {
  ExporterConfigResult result;
  const std::optional<std::string> base = endpoint && !endpoint->empty() ? endpoint : std::nullopt;
  result.config.traces = read_signal(env, Signal::kTraces, base, result);
  result.config.logs = read_signal(env, Signal::kLogs, base, result);
  // The same bad general variable would be reported once per signal.
  std::sort(result.warnings.begin(), result.warnings.end());
  result.warnings.erase(std::unique(result.warnings.begin(), result.warnings.end()), result.warnings.end());
  return result;
}

}  // namespace testscope::otlp
