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

std::string terminal_safe(std::string_view text, bool keep_newlines) {
  static constexpr const char* kHex = "0123456789abcdef";
  const auto escape = [](std::string& out, unsigned char byte) {
    out += "\\x";
    out += kHex[byte >> 4U];
    out += kHex[byte & 0xFU];
  };
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    const bool c1 = byte == 0xC2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
                    static_cast<unsigned char>(text[i + 1]) <= 0x9F;
    if (c1) {
      escape(out, static_cast<unsigned char>(text[++i]));
    } else if ((byte < 0x20 && byte != '\t' && !(keep_newlines && byte == '\n')) || byte == 0x7F) {
      escape(out, byte);
    } else {
      out += text[i];
    }
  }
  return out;
}

}  // namespace testscope::detail
