// Rebuilding a dead process's running test from its control block and buffer files
// (recorder/records.hpp has the formats, recorder/mapping.cpp writes the files).
#include "testscope/recovery.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string_view>
#include <system_error>
#include <vector>

#include "capture/assemble.hpp"
#include "recorder/records.hpp"

namespace testscope {
namespace {

namespace fs = std::filesystem;
using detail::BufferHeader;
using detail::ControlHeader;

// The first bytes of a file, read with pread into memory of our own. Not mapped: the
// program's files may be sparse (older versions made them so, and a file system may not
// reserve space), and reading a hole of a full tmpfs through a mapping raises SIGBUS, where
// read() returns zeros. Only what is used is read: a buffer's header, then its records.
class FilePrefix {
 public:
  explicit FilePrefix(const fs::path& path) : fd_(open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK)) {
    struct stat st {};
    if (fd_ < 0 || fstat(fd_, &st) != 0) {
      error_ = std::generic_category().message(errno);
    } else if (!S_ISREG(st.st_mode)) {
      error_ = "not a regular file";
    } else if (st.st_size <= 0) {
      error_ = "empty";
    } else {
      file_size_ = static_cast<std::size_t>(st.st_size);
    }
  }
  ~FilePrefix() {
    if (fd_ >= 0) close(fd_);
  }
  FilePrefix(const FilePrefix&) = delete;
  FilePrefix& operator=(const FilePrefix&) = delete;
  FilePrefix(FilePrefix&&) = delete;
  FilePrefix& operator=(FilePrefix&&) = delete;

  // Extends data() to the file's first `size` bytes (size <= file_size()), reading those
  // not read yet; false with error() set if it cannot. data() may move. The memory, from
  // operator new, is aligned for the headers' atomics.
  bool read(std::size_t size) {
    std::size_t done = bytes_.size();
    bytes_.resize(size);
    while (done < size) {
      const ssize_t n = pread(fd_, bytes_.data() + done, size - done, static_cast<off_t>(done));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        error_ = n < 0 ? std::generic_category().message(errno) : "shorter than it was";
        return false;
      }
      done += static_cast<std::size_t>(n);
    }
    return true;
  }

  bool usable() const noexcept { return file_size_ > 0; }
  std::size_t file_size() const noexcept { return file_size_; }
  const std::byte* data() const noexcept { return bytes_.data(); }
  const std::string& error() const noexcept { return error_; }

 private:
  int fd_;
  std::size_t file_size_ = 0;  // 0: not usable (error_ says why)
  std::vector<std::byte> bytes_;
  std::string error_;
};

// The files of one process: "<pid>-control" and "<pid>-<n>.buffer".
struct ProcessFiles {
  fs::path control;
  std::vector<fs::path> buffers;
};

std::map<std::int64_t, ProcessFiles> list_files(const std::string& dir) {
  std::map<std::int64_t, ProcessFiles> processes;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    const std::size_t dash = name.find('-');
    if (dash == std::string::npos || dash == 0) continue;
    const std::string_view pid_text(name.data(), dash);
    if (!std::all_of(pid_text.begin(), pid_text.end(), [](char c) { return c >= '0' && c <= '9'; })) continue;
    const std::int64_t pid = std::stoll(std::string(pid_text));
    const std::string_view rest = std::string_view(name).substr(dash + 1);
    if (rest == "control") {
      processes[pid].control = entry.path();
    } else if (rest.size() > 7 && rest.substr(rest.size() - 7) == ".buffer") {
      processes[pid].buffers.push_back(entry.path());
    }
  }
  return processes;
}

std::string problem(const fs::path& path, std::string_view why) {
  return path.string() + ": " + std::string(why);
}

// The five NUL-ended strings of the control block's text area, or false.
bool read_test_info(const std::byte* text, std::uint32_t size, TestInfo& test) {
  if (size > detail::kControlTextBytes) return false;
  std::array<std::string*, 5> fields = {&test.suite, &test.name, &test.type_param, &test.value_param,
                                        &test.file};
  const char* at = reinterpret_cast<const char*>(text);  // NOLINT(*-reinterpret-cast): bytes as chars
  const char* end = at + size;
  for (std::string* field : fields) {
    const char* nul = std::find(at, end, '\0');
    if (nul == end) return false;
    field->assign(at, nul);
    at = nul + 1;
  }
  return !test.suite.empty() || !test.name.empty();
}

// The failures published in the control block, or false if the area is malformed.
bool read_failures(const std::byte* area, std::uint32_t size, std::vector<Failure>& failures) {
  if (size > detail::kControlBytes - detail::kControlFailureOffset) return false;
  std::size_t at = 0;
  while (at + sizeof(detail::FailureRecord) <= size) {
    detail::FailureRecord header{};
    std::memcpy(&header, area + at, sizeof header);
    const std::size_t record =
        detail::padded(sizeof header + std::size_t{header.file_len} + header.message_len);
    if (header.file_len > size || header.message_len > size || at + record > size) return false;
    const std::size_t type_len = (header.fatal >> detail::kFailureTypeShift) & detail::kFailureTypeMax;
    if (type_len > header.message_len) return false;
    // NOLINTNEXTLINE(*-reinterpret-cast): bytes as chars
    const char* text = reinterpret_cast<const char*>(area + at + sizeof header);
    const char* message = text + header.file_len;
    failures.push_back(Failure{std::string(text, header.file_len), header.line,
                               std::string(message + type_len, header.message_len - type_len),
                               (header.fatal & detail::kFailureFatalBit) != 0, header.time_unix_ns,
                               std::string(message, type_len)});
    at += record;
  }
  return at == size;
}

// The records a dead thread published in the test of `epoch`, read into `file` (which the
// view points into); nullopt when there are none, with a problem noted if the file is bad.
std::optional<detail::BufferView> read_buffer(const fs::path& path, std::uint64_t epoch, FilePrefix& file,
                                              Recovery& out) {
  if (!file.usable() || file.file_size() < detail::kBufferHeaderBytes) {
    out.problems.push_back(problem(path, !file.usable() ? file.error() : "truncated buffer"));
    return std::nullopt;
  }
  if (!file.read(detail::kBufferHeaderBytes)) {
    out.problems.push_back(problem(path, file.error()));
    return std::nullopt;
  }
  // NOLINTNEXTLINE(*-reinterpret-cast): the header the program wrote, in aligned memory
  const auto* header = reinterpret_cast<const BufferHeader*>(file.data());
  const std::uint64_t head = header->head.load(std::memory_order_acquire);
  if (header->magic != detail::kBufferMagic || header->version != detail::kFormatVersion ||
      header->capacity > file.file_size() - detail::kBufferHeaderBytes || head > header->capacity) {
    out.problems.push_back(problem(path, "not a testscope buffer of format 1, or inconsistent"));
    return std::nullopt;
  }
  if (header->epoch.load(std::memory_order_acquire) != epoch) return std::nullopt;  // not this test's
  // The records published, read after the header (whose fields are copied first: reading
  // more may move the memory the header is in).
  const std::size_t name_len =
      std::find(header->name.begin(), header->name.end(), '\0') - header->name.begin();
  std::string name(header->name.data(), name_len);
  const std::uint64_t dropped = header->dropped.load(std::memory_order_relaxed);
  const std::uint64_t os_tid = header->os_tid;
  const std::uint32_t thread_index = header->thread_index;
  if (!file.read(detail::kBufferHeaderBytes + static_cast<std::size_t>(head))) {
    out.problems.push_back(problem(path, file.error()));
    return std::nullopt;
  }
  return detail::BufferView{file.data() + detail::kBufferHeaderBytes,
                            static_cast<std::size_t>(head),
                            dropped,
                            os_tid,
                            thread_index,
                            std::move(name)};
}

void recover_process(std::int64_t pid, const ProcessFiles& files, const ProcessEnd& end, Recovery& out) {
  if (files.control.empty()) return;  // it never started a test
  FilePrefix control_file(files.control);
  if (!control_file.usable()) return out.problems.push_back(problem(files.control, control_file.error()));
  if (control_file.file_size() < detail::kControlBytes) {
    return out.problems.push_back(problem(files.control, "truncated control block"));
  }
  if (!control_file.read(detail::kControlBytes)) {
    return out.problems.push_back(problem(files.control, control_file.error()));
  }
  // The block the program wrote (format checked next), in memory aligned for its atomics.
  // NOLINTNEXTLINE(*-reinterpret-cast)
  const auto* control = reinterpret_cast<const ControlHeader*>(control_file.data());
  if (control->magic != detail::kControlMagic || control->version != detail::kFormatVersion) {
    return out.problems.push_back(problem(files.control, "not a testscope control block of format 1"));
  }
  if (control->in_test.load(std::memory_order_acquire) != 1) return;  // between tests: nothing lost
  RecoveredTest recovered;
  recovered.pid = pid;
  TestRecord& record = recovered.record;
  if (!read_test_info(control_file.data() + detail::kControlTextOffset, control->text_bytes, record.test) ||
      !read_failures(control_file.data() + detail::kControlFailureOffset,
                     control->failure_bytes.load(std::memory_order_acquire), record.failures)) {
    return out.problems.push_back(problem(files.control, "malformed test name or failures"));
  }
  record.test.line = control->line;
  record.outcome = end.outcome;
  record.start_unix_ns = control->start_unix_ns;
  record.end_unix_ns = std::max(end.end_unix_ns, control->start_unix_ns);
  record.trace_id = TraceId{control->trace_hi, control->trace_lo};
  record.root_span_id = control->root_span;
  record.failures.push_back(
      Failure{"", 0, end.reason, true, record.end_unix_ns,
              end.outcome == Outcome::kTimeout ? "testscope.timeout" : "testscope.crash"});
  const double ns_per_tick =
      std::isfinite(control->ns_per_tick) && control->ns_per_tick > 0 && control->ns_per_tick < 1e6
          ? control->ns_per_tick
          : 1.0;
  const detail::TickMapping clock{control->start_ticks, control->start_unix_ns, ns_per_tick};

  std::vector<std::unique_ptr<FilePrefix>> kept;  // the views point into them
  std::vector<detail::BufferView> views;
  for (const fs::path& path : files.buffers) {
    auto file = std::make_unique<FilePrefix>(path);
    if (auto view = read_buffer(path, control->epoch, *file, out)) {
      views.push_back(std::move(*view));
      kept.push_back(std::move(file));
    }
  }
  detail::assemble_record(record, clock, views, control->parent_span, control->test_thread);
  out.tests.push_back(std::move(recovered));
}

}  // namespace

Recovery recover_tests(const std::string& buffer_dir, const ProcessEnd& end) noexcept {
  Recovery out;
  try {
    for (const auto& [pid, files] : list_files(buffer_dir)) recover_process(pid, files, end, out);
  } catch (const std::exception& e) {
    try {
      out.problems.push_back(buffer_dir + ": " + e.what());
    } catch (...) {
    }
  }
  return out;
}

}  // namespace testscope
