#include "analysis/artifact_tree.hpp"

#include <fcntl.h>
#include <nlohmann/json.hpp>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <map>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <system_error>
#include <thread>

#include "analysis/json_errors.hpp"
#include "analysis/summary_fast_path.hpp"

namespace testscope::analysis {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Closes `fd` (if >= 0) when it goes out of scope.
struct FileDescriptor {
  explicit FileDescriptor(int descriptor) : fd(descriptor) {}
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor() {
    if (fd >= 0) ::close(fd);
  }
  int fd;
};

constexpr const char* kNotRegular = "is not a regular file; not read";

// The whole file at `path` (relative to the directory `dirfd`, or to the working directory
// with AT_FDCWD), read with openat and read into a per-thread buffer: a tree has ~100,000
// small files, and ifstream plus stringstream copied each twice. nullopt with `error` set
// if it cannot be read, or if it is not a regular file: opened without blocking (a FIFO's
// open would wait for a writer) and checked on the descriptor before any read. `missing` is
// set when it does not exist.
std::optional<std::string> read_text_at(int dirfd, const char* path, std::string* error = nullptr,
                                        bool* missing = nullptr) {
  const int fd = ::openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) {
    const int open_error = errno;
    if (missing != nullptr) *missing = open_error == ENOENT;
    if (error != nullptr) *error = "cannot be read (" + std::generic_category().message(open_error) + ")";
    return std::nullopt;
  }
  const FileDescriptor closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    if (error != nullptr) *error = kNotRegular;
    return std::nullopt;
  }
  constexpr std::size_t kKeptBytes = 65536;
  thread_local std::vector<char> buffer(kKeptBytes);  // kept between files: no allocation per file
  std::size_t size = 0;
  ssize_t n = 0;
  while ((n = ::read(fd, buffer.data() + size, buffer.size() - size)) > 0) {
    size += static_cast<std::size_t>(n);
    if (size == buffer.size()) buffer.resize(buffer.size() * 2);
  }
  const int read_error = errno;
  std::optional<std::string> text;
  if (n >= 0) text.emplace(buffer.data(), size);
  if (buffer.size() > kKeptBytes) {
    std::vector<char>(kKeptBytes).swap(buffer);  // a big file's room is not kept
  }
  if (n < 0 && error != nullptr) {
    *error = "cannot be read (" + std::generic_category().message(read_error) + ")";
  }
  return text;
}

std::optional<std::string> read_text(const fs::path& path, std::string* error = nullptr) {
  return read_text_at(AT_FDCWD, path.c_str(), error);
}

// Parses `text`, read from `path`; on failure records a Problem and returns nullopt.
std::optional<json> parse_json(const fs::path& path, const std::string& text,
                               std::vector<Problem>& problems) {
  if (text.empty()) {
    problems.push_back({path, "is empty"});
    return std::nullopt;
  }
  try {
    return parse_json_or_throw(text);
  } catch (const std::exception& e) {
    problems.push_back({path, e.what()});
    return std::nullopt;
  }
}

// Parses the JSON file at `path`; on failure records a Problem and returns nullopt.
std::optional<json> read_json(const fs::path& path, std::vector<Problem>& problems) {
  std::string error;
  const auto text = read_text(path, &error);
  if (!text) {
    problems.push_back({path, error});
    return std::nullopt;
  }
  return parse_json(path, *text, problems);
}

std::string failures_text(const json& failures) {
  std::string text;
  for (const json& f : failures) {
    if (!text.empty()) text += "\n\n";
    text += f.value("file", std::string()) + ":" + std::to_string(f.value("line", 0)) + "\n" +
            f.value("message", std::string());
  }
  return text;
}

// A quarantine object of summary.json that names its entry.
bool has_entry(const json& quarantine) {
  const auto entry = quarantine.find("entry");
  return quarantine.is_object() && entry != quarantine.end() && entry->is_string() &&
         !entry->get<std::string>().empty();
}

// The test in the summary.json at `relative` under the directory `dirfd`, whose path is
// `path`; nullopt when there is none (a test still running when the program died) or, with
// a Problem, when it cannot be used.
std::optional<TestAttempt> read_summary(int dirfd, const std::string& relative, const fs::path& path,
                                        const std::string& id, std::vector<Problem>& problems) {
  std::string error;
  bool missing = false;
  const auto text = read_text_at(dirfd, relative.c_str(), &error, &missing);
  if (!text) {
    if (!missing) problems.push_back({path, error});
    return std::nullopt;
  }
  // The common case, ~5x faster; the general reader below decides the rest (the two must
  // stay in step: see summary_fast_path.hpp).
  if (TestAttempt fast; detail::read_summary_fast(*text, fast)) {
    fast.id = id;
    return fast;
  }
  const auto doc = parse_json(path, *text, problems);
  if (!doc) return std::nullopt;
  check_schema(*doc, path.string());
  try {
    TestAttempt t;
    t.id = id;
    const json& test = doc->at("test");
    t.full_name = test.at("full_name").get<std::string>();
    t.suite = test.value("suite", std::string());
    t.name = test.value("name", t.full_name);
    t.outcome = doc->at("outcome").get<std::string>();
    static constexpr std::array<std::string_view, 5> kKnown = {"pass", "fail", "skip", "crash", "timeout"};
    if (std::find(kKnown.begin(), kKnown.end(), t.outcome) == kKnown.end()) {
      problems.push_back({path, "unknown outcome \"" + t.outcome + "\""});
      return std::nullopt;
    }
    t.duration_ns = doc->value("duration_ns", std::int64_t{0});
    if (const auto r = doc->find("repetition"); r != doc->end() && r->is_number_integer()) {
      t.repetition = r->get<int>();
    }
    if (doc->contains("failures")) t.message = failures_text(doc->at("failures"));
    if (const auto q = doc->find("quarantine"); q != doc->end() && !q->is_null() && !has_entry(*q)) {
      // `{}` or an object without its entry must not excuse a failure (exit code 0).
      problems.push_back({path, "quarantine: no \"entry\"; the test is read as not quarantined"});
    } else if (q != doc->end() && !q->is_null()) {
      t.quarantine =
          detail::quarantine_text(q->value("entry", std::string()), q->value("reason", std::string()),
                                  q->value("owner", std::string()), q->value("expires", std::string()));
      t.quarantine_expires = q->value("expires", std::string());
    }
    return t;
  } catch (const json::exception& e) {
    problems.push_back({path, describe_json_error(e)});
    return std::nullopt;
  }
}

// Fills outcome/exit code from run.json when the runner left no record.
void read_run_json(const fs::path& path, Execution& execution, std::string& program,
                   std::vector<Problem>& problems) {
  if (!fs::exists(path)) {
    problems.push_back(
        {path, "missing (the execution wrote no run.json: was the program linked with testscope?)"});
    return;
  }
  const auto doc = read_json(path, problems);
  if (!doc) return;
  check_schema(*doc, path.string());
  try {
    execution.has_run_json = true;
    execution.provoked = doc->contains("chaos") && (*doc)["chaos"].is_object();
    const auto argv = doc->at("argv").get<std::vector<std::string>>();
    if (program.empty() && !argv.empty()) program = fs::path(argv.front()).filename().string();
    if (execution.record.start_unix_ns == 0 && doc->contains("start_unix_ns") &&
        (*doc)["start_unix_ns"].is_number_integer()) {  // without a runner: the program's own times
      execution.record.start_unix_ns = (*doc)["start_unix_ns"].get<std::int64_t>();
      if (doc->contains("end_unix_ns") && (*doc)["end_unix_ns"].is_number_integer()) {
        execution.record.duration_ns = std::max<std::int64_t>(
            0, (*doc)["end_unix_ns"].get<std::int64_t>() - execution.record.start_unix_ns);
      }
    }
    if (execution.record.outcome != "unknown") return;  // the runner's record wins
    const json& status = doc->at("exit_status");
    if (status.is_null()) {
      execution.record.outcome = "crash";  // started, never finished
    } else {
      execution.record.exit_code = status.get<int>();
      execution.record.outcome = execution.record.exit_code == 0 ? "pass" : "fail";
    }
    if (doc->contains("random_seed") && (*doc)["random_seed"].is_number() && !execution.record.seed) {
      execution.record.seed = (*doc)["random_seed"].get<std::int64_t>();
    }
  } catch (const json::exception& e) {
    problems.push_back({path, describe_json_error(e)});
  }
}

void read_execution(const fs::path& root, Execution& execution, std::string& program,
                    std::vector<Problem>& problems) {
  const fs::path dir = execution.dir.empty() ? root : root / execution.dir;
  read_run_json(dir / "run.json", execution, program, problems);
  std::error_code ec;
  // Summaries are opened relative to tests/ (openat): the kernel then walks two path
  // components per file instead of the whole path from the root.
  const int tests_fd = ::open((dir / "tests").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  const FileDescriptor tests_closer{tests_fd};
  if (tests_fd >= 0) {
    for (const auto& entry : fs::directory_iterator(dir / "tests", ec)) {
      if (!entry.is_directory()) continue;
      const std::string id = entry.path().filename().string();
      if (auto t =
              read_summary(tests_fd, id + "/summary.json", entry.path() / "summary.json", id, problems)) {
        execution.tests.push_back(std::move(*t));
      }
    }
  }
  std::sort(execution.tests.begin(), execution.tests.end(), [](const TestAttempt& a, const TestAttempt& b) {
    return a.full_name != b.full_name ? a.full_name < b.full_name : a.repetition < b.repetition;
  });
  if (execution.record.outcome == "unknown" && !execution.has_run_json) {
    const bool failed = std::any_of(execution.tests.begin(), execution.tests.end(), [](const TestAttempt& t) {
      return t.outcome != "pass" && t.outcome != "skip";
    });
    execution.record.outcome = failed ? "fail" : "pass";
  }
}

// Folder names in execution order: numbers ascending, then the rest by name.
bool execution_order(const std::string& a, const std::string& b) {
  const bool a_num = !a.empty() && std::all_of(a.begin(), a.end(), ::isdigit);
  const bool b_num = !b.empty() && std::all_of(b.begin(), b.end(), ::isdigit);
  if (a_num != b_num) return a_num;
  if (a_num && a.size() != b.size()) return a.size() < b.size();
  return a < b;
}

// Reads the runner's manifest in `tree.root`, if there is one: fills tree.interrupted and
// tree.program, and returns the execution records by name. A bad manifest is a Problem.
std::map<std::string, ExecutionRecord> read_manifest(ArtifactTree& tree) {
  std::map<std::string, ExecutionRecord> records;
  const fs::path manifest_path = tree.root / kRunManifestFile;
  if (!fs::exists(manifest_path)) return records;
  try {
    std::string error;
    const auto text = read_text(manifest_path, &error);
    if (!text) throw std::runtime_error(error);
    check_schema(parse_json_or_throw(*text), manifest_path.string());
    const RunManifest manifest = parse_run_manifest(*text);
    tree.interrupted = manifest.interrupted;
    if (!manifest.program.empty()) tree.program = fs::path(manifest.program.front()).filename().string();
    for (const ExecutionRecord& r : manifest.executions) records[r.name] = r;
  } catch (const SchemaError&) {
    throw;
  } catch (const std::exception& e) {
    tree.problems.push_back({manifest_path, e.what()});
  }
  return records;
}

// An execution that did not run to its end: stopped by Ctrl-C, or still under way when the
// manifest was last written (a run in progress, or one whose testscope was killed).
bool unfinished(const ExecutionRecord& record) {
  return record.outcome == "interrupted" || record.outcome == "running";
}

// Names of the executions: those the manifest records, then folders under runs/ it does
// not, all in execution order. A run that did not end (`interrupted`) records every execution
// it finished, so a folder it does not record is one it had just started: left out.
std::vector<std::string> execution_names(const fs::path& root,
                                         const std::map<std::string, ExecutionRecord>& records,
                                         bool interrupted) {
  std::vector<std::string> names;
  names.reserve(records.size());
  for (const auto& [name, record] : records) names.push_back(name);
  std::error_code ec;
  if (!interrupted && fs::is_directory(root / "runs", ec)) {
    for (const auto& entry : fs::directory_iterator(root / "runs", ec)) {
      const std::string name = entry.path().filename().string();
      if (entry.is_directory() && !records.contains(name)) names.push_back(name);
    }
  }
  std::sort(names.begin(), names.end(), execution_order);
  return names;
}

// One execution as read by a worker: what read_execution fills, kept apart per execution so
// that the results are put together in execution order whatever thread read them.
struct ExecutionSlot {
  Execution execution;
  std::string program;
  std::vector<Problem> problems;
  std::string schema_error;  // set when a file of it has another schema: the tree is refused
};

// Reads the executions `names` into `tree` (skipping interrupted ones) on up to 8 threads:
// a tree of 1,000 executions has ~100,000 summaries. The result does not depend on the
// number of threads.
void read_executions(ArtifactTree& tree, const std::vector<std::string>& names,
                     const std::map<std::string, ExecutionRecord>& records) {
  std::vector<ExecutionSlot> slots(names.size());
  for (std::size_t i = 0; i < names.size(); ++i) {
    Execution& execution = slots[i].execution;
    execution.dir = "runs/" + names[i];
    execution.record.name = names[i];
    execution.record.outcome = "unknown";
    if (auto it = records.find(names[i]); it != records.end()) execution.record = it->second;
  }
  std::atomic<std::size_t> next{0};
  const auto work = [&] {
    for (std::size_t i = next++; i < slots.size(); i = next++) {
      ExecutionSlot& slot = slots[i];
      if (unfinished(slot.execution.record)) continue;  // not evidence either way
      try {
        read_execution(tree.root, slot.execution, slot.program, slot.problems);
      } catch (const SchemaError& e) {
        slot.schema_error = e.what();
      } catch (const std::exception& e) {  // e.g. a folder that vanished while it was listed
        slot.problems.push_back({tree.root / slot.execution.dir, e.what()});
      }
    }
  };
  const auto threads =
      std::min<std::size_t>({std::max(1U, std::thread::hardware_concurrency()), 8, (names.size() + 15) / 16});
  {
    std::vector<std::jthread> workers;
    for (std::size_t t = 1; t < threads; ++t) workers.emplace_back(work);
    work();
  }
  for (ExecutionSlot& slot : slots) {
    if (!slot.schema_error.empty()) throw SchemaError(slot.schema_error);
  }
  for (ExecutionSlot& slot : slots) {
    if (unfinished(slot.execution.record)) continue;
    if (tree.program.empty()) tree.program = slot.program;
    tree.problems.insert(tree.problems.end(), std::make_move_iterator(slot.problems.begin()),
                         std::make_move_iterator(slot.problems.end()));
    tree.executions.push_back(std::move(slot.execution));
  }
}

}  // namespace

std::optional<std::string> read_artifact_file(const fs::path& path, std::string* error) {
  return read_text(path, error);
}

ArtifactStream open_artifact_file(const fs::path& path, std::string* error, std::uintmax_t* size) {
  ArtifactStream none(nullptr, &std::fclose);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) {
    if (error != nullptr) *error = "cannot be read (" + std::generic_category().message(errno) + ")";
    return none;
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    if (error != nullptr) *error = kNotRegular;
    return none;
  }
  std::FILE* file = ::fdopen(fd, "r");
  if (file == nullptr) {
    ::close(fd);
    if (error != nullptr) *error = "cannot be read (" + std::generic_category().message(errno) + ")";
    return none;
  }
  if (size != nullptr) *size = static_cast<std::uintmax_t>(st.st_size);
  return {file, &std::fclose};
}

ArtifactTree load_artifact_tree(const fs::path& root) {
  std::error_code ec;
  if (!fs::is_directory(root, ec)) throw std::runtime_error(root.string() + ": not a directory");
  ArtifactTree tree;
  tree.root = root;
  const std::map<std::string, ExecutionRecord> records = read_manifest(tree);
  const bool manifest_read = !records.empty() || fs::exists(root / kRunManifestFile);
  const std::vector<std::string> names = execution_names(root, records, manifest_read && tree.interrupted);
  read_executions(tree, names, records);
  if (names.empty() && (fs::exists(root / "run.json") || fs::is_directory(root / "tests", ec))) {
    Execution single;
    single.record.name = ".";
    single.record.outcome = "unknown";
    read_execution(root, single, tree.program, tree.problems);
    tree.executions.push_back(std::move(single));
  }
  if (tree.executions.empty() && names.empty()) {
    throw std::runtime_error(root.string() + ": no executions found (expected runs/<n>/ or run.json)");
  }
  if (tree.executions.empty()) {
    throw std::runtime_error(root.string() +
                             ": no execution finished (the run was interrupted or killed before one ended)");
  }
  if (tree.program.empty()) tree.program = "program";
  return tree;
}

}  // namespace testscope::analysis
