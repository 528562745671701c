#include "cli/check_command.hpp"

#include <fmt/format.h>
#include <testscope/quarantine.hpp>

#include <cstdlib>
#include <cstring>
#include <optional>

#include "analysis/artifact_tree.hpp"
#include "check/findings_format.hpp"
#include "check/quarantine_apply.hpp"
#include "check/rules.hpp"
#include "check/rules_eval.hpp"
#include "cli/verdict_output.hpp"
#include "writers/terminal.hpp"

namespace testscope::cli {
namespace {

namespace q = testscope::quarantine;

// Prints at most 20 problems, as `report` does.
void print_problems(const std::vector<analysis::Problem>& problems) {
  constexpr std::size_t kLimit = 20;
  for (std::size_t i = 0; i < problems.size() && i < kLimit; ++i) {
    fmt::print(stderr, "testscope: {}: {}\n", problems[i].path.string(), problems[i].message);
  }
  if (problems.size() > kLimit) {
    fmt::print(stderr, "testscope: ... and {} more problems\n", problems.size() - kLimit);
  }
}

// The tree at `path`, or nullopt after saying why it cannot be checked.
std::optional<analysis::ArtifactTree> load_tree(const std::string& path, const char* what) {
  try {
    analysis::ArtifactTree tree = analysis::load_artifact_tree(path);
    print_problems(tree.problems);
    return tree;
  } catch (const std::exception& e) {
    fmt::print(stderr, "testscope: {}{}\n", what, e.what());
    return std::nullopt;
  }
}

bool in_github_actions() {
  const char* value = std::getenv("GITHUB_ACTIONS");
  return value != nullptr && std::strcmp(value, "true") == 0;
}

// The findings on stdout as a table or JSON, what --apply did, and the annotations.
void print_result(const CheckOptions& o, const analysis::CheckResult& result,
                  const analysis::ApplyOutcome* applied) {
  const bool github = in_github_actions();
  if (o.format == "json") {
    const analysis::CheckSources sources{o.out, o.baseline, o.rules};
    fmt::print("{}", analysis::format_findings_json(result, sources, applied, o.quarantine));
    // stdout stays JSON; the Actions runner reads workflow commands from stderr too.
    if (github) fmt::print(stderr, "{}", analysis::format_github_annotations(result, o.out));
    return;
  }
  fmt::print("{}", analysis::format_findings_table(result, o.out, detail::use_colour(stdout)));
  if (applied != nullptr) fmt::print("{}", analysis::format_apply_outcome(*applied, o.quarantine));
  if (github) fmt::print("{}", analysis::format_github_annotations(result, o.out));
}

}  // namespace

CLI::App* add_check_command(CLI::App& app, CheckOptions& o) {
  CLI::App* check =
      app.add_subcommand("check", "Evaluate alert and quarantine rules over a run's output folder");
  check->add_option("out", o.out, "The output folder of `testscope run` (or `testscope merge`)")->required();
  check->add_option("--rules", o.rules, "The rules file (TOML; docs/rules.md)")->required();
  check->add_option(
      "--baseline", o.baseline,
      "An output folder to compare with (e.g. the main branch's), for rules with above_baseline_*");
  check->add_option("--format", o.format, "table for people, json for machines")
      ->capture_default_str()
      ->check(CLI::IsMember({"table", "json"}));
  CLI::Option* apply = check->add_flag(
      "--apply", o.apply, "Add quarantine entries for the findings whose rule's action is quarantine");
  check->add_option("--quarantine", o.quarantine, "The quarantine file --apply edits")
      ->capture_default_str()
      ->needs(apply);
  check->footer(
      "Exit codes: 0 no error-severity finding, 1 an error-severity finding, 2 a usage or input error.\n"
      "With GITHUB_ACTIONS=true, every finding is also a ::warning or ::error annotation.\n"
      "Rules, guards and output: docs/rules.md.");
  return check;
}

int check_command(const CheckOptions& o) {
  const analysis::RulesParseResult rules = analysis::load_rules(o.rules);
  if (!rules.ok()) {
    for (const analysis::RulesDiagnostic& d : rules.errors) {
      fmt::print(stderr, "testscope: {}\n", d.to_string());
    }
    return 2;
  }
  std::optional<q::LoadResult> quarantine;
  std::optional<q::EditLock> lock;  // held from reading the quarantine file to replacing it
  if (o.apply) {                    // a bad quarantine file stops the check before anything is written
    lock.emplace(o.quarantine);
    if (!lock->error().empty()) {
      fmt::print(stderr, "testscope: {}\n", lock->error());
      return 2;
    }
    quarantine = q::load_quarantine(o.quarantine);
    if (!quarantine->ok()) {
      for (const q::Diagnostic& d : quarantine->errors) fmt::print(stderr, "testscope: {}\n", d.to_string());
      return 2;
    }
  }
  const std::optional<analysis::ArtifactTree> tree = load_tree(o.out, "");
  if (!tree) return 2;
  std::optional<analysis::ArtifactTree> baseline;
  if (!o.baseline.empty()) {
    baseline = load_tree(o.baseline, "--baseline: ");
    if (!baseline) return 2;
  }
  const q::Date today = q::Date::today();
  analysis::CheckResult result =
      analysis::evaluate_rules(rules.rules, *tree, baseline ? &*baseline : nullptr, today);
  explain_findings(*tree, result);
  print_problems(result.problems);

  std::optional<analysis::ApplyOutcome> applied;
  if (quarantine) {
    applied = analysis::apply_quarantine(result, quarantine->file, today, o.out);
    if (applied->added() > 0) {
      if (const q::EditResult saved = quarantine->file.save(o.quarantine); !saved.ok()) {
        fmt::print(stderr, "testscope: {}\n", saved.error);
        return 2;
      }
    }
  }

  print_result(o, result, applied ? &*applied : nullptr);
  std::fflush(stdout);
  return analysis::check_exit_code(result);
}

}  // namespace testscope::cli
