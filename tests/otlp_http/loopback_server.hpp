// A loopback HTTP/1.1 server for the tests of OTLP/HTTP senders (the client's, the live
// exporter's): one connection at a time on 127.0.0.1, each request recorded, answered as
// the test scripts it. In-process, so the tests also run under ASan and TSan.
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace testscope::otlp_test {

// One request as the server read it.
struct Request {
  std::string head;  // request line and headers
  std::string body;
};

// A one-connection-at-a-time HTTP/1.1 server on 127.0.0.1: reads a request (headers, then
// Content-Length bytes), answers with `respond(n)` for the n-th request (from 0), closes.
class LoopbackServer {
 public:
  using Responder = std::function<std::string(int n)>;

  // `filler_bytes` of 'x' follow every answer, written a piece at a time (so that the server
  // never holds them): the end of a body the answer's Content-Length announces.
  explicit LoopbackServer(Responder respond, std::size_t filler_bytes = 0)
      : respond_(std::move(respond)), filler_bytes_(filler_bytes), fd_(socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    // NOLINTBEGIN(cppcoreguidelines-pro-type-reinterpret-cast): the sockets API
    const bool ok = bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) == 0 && listen(fd_, 8) == 0 &&
                    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
    // NOLINTEND(cppcoreguidelines-pro-type-reinterpret-cast)
    EXPECT_TRUE(ok) << "cannot listen on 127.0.0.1";
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~LoopbackServer() {
    stop_ = true;
    shutdown(fd_, SHUT_RDWR);
    close(fd_);
    thread_.join();
  }
  LoopbackServer(const LoopbackServer&) = delete;
  LoopbackServer& operator=(const LoopbackServer&) = delete;

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::vector<Request> requests() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return requests_;
  }

 private:
  void serve() {
    for (int n = 0; !stop_; ++n) {
      const int client = accept(fd_, nullptr, nullptr);
      if (client < 0) return;
      Request request = read_request(client);
      {
        std::lock_guard<std::mutex> lock(mutex_);
        requests_.push_back(request);
      }
      const std::string answer = respond_(n);
      if (!answer.empty()) (void)write(client, answer.data(), answer.size());
      write_filler(client);
      close(client);
    }
  }

  void write_filler(int client) const {
    const std::string piece(std::size_t{1} << 16U, 'x');
    for (std::size_t left = filler_bytes_; left > 0;) {
      const ssize_t sent = send(client, piece.data(), std::min(left, piece.size()), MSG_NOSIGNAL);
      if (sent <= 0) return;  // the client went away
      left -= static_cast<std::size_t>(sent);
    }
  }

  static Request read_request(int client) {
    std::string data;
    std::array<char, 65536> chunk{};
    std::size_t head_end = std::string::npos;
    std::size_t length = 0;
    while (true) {
      const ssize_t got = read(client, chunk.data(), chunk.size());
      if (got <= 0) break;
      data.append(chunk.data(), static_cast<std::size_t>(got));
      if (head_end == std::string::npos && (head_end = data.find("\r\n\r\n")) != std::string::npos) {
        const auto at = data.find("Content-Length: ");
        if (at != std::string::npos && at < head_end) length = std::stoul(data.substr(at + 16));
      }
      if (head_end != std::string::npos && data.size() >= head_end + 4 + length) break;
    }
    if (head_end == std::string::npos) return {data, {}};
    return {data.substr(0, head_end), data.substr(head_end + 4)};
  }

  Responder respond_;
  std::size_t filler_bytes_ = 0;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  mutable std::mutex mutex_;
  std::vector<Request> requests_;
  std::thread thread_;
};

inline std::string answer(int status, const std::string& body, const std::string& extra_headers = {}) {
  return "HTTP/1.1 " + std::to_string(status) +
         " X\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\nConnection: close\r\n" + extra_headers + "\r\n" + body;
}

}  // namespace testscope::otlp_test
