#include "cli/merge_command.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <stdexcept>
#include <system_error>

#include "analysis/artifact_tree.hpp"
#include "analysis/tree_merge.hpp"
#include "cli/verdict_output.hpp"
#include "report/report_formats.hpp"
#include "runner/out_folder.hpp"
#include "writers/file_io.hpp"
#include "writers/terminal.hpp"

namespace testscope::cli {
namespace {

namespace fs = std::filesystem;

// An absolute path with symlinks resolved where it exists, without a trailing separator.
fs::path normalized(const fs::path& path) {
  std::error_code ec;
  fs::path p = fs::weakly_canonical(fs::absolute(path), ec);
  if (ec) p = fs::absolute(path).lexically_normal();
  if (!p.has_filename() && p.has_parent_path()) p = p.parent_path();
  return p;
}

// True when `inner` is `outer` or lies inside it (both normalized).
bool within(const fs::path& outer, const fs::path& inner) {
  const auto [o, i] = std::mismatch(outer.begin(), outer.end(), inner.begin(), inner.end());
  return o == outer.end();
}

// Why `out` cannot receive the merge of `inputs`, or "".
std::string check_destination(const fs::path& out, const std::vector<std::string>& inputs) {
  const fs::path target = normalized(out);
  for (const std::string& input : inputs) {
    const fs::path source = normalized(input);
    if (source == target) return fmt::format("{}: is one of the inputs; choose another --out", out.string());
    if (within(source, target)) return fmt::format("{}: lies inside the input {}", out.string(), input);
    if (within(target, source)) return fmt::format("{}: holds the input {}", out.string(), input);
  }
  std::error_code ec;
  if (!fs::exists(target, ec)) return "";
  if (!fs::is_directory(target, ec)) return fmt::format("{}: exists and is not a directory", out.string());
  if (fs::exists(target / analysis::kRunManifestFile, ec)) return "";
  // Empty, or holding only another merge's lock (which the lock itself then reports).
  const auto is_lock = [](const fs::directory_entry& entry) {
    return entry.path().filename() == runner::kOutLockFile;
  };
  if (std::all_of(fs::directory_iterator(target, ec), fs::directory_iterator(), is_lock)) return "";
  return fmt::format(
      "{}: already holds files that are not a testscope output; choose another --out or remove it",
      out.string());
}

// Set by SIGINT or SIGTERM while a merge is assembled; see InterruptGuard.
volatile std::sig_atomic_t g_interrupted = 0;

extern "C" void note_interrupt(int /*signal*/) { g_interrupted = 1; }

// While alive, SIGINT and SIGTERM set g_interrupted instead of ending the process, so that
// the merge can stop between copies and remove its staging folder; restores the previous
// handlers when it goes.
class InterruptGuard {
 public:
  InterruptGuard() {
    g_interrupted = 0;
    struct sigaction action {};
    action.sa_handler = note_interrupt;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, &previous_int_);
    sigaction(SIGTERM, &action, &previous_term_);
  }
  ~InterruptGuard() {
    sigaction(SIGINT, &previous_int_, nullptr);
    sigaction(SIGTERM, &previous_term_, nullptr);
  }
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;

  static bool interrupted() { return g_interrupted != 0; }

 private:
  struct sigaction previous_int_ {};
  struct sigaction previous_term_ {};
};

// Thrown when the merge was interrupted before it was moved into place.
struct Interrupted {};

void write_file(const fs::path& path, const std::string& text) {
  if (const std::string error = detail::write_file_atomic(path, text); !error.empty()) {
    throw std::runtime_error("cannot write " + error);
  }
}

// Copies the executions and writes testscope-run.json and verdicts.json into `staging`;
// returns the verdicts. Throws std::runtime_error naming the path on a failure.
analysis::Verdicts assemble(const analysis::MergePlan& plan, const fs::path& staging) {
  fs::create_directories(staging / "runs");
  for (const analysis::MergeCopy& copy : plan.copies) {
    if (InterruptGuard::interrupted()) throw Interrupted{};
    std::error_code ec;
    fs::copy(copy.from, staging / "runs" / copy.to_name,
             fs::copy_options::recursive | fs::copy_options::copy_symlinks, ec);
    if (ec) throw std::runtime_error(copy.from.string() + ": cannot copy: " + ec.message());
  }
  write_file(staging / analysis::kRunManifestFile, analysis::run_manifest_json(plan.manifest));
  const analysis::ArtifactTree merged = analysis::load_artifact_tree(staging);
  analysis::Verdicts verdicts = analysis::compute_verdicts(merged);
  attach_explanations(merged, verdicts);  // as `run` and `report` do, so verdicts.json reads the same
  write_file(staging / "verdicts.json", analysis::verdicts_json(verdicts));
  return verdicts;
}

// Moves the assembled `staging` to `target`: renamed as a whole when `target` does not
// exist, else replacing a previous output's runs/, verdicts.json and testscope-run.json
// (the manifest last) and leaving other files alone, as `run` does.
void move_into_place(const fs::path& staging, const fs::path& target) {
  if (!fs::exists(target)) {
    fs::rename(staging, target);
    return;
  }
  fs::remove(target / analysis::kRunManifestFile);
  fs::remove_all(target / "runs");
  fs::remove(target / "verdicts.json");
  fs::rename(staging / "runs", target / "runs");
  fs::rename(staging / "verdicts.json", target / "verdicts.json");
  fs::rename(staging / analysis::kRunManifestFile, target / analysis::kRunManifestFile);
  fs::remove(staging);
}

}  // namespace

CLI::App* add_merge_command(CLI::App& app, MergeOptions& o) {
  CLI::App* merge =
      app.add_subcommand("merge",
                         "Merge the output folders of several runs (machines, shards) into one:\n  "
                         "testscope merge OUT... --out MERGED");
  merge->add_option("OUT", o.inputs, "Output folders of `testscope run` (or of an earlier merge)")
      ->required();
  merge->add_option("-o,--out", o.out, "The merged folder (runs/1..K, testscope-run.json, verdicts.json)")
      ->required();
  merge->footer(
      "Exit codes as for run: 0 every test passed, 1 a failure or a flaky test, 2 an input error,\n"
      "130 interrupted (nothing merged, MERGED as it was).");
  return merge;
}

int merge_command(const MergeOptions& o) {
  if (const std::string error = check_destination(o.out, o.inputs); !error.empty()) {
    fmt::print(stderr, "testscope: {}\n", error);
    return 2;
  }
  std::vector<fs::path> inputs(o.inputs.begin(), o.inputs.end());
  for (const fs::path& input : inputs) {  // a run still writing it: its executions are not all there
    if (const std::string holder = runner::OutFolder::holder(input); !holder.empty()) {
      fmt::print(stderr,
                 "testscope: {}: a testscope run is still writing it ({}); merge it when it has ended\n",
                 input.string(), holder);
      return 2;
    }
  }
  const fs::path target = normalized(o.out);
  // The destination is locked as `run` locks its OUT: two merges (or a run and a merge) into
  // one folder would replace each other's runs/ halfway.
  const bool made = !fs::exists(target);
  std::string lock_error;
  const std::unique_ptr<runner::OutFolder> lock = runner::OutFolder::lock(target, lock_error);
  if (!lock) {
    fmt::print(stderr, "testscope: {}\n", lock_error);
    return 2;
  }
  const auto remove_if_made = [&] {  // a failed merge leaves no empty folder it made
    std::error_code ec;
    if (made) {
      fs::remove(target / runner::kOutLockFile, ec);
      fs::remove(target, ec);
    }
  };
  const fs::path staging =
      target.parent_path() / fmt::format(".{}.merging-{}", target.filename().string(), getpid());
  std::optional<analysis::Verdicts> verdicts;
  const InterruptGuard guard;
  try {
    const analysis::MergePlan plan = analysis::plan_merge(inputs, o.argv);
    for (const std::string& warning : plan.warnings) fmt::print(stderr, "testscope: warning: {}\n", warning);
    fs::remove_all(staging);
    verdicts = assemble(plan, staging);
    if (InterruptGuard::interrupted()) throw Interrupted{};
    move_into_place(staging, target);  // not interrupted once begun: it is a few renames
    fmt::print(stderr, "testscope: merged {} executions from {} folders into {}\n", plan.copies.size(),
               inputs.size(), o.out);
  } catch (const Interrupted&) {
    std::error_code ec;
    fs::remove_all(staging, ec);
    remove_if_made();
    fmt::print(stderr, "testscope: interrupted; nothing was merged and {} is as it was\n", o.out);
    return 130;
  } catch (const std::exception& e) {
    std::error_code ec;
    fs::remove_all(staging, ec);
    remove_if_made();
    fmt::print(stderr, "testscope: {}\n", e.what());
    return 2;
  }
  fmt::print(stderr, "{}", analysis::format_problems(*verdicts, o.out));
  fmt::print("{}", analysis::format_table(*verdicts, o.out, detail::use_colour(stdout)));
  std::fflush(stdout);
  return analysis::verdicts_exit_code(*verdicts);
}

}  // namespace testscope::cli
