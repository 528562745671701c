// The aligned verdict table (fmt); see report_formats.hpp.
#include <fmt/color.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <vector>

#include "analysis/verdict_text.hpp"
#include "report/report_formats.hpp"
#include "writers/terminal.hpp"

namespace testscope::analysis {
namespace {

using detail::display_name;
using detail::joined;
using detail::percent;

fmt::text_style verdict_style(Verdict verdict) {
  if (verdict == Verdict::kFlaky) return fmt::fg(fmt::terminal_color::yellow) | fmt::emphasis::bold;
  if (verdict == Verdict::kPassed) return fmt::fg(fmt::terminal_color::green);
  if (verdict == Verdict::kSkipped) return fmt::emphasis::faint;
  return fmt::fg(fmt::terminal_color::red) | fmt::emphasis::bold;
}

}  // namespace

std::string verdict_counts(const Verdicts& verdicts) {
  std::vector<std::pair<Verdict, int>> counts;
  for (const TestVerdict& v : verdicts.tests) {
    if (counts.empty() || counts.back().first != v.verdict) counts.emplace_back(v.verdict, 0);
    ++counts.back().second;
  }
  std::string text;
  for (const auto& [verdict, count] : counts) {
    text += fmt::format("{}{} {}", text.empty() ? "" : ", ", count, verdict_name(verdict));
  }
  return text;
}

namespace {

// The last column of a test's row: what rules out, where to look, quarantine and provocation.
std::string verdict_note(const TestVerdict& v, const std::string& root) {
  std::string note;
  if (v.rules_out_above) {
    note = fmt::format("rules out a failure rate above {}", percent(*v.rules_out_above));
  } else if (v.failures > 0) {
    note = joined(root, v.example_artifacts);
  }
  if (!v.quarantine.empty() && v.failures > 0) {
    note = fmt::format("QUARANTINED {}; {}", testscope::detail::terminal_safe(v.quarantine), note);
  }
  if (v.provoked_runs > 0 && v.provoked_runs < v.runs) {
    note = fmt::format("failed {}/{} provoked, {}/{} plain; {}", v.provoked_failures, v.provoked_runs,
                       v.failures - v.provoked_failures, v.runs - v.provoked_runs, note);
  } else if (v.provoked_runs > 0 && v.failures > 0) {
    note = fmt::format("failed {}/{} provoked; {}", v.provoked_failures, v.provoked_runs, note);
  }
  return note;
}

std::string execution_line(const Verdicts& verdicts) {
  const ExecutionCounts& e = verdicts.executions;
  std::string ends = fmt::format("{} passed", e.passed);
  if (e.failed != 0) ends += fmt::format(", {} failed", e.failed);
  if (e.crashed != 0) ends += fmt::format(", {} crashed", e.crashed);
  if (e.timed_out != 0) ends += fmt::format(", {} timed out", e.timed_out);
  return fmt::format("\n{} execution{} ({}){}; verdicts: {}\n", e.total, e.total == 1 ? "" : "s", ends,
                     verdicts.interrupted ? ", then interrupted" : "", verdict_counts(verdicts));
}

// Under the table, each explained flaky test's top explanation (docs/explain.md).
std::string explanation_lines(const Verdicts& verdicts, const std::string& root) {
  std::string out;
  for (const TestVerdict& v : verdicts.tests) {
    if (!v.explanation) continue;
    const VerdictExplanation& x = *v.explanation;
    out += fmt::format("\n{}: {}\n", display_name(v),
                       x.status == "explained" ? "what separates its failing executions:" : "explain:");
    out += fmt::format("  {}{}\n", x.statement, x.counts.empty() ? "" : "\n  " + x.counts);
    for (const std::string& e : x.equally) out += fmt::format("  or, the same by timing: {}\n", e);
    if (!x.refined_by.empty()) {
      out += fmt::format("  where it holds, the failing executions also had: {}\n", x.refined_by);
    }
    if (!x.failing_example.empty()) {
      out += fmt::format("  failing {}\n  passing {}\n", joined(root, x.failing_example),
                         joined(root, x.passing_example));
    }
  }
  if (!out.empty()) out += fmt::format("\n(testscope explain {} says more)\n", root.empty() ? "." : root);
  return out;
}

}  // namespace

std::string format_table(const Verdicts& verdicts, const std::string& root, bool colour) {
  struct Row {
    std::string verdict, name, runs, failures, rate, ci, note;
    Verdict kind = Verdict::kSkipped;
  };
  std::vector<Row> rows;
  rows.push_back({"VERDICT", "TEST", "RUNS", "FAILS", "RATE", "95% CI", "ARTIFACTS"});
  for (const TestVerdict& v : verdicts.tests) {
    const std::string note = verdict_note(v, root);
    rows.push_back({std::string(verdict_name(v.verdict)), display_name(v), std::to_string(v.runs),
                    std::to_string(v.failures), percent(v.failure_rate),
                    fmt::format("{}-{}", percent(v.ci95.low), percent(v.ci95.high)), note, v.verdict});
  }
  std::array<std::size_t, 6> w = {};  // column widths; the last column (note) is not padded
  for (const Row& r : rows) {
    const std::array<const std::string*, 6> cells = {&r.verdict,  &r.name, &r.runs,
                                                     &r.failures, &r.rate, &r.ci};
    for (std::size_t i = 0; i < w.size(); ++i) w[i] = std::max(w[i], cells[i]->size());
  }
  std::string out;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const Row& r = rows[i];
    std::string verdict = fmt::format("{:<{}}", r.verdict, w[0]);
    if (colour && i > 0) verdict = fmt::format(verdict_style(r.kind), "{}", verdict);
    std::string line = fmt::format("{}  {:<{}}  {:>{}}  {:>{}}  {:>{}}  {:<{}}  {}", verdict, r.name, w[1],
                                   r.runs, w[2], r.failures, w[3], r.rate, w[4], r.ci, w[5], r.note);
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out + execution_line(verdicts) + explanation_lines(verdicts, root);
}

std::string format_problems(const Verdicts& verdicts, const std::string& root, std::size_t limit) {
  std::string out;
  for (std::size_t i = 0; i < verdicts.problems.size() && i < limit; ++i) {
    const Problem& p = verdicts.problems[i];
    out += fmt::format("testscope: {}: {}\n", joined(root, p.path.generic_string()), p.message);
  }
  if (verdicts.problems.size() > limit) {
    out += fmt::format("testscope: ... and {} more problems (all are listed in verdicts.json)\n",
                       verdicts.problems.size() - limit);
  }
  return out;
}

}  // namespace testscope::analysis
