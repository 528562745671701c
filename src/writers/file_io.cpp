#include "writers/file_io.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>
#include <utility>

namespace testscope::detail {
namespace {

std::string reason_of(int error_number) { return std::generic_category().message(error_number); }

}  // namespace

AtomicFile::AtomicFile(std::filesystem::path path) noexcept : path_(std::move(path)) {
  try {
    std::error_code ec;
    if (path_.has_parent_path()) {  // a bare file name lives in the current folder
      std::filesystem::create_directories(path_.parent_path(), ec);
      if (ec) {
        error_ = path_.parent_path().string() + ": cannot create folder: " + ec.message();
        return;
      }
    }
    temporary_ = path_.string() + ".tmp" + std::to_string(getpid());
    fd_ = ::open(temporary_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd_ < 0) error_ = temporary_ + ": cannot create: " + reason_of(errno);
  } catch (...) {
    error_ = "out of memory";
  }
}

AtomicFile::AtomicFile(AtomicFile&& other) noexcept
    : path_(std::move(other.path_)),
      temporary_(std::move(other.temporary_)),
      error_(std::move(other.error_)),
      fd_(std::exchange(other.fd_, -1)) {}

AtomicFile::~AtomicFile() { discard(); }

void AtomicFile::discard() noexcept {
  if (fd_ < 0) return;
  ::close(fd_);
  fd_ = -1;
  ::unlink(temporary_.c_str());
}

void AtomicFile::fail(std::string_view what, int error_number) noexcept {
  try {
    if (error_.empty()) error_ = temporary_ + ": " + std::string(what) + ": " + reason_of(error_number);
  } catch (...) {
    error_ = "out of memory";
  }
  discard();
}

bool AtomicFile::append(std::string_view piece) noexcept {
  if (fd_ < 0) return false;
  std::size_t written = 0;
  while (written < piece.size()) {
    const ssize_t n = ::write(fd_, piece.data() + written, piece.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("write failed", errno);
      return false;
    }
    written += static_cast<std::size_t>(n);
  }
  return true;
}

std::string AtomicFile::commit() noexcept {
  if (fd_ < 0) return error_.empty() ? path_.string() + ": already committed" : error_;
  const int fd = std::exchange(fd_, -1);
  if (::close(fd) != 0) {
    const int close_error = errno;
    ::unlink(temporary_.c_str());
    fail("close failed", close_error);
    return error_;
  }
  if (::rename(temporary_.c_str(), path_.c_str()) != 0) {
    const int rename_error = errno;
    ::unlink(temporary_.c_str());
    try {
      error_ = path_.string() + ": rename failed: " + reason_of(rename_error);
    } catch (...) {
      error_ = "out of memory";
    }
  }
  return error_;
}

std::string write_file_atomic(const std::filesystem::path& path, std::string_view content) noexcept {
  AtomicFile file(path);
  file.append(content);
  return file.commit();
}

}  // namespace testscope::detail
