#include "cli/explain_command.hpp"

#include <fmt/format.h>

#include <exception>

#include "analysis/artifact_tree.hpp"

namespace testscope::cli {

CLI::App* add_explain_command(CLI::App& app, ExplainCommandOptions& o) {
  CLI::App* explain = app.add_subcommand(
      "explain", "Name what separates the failing executions of each flaky test from its passing ones");
  explain->add_option("out", o.out, "The output folder of `testscope run` (or `merge`, or `replay`)")
      ->required()
      ->check(CLI::ExistingDirectory);
  explain->add_option("tests", o.engine.tests,
                      "Only these tests (full names or folder ids); default: every flaky test");
  explain->add_option("--top", o.engine.top, "How many candidates to show per test")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  explain
      ->add_option("--alpha", o.engine.alpha,
                   "Family-wise error rate: the chance that any candidate is called significant by luck")
      ->capture_default_str()
      ->check(CLI::Range(1e-12, 0.5));
  explain->add_option("--format", o.format, "text for people, json for machines (docs/explain.md)")
      ->capture_default_str()
      ->check(CLI::IsMember({"text", "json"}));
  explain->add_option("-j,--jobs", o.engine.jobs, "Threads reading traces")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  return explain;
}

int explain_command(const ExplainCommandOptions& o) {
  analysis::ArtifactTree tree;
  try {
    tree = analysis::load_artifact_tree(o.out);
  } catch (const std::exception& e) {
    fmt::print(stderr, "testscope: {}\n", e.what());
    return 2;
  }
  const explain::ExplainResult result = explain::explain_tree(tree, o.engine);
  for (const analysis::Problem& p : result.problems) {
    fmt::print(stderr, "testscope: warning: {}/{}: {}\n", o.out, p.path.generic_string(), p.message);
  }
  for (const std::string& name : result.unknown_tests) {
    fmt::print(stderr, "testscope: explain: no test named '{}' in {}\n", name, o.out);
  }
  fmt::print("{}", o.format == "json" ? explain::format_json(result) : explain::format_text(result, o.out));
  return explain::explain_exit_code(result);
}

}  // namespace testscope::cli
