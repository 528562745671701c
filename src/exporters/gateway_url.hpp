// Parsing a Pushgateway URL into the parts prometheus::Gateway takes.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace testscope::detail {

// A Pushgateway URL in the parts prometheus::Gateway's constructor takes. A plain value.
struct GatewayUrl {
  std::string scheme;  // "http" or "https"
  std::string host;    // as written; an IPv6 address keeps its brackets
  std::string port;    // decimal; the scheme's default when the URL has none
  std::string path;    // "" or a prefix like "/pushgateway" (no trailing '/')
};

// The rules of testscope::check_pushgateway_url(). On error returns nullopt and sets
// *error to the reason (without the URL). Never throws.
std::optional<GatewayUrl> parse_gateway_url(std::string_view url, std::string* error) noexcept;

}  // namespace testscope::detail
