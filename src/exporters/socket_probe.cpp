#include "exporters/socket_probe.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <system_error>

namespace testscope::detail {
namespace {

struct SocketAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;
  int family = AF_INET;
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): the sockets API takes sockaddr*
  const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage); }
};

// "HOST:PORT" or "[IPv6]:PORT"; with `connectable`, a wildcard host becomes loopback.
std::optional<SocketAddress> resolve(const std::string& address, bool connectable) {
  const std::size_t colon = address.rfind(':');
  if (colon == std::string::npos) return std::nullopt;
  std::string host = address.substr(0, colon);
  const int port = std::stoi(address.substr(colon + 1));
  SocketAddress out;
  if (!host.empty() && host.front() == '[') {
    host = host.substr(1, host.size() - 2);
    if (connectable && host == "::") host = "::1";
    sockaddr_in6 sa{};
    sa.sin6_family = AF_INET6;
    sa.sin6_port = htons(static_cast<std::uint16_t>(port));
    if (inet_pton(AF_INET6, host.c_str(), &sa.sin6_addr) != 1) return std::nullopt;
    std::memcpy(&out.storage, &sa, sizeof sa);
    out.length = sizeof sa;
    out.family = AF_INET6;
  } else {
    if (connectable && host == "0.0.0.0") host = "127.0.0.1";
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(static_cast<std::uint16_t>(port));
    if (inet_pton(AF_INET, host.c_str(), &sa.sin_addr) != 1) return std::nullopt;
    std::memcpy(&out.storage, &sa, sizeof sa);
    out.length = sizeof sa;
  }
  return out;
}

}  // namespace

std::string listen_error(const std::string& address) noexcept {
  try {
    const auto sa = resolve(address, false);
    if (!sa) return "not an address";
    const int fd = socket(sa->family, SOCK_STREAM, 0);
    if (fd < 0) return std::error_code(errno, std::generic_category()).message();
    const int on = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);  // as civetweb does
    int rc = bind(fd, sa->get(), sa->length);
    if (rc == 0) rc = listen(fd, 1);
    const int saved = errno;
    close(fd);
    return rc != 0 ? std::error_code(saved, std::generic_category()).message() : std::string();
  } catch (...) {
    return "not an address";
  }
}

bool poke(const std::string& address) noexcept {
  try {
    const auto sa = resolve(address, true);
    if (!sa) return false;
    const int fd = socket(sa->family, SOCK_STREAM, 0);
    if (fd < 0) return false;
    const bool connected = connect(fd, sa->get(), sa->length) == 0;
    close(fd);
    return connected;
  } catch (...) {
    return false;
  }
}

}  // namespace testscope::detail
