#include "exporters/gateway_url.hpp"

#include <algorithm>

namespace testscope::detail {
namespace {

bool host_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
         c == '_';
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; });
  return out;
}

// Each step reads one part of the URL into `out`, or returns why it cannot.

// "http://", "https://" or nothing (http); removes it from `rest`.
std::string take_scheme(std::string_view& rest, GatewayUrl& out) {
  const std::size_t sep = rest.find("://");
  if (sep == std::string_view::npos) {
    out.scheme = "http";
    return {};
  }
  out.scheme = lower(rest.substr(0, sep));
  rest.remove_prefix(sep + 3);
  if (out.scheme != "http" && out.scheme != "https") {
    return "unsupported scheme '" + out.scheme + "' (expected http or https)";
  }
  return {};
}

// Decimal 1 to 65535, or the scheme's default when the URL has no ':'.
std::string take_port(bool has_port, std::string_view port, GatewayUrl& out) {
  if (!has_port) {
    out.port = out.scheme == "https" ? "443" : "80";
    return {};
  }
  const bool digits =
      !port.empty() && port.size() <= 5 && port.find_first_not_of("0123456789") == std::string_view::npos;
  const int value = digits ? std::stoi(std::string(port)) : 0;
  if (value < 1 || value > 65535) return "bad port '" + std::string(port) + "' (expected 1 to 65535)";
  out.port = std::to_string(value);
  return {};
}

// "host", "host:port", "[v6]", "[v6]:port".
std::string take_authority(std::string_view authority, GatewayUrl& out) {
  if (authority.find('@') != std::string_view::npos) {
    return "user:password@ is not supported (the command line is recorded in run.json)";
  }
  std::string_view after;  // what follows the host: "" or ":port"
  if (!authority.empty() && authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return "missing ']' after the IPv6 address";
    out.host = std::string(authority.substr(0, close + 1));
    after = authority.substr(close + 1);
    if (!after.empty() && after.front() != ':') return "unexpected text after the IPv6 address";
    if (out.host.size() < 3) return "no host";
  } else {
    const std::size_t colon = authority.find(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) after = authority.substr(colon);
    if (out.host.empty()) return "no host";
    if (!std::all_of(out.host.begin(), out.host.end(), host_char)) return "bad host '" + out.host + "'";
  }
  return take_port(!after.empty(), after.empty() ? after : after.substr(1), out);
}

// A path prefix without its trailing '/'.
std::string take_path(std::string_view path, GatewayUrl& out) {
  if (!std::all_of(path.begin(), path.end(), [](char c) { return host_char(c) || c == '/' || c == '~'; })) {
    return "bad path '" + std::string(path) + "' (letters, digits and . - _ ~ / only)";
  }
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  out.path = std::string(path);
  return {};
}

}  // namespace

std::optional<GatewayUrl> parse_gateway_url(std::string_view url, std::string* error) noexcept {
  try {
    GatewayUrl out;
    std::string why = url.empty() ? "empty URL" : "";
    std::string_view rest = url;
    if (why.empty()) why = take_scheme(rest, out);
    if (why.empty() && rest.find_first_of("?#") != std::string_view::npos) {
      why = "a query or fragment is not supported";
    }
    const std::size_t slash = rest.find('/');
    if (why.empty()) why = take_authority(rest.substr(0, slash), out);
    const std::string_view path = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
    if (why.empty()) why = take_path(path, out);
    if (why.empty()) return out;
    if (error != nullptr) *error = why;
  } catch (...) {
    if (error != nullptr) *error = "out of memory";
  }
  return std::nullopt;
}

}  // namespace testscope::detail
