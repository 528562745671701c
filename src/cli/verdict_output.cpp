#include "cli/verdict_output.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

#include "analysis/artifact_tree.hpp"
#include "explain/explain.hpp"
#include "report/report_formats.hpp"

namespace testscope::cli {

std::optional<analysis::Verdicts> analyse_output(const std::filesystem::path& out,
                                                 analysis::ArtifactTree* keep) {
  try {
    analysis::ArtifactTree loaded = analysis::load_artifact_tree(out);
    const analysis::ArtifactTree& tree = keep != nullptr ? (*keep = std::move(loaded)) : loaded;
    analysis::Verdicts verdicts = analysis::compute_verdicts(tree);
    fmt::print(stderr, "{}", analysis::format_problems(verdicts, out.string()));
    return verdicts;
  } catch (const std::exception& e) {
    fmt::print(stderr, "testscope: {}\n", e.what());
    return std::nullopt;
  }
}

namespace {

std::vector<std::pair<std::string, std::string>> marks(const explain::Candidate& c, bool failing) {
  std::vector<std::pair<std::string, std::string>> out;
  for (std::size_t i = 0; i < c.operations.size(); ++i) {
    const explain::OperationRef& op = c.operations[i];
    const std::string& id = failing ? op.failing_span_id : op.passing_span_id;
    if (id.empty()) continue;
    out.emplace_back(id, c.operations.size() == 1
                             ? std::string("[*]")
                             : fmt::format("[{}{}]", i + 1, op.edge.empty() ? "" : " " + op.edge));
  }
  return out;
}

// "in 20 of 20 failing executions, 0 of 14 passing".
std::string counts(const explain::Candidate& c) {
  return fmt::format("in {} of {} failing executions, {} of {} passing", c.failing_holds, c.failing_total,
                     c.passing_holds, c.passing_total);
}

}  // namespace

void attach_explanations(const analysis::ArtifactTree& tree, analysis::Verdicts& verdicts) {
  const bool any_flaky =
      std::any_of(verdicts.tests.begin(), verdicts.tests.end(),
                  [](const analysis::TestVerdict& v) { return v.verdict == analysis::Verdict::kFlaky; });
  if (!any_flaky) return;
  const explain::ExplainResult result = explain::explain_tree(tree, {});
  for (const explain::TestExplanation& t : result.tests) {
    auto v = std::find_if(verdicts.tests.begin(), verdicts.tests.end(), [&t](const analysis::TestVerdict& x) {
      return x.kind == "test" && x.name == t.name;
    });
    if (v == verdicts.tests.end() || t.status == "not_flaky") continue;
    analysis::VerdictExplanation x;
    x.status = t.status;
    x.statement = t.summary;
    if (!t.explanations.empty() && (t.status == "explained" || t.status == "not_ordering")) {
      const explain::Candidate& top = t.explanations.front();
      x.statement = top.statement;
      x.counts = counts(top);
      for (const explain::Candidate& e : top.equally) x.equally.push_back(e.statement);
      for (const explain::Candidate& r : top.refined_by) x.refined_by = r.statement + " (" + counts(r) + ")";
      x.failing_example = t.failing_example;
      x.passing_example = t.passing_example;
      x.failing_marks = marks(top, true);
      x.passing_marks = marks(top, false);
    }
    v->explanation = std::move(x);
  }
}

void explain_findings(const analysis::ArtifactTree& tree, analysis::CheckResult& result) {
  explain::ExplainOptions options;
  for (const analysis::Finding& f : result.findings) {
    if (f.kind == analysis::RuleKind::kVerdict && !f.broken) options.tests.push_back(f.test);
  }
  if (options.tests.empty()) return;
  const explain::ExplainResult explained = explain::explain_tree(tree, options);
  for (const explain::TestExplanation& t : explained.tests) {
    if (t.explanations.empty() || (t.status != "explained" && t.status != "not_ordering")) continue;
    const explain::Candidate& top = t.explanations.front();
    const std::string line = fmt::format("{} ({})", top.statement, counts(top));
    for (analysis::Finding& f : result.findings) {
      if (f.kind == analysis::RuleKind::kVerdict && !f.broken && f.test == t.name) f.explanation = line;
    }
  }
}

}  // namespace testscope::cli
