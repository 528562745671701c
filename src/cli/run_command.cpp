#include "cli/run_command.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>

#include "cli/verdict_output.hpp"
#include "report/report_formats.hpp"
#include "testscope/artifact_files.hpp"
#include "writers/file_io.hpp"
#include "writers/terminal.hpp"

namespace testscope::cli {
namespace {

namespace fs = std::filesystem;

// "30s", "10m", "1h", "500ms" or plain seconds, into seconds.
CLI::AsNumberWithUnit duration_units() {
  return CLI::AsNumberWithUnit(std::map<std::string, double>{{"ms", 0.001}, {"s", 1}, {"m", 60}, {"h", 3600}},
                               CLI::AsNumberWithUnit::CASE_SENSITIVE, "UNIT");
}

// After duration_units(): a number of seconds. Not std::stod, whose bare "stod" was the whole
// message for --timeout 1e400 (issue 14); a century is long enough for any run.
CLI::Validator positive_duration() {
  return {[](const std::string& seconds) -> std::string {
            constexpr double kMaxSeconds = 100.0 * 365 * 24 * 3600;
            char* end = nullptr;
            errno = 0;
            const double value = std::strtod(seconds.c_str(), &end);
            if (end == seconds.c_str() || *end != '\0' || errno == ERANGE || !std::isfinite(value)) {
              return "must be a duration such as 500ms, 30s, 10m or 1h (got '" + seconds + "')";
            }
            if (value <= 0) return "must be longer than 0";
            return value > kMaxSeconds ? "must be at most 100 years (got '" + seconds + "' s)" : "";
          },
          "DURATION"};
}

// --provoke on a program that cannot apply it (not linked with testscope, or with one that
// predates provocation) would otherwise look like "the race did not show".
void warn_if_nothing_provoked(const analysis::RunManifest& manifest, const analysis::ArtifactTree& tree,
                              const std::vector<std::string>& program) {
  const bool asked = std::any_of(manifest.executions.begin(), manifest.executions.end(),
                                 [](const analysis::ExecutionRecord& e) { return e.provoke.has_value(); });
  const bool applied = std::any_of(tree.executions.begin(), tree.executions.end(),
                                   [](const analysis::Execution& e) { return e.provoked; });
  if (!asked || applied) return;
  fmt::print(
      stderr,
      "testscope: warning: --provoke: nothing was provoked: {} wrote no provocation settings in its "
      "run.json, so it is not linked with testscope (or with one older than --provoke); its executions "
      "ran plain (docs/provoke.md)\n",
      program.empty() ? std::string("the program") : program.front());
}

// A run that finished no execution has no verdicts: 130 when Ctrl-C stopped it, 2 when the
// program could not start (or OUT could not be used).
int exit_without_verdicts(const runner::RunResult& run, const fs::path& out) {
  if (run.manifest.interrupted) {
    fmt::print(stderr, "testscope: interrupted before any execution finished: no verdicts{}\n",
               run.kept_previous ? "; " + out.string() + " keeps the previous run's results" : std::string());
    return 130;
  }
  if (run.kept_previous) fmt::print(stderr, "testscope: {} keeps the previous run's results\n", out.string());
  return run.manifest.executions.empty() && run.error.empty() ? 0 : 2;
}

}  // namespace

CLI::App* add_run_command(CLI::App& app, runner::RunRequest& request) {
  analysis::RunOptions& o = request.options;
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
                "Shuffle the tests' order, seed S per execution (TESTSCOPE_SHUFFLE_SEED=S; GTEST_SHUFFLE=1, "
                "GTEST_RANDOM_SEED=S)");
  run->add_option(
         "--seed", o.seed,
         "The run's seed (random if unset, recorded): execution 1's shuffle seed (then S+1, ...) and "
         "the root of every execution's provocation seed")
      ->check(CLI::Range(1, 99999));
  CLI::Option* provoke =
      run->add_option("--provoke", o.provoke,
                      "Push the schedule at span begins/ends and log events to make races show: light, "
                      "medium, heavy (without a value), pct, chaos, or auto (plain and profiles in turn); "
                      "docs/provoke.md")
          ->expected(0, 1)
          ->type_name("[PROFILE]")
          ->check(CLI::Validator(
              [](const std::string& mode) {
                return mode.empty() || runner::valid_provoke_mode(mode)
                           ? std::string()
                           : "must be light, medium, heavy, pct, chaos or auto (got '" + mode + "')";
              },
              ""));
  run->callback([&o, provoke] {
    if (provoke->count() > 0 && o.provoke.empty()) o.provoke = "heavy";
  });
  run->add_option_function<std::string>(
         "--shard", [&o](const std::string& text) { o.shard = parse_shard(text); },
         "Run only slice I of N of the tests (I from 1; TESTSCOPE_SHARD=I/N; GTEST_SHARD_INDEX=I-1, "
         "GTEST_TOTAL_SHARDS=N)")
      ->type_name("I/N")
      ->check(CLI::Validator(
          [](const std::string& text) {
            return parse_shard(text) ? std::string()
                                     : "must be I/N with 1 <= I <= N, e.g. 2/4 (got '" + text + "')";
          },
          ""));
  run->add_option("-o,--out", o.out, "Output folder (runs/<n>/, verdicts.json)")->capture_default_str();
  run->add_option("program", request.program, "PROGRAM [ARGS...] after --, passed through untouched")
      ->required();
  return run;
}

int run_command(const runner::RunRequest& request) {
  const fs::path out = request.options.out;
  runner::Progress progress(stderr, isatty(STDERR_FILENO) != 0, request.options.executions,
                            request.options.time_budget_s);
  const runner::RunResult run = runner::run_program(request, progress);
  if (!run.error.empty()) fmt::print(stderr, "testscope: {}\n", run.error);
  if (!run.finished_any) return exit_without_verdicts(run, out);
  if (!run.manifest_written) return 2;

  analysis::ArtifactTree tree;
  auto verdicts = analyse_output(out, &tree);
  if (!verdicts) return 2;
  attach_explanations(tree, *verdicts);
  warn_if_nothing_provoked(run.manifest, tree, request.program);
  if (const std::string error =
          detail::write_file_atomic(out / artifact_files::kVerdictsFile, analysis::verdicts_json(*verdicts));
      !error.empty()) {
    fmt::print(stderr, "testscope: cannot write {}\n", error);
    return 2;
  }
  fmt::print("{}", analysis::format_table(*verdicts, out.string(), detail::use_colour(stdout)));
  std::fflush(stdout);
  if (run.manifest.interrupted) return 130;
  if (!run.error.empty()) return 2;
  return analysis::verdicts_exit_code(*verdicts);
}

}  // namespace testscope::cli
