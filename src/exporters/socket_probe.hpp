// Small socket probes for the metrics endpoint, on addresses of the form
// parse_listen_address() returns ("127.0.0.1:9464", "[::1]:9464", "0.0.0.0:0").
#pragma once

#include <string>

namespace testscope::detail {

// Why listening at `address` fails, in the operating system's words ("Address already
// in use"), or an empty string if it would succeed now. Never throws.
std::string listen_error(const std::string& address) noexcept;

// Opens a TCP connection to `address` (a wildcard host means this machine's loopback)
// and closes it at once. True if it connected. Never throws.
bool poke(const std::string& address) noexcept;

}  // namespace testscope::detail
