#include "cli/standard_streams.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>

namespace testscope::cli {
namespace {

// The cookies of the two streams: the fd each writes to.
int stdout_fd = STDOUT_FILENO;
int stderr_fd = STDERR_FILENO;

// Writes all it can of `data` to the cookie's fd and reports all of it written: what a closed
// or full fd refuses is dropped, never an error for the stream.
ssize_t write_best_effort(void* cookie, const char* data, std::size_t size) {
  const int fd = *static_cast<const int*>(cookie);
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = write(fd, data + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  return static_cast<ssize_t>(size);
}

// A write-only stream over `*fd`, buffered as `mode`; nullptr if glibc cannot make one.
std::FILE* best_effort_stream(int* fd, int mode) {
  const cookie_io_functions_t functions{nullptr, write_best_effort, nullptr, nullptr};
  std::FILE* stream = fopencookie(fd, "w", functions);
  if (stream != nullptr) std::setvbuf(stream, nullptr, mode, mode == _IONBF ? 0 : BUFSIZ);
  return stream;
}

}  // namespace

void make_standard_streams_best_effort() noexcept {
  for (int fd = STDIN_FILENO; fd <= STDERR_FILENO; ++fd) {
    if (fcntl(fd, F_GETFD) == -1 && errno == EBADF) {
      // The lowest free fd: this one, since the ones below it are open by now.
      open("/dev/null",
           fd == STDIN_FILENO ? O_RDONLY : O_WRONLY);  // NOLINT(android-cloexec-open): stays open
    }
  }
  std::signal(SIGPIPE, SIG_IGN);
  std::fflush(stdout);
  std::fflush(stderr);
  // glibc documents stdout and stderr as ordinary variables that a program may set.
  const int stdout_mode = isatty(STDOUT_FILENO) != 0 ? _IOLBF : _IOFBF;
  if (std::FILE* out = best_effort_stream(&stdout_fd, stdout_mode)) {
    stdout = out;
  }
  if (std::FILE* err = best_effort_stream(&stderr_fd, _IONBF)) {
    stderr = err;
  }
}

}  // namespace testscope::cli
