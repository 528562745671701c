// The artifact tree: folder names for tests, atomic file writes, and the run's identity.
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "otel_env/environment.hpp"
#include "otel_env/resource_environment.hpp"
#include "testscope/artifact_files.hpp"
#include "testscope/artifacts.hpp"
#include "writers/document_sink.hpp"
#include "writers/file_io.hpp"

namespace testscope {
namespace {

constexpr std::size_t kMaxIdBytes = 120;

std::uint64_t fnv1a(std::string_view text) noexcept {
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  for (char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

bool safe_char(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
         c == '_';
}

void put(std::vector<AttributeData>& resource, const std::string& key,
         std::variant<std::string, std::int64_t, double, bool> value) {
  for (AttributeData& existing : resource) {
    if (existing.key == key) {
      existing.value = std::move(value);
      return;
    }
  }
  resource.push_back(AttributeData{key, std::move(value)});
}

// Writes the document that `write` hands to its sink, piece by piece, to `path` through
// one AtomicFile: the document is never whole in memory. Returns write_file_atomic's error.
template <typename Write>
std::string write_streamed(const std::filesystem::path& path, Write&& write) {
  detail::AtomicFile file(path);
  if (!file.error().empty()) return file.error();
  std::forward<Write>(write)([&file](std::string_view piece) { file.append(piece); });
  return file.commit();
}

}  // namespace

std::string_view version() noexcept { return TESTSCOPE_VERSION; }

std::string test_id(std::string_view full_name) {
  std::string id;
  id.reserve(full_name.size() + 16);
  bool changed = full_name.empty();
  for (char c : full_name) {
    if (safe_char(c)) {
      id.push_back(c);
    } else {
      changed = true;
      if (id.empty() || id.back() != '_') id.push_back('_');
    }
  }
  if (!id.empty() && id.front() == '.') {  // no hidden folders, no "." or ".."
    id.front() = '_';
    changed = true;
  }
  if (id.empty()) id = "_";                // never starts with '-'
  constexpr std::size_t kHashSuffix = 13;  // "-" + 12 hex digits
  if (id.size() > kMaxIdBytes || (changed && id.size() > kMaxIdBytes - kHashSuffix)) {
    id.resize(kMaxIdBytes - kHashSuffix);
    changed = true;
  }
  if (changed) {
    std::array<char, 16> suffix{};
    std::snprintf(suffix.data(), suffix.size(), "-%012llx",
                  static_cast<unsigned long long>(fnv1a(full_name) & 0xFFFFFFFFFFFFULL));
    id += suffix.data();
  }
  return id;
}

RunInfo describe_this_run(int argc, const char* const* argv) {
  RunInfo run;
  for (int i = 0; i < argc && argv != nullptr; ++i) run.argv.emplace_back(argv[i] != nullptr ? argv[i] : "");
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  run.start_unix_ns = static_cast<std::int64_t>(ts.tv_sec) * 1000000000LL + ts.tv_nsec;
  std::array<char, 256> host{};
  if (gethostname(host.data(), host.size() - 1) == 0) run.host = host.data();
  run.pid = static_cast<std::int64_t>(getpid());
  if (const char* parent = std::getenv("TRACEPARENT")) {
    if (auto context = SpanContext::from_traceparent(parent)) run.parent = *context;
  }
  if (const ProvokeSettings provoke = provocation_settings(); provoke.profile != ProvokeProfile::kOff) {
    run.provoke = provoke;
  }
  const std::string program =
      run.argv.empty() ? std::string("unknown") : std::filesystem::path(run.argv.front()).filename().string();
  // Defaults first, then the environment's (as the SDK specification orders them);
  // telemetry.sdk.* are ours.
  put(run.resource, "service.name", program);
  if (!run.host.empty()) put(run.resource, "host.name", run.host);
  put(run.resource, "process.pid", run.pid);
  put(run.resource, "process.executable.name", program);
  // The CI's attributes (GitHub Actions' cicd.*), then OTEL_RESOURCE_ATTRIBUTES, then
  // OTEL_SERVICE_NAME: the same rules `testscope export` applies, from the same code.
  for (otlp::KeyValue& kv :
       otlp::resource_attributes_from_environment(otlp::process_environment(), nullptr)) {
    put(run.resource, kv.key, std::move(kv.value));
  }
  put(run.resource, "telemetry.sdk.name", std::string("testscope"));
  put(run.resource, "telemetry.sdk.language", std::string("cpp"));
  put(run.resource, "telemetry.sdk.version", std::string(version()));
  return run;
}

std::string test_folder(std::string_view full_name, int repetition) {
  std::string folder = test_id(full_name);
  if (repetition > 1) folder += "@" + std::to_string(repetition);
  return folder;
}

std::string ArtifactWriter::test_dir(const TestRecord& record) const {
  return (std::filesystem::path(root_) / "tests" / test_folder(record.test.full_name(), record.repetition))
      .string();
}

std::string ArtifactWriter::write_run(const RunInfo& run) const {
  try {
    return detail::write_file_atomic(std::filesystem::path(root_) / artifact_files::kRunFile, run_json(run));
  } catch (const std::exception& e) {
    return std::string("writing run.json: ") + e.what();
  }
}

std::string ArtifactWriter::write_test(const TestRecord& record, const RunInfo& run) const {
  try {
    const std::filesystem::path dir = test_dir(record);
    std::string error =
        write_streamed(dir / artifact_files::kOtlpTraceFile,
                       [&](const detail::DocumentSink& sink) { detail::write_otlp_json(record, run, sink); });
    if (error.empty()) {
      error = write_streamed(dir / artifact_files::kChromeTraceFile, [&](const detail::DocumentSink& sink) {
        detail::write_chrome_trace_json(record, run, sink);
      });
    }
    if (error.empty()) {
      error = detail::write_file_atomic(dir / artifact_files::kMetricsFile, metrics_prom(record));
    }
    if (error.empty()) {
      error = write_streamed(dir / artifact_files::kLogsFile, [&](const detail::DocumentSink& sink) {
        detail::write_logs_jsonl(record, sink);
      });
    }
    // summary.json last: its presence says the test's artifacts are complete.
    if (error.empty()) {
      error = detail::write_file_atomic(dir / artifact_files::kSummaryFile, summary_json(record));
    }
    return error;
  } catch (const std::exception& e) {
    return std::string("writing artifacts of ") + record.test.full_name() + ": " + e.what();
  }
}

}  // namespace testscope
