#include "writers/terminal.hpp"

#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace testscope::detail {

bool use_colour(std::FILE* stream) noexcept {
  if (stream == nullptr || std::getenv("NO_COLOR") != nullptr) return false;
  int fd = fileno(stream);
  // The testscope command's stdout and stderr are streams of its own over fds 1 and 2
  // (src/cli/standard_streams.hpp), which have no fileno.
  if (fd < 0) fd = stream == stdout ? STDOUT_FILENO : (stream == stderr ? STDERR_FILENO : -1);
  if (fd < 0 || isatty(fd) == 0) return false;
  const char* term = std::getenv("TERM");
  return term == nullptr || std::strcmp(term, "dumb") != 0;
}

}  // namespace testscope::detail
