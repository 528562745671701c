#include "runner/out_folder.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <system_error>

#include "analysis/run_manifest.hpp"
#include "testscope/artifact_files.hpp"

namespace testscope::runner {
namespace {

namespace fs = std::filesystem;

// What a run inside OUT is made of: these move aside, and back, as a whole.
constexpr std::array<const char*, 3> kRunEntries = {"runs", artifact_files::kVerdictsFile,
                                                    analysis::kRunManifestFile};

std::string errno_text(int error) { return std::error_code(error, std::generic_category()).message(); }

// "pid 1234 on ci-host", as the holder wrote it into the lock file; "" if unreadable.
std::string holder_of(int fd) {
  std::array<char, 256> text{};
  const ssize_t n = pread(fd, text.data(), text.size() - 1, 0);
  if (n <= 0) return "";
  std::string holder(text.data(), static_cast<std::size_t>(n));
  while (!holder.empty() && (holder.back() == '\n' || holder.back() == '\0')) holder.pop_back();
  return holder;
}

std::string host_name() {
  std::array<char, 256> name{};
  return gethostname(name.data(), name.size() - 1) == 0 ? std::string(name.data()) : std::string("?");
}

// True when `fd` is still the file at `path`: a holder that ended removed it, and whoever
// locked the old, unlinked file must try again with the new one.
bool still_linked(int fd, const fs::path& path) {
  struct stat open_file {};
  struct stat on_disk {};
  return fstat(fd, &open_file) == 0 && stat(path.c_str(), &on_disk) == 0 &&
         open_file.st_dev == on_disk.st_dev && open_file.st_ino == on_disk.st_ino;
}

}  // namespace

std::unique_ptr<OutFolder> OutFolder::lock(const fs::path& out, std::string& error) {
  std::error_code ec;
  fs::create_directories(out, ec);
  if (ec) {
    error = fmt::format("{}: cannot create: {}", out.string(), ec.message());
    return nullptr;
  }
  const fs::path path = out / kOutLockFile;
  for (int attempt = 0; attempt < 100; ++attempt) {
    // O_CLOEXEC: an execution (or an orphan of one) must never hold the run's lock.
    const int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
      error = fmt::format("{}: cannot create the lock file: {}", path.string(), errno_text(errno));
      return nullptr;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
      const int why = errno;
      const std::string holder = holder_of(fd);
      close(fd);
      if (why == EWOULDBLOCK) {
        error = fmt::format(
            "{} is in use by another testscope run or merge{}; wait for it to end or choose another --out",
            out.string(), holder.empty() ? std::string() : " (" + holder + ")");
      } else {
        error = fmt::format("{}: cannot lock: {}", path.string(), errno_text(why));
      }
      return nullptr;
    }
    if (!still_linked(fd, path)) {
      close(fd);
      continue;
    }
    const std::string holder = fmt::format("pid {} on {}\n", getpid(), host_name());
    if (ftruncate(fd, 0) != 0 || pwrite(fd, holder.data(), holder.size(), 0) < 0) {
      // Only the message of a refused run loses its detail; the lock holds.
    }
    return std::unique_ptr<OutFolder>(new OutFolder(out, fd));
  }
  error = fmt::format("{}: cannot lock: the lock file keeps being replaced", path.string());
  return nullptr;
}

std::string OutFolder::holder(const fs::path& out) {
  const int fd = open((out / kOutLockFile).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "";  // no lock file: nobody holds it
  std::string result;
  if (flock(fd, LOCK_SH | LOCK_NB) != 0) {
    result = holder_of(fd);
    if (result.empty()) result = "another process";
  } else {
    flock(fd, LOCK_UN);
  }
  close(fd);
  return result;
}

OutFolder::~OutFolder() {
  unlink((out_ / kOutLockFile).c_str());
  close(fd_);
}

std::string OutFolder::prepare() {
  std::error_code ec;
  const fs::path previous = out_ / kPreviousRunFolder;
  fs::remove_all(previous, ec);  // left by a run that was killed before it finished an execution
  if (fs::exists(out_ / analysis::kRunManifestFile)) {
    fs::create_directories(previous, ec);
    if (ec) return fmt::format("{}: cannot create: {}", previous.string(), ec.message());
    for (const char* entry : kRunEntries) {
      if (!fs::exists(fs::symlink_status(out_ / entry, ec))) continue;
      fs::rename(out_ / entry, previous / entry, ec);
      if (ec) {
        move_back();
        return fmt::format("{}: cannot move the previous run's {} aside: {}", out_.string(), entry,
                           ec.message());
      }
      has_previous_ = true;
    }
  } else if (fs::is_directory(out_ / "runs") && !fs::is_empty(out_ / "runs")) {
    return fmt::format("{}: already holds runs/ but no {}; choose another --out or remove it", out_.string(),
                       analysis::kRunManifestFile);
  }
  fs::create_directories(out_ / "runs", ec);
  if (ec) {
    move_back();
    return fmt::format("{}: cannot create: {}", (out_ / "runs").string(), ec.message());
  }
  return "";
}

void OutFolder::discard_previous() noexcept {
  if (!has_previous_) return;
  std::error_code ignored;
  fs::remove_all(out_ / kPreviousRunFolder, ignored);
  has_previous_ = false;
}

bool OutFolder::restore_previous() noexcept {
  std::error_code ignored;
  for (const char* entry : kRunEntries) fs::remove_all(out_ / entry, ignored);
  const bool had_previous = has_previous_;
  move_back();
  return had_previous;
}

void OutFolder::move_back() noexcept {
  if (!has_previous_) return;
  std::error_code ignored;
  const fs::path previous = out_ / kPreviousRunFolder;
  for (const char* entry : kRunEntries) {
    if (fs::exists(fs::symlink_status(previous / entry, ignored))) {
      fs::rename(previous / entry, out_ / entry, ignored);
    }
  }
  fs::remove_all(previous, ignored);
  has_previous_ = false;
}

}  // namespace testscope::runner
