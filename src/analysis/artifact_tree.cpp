#include "analysis/artifact_tree.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <system_error>

#include "analysis/json_errors.hpp"

namespace testscope::analysis {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::optional<std::string> read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Parses the JSON file at `path`; on failure records a Problem and returns nullopt.
std::optional<json> read_json(const fs::path& path, std::vector<Problem>& problems) {
  const auto text = read_text(path);
  if (!text) {
    problems.push_back({path, "cannot be read"});
    return std::nullopt;
  }
  if (text->empty()) {
    problems.push_back({path, "is empty"});
    return std::nullopt;
  }
  try {
    return parse_json_or_throw(*text);
  } catch (const std::exception& e) {
    problems.push_back({path, e.what()});
    return std::nullopt;
  }
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

std::optional<TestAttempt> read_summary(const fs::path& path, const std::string& id,
                                        std::vector<Problem>& problems) {
  const auto doc = read_json(path, problems);
  if (!doc) return std::nullopt;
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
    if (doc->contains("failures")) t.message = failures_text(doc->at("failures"));
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
  try {
    execution.has_run_json = true;
    const auto argv = doc->at("argv").get<std::vector<std::string>>();
    if (program.empty() && !argv.empty()) program = fs::path(argv.front()).filename().string();
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
  if (fs::is_directory(dir / "tests", ec)) {
    for (const auto& entry : fs::directory_iterator(dir / "tests", ec)) {
      if (!entry.is_directory()) continue;
      const fs::path summary = entry.path() / "summary.json";
      if (!fs::exists(summary)) continue;  // a test still running when the program died
      if (auto t = read_summary(summary, entry.path().filename().string(), problems)) {
        execution.tests.push_back(std::move(*t));
      }
    }
  }
  std::sort(execution.tests.begin(), execution.tests.end(),
            [](const TestAttempt& a, const TestAttempt& b) { return a.full_name < b.full_name; });
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
    const auto text = read_text(manifest_path);
    if (!text) throw std::runtime_error("cannot be read");
    const RunManifest manifest = parse_run_manifest(*text);
    tree.interrupted = manifest.interrupted;
    if (!manifest.program.empty()) tree.program = fs::path(manifest.program.front()).filename().string();
    for (const ExecutionRecord& r : manifest.executions) records[r.name] = r;
  } catch (const std::exception& e) {
    tree.problems.push_back({manifest_path, e.what()});
  }
  return records;
}

// Names of the executions: those the manifest records, then folders under runs/ it does
// not, all in execution order.
std::vector<std::string> execution_names(const fs::path& root,
                                         const std::map<std::string, ExecutionRecord>& records) {
  std::vector<std::string> names;
  names.reserve(records.size());
  for (const auto& [name, record] : records) names.push_back(name);
  std::error_code ec;
  if (fs::is_directory(root / "runs", ec)) {
    for (const auto& entry : fs::directory_iterator(root / "runs", ec)) {
      const std::string name = entry.path().filename().string();
      if (entry.is_directory() && !records.contains(name)) names.push_back(name);
    }
  }
  std::sort(names.begin(), names.end(), execution_order);
  return names;
}

}  // namespace

ArtifactTree load_artifact_tree(const fs::path& root) {
  std::error_code ec;
  if (!fs::is_directory(root, ec)) throw std::runtime_error(root.string() + ": not a directory");
  ArtifactTree tree;
  tree.root = root;
  const std::map<std::string, ExecutionRecord> records = read_manifest(tree);
  const std::vector<std::string> names = execution_names(root, records);
  for (const std::string& name : names) {
    Execution execution;
    execution.dir = "runs/" + name;
    execution.record.name = name;
    execution.record.outcome = "unknown";
    if (auto it = records.find(name); it != records.end()) execution.record = it->second;
    if (execution.record.outcome == "interrupted") continue;  // unfinished: not evidence either way
    read_execution(root, execution, tree.program, tree.problems);
    tree.executions.push_back(std::move(execution));
  }
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
  if (tree.program.empty()) tree.program = "program";
  return tree;
}

}  // namespace testscope::analysis
