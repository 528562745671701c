#include "writers/terminal.hpp"

#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace testscope::detail {

bool use_colour(std::FILE* stream) noexcept {
  if (stream == nullptr || std::getenv("NO_COLOR") != nullptr || isatty(fileno(stream)) == 0) return false;
  const char* term = std::getenv("TERM");
  return term == nullptr || std::strcmp(term, "dumb") != 0;
}

}  // namespace testscope::detail
