#include "cli/run_command.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

#include "analysis/report_formats.hpp"
#include "cli/run_loop.hpp"
#include "cli/verdict_output.hpp"

namespace testscope::cli {
namespace {

namespace fs = std::filesystem;

std::int64_t unix_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

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

// "30s", "10m", "1h", "500ms" or plain seconds, into seconds.
CLI::AsNumberWithUnit duration_units() {
  return CLI::AsNumberWithUnit(std::map<std::string, double>{{"ms", 0.001}, {"s", 1}, {"m", 60}, {"h", 3600}},
                               CLI::AsNumberWithUnit::CASE_SENSITIVE, "UNIT");
}

CLI::Validator positive_duration() {
  return {[](const std::string& seconds) { return std::stod(seconds) > 0 ? "" : "must be longer than 0"; },
          "DURATION"};
}

// Makes `out` ready for a new run: a previous run's files are replaced; a folder that is
// not a testscope output is left alone (an error). Returns an error message or "".
std::string prepare_out(const fs::path& out) {
  std::error_code ec;
  if (fs::exists(out / analysis::kRunManifestFile)) {
    fs::remove_all(out / "runs", ec);
    fs::remove(out / "verdicts.json", ec);
    fs::remove(out / analysis::kRunManifestFile, ec);
  } else if (fs::is_directory(out / "runs") && !fs::is_empty(out / "runs")) {
    return fmt::format("{}: already holds runs/ but no {}; choose another --out or remove it", out.string(),
                       analysis::kRunManifestFile);
  }
  fs::create_directories(out / "runs", ec);
  if (ec) return fmt::format("{}: cannot create: {}", (out / "runs").string(), ec.message());
  return "";
}

bool write_file(const fs::path& path, const std::string& text) {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file << text;
  file.close();
  if (!file) fmt::print(stderr, "testscope: {}: cannot write\n", path.string());
  return static_cast<bool>(file);
}

}  // namespace

void set_shard_environment(std::vector<std::string>& environment, const analysis::Shard& shard) {
  const auto is_shard_variable = [](const std::string& entry) {
    return entry.rfind("GTEST_TOTAL_SHARDS=", 0) == 0 || entry.rfind("GTEST_SHARD_INDEX=", 0) == 0;
  };
  std::erase_if(environment, is_shard_variable);
  environment.push_back("GTEST_TOTAL_SHARDS=" + std::to_string(shard.total));
  environment.push_back("GTEST_SHARD_INDEX=" + std::to_string(shard.index - 1));
}

CLI::App* add_run_command(CLI::App& app, RunOptions& o) {
  CLI::App* run = app.add_subcommand("run",
                                     "Run a test program many times and give a verdict per test:\n  "
                                     "testscope run [OPTIONS] -- PROGRAM [ARGS...]");
  run->add_option("-n,--executions", o.executions, "How many executions (the most, with --until-fail)")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000000));
  run->add_flag("--until-fail", o.until_fail, "Stop after the first execution that does not pass");
  run->add_option("--time-budget", o.time_budget_s, "Start no execution after this long (e.g. 10m)")
      ->transform(duration_units())
      ->check(positive_duration());
  run->add_option("-j,--jobs", o.jobs, "Executions at once")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  run->add_option("--timeout", o.timeout_s, "Kill an execution's process group after this long (e.g. 30s)")
      ->transform(duration_units())
      ->check(positive_duration());
  run->add_flag("--shuffle", o.shuffle,
                "Pass --gtest_shuffle --gtest_random_seed=S, S recorded per execution");
  run->add_option("--seed", o.seed, "The first execution's seed with --shuffle (then S+1, ...)")
      ->check(CLI::Range(1, 99999));
  run->add_option_function<std::string>(
         "--shard", [&o](const std::string& text) { o.shard = analysis::parse_shard(text); },
         "Run only slice I of N of the tests (I from 1; GTEST_SHARD_INDEX=I-1, GTEST_TOTAL_SHARDS=N)")
      ->type_name("I/N")
      ->check(CLI::Validator(
          [](const std::string& text) {
            return analysis::parse_shard(text)
                       ? std::string()
                       : "must be I/N with 1 <= I <= N, e.g. 2/4 (got '" + text + "')";
          },
          ""));
  run->add_option("-o,--out", o.out, "Output folder (runs/<n>/, verdicts.json)")->capture_default_str();
  run->add_option("program", o.program, "PROGRAM [ARGS...] after --, passed through untouched")->required();
  return run;
}

int run_command(const RunOptions& o) {
  const fs::path out = o.out;
  if (const std::string error = prepare_out(out); !error.empty()) {
    fmt::print(stderr, "testscope: {}\n", error);
    return 2;
  }
  analysis::RunManifest manifest;
  manifest.start_unix_ns = unix_ns();
  const SpanContext run_span = make_run_span(manifest);
  Progress progress(stderr, isatty(STDERR_FILENO) != 0, o.executions, o.time_budget_s);
  LoopResult loop = run_executions(o, out / "runs", progress, run_span);
  manifest.end_unix_ns = unix_ns();
  manifest.argv = o.argv;
  manifest.program = o.program;
  manifest.options = analysis::RunOptionsRecord{o.executions, o.until_fail, o.time_budget_s, o.jobs,
                                                o.timeout_s,  o.shuffle,    o.out,           o.shard};
  manifest.interrupted = loop.manifest.interrupted;
  manifest.executions = std::move(loop.manifest.executions);
  for (analysis::ExecutionRecord& e : manifest.executions) e.shard = o.shard;
  if (!loop.spawn_error.empty()) fmt::print(stderr, "testscope: cannot start {}\n", loop.spawn_error);
  if (manifest.executions.empty()) return loop.spawn_error.empty() ? 0 : 2;
  write_file(out / analysis::kRunManifestFile, analysis::run_manifest_json(manifest));

  const auto verdicts = analyse_output(out);
  if (!verdicts) return 2;
  write_file(out / "verdicts.json", analysis::verdicts_json(*verdicts));
  fmt::print("{}", analysis::format_table(*verdicts, out.string(), use_colour(stdout)));
  std::fflush(stdout);
  if (manifest.interrupted) return 130;
  if (!loop.spawn_error.empty()) return 2;
  return analysis::verdicts_exit_code(*verdicts);
}

}  // namespace testscope::cli
