// The artifact tree: folder names for tests, atomic file writes, and the run's identity.
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "testscope/artifacts.hpp"
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

int hex_digit(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// OTEL_RESOURCE_ATTRIBUTES values are percent-encoded (W3C Baggage octets).
std::string percent_decode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && hex_digit(text[i + 1]) >= 0 && hex_digit(text[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_digit(text[i + 1]) * 16 + hex_digit(text[i + 2])));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
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
  const std::string program =
      run.argv.empty() ? std::string("unknown") : std::filesystem::path(run.argv.front()).filename().string();
  // Defaults first; OTEL_RESOURCE_ATTRIBUTES overrides them; OTEL_SERVICE_NAME wins for
  // service.name (as the SDK specification orders them); telemetry.sdk.* are ours.
  put(run.resource, "service.name", program);
  if (!run.host.empty()) put(run.resource, "host.name", run.host);
  put(run.resource, "process.pid", run.pid);
  put(run.resource, "process.executable.name", program);
  if (const char* attributes = std::getenv("OTEL_RESOURCE_ATTRIBUTES")) {
    std::string_view rest(attributes);
    while (!rest.empty()) {
      const std::size_t comma = rest.find(',');
      const std::string_view item = rest.substr(0, comma);
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
      const std::size_t eq = item.find('=');
      if (eq == std::string_view::npos) continue;  // malformed entries are skipped, as the spec says
      const std::string key(trim(item.substr(0, eq)));
      if (!key.empty()) put(run.resource, key, percent_decode(trim(item.substr(eq + 1))));
    }
  }
  if (const char* service = std::getenv("OTEL_SERVICE_NAME"); service != nullptr && *service != '\0') {
    put(run.resource, "service.name", std::string(service));
  }
  put(run.resource, "telemetry.sdk.name", std::string("testscope"));
  put(run.resource, "telemetry.sdk.language", std::string("cpp"));
  put(run.resource, "telemetry.sdk.version", std::string(version()));
  return run;
}

std::string ArtifactWriter::test_dir(const TestRecord& record) const {
  return (std::filesystem::path(root_) / "tests" / test_id(record.test.full_name())).string();
}

std::string ArtifactWriter::write_run(const RunInfo& run) const {
  try {
    return detail::write_file_atomic(std::filesystem::path(root_) / "run.json", run_json(run));
  } catch (const std::exception& e) {
    return std::string("writing run.json: ") + e.what();
  }
}

std::string ArtifactWriter::write_test(const TestRecord& record, const RunInfo& run) const {
  try {
    const std::filesystem::path dir = test_dir(record);
    std::string error = detail::write_file_atomic(dir / "trace.otlp.json", otlp_json(record, run));
    if (error.empty()) {
      error = detail::write_file_atomic(dir / "trace.chrome.json", chrome_trace_json(record, run));
    }
    if (error.empty()) error = detail::write_file_atomic(dir / "metrics.prom", metrics_prom(record));
    if (error.empty()) error = detail::write_file_atomic(dir / "logs.jsonl", logs_jsonl(record));
    // summary.json last: its presence says the test's artifacts are complete.
    if (error.empty()) error = detail::write_file_atomic(dir / "summary.json", summary_json(record));
    return error;
  } catch (const std::exception& e) {
    return std::string("writing artifacts of ") + record.test.full_name() + ": " + e.what();
  }
}

}  // namespace testscope
