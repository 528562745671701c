// HTTP GET with libcurl and free loopback ports, for the exporters' tests. Proxies from
// the environment are ignored: every request goes straight to the loopback server.
#pragma once

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>

namespace testscope::testing_support {

struct HttpResponse {
  long status = 0;  // 0: no answer
  std::string body;
  std::string error;  // curl's message when there was no answer
};

inline HttpResponse http_get(const std::string& url,
                             std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  HttpResponse response;
  CURL* curl = curl_easy_init();
  if (curl == nullptr) {
    response.error = "curl_easy_init failed";
    return response;
  }
  auto append = +[](char* data, size_t size, size_t count, void* out) -> size_t {
    static_cast<std::string*>(out)->append(data, size * count);
    return size * count;
  };
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, append);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response.body);
  const CURLcode rc = curl_easy_perform(curl);
  if (rc == CURLE_OK) {
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
  } else {
    response.error = curl_easy_strerror(rc);
  }
  curl_easy_cleanup(curl);
  return response;
}

// Percent-encodes a query parameter value.
inline std::string url_encode(const std::string& text) {
  CURL* curl = curl_easy_init();
  char* encoded = curl_easy_escape(curl, text.c_str(), static_cast<int>(text.size()));
  std::string out = encoded != nullptr ? encoded : "";
  curl_free(encoded);
  curl_easy_cleanup(curl);
  return out;
}

// A loopback TCP socket; with listen() it occupies its port until destroyed.
class LoopbackSocket {
 public:
  explicit LoopbackSocket(bool listening) : fd_(socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): the sockets API takes sockaddr*
    auto* generic = reinterpret_cast<sockaddr*>(&address);
    if (fd_ < 0 || bind(fd_, generic, sizeof address) != 0 || getsockname(fd_, generic, &length) != 0 ||
        (listening && listen(fd_, 4) != 0)) {
      return;
    }
    port_ = ntohs(address.sin_port);
  }
  ~LoopbackSocket() {
    if (fd_ >= 0) close(fd_);
  }
  LoopbackSocket(const LoopbackSocket&) = delete;
  LoopbackSocket& operator=(const LoopbackSocket&) = delete;
  int port() const { return port_; }  // 0 if it could not bind

 private:
  int fd_ = -1;
  int port_ = 0;
};

// A port that was free a moment ago (bound, then released): for servers we start.
inline int free_loopback_port() { return LoopbackSocket(false).port(); }

}  // namespace testscope::testing_support
