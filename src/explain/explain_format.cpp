// explain's text and JSON outputs (docs/explain.md).
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cmath>

#include "explain/explain.hpp"

namespace testscope::explain {
namespace {

using nlohmann::ordered_json;

std::string p_text(double log10_p) {
  if (log10_p < -300) return "< 1e-300";
  const double p = std::pow(10.0, log10_p);
  return p >= 0.001 ? fmt::format("{:.3f}", p) : fmt::format("{:.1e}", p);
}

std::string counts_text(const Candidate& c) {
  return fmt::format("in {} of {} failing executions, {} of {} passing", c.failing_holds, c.failing_total,
                     c.passing_holds, c.passing_total);
}

std::string joined(const std::string& root, const std::string& relative) {
  if (root.empty() || root == ".") return relative;
  return root.back() == '/' ? root + relative : root + "/" + relative;
}

std::string header(const TestExplanation& t) {
  std::string text = fmt::format("{}: {} failing and {} passing executions", t.name, t.failing, t.passing);
  if (t.provoked > 0) {
    const int total = t.failing + t.passing;
    text += fmt::format(
        ", {} provoked ({}); injected waits are never counted as causes",
        t.provoked == total ? fmt::format("all {}", total) : fmt::format("{} of {}", t.provoked, total),
        t.provoke_profiles);
  }
  if (t.unreadable > 0) text += fmt::format(" ({} more with an unreadable trace, left out)", t.unreadable);
  return text + "\n";
}

// The thread each role was in an example execution: "the second user is user-u1".
std::string roles_in(const Candidate& c, bool failing) {
  std::string text;
  for (const OperationRef& op : c.operations) {
    const std::string& thread = failing ? op.failing_thread : op.passing_thread;
    if (thread.empty() || thread == op.thread || text.find(op.thread + " ") != std::string::npos) continue;
    text += fmt::format("{}{} is {}", text.empty() ? "" : ", ", op.thread, thread);
  }
  return text.empty() ? "" : "  (" + text + ")";
}

void explained_text(std::string& out, const TestExplanation& t, double alpha, const std::string& root) {
  const Candidate& top = t.explanations.front();
  out += fmt::format("  {}: {}\n",
                     t.status == "explained" ? "Explanation" : "No order separates them; what does",
                     top.statement);
  out += fmt::format("    {} (Fisher's exact test p = {}; significant below {}: {:g}% over {} candidates)\n",
                     counts_text(top), p_text(top.log10_p), p_text(t.threshold_log10_p), alpha * 100,
                     t.candidates);
  if (!top.equally.empty()) {
    out +=
        "    Timing cannot tell it from these (true in exactly the same executions); the one that touches\n"
        "    the shared state is the cause:\n";
    for (const Candidate& c : top.equally) out += fmt::format("      {}\n", c.statement);
  }
  for (const Candidate& c : top.refined_by) {
    out += fmt::format(
        "    It is not enough alone; among the executions where it holds, the failing ones also had:\n"
        "      {}\n      {} (p = {})\n",
        c.statement, counts_text(c), p_text(c.log10_p));
  }
  for (const std::string& s : top.support) out += fmt::format("    {}\n", s);
  if (top.folded == 1) out += "    (1 more candidate holds in exactly the same executions)\n";
  if (top.folded > 1) {
    out += fmt::format("    ({} more candidates hold in exactly the same executions)\n", top.folded);
  }
  if (t.explanations.size() > 1) {
    out += "  Also different in failing executions:\n";
    for (std::size_t i = 1; i < t.explanations.size(); ++i) {
      const Candidate& c = t.explanations[i];
      out += fmt::format("    {}. {}\n       {} (p = {})\n", i + 1, c.statement, counts_text(c),
                         p_text(c.log10_p));
    }
  }
  if (!t.roles.empty()) {
    out += "  Threads:\n";
    for (const std::string& r : t.roles) out += fmt::format("    {}\n", r);
  }
  out += "  Open:\n";
  if (!t.failing_example.empty()) {
    out += fmt::format("    failing  {}{}\n", joined(root, t.failing_example), roles_in(top, true));
  }
  if (!t.passing_example.empty()) {
    out += fmt::format("    passing  {}{}\n", joined(root, t.passing_example), roles_in(top, false));
  }
}

ordered_json operation_json(const OperationRef& op) {
  return {{"thread", op.thread},
          {"span", op.span},
          {"path", op.path},
          {"occurrence", op.occurrence},
          {"edge", op.edge.empty() ? ordered_json() : ordered_json(op.edge)},
          {"failing", op.failing_span_id.empty()
                          ? ordered_json()
                          : ordered_json{{"thread", op.failing_thread}, {"span_id", op.failing_span_id}}},
          {"passing", op.passing_span_id.empty()
                          ? ordered_json()
                          : ordered_json{{"thread", op.passing_thread}, {"span_id", op.passing_span_id}}}};
}

ordered_json candidate_json(const Candidate& c) {
  ordered_json operations = ordered_json::array();
  for (const OperationRef& op : c.operations) operations.push_back(operation_json(op));
  ordered_json equally = ordered_json::array();
  for (const Candidate& e : c.equally) equally.push_back(candidate_json(e));
  ordered_json refined_by = ordered_json::array();
  for (const Candidate& r : c.refined_by) refined_by.push_back(candidate_json(r));
  const auto rounded = [](double x) { return std::round(x * 1000) / 1000; };
  return {{"kind", kind_name(c.kind)},
          {"statement", c.statement},
          {"failing", {{"holds", c.failing_holds}, {"of", c.failing_total}}},
          {"passing", {{"holds", c.passing_holds}, {"of", c.passing_total}}},
          {"log10_p", rounded(c.log10_p)},
          {"significant", c.significant},
          {"operations", operations},
          {"support", c.support},
          {"folded", c.folded},
          {"equally", equally},
          {"refined_by", refined_by},
          {"failing_example", c.failing_example},
          {"passing_example", c.passing_example}};
}

}  // namespace

std::string format_text(const ExplainResult& result, const std::string& root) {
  std::string out;
  for (const std::string& name : result.unknown_tests) {
    out += fmt::format("{}: no such test in {} (give a test's full name or its folder under tests/)\n", name,
                       root);
  }
  if (result.tests.empty() && result.unknown_tests.empty()) {
    out += fmt::format(
        "No flaky test in {}: explain compares the failing and passing executions of a test that has both.\n",
        root);
  }
  for (const TestExplanation& t : result.tests) {
    if (!out.empty()) out += "\n";
    out += header(t);
    if (t.status == "explained" || t.status == "not_ordering") {
      explained_text(out, t, result.alpha, root);
      continue;
    }
    out += fmt::format("  {}\n", t.summary);
    if (t.status == "nothing_separates" && !t.explanations.empty()) {
      const Candidate& c = t.explanations.front();
      out += fmt::format("  The closest, not significant: {}\n    {} (p = {}; significant only below {})\n",
                         c.statement, counts_text(c), p_text(c.log10_p), p_text(t.threshold_log10_p));
    }
  }
  return out;
}

std::string format_json(const ExplainResult& result) {
  ordered_json tests = ordered_json::array();
  for (const TestExplanation& t : result.tests) {
    ordered_json explanations = ordered_json::array();
    for (const Candidate& c : t.explanations) explanations.push_back(candidate_json(c));
    tests.push_back(
        {{"name", t.name},
         {"id", t.id},
         {"status", t.status},
         {"summary", t.summary},
         {"executions", {{"failing", t.failing}, {"passing", t.passing}, {"unreadable", t.unreadable}}},
         {"provoked", t.provoked > 0
                          ? ordered_json{{"executions", t.provoked}, {"profiles", t.provoke_profiles}}
                          : ordered_json()},
         {"candidates", t.candidates},
         {"threshold_log10_p", std::round(t.threshold_log10_p * 1000) / 1000},
         {"more_executions", t.status == "too_few" ? ordered_json(t.more_executions) : ordered_json()},
         {"roles", t.roles},
         {"explanations", explanations},
         {"failing_example", t.failing_example},
         {"passing_example", t.passing_example}});
  }
  ordered_json problems = ordered_json::array();
  for (const analysis::Problem& p : result.problems) {
    problems.push_back({{"path", p.path.generic_string()}, {"message", p.message}});
  }
  const ordered_json doc = {{"schema", 1},
                            {"alpha", result.alpha},
                            {"tests", tests},
                            {"unknown_tests", result.unknown_tests},
                            {"problems", problems}};
  return doc.dump(2) + "\n";
}

}  // namespace testscope::explain
