#include "cli/replay_command.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "analysis/artifact_tree.hpp"
#include "analysis/verdict_text.hpp"
#include "cli/verdict_output.hpp"
#include "report/report_formats.hpp"
#include "runner/run.hpp"
#include "writers/file_io.hpp"
#include "writers/terminal.hpp"

namespace testscope::cli {
namespace {

namespace fs = std::filesystem;

// The run's manifest at `out`, or nullopt after printing why not.
std::optional<analysis::RunManifest> read_manifest(const fs::path& out) {
  const fs::path path = out / analysis::kRunManifestFile;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    fmt::print(stderr, "testscope replay: {}: cannot be read (is {} the output of `testscope run`?)\n",
               path.string(), out.string());
    return std::nullopt;
  }
  std::stringstream text;
  text << in.rdbuf();
  try {
    return analysis::parse_run_manifest(text.str());
  } catch (const std::exception& e) {
    fmt::print(stderr, "testscope replay: {}: {}\n", path.string(), e.what());
    return std::nullopt;
  }
}

// How execution `e` ran, in words: "provoked (medium, seed 123), shuffle seed 7, shard 1/2".
std::string settings_of(const analysis::ExecutionRecord& e) {
  std::string text = e.provoke ? fmt::format("provoked ({}, seed {})", e.provoke->profile, e.provoke->seed)
                               : std::string("not provoked");
  if (e.seed) text += fmt::format(", shuffle seed {}", *e.seed);
  if (e.shard) text += ", shard " + format_shard(*e.shard);
  return text;
}

// The tests that did not pass in execution `name` of the tree at `out`.
std::set<std::string> failing_tests(const fs::path& out, const std::string& name) {
  std::set<std::string> names;
  const analysis::ArtifactTree tree = analysis::load_artifact_tree(out);
  for (const analysis::Execution& e : tree.executions) {
    if (e.record.name != name) continue;
    for (const analysis::TestAttempt& t : e.tests) {
      if (t.outcome != "pass" && t.outcome != "skip") names.insert(t.full_name);
    }
  }
  return names;
}

}  // namespace

CLI::App* add_replay_command(CLI::App& app, ReplayOptions& o) {
  CLI::App* replay = app.add_subcommand(
      "replay",
      "Run one execution of a run again with its seeds and settings, and say how often it fails again");
  replay->add_option("out", o.out, "The output folder of `testscope run`")
      ->required()
      ->check(CLI::ExistingDirectory);
  replay->add_option("execution", o.execution, "The execution to replay: its number (runs/<n>)")->required();
  replay->add_option("-n,--times", o.times, "How many times")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  replay->add_option("-j,--jobs", o.jobs, "Executions at once")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  replay->add_option("-o,--out-dir", o.replay_out, "Where the replays go (default OUT/replay-<execution>)");
  return replay;
}

int replay_command(const ReplayOptions& o) {
  const fs::path out = o.out;
  const std::optional<analysis::RunManifest> manifest = read_manifest(out);
  if (!manifest) return 2;
  const auto original =
      std::find_if(manifest->executions.begin(), manifest->executions.end(),
                   [&](const analysis::ExecutionRecord& e) { return e.name == o.execution; });
  if (original == manifest->executions.end()) {
    fmt::print(stderr, "testscope replay: {} has no execution '{}' (it has 1 to {})\n", out.string(),
               o.execution, manifest->executions.size());
    return 2;
  }
  if (manifest->program.empty()) {
    fmt::print(stderr, "testscope replay: {}: records no program to run\n", out.string());
    return 2;
  }
  std::set<std::string> failed_before;
  try {
    failed_before = failing_tests(out, o.execution);
  } catch (const std::exception& e) {
    fmt::print(stderr, "testscope replay: {}\n", e.what());
    return 2;
  }

  runner::RunRequest request;
  request.options = manifest->options.value_or(analysis::RunOptions{});
  request.options.executions = o.times;
  request.options.until_fail = false;
  request.options.time_budget_s = 0;
  request.options.jobs = o.jobs;
  request.options.shuffle = original->seed.has_value();
  request.options.shard = original->shard;
  request.options.provoke = original->provoke ? original->provoke->profile : std::string();
  request.options.replay_of = o.execution;
  request.options.out = o.replay_out.empty() ? (out / ("replay-" + o.execution)).string() : o.replay_out;
  request.program = manifest->program;
  request.argv = o.argv;
  request.replay = *original;
  fmt::print(stderr, "testscope replay: execution {} of {}: {}; {} times into {}\n", o.execution,
             out.string(), settings_of(*original), o.times, request.options.out);

  runner::Progress progress(stderr, isatty(STDERR_FILENO) != 0, o.times, 0);
  const runner::RunResult run = runner::run_program(request, progress);
  if (!run.error.empty()) fmt::print(stderr, "testscope replay: {}\n", run.error);
  if (!run.manifest_written) return 2;
  const fs::path replay_out = request.options.out;
  analysis::ArtifactTree tree;
  auto verdicts = analyse_output(replay_out, &tree);
  if (!verdicts) return 2;
  attach_explanations(tree, *verdicts);
  if (const std::string error = detail::write_file_atomic(replay_out / artifact_files::kVerdictsFile,
                                                          analysis::verdicts_json(*verdicts));
      !error.empty()) {
    fmt::print(stderr, "testscope replay: cannot write {}\n", error);
    return 2;
  }
  fmt::print("{}", analysis::format_table(*verdicts, replay_out.string(), detail::use_colour(stdout)));
  if (failed_before.empty()) {
    fmt::print("\nexecution {} had no failing test; its replays are above\n", o.execution);
  }
  for (const analysis::TestVerdict& v : verdicts->tests) {
    if (!failed_before.contains(v.name)) continue;
    fmt::print("\n{} failed again in {} of {} replays of execution {} ({})\n", v.name, v.failures, v.runs,
               o.execution, settings_of(*original));
  }
  std::fflush(stdout);
  if (run.manifest.interrupted) return 130;
  return analysis::verdicts_exit_code(*verdicts);
}

}  // namespace testscope::cli
