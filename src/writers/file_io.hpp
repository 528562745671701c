// Writing a file so that a reader never sees half of it: write a temporary file beside
// it, then rename over the target. Creates missing folders. One writer for every file
// testscope writes, whole (write_file_atomic) or in pieces (AtomicFile), so that a document
// too large to hold in memory is still replaced atomically.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace testscope::detail {

// A file written in pieces that appears at `path` only when commit() succeeds: the pieces
// go to "<path>.tmp<pid>", renamed over `path` at the end. A failure (to create the folder
// or the temporary, to write, to rename) is kept, later appends do nothing, and commit()
// returns it; the temporary is removed. Destroyed without commit(), the temporary is
// removed and `path` is left as it was. Never throws. Not thread-safe; movable, not copyable.
class AtomicFile {
 public:
  explicit AtomicFile(std::filesystem::path path) noexcept;
  ~AtomicFile();
  AtomicFile(AtomicFile&& other) noexcept;
  AtomicFile& operator=(AtomicFile&&) = delete;
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  // Appends `piece` to the temporary file; false (and nothing written) after a failure.
  bool append(std::string_view piece) noexcept;
  // Closes the temporary and renames it over the path. Returns an empty string on success,
  // else "<path>: <reason>" (the first failure). Call once.
  std::string commit() noexcept;
  // The first failure so far ("" if none).
  const std::string& error() const noexcept { return error_; }

 private:
  void fail(std::string_view what, int error_number) noexcept;
  void discard() noexcept;

  std::filesystem::path path_;
  std::string temporary_;
  std::string error_;
  int fd_ = -1;
};

// Writes `content` through an AtomicFile. Returns an empty string on success, else
// "<path>: <reason>". Never throws.
std::string write_file_atomic(const std::filesystem::path& path, std::string_view content) noexcept;

}  // namespace testscope::detail
