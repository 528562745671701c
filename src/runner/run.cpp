#include "runner/run.hpp"

#include <fmt/format.h>

#include <array>
#include <cstdlib>
#include <filesystem>
#include <random>

#include "recorder/clock.hpp"
#include "runner/run_loop.hpp"
#include "testscope/artifact_files.hpp"
#include "testscope/provoke.hpp"
#include "writers/file_io.hpp"

namespace testscope::runner {
namespace {

namespace fs = std::filesystem;

// The run's own span (docs/export.md, "One picture of a run"): a child of the TRACEPARENT
// testscope was given, joining that trace, else the root of a new trace. Recorded in
// `manifest`; each execution's span will be its child.
SpanContext make_run_span(analysis::RunManifest& manifest) {
  SpanContext span;
  const char* given = std::getenv("TRACEPARENT");
  if (const auto parent = given != nullptr ? SpanContext::from_traceparent(given) : std::nullopt) {
    span = *parent;
    manifest.parent_span_id = span_id_to_hex(parent->span_id);
  } else {
    span.trace_id = TraceId{random_span_id(), random_span_id()};
  }
  span.span_id = random_span_id();
  manifest.trace_id = span.trace_id.to_hex();
  manifest.span_id = span_id_to_hex(span.span_id);
  return span;
}

// Makes `out` ready for a new run: a previous run's files are replaced; a folder that is
// not a testscope output is left alone (an error). Returns an error message or "".
std::string prepare_out(const fs::path& out) {
  std::error_code ec;
  if (fs::exists(out / analysis::kRunManifestFile)) {
    fs::remove_all(out / "runs", ec);
    fs::remove(out / artifact_files::kVerdictsFile, ec);
    fs::remove(out / analysis::kRunManifestFile, ec);
  } else if (fs::is_directory(out / "runs") && !fs::is_empty(out / "runs")) {
    return fmt::format("{}: already holds runs/ but no {}; choose another --out or remove it", out.string(),
                       analysis::kRunManifestFile);
  }
  fs::create_directories(out / "runs", ec);
  if (ec) return fmt::format("{}: cannot create: {}", (out / "runs").string(), ec.message());
  return "";
}

// Replaces the entries named `name` ("NAME=") in `environment` by NAME=value.
void set_variable(std::vector<std::string>& environment, const std::string& name, const std::string& value) {
  const std::string prefix = name + "=";
  std::erase_if(environment, [&](const std::string& entry) { return entry.starts_with(prefix); });
  environment.push_back(prefix + value);
}

}  // namespace

void set_shard_environment(std::vector<std::string>& environment, const Shard& shard) {
  set_variable(environment, "TESTSCOPE_SHARD", format_shard(shard));
  set_variable(environment, "GTEST_TOTAL_SHARDS", std::to_string(shard.total));
  set_variable(environment, "GTEST_SHARD_INDEX", std::to_string(shard.index - 1));
}

void set_provoke_environment(std::vector<std::string>& environment,
                             const std::optional<analysis::ProvokeRecord>& provoke) {
  set_variable(environment, "TESTSCOPE_PROVOKE", provoke ? provoke->profile : std::string("off"));
  set_variable(environment, "TESTSCOPE_PROVOKE_SEED",
               provoke ? std::to_string(provoke->seed) : std::string("0"));
}

std::optional<analysis::ProvokeRecord> provoke_for_execution(const analysis::RunOptions& options,
                                                             int number) {
  static constexpr std::array<const char*, 4> kAuto = {"off", "medium", "chaos", "pct"};
  if (options.provoke.empty()) return std::nullopt;
  const std::string profile = options.provoke == "auto"
                                  ? kAuto.at(static_cast<std::size_t>(number - 1) % kAuto.size())
                                  : options.provoke;
  if (profile == "off") return std::nullopt;
  // splitmix64 of the run's seed and the execution's number: distinct, reproducible seeds.
  std::uint64_t z = static_cast<std::uint64_t>(options.seed.value_or(0)) * 0x100000001B3ULL +
                    static_cast<std::uint64_t>(number) * 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30U)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27U)) * 0x94D049BB133111EBULL;
  return analysis::ProvokeRecord{profile, z ^ (z >> 31U)};
}

bool valid_provoke_mode(const std::string& mode) {
  return mode == "auto" || (mode != "off" && parse_provoke_profile(mode).has_value());
}

void set_shuffle_environment(std::vector<std::string>& environment, long seed) {
  set_variable(environment, "TESTSCOPE_SHUFFLE_SEED", std::to_string(seed));
  set_variable(environment, "GTEST_SHUFFLE", "1");
  set_variable(environment, "GTEST_RANDOM_SEED", std::to_string(seed));
}

RunResult run_program(const RunRequest& request, Progress& progress) {
  RunResult result;
  RunRequest fixed = request;
  // The run's seed, recorded even when chosen here, so that its executions can be run again.
  if (!fixed.options.seed) fixed.options.seed = static_cast<long>(std::random_device{}() % 99999 + 1);
  const analysis::RunOptions& o = fixed.options;
  const fs::path out = o.out;
  result.error = prepare_out(out);
  if (!result.error.empty()) return result;
  analysis::RunManifest& manifest = result.manifest;
  manifest.start_unix_ns = detail::unix_now_ns();
  const SpanContext run_span = make_run_span(manifest);
  LoopResult loop = run_executions(fixed, out / "runs", progress, run_span);
  manifest.end_unix_ns = detail::unix_now_ns();
  manifest.argv = request.argv;
  manifest.program = request.program;
  manifest.options = o;
  manifest.interrupted = loop.manifest.interrupted;
  manifest.executions = std::move(loop.manifest.executions);
  for (analysis::ExecutionRecord& e : manifest.executions) e.shard = o.shard;
  if (!loop.spawn_error.empty()) result.error = "cannot start " + loop.spawn_error;
  if (manifest.executions.empty()) return result;
  const std::string written =
      detail::write_file_atomic(out / analysis::kRunManifestFile, analysis::run_manifest_json(manifest));
  if (!written.empty()) {
    result.error = "cannot write " + written;
    return result;
  }
  result.manifest_written = true;
  return result;
}

}  // namespace testscope::runner
