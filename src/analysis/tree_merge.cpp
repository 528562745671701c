#include "analysis/tree_merge.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>
#include <stdexcept>
#include <system_error>

#include "analysis/artifact_tree.hpp"

namespace testscope::analysis {
namespace {

namespace fs = std::filesystem;

[[noreturn]] void fail(const fs::path& path, const std::string& what) {
  throw std::runtime_error(path.string() + ": " + what);
}

RunManifest read_input_manifest(const fs::path& input) {
  std::error_code ec;
  if (!fs::is_directory(input, ec)) fail(input, fs::exists(input, ec) ? "not a directory" : "does not exist");
  const fs::path path = input / kRunManifestFile;
  if (!fs::exists(path, ec)) {
    fail(input, std::string("not a testscope output (no ") + kRunManifestFile + ")");
  }
  std::string error;
  const std::optional<std::string> text = read_artifact_file(path, &error);
  if (!text) fail(path, error);
  try {
    return parse_run_manifest(*text);
  } catch (const std::exception& e) {
    fail(path, std::string("corrupt: ") + e.what());
  }
}

// A name that is one plain folder under runs/ (no separators, not "." or "..").
bool plain_folder_name(const std::string& name) {
  return !name.empty() && name != "." && name != ".." && name.find('/') == std::string::npos &&
         name.find('\0') == std::string::npos;
}

// Adds `input`'s executions to `plan`, numbered on from plan.copies.size() + 1.
void add_input(const fs::path& input, MergePlan& plan) {
  const RunManifest source = read_input_manifest(input);
  std::set<std::string> recorded;
  for (const ExecutionRecord& e : source.executions) {
    if (!plain_folder_name(e.name)) {
      fail(input / kRunManifestFile, "corrupt: execution name \"" + e.name + "\"");
    }
    if (!recorded.insert(e.name).second) {
      fail(input / kRunManifestFile, "corrupt: execution \"" + e.name + "\" recorded twice");
    }
    const fs::path dir = input / "runs" / e.name;
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) fail(dir, std::string("missing (recorded in ") + kRunManifestFile + ")");
    ExecutionRecord merged = e;
    merged.name = std::to_string(plan.copies.size() + 1);
    merged.source = ExecutionSource{input.string(), e.name};
    if (!merged.shard && source.options) merged.shard = source.options->shard;
    plan.copies.push_back({dir, merged.name});
    plan.manifest.executions.push_back(std::move(merged));
  }
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(input / "runs", ec)) {
    if (!recorded.contains(entry.path().filename().string())) {
      plan.warnings.push_back(entry.path().string() + ": not recorded in " + kRunManifestFile + "; left out");
    }
  }
  RunManifest& m = plan.manifest;
  if (m.program.empty()) m.program = source.program;
  m.start_unix_ns = std::min(m.start_unix_ns, source.start_unix_ns);
  m.end_unix_ns = std::max(m.end_unix_ns, source.end_unix_ns);
  m.interrupted = m.interrupted || source.interrupted;
  m.inputs.push_back({input.string(), source.program, source.options ? source.options->shard : std::nullopt,
                      static_cast<int>(source.executions.size()), source.interrupted});
}

// Program file names that differ from the first input's, as a warning.
void warn_about_programs(MergePlan& plan) {
  const auto name = [](const std::vector<std::string>& program) {
    return program.empty() ? std::string() : fs::path(program.front()).filename().string();
  };
  const std::string first = name(plan.manifest.program);
  for (const MergedInput& input : plan.manifest.inputs) {
    if (name(input.program) != first) {
      plan.warnings.push_back(
          fmt::format("{}: ran {}, not {} as the first input did; the whole-program verdict is named {}",
                      input.tree, name(input.program), first, first));
    }
  }
}

}  // namespace

MergePlan plan_merge(const std::vector<fs::path>& inputs, const std::vector<std::string>& argv) {
  MergePlan plan;
  plan.manifest.command = "merge";
  plan.manifest.argv = argv;
  plan.manifest.start_unix_ns = std::numeric_limits<std::int64_t>::max();
  plan.manifest.end_unix_ns = 0;
  std::set<fs::path> seen;
  for (const fs::path& input : inputs) {
    std::error_code ec;
    if (!seen.insert(fs::weakly_canonical(input, ec)).second) fail(input, "given twice");
    add_input(input, plan);
  }
  if (plan.copies.empty()) throw std::runtime_error("the inputs hold no executions to merge");
  warn_about_programs(plan);
  return plan;
}

}  // namespace testscope::analysis
