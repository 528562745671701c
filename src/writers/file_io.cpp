#include "writers/file_io.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

namespace testscope::detail {

std::string write_file_atomic(const std::filesystem::path& path, std::string_view content) noexcept {
  try {
    std::error_code ec;
    if (path.has_parent_path()) {  // a bare file name lives in the current folder
      std::filesystem::create_directories(path.parent_path(), ec);
      if (ec) return path.parent_path().string() + ": cannot create folder: " + ec.message();
    }
    std::string temporary = path.string();
    temporary += ".tmp";
    temporary += std::to_string(getpid());
    const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return temporary + ": cannot create: " + std::generic_category().message(errno);
    std::size_t written = 0;
    while (written < content.size()) {
      const ssize_t n = ::write(fd, content.data() + written, content.size() - written);
      if (n < 0) {
        if (errno == EINTR) continue;
        const std::string reason = std::generic_category().message(errno);
        ::close(fd);
        ::unlink(temporary.c_str());
        return temporary.append(": write failed: ").append(reason);
      }
      written += static_cast<std::size_t>(n);
    }
    if (::close(fd) != 0) {
      const std::string reason = std::generic_category().message(errno);
      ::unlink(temporary.c_str());
      return temporary + ": close failed: " + reason;
    }
    if (::rename(temporary.c_str(), path.c_str()) != 0) {
      const std::string reason = std::generic_category().message(errno);
      ::unlink(temporary.c_str());
      return path.string() + ": rename failed: " + reason;
    }
    return {};
  } catch (...) {
    return path.string() + ": out of memory";
  }
}

}  // namespace testscope::detail
