#include "runner/run.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <random>

#include "recorder/clock.hpp"
#include "runner/out_folder.hpp"
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

// Replaces the entries named `name` ("NAME=") in `environment` by NAME=value.
void set_variable(std::vector<std::string>& environment, const std::string& name, const std::string& value) {
  const std::string prefix = name + "=";
  std::erase_if(environment, [&](const std::string& entry) { return entry.starts_with(prefix); });
  environment.push_back(prefix + value);
}

// An execution that ran to its end (not stopped by Ctrl-C, not still under way).
bool finished(const analysis::ExecutionRecord& e) {
  return e.outcome != "interrupted" && e.outcome != "running";
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
  // The race zoo (docs/race-zoo.md) ranks heavy first, light next (it alone reaches a stale fill
  // often), chaos a different strategy; pct, weakest there, is left to be asked for by name.
  static constexpr std::array<const char*, 4> kAuto = {"off", "heavy", "light", "chaos"};
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
  // Held until this function returns: a second run into OUT is refused meanwhile.
  const std::unique_ptr<OutFolder> folder = OutFolder::lock(out, result.error);
  if (!folder) return result;
  result.error = folder->prepare();
  if (!result.error.empty()) return result;
  analysis::RunManifest& manifest = result.manifest;
  manifest.start_unix_ns = detail::unix_now_ns();
  const SpanContext run_span = make_run_span(manifest);
  manifest.argv = request.argv;
  manifest.program = request.program;
  manifest.options = o;
  // Until the run ends, testscope-run.json says it was interrupted: so it does if testscope
  // is killed, and readers then count only the executions it records as finished.
  manifest.interrupted = true;
  const fs::path manifest_path = out / analysis::kRunManifestFile;
  const auto record = [&](const std::vector<analysis::ExecutionRecord>& executions) {
    analysis::RunManifest now = manifest;
    now.end_unix_ns = detail::unix_now_ns();
    now.executions = executions;
    for (analysis::ExecutionRecord& e : now.executions) e.shard = o.shard;
    detail::write_file_atomic(manifest_path,
                              analysis::run_manifest_json(now));  // the last word is the final write's
    if (std::any_of(executions.begin(), executions.end(), finished)) folder->discard_previous();
  };
  record({});
  LoopResult loop = run_executions(fixed, out / "runs", progress, run_span, record);
  manifest.end_unix_ns = detail::unix_now_ns();
  manifest.interrupted = loop.manifest.interrupted;
  manifest.executions = std::move(loop.manifest.executions);
  for (analysis::ExecutionRecord& e : manifest.executions) e.shard = o.shard;
  if (!loop.spawn_error.empty()) result.error = "cannot start " + loop.spawn_error;
  if (!loop.out_error.empty()) result.error = loop.out_error;
  result.finished_any = std::any_of(manifest.executions.begin(), manifest.executions.end(), finished);
  // Nothing finished (a program that cannot start, an early Ctrl-C): OUT is put back as it
  // was. Only a first run into OUT that was interrupted keeps its record of that.
  if (!result.finished_any && (folder->has_previous() || manifest.executions.empty())) {
    result.kept_previous = folder->restore_previous();
    return result;
  }
  folder->discard_previous();
  const std::string written = detail::write_file_atomic(manifest_path, analysis::run_manifest_json(manifest));
  if (!written.empty()) {
    result.error = "cannot write " + written;
    return result;
  }
  result.manifest_written = true;
  return result;
}

}  // namespace testscope::runner
