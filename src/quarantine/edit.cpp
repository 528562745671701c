// Lookups in a quarantine file, and edits of its text that keep every other byte.
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <toml++/toml.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <sstream>
#include <system_error>

#include "quarantine/toml_guard.hpp"
#include "testscope/quarantine.hpp"

namespace testscope::quarantine {
namespace {

constexpr std::string_view kNewFileHeader =
    "# Quarantined tests (testscope). An entry stops applying on its `expires` date.\n"
    "# mode \"run\": the test runs, its failure does not fail the build; \"skip\": it does not run.\n"
    "# Edit by hand or with `testscope quarantine add|remove|list`; see docs/quarantine.md.\n";

// `text` as a one-line TOML basic string, escaped by toml++. When what it writes would mention
// one of the parser's stand-ins (toml_guard.hpp), every non-ASCII character is escaped, so that
// the parser never has to tell a stand-in from a character it shielded.
std::string toml_string(std::string_view text) {
  auto flags = toml::toml_formatter::default_flags & ~toml::format_flags::allow_multi_line_strings &
               ~toml::format_flags::allow_literal_strings;
  const auto written = [&text](toml::format_flags with) {
    std::ostringstream out;
    out << toml::toml_formatter{toml::value<std::string>{std::string(text)}, with};
    return out.str();
  };
  std::string result = written(flags);
  if (detail::mentions_stand_in(result)) result = written(flags & ~toml::format_flags::allow_unicode_strings);
  return result;
}

std::string block(const Entry& e) {
  return fmt::format(
      "[[quarantine]]\ntest = {}\nreason = {}\nowner = {}\nadded = {}\nexpires = {}\nmode = \"{}\"\n",
      toml_string(e.test), toml_string(e.reason), toml_string(e.owner), e.added.to_string(),
      e.expires.to_string(), mode_name(e.mode));
}

bool blank_line(std::string_view line) { return line.find_first_not_of(" \t\r\n") == std::string_view::npos; }

// Why `e` cannot be added, or "".
std::string entry_problem(const Entry& e) {
  if (std::string problem = pattern_problem(e.test); !problem.empty()) {
    return fmt::format("bad test name or pattern '{}': {}", e.test, problem);
  }
  if (blank_line(e.reason)) return "the reason must not be empty";
  if (blank_line(e.owner)) return "the owner must not be empty";
  if (!e.added.valid() || !e.expires.valid()) return "the dates must be real dates in years 0000-9999";
  if (e.expires <= e.added) {
    return fmt::format("the expiry ({}) must be after the date added ({})", e.expires.to_string(),
                       e.added.to_string());
  }
  return "";
}

std::string errno_message(int error) { return std::error_code(error, std::generic_category()).message(); }

}  // namespace

Match QuarantineFile::lookup(std::string_view test_name, Date today) const {
  const Entry* exact_expired = nullptr;
  const Entry* pattern_active = nullptr;
  const Entry* pattern_expired = nullptr;
  for (const Entry& e : entries_) {
    if (!e.is_pattern()) {
      if (e.test != test_name) continue;
      if (!e.expired(today)) return Match{&e, nullptr};
      exact_expired = &e;
    } else if ((pattern_active == nullptr || pattern_expired == nullptr) && e.matches(test_name)) {
      const Entry*& slot = e.expired(today) ? pattern_expired : pattern_active;
      if (slot == nullptr) slot = &e;
    }
  }
  if (pattern_active != nullptr) return Match{pattern_active, nullptr};
  return Match{nullptr, exact_expired != nullptr ? exact_expired : pattern_expired};
}

const Entry* QuarantineFile::find(std::string_view test) const {
  const auto it =
      std::find_if(entries_.begin(), entries_.end(), [&](const Entry& e) { return e.test == test; });
  return it == entries_.end() ? nullptr : &*it;
}

EditResult QuarantineFile::add(const Entry& entry) {
  if (std::string problem = entry_problem(entry); !problem.empty()) return {std::move(problem)};
  if (const Entry* existing = find(entry.test); existing != nullptr) {
    return {fmt::format("{}:{}: '{}' already has an entry (expires {}); remove it first", name_,
                        existing->line, entry.test, existing->expires.to_string())};
  }
  std::string text = text_;
  if (text.empty()) {
    text = kNewFileHeader;
  } else if (text.back() != '\n') {
    text += '\n';
  }
  text += '\n';
  text += block(entry);
  LoadResult edited = parse_quarantine(std::move(text), name_);
  const Entry* back = edited.ok() ? edited.file.find(entry.test) : nullptr;
  if (back == nullptr || back->reason != entry.reason || back->owner != entry.owner) {
    return {fmt::format("cannot add '{}': its text does not survive as TOML (is it UTF-8?)", entry.test)};
  }
  *this = std::move(edited.file);
  return {};
}

EditResult QuarantineFile::remove(std::string_view test) {
  const Entry* entry = find(test);
  if (entry == nullptr) return {fmt::format("{}: no entry for '{}'", name_, test)};
  const Block b = blocks_[static_cast<std::size_t>(entry - entries_.data())];
  // The text's lines, each with its line break; line n (1-based) is lines[n - 1].
  std::vector<std::string_view> lines;
  const std::string_view all = text_;
  for (std::size_t at = 0; at < all.size();) {
    const std::size_t end = std::min(all.find('\n', at), all.size() - 1) + 1;
    lines.push_back(all.substr(at, end - at));
    at = end;
  }
  auto first = static_cast<std::size_t>(b.first_line - 1);
  auto last = std::min(static_cast<std::size_t>(b.last_line), lines.size());  // one past
  if (first > 0 && blank_line(lines[first - 1])) {
    --first;
  } else if (last < lines.size() && blank_line(lines[last])) {
    ++last;
  }
  std::string text;
  text.reserve(text_.size());
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (i < first || i >= last) text += lines[i];
  }
  LoadResult edited = parse_quarantine(std::move(text), name_);
  if (!edited.ok()) return {fmt::format("cannot remove '{}': {}", test, edited.errors.front().to_string())};
  *this = std::move(edited.file);
  return {};
}

EditResult QuarantineFile::save(const std::filesystem::path& path) const {
  std::error_code ec;
  std::filesystem::path target = path;
  if (std::filesystem::symlink_status(path, ec).type() == std::filesystem::file_type::symlink) {
    target = std::filesystem::canonical(path, ec);  // replace the file it names, not the link
    if (ec) return {fmt::format("{}: {}", path.string(), ec.message())};
  }
  std::filesystem::path temp = target;
  temp += fmt::format(".tmp-{}", getpid());
  const int fd = open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) return {fmt::format("{}: cannot write: {}", temp.string(), errno_message(errno))};
  struct stat old {};
  if (stat(target.c_str(), &old) == 0) fchmod(fd, old.st_mode & 07777);
  std::size_t written = 0;
  int error = 0;
  while (written < text_.size()) {
    const ssize_t n = write(fd, text_.data() + written, text_.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      error = errno;
      break;
    }
    written += static_cast<std::size_t>(n);
  }
  if (error == 0 && fsync(fd) != 0) error = errno;
  if (close(fd) != 0 && error == 0) error = errno;
  if (error == 0 && std::rename(temp.c_str(), target.c_str()) != 0) error = errno;
  if (error != 0) {
    unlink(temp.c_str());
    return {fmt::format("{}: cannot write: {}", path.string(), errno_message(error))};
  }
  return {};
}

EditLock::EditLock(const std::filesystem::path& path) {
  std::filesystem::path folder = std::filesystem::absolute(path).parent_path();
  std::error_code ec;
  if (std::filesystem::symlink_status(path, ec).type() == std::filesystem::file_type::symlink) {
    const std::filesystem::path target = std::filesystem::canonical(path, ec);  // save() replaces the target
    if (!ec) folder = target.parent_path();
  }
  fd_ = open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd_ < 0) {
    error_ = fmt::format("{}: cannot lock its folder {} for editing: {}", path.string(), folder.string(),
                         errno_message(errno));
    return;
  }
  while (flock(fd_, LOCK_EX) != 0) {
    if (errno == EINTR) continue;
    error_ = fmt::format("{}: cannot lock its folder {} for editing: {}", path.string(), folder.string(),
                         errno_message(errno));
    close(fd_);
    fd_ = -1;
    return;
  }
}

EditLock::~EditLock() {
  if (fd_ >= 0) close(fd_);  // releases the lock
}

EditLock::EditLock(EditLock&& other) noexcept : fd_(other.fd_), error_(std::move(other.error_)) {
  other.fd_ = -1;
}

}  // namespace testscope::quarantine
