// The GitHub step summary (Markdown); see report_formats.hpp.
#include <fmt/format.h>

#include <algorithm>

#include "analysis/verdict_text.hpp"
#include "report/report_formats.hpp"

namespace testscope::analysis {
namespace {

using detail::percent;

// Backslash-escapes what would break a table cell or start Markdown formatting.
std::string cell(const std::string& text) {
  std::string out;
  for (const char c : text) {
    if (c == '|' || c == '\\' || c == '`' || c == '*' || c == '_' || c == '<' || c == '>') out += '\\';
    out += c == '\n' ? ' ' : c;
  }
  return out;
}

std::string icon(Verdict verdict) {
  if (verdict == Verdict::kPassed) return "✅";
  if (verdict == Verdict::kFlaky) return "⚠️";
  if (verdict == Verdict::kSkipped) return "⏭️";
  return "❌";
}

bool passed_or_skipped(const TestVerdict& v) { return verdict_is_clean(v.verdict); }

// One table row for test `v`.
std::string table_row(const TestVerdict& v, const std::string& root) {
  std::string rate =
      fmt::format("{} ({}–{})", percent(v.failure_rate), percent(v.ci95.low), percent(v.ci95.high));
  if (v.rules_out_above) rate += fmt::format("; rules out > {}", percent(*v.rules_out_above));
  const std::string artifacts =
      v.failures > 0 ? fmt::format("`{}`", detail::joined(root, v.example_artifacts)) : std::string();
  const std::string verdict =
      v.quarantine.empty() ? std::string(verdict_name(v.verdict))
                           : fmt::format("{} (quarantined: {})", verdict_name(v.verdict), cell(v.quarantine));
  return fmt::format("| {} {} | {} | {} | {} | {} | {} |\n", icon(v.verdict), verdict,
                     cell(detail::display_name(v)), v.runs, v.failures, rate, artifacts);
}

}  // namespace

std::string format_markdown(const Verdicts& verdicts, const std::string& root) {
  const auto not_passed = std::count_if(verdicts.tests.begin(), verdicts.tests.end(),
                                        [](const TestVerdict& v) { return !passed_or_skipped(v); });
  std::string out = fmt::format("### testscope: {} ({} execution{}{})\n\n", verdict_counts(verdicts),
                                verdicts.executions.total, verdicts.executions.total == 1 ? "" : "s",
                                verdicts.interrupted ? ", interrupted" : "");
  out += "| verdict | test | runs | failures | failure rate (95% CI) | artifacts |\n";
  out += "|---|---|---:|---:|---|---|\n";
  for (const TestVerdict& v : verdicts.tests) {
    if (not_passed > 0 && passed_or_skipped(v)) continue;
    out += table_row(v, root);
  }
  if (not_passed > 0) {
    const std::size_t hidden = verdicts.tests.size() - static_cast<std::size_t>(not_passed);
    if (hidden > 0) {
      out += fmt::format("\n{} more test{} passed or skipped.\n", hidden, hidden == 1 ? "" : "s");
    }
  }
  for (const TestVerdict& v : verdicts.tests) {  // docs/explain.md
    if (!v.explanation) continue;
    out += fmt::format("\n**{}**: {}", cell(detail::display_name(v)), cell(v.explanation->statement));
    if (!v.explanation->counts.empty()) out += fmt::format(" ({})", cell(v.explanation->counts));
    for (const std::string& e : v.explanation->equally) {
      out += fmt::format("; or, the same by timing: {}", cell(e));
    }
    if (!v.explanation->refined_by.empty()) {
      out += fmt::format("; where it holds, the failing executions also had: {}",
                         cell(v.explanation->refined_by));
    }
    out += "\n";
  }
  return out + "\n";
}

}  // namespace testscope::analysis
