// The findings as text: the aligned table, the --apply lines and GitHub annotations; see
// findings_format.hpp.
#include <fmt/color.h>
#include <fmt/format.h>
#include <testscope/quarantine.hpp>

#include <algorithm>
#include <array>
#include <vector>

#include "analysis/verdict_text.hpp"
#include "check/findings_format.hpp"

namespace testscope::analysis {
namespace {

using detail::joined;

std::string action_cell(const Finding& f, int min_executions) {
  switch (f.quarantine) {
    case QuarantineState::kNotAsked:
      return "report";
    case QuarantineState::kEligible:
      return "quarantine";
    case QuarantineState::kBroken:
      return "refused: broken";
    case QuarantineState::kTooFewExecutions:
      return fmt::format("not yet: {} of {} runs", f.executions, min_executions);
    case QuarantineState::kAlreadyQuarantined:
      return "already quarantined";
  }
  return "report";
}

// "ran quarantined by <entry>" and what that changes; "" when its runs recorded no quarantine.
std::string quarantine_line(const Finding& f) {
  if (!f.ran_quarantined) return "";
  const RanQuarantined& q = *f.ran_quarantined;
  std::string text = "ran quarantined by " + q.entry;
  if (!q.applies) {
    text += quarantine::Date::parse(q.expires) ? "; the entry has expired: it counts as not quarantined"
                                               : "; its expiry cannot be read: it counts as not quarantined";
  } else if (!f.broken && f.severity != f.rule_severity) {
    text += "; an error on a quarantined test counts as a warning";
  }
  return text;
}

// "executions 4, 17 (crash), 22 and 9 more; <root>/runs/4/tests/X: file:line: message".
std::string evidence_line(const Finding& f, const std::string& root, std::size_t limit = 8) {
  if (f.evidence.empty()) return "";
  std::vector<std::string> items;
  for (std::size_t i = 0; i < f.evidence.size() && i < limit; ++i) {
    const EvidenceItem& e = f.evidence[i];
    if (e.value) {
      items.push_back(fmt::format(
          "{} ({})", e.execution,
          f.kind == RuleKind::kDuration ? format_duration(*e.value) : fmt::format("{:g}", *e.value)));
    } else {
      items.push_back(e.outcome == "fail" ? e.execution : fmt::format("{} ({})", e.execution, e.outcome));
    }
  }
  const bool failures = f.kind == RuleKind::kVerdict || f.broken;
  const char* verb = failures ? "failed in" : "above the limit in";
  std::string text =
      fmt::format("{} execution{} {}", verb, f.evidence.size() == 1 ? "" : "s", fmt::join(items, ", "));
  if (f.evidence.size() > limit) text += fmt::format(" and {} more", f.evidence.size() - limit);
  const EvidenceItem& first = f.evidence.front();
  std::string where = joined(root, first.artifacts);
  if (f.kind == RuleKind::kMetric && !f.broken) where += "/metrics.prom";
  text += "; " + where;
  if (!first.message.empty()) text += ": " + first.message;
  return text;
}

std::string infrastructure_line(const std::vector<InfrastructureFailure>& failures, double fraction,
                                const char* which) {
  std::vector<std::string> items;
  items.reserve(failures.size());
  for (const InfrastructureFailure& i : failures) {
    items.push_back(fmt::format("{} ({} of {} tests failed)", i.execution, i.tests_failed, i.tests_run));
  }
  return fmt::format(
      "{} execution{} of {} left out as infrastructure failures (more than {} of their tests "
      "failed): {}\n",
      failures.size(), failures.size() == 1 ? "" : "s", which, fmt::format("{:g}%", fraction * 100),
      fmt::join(items, ", "));
}

// GitHub's escaping of a workflow command's message; `property` also escapes ':' and ','.
std::string github_escape(std::string_view text, bool property) {
  std::string out;
  for (const char c : text) {
    if (c == '%') {
      out += "%25";
    } else if (c == '\r') {
      out += "%0D";
    } else if (c == '\n') {
      out += "%0A";
    } else if (property && c == ':') {
      out += "%3A";
    } else if (property && c == ',') {
      out += "%2C";
    } else {
      out += c;
    }
  }
  return out;
}

// The table's rows, each with its evidence line, then a blank line; "" without findings.
std::string findings_rows(const CheckResult& result, const std::string& root, bool colour) {
  if (result.findings.empty()) return "";
  std::vector<std::array<std::string, 5>> rows{{"SEVERITY", "RULE", "TEST", "ACTION", "FINDING"}};
  rows.reserve(result.findings.size() + 1);
  for (const Finding& f : result.findings) {
    rows.push_back({std::string(severity_name(f.severity)), f.rule, f.test,
                    action_cell(f, result.guards.min_executions), f.summary});
  }
  std::array<std::size_t, 4> w{};  // the last column is not padded
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < w.size(); ++i) w[i] = std::max(w[i], row[i].size());
  }
  std::string out;
  for (std::size_t r = 0; r < rows.size(); ++r) {
    const auto& row = rows[r];
    const Finding* f = r == 0 ? nullptr : &result.findings[r - 1];
    std::string severity = fmt::format("{:<{}}", row[0], w[0]);
    if (colour && f != nullptr) {
      severity = fmt::format(f->severity == Severity::kError
                                 ? fmt::fg(fmt::terminal_color::red) | fmt::emphasis::bold
                                 : fmt::fg(fmt::terminal_color::yellow),
                             "{}", severity);
    }
    std::string line = fmt::format("{}  {:<{}}  {:<{}}  {:<{}}  {}", severity, row[1], w[1], row[2], w[2],
                                   row[3], w[3], row[4]);
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
    if (f == nullptr) continue;
    if (const std::string evidence = evidence_line(*f, root); !evidence.empty()) {
      out += fmt::format("{:<{}}  {}\n", "", w[0], evidence);
    }
    if (const std::string quarantined = quarantine_line(*f); !quarantined.empty()) {
      out += fmt::format("{:<{}}  {}\n", "", w[0], quarantined);
    }
    if (!f->explanation.empty()) out += fmt::format("{:<{}}  explained: {}\n", "", w[0], f->explanation);
  }
  return out + "\n";
}

// "2 findings (1 error, 1 warning) from 2 rules over 25 executions (of 26)".
std::string counts_line(const CheckResult& result) {
  const auto plural = [](std::size_t n, std::string_view word) {
    return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s");
  };
  const std::size_t findings = result.findings.size();
  const auto errors = static_cast<std::size_t>(
      std::count_if(result.findings.begin(), result.findings.end(),
                    [](const Finding& f) { return f.severity == Severity::kError; }));
  std::string counts = findings == 0
                           ? "no findings"
                           : fmt::format("{} ({}, {}", plural(findings, "finding"), plural(errors, "error"),
                                         plural(findings - errors, "warning"));
  if (findings != 0) {
    if (const int quarantined = result.quarantined_findings(); quarantined > 0) {
      counts += fmt::format("; {} on quarantined tests", quarantined);
    }
    counts += ")";
  }
  std::string out =
      fmt::format("{} from {} over {}", counts, plural(static_cast<std::size_t>(result.rules), "rule"),
                  plural(static_cast<std::size_t>(result.counted_executions), "execution"));
  if (result.counted_executions != result.executions) out += fmt::format(" (of {})", result.executions);
  return out + "\n";
}

}  // namespace

std::string format_findings_table(const CheckResult& result, const std::string& root, bool colour) {
  std::string out = findings_rows(result, root, colour);
  if (!result.infrastructure_failures.empty()) {
    out +=
        infrastructure_line(result.infrastructure_failures, result.guards.mass_failure_fraction, "the tree");
  }
  if (!result.baseline_infrastructure_failures.empty()) {
    out += infrastructure_line(result.baseline_infrastructure_failures, result.guards.mass_failure_fraction,
                               "the baseline");
  }
  for (const SkippedRule& s : result.skipped_rules) {
    out += fmt::format("rule {} not evaluated: {}\n", s.rule, s.reason);
  }
  return out + counts_line(result);
}

std::string format_apply_outcome(const ApplyOutcome& outcome, const std::string& file) {
  std::string out;
  for (const ApplyItem& i : outcome.items) {
    if (i.status == ApplyItem::Status::kAdded) {
      out += fmt::format("quarantined {} {} in {} (rule {})\n", i.test, i.detail, file, i.rule);
    } else {
      out += fmt::format("not quarantined {} ({}): {}\n", i.test, apply_status_name(i.status), i.detail);
    }
  }
  if (outcome.items.empty()) {
    out += fmt::format("--apply: no finding asks to quarantine a test; {} unchanged\n", file);
  }
  return out;
}

std::string format_github_annotations(const CheckResult& result, const std::string& root) {
  std::string out;
  for (const Finding& f : result.findings) {
    std::string message = fmt::format("{}: {}", f.test, f.summary);
    if (!f.description.empty()) message += "\n" + f.description;
    if (const std::string evidence = evidence_line(f, root); !evidence.empty()) message += "\n" + evidence;
    if (const std::string quarantined = quarantine_line(f); !quarantined.empty()) {
      message += "\n" + quarantined;
    }
    if (!f.explanation.empty()) message += "\nexplained: " + f.explanation;
    if (f.quarantine != QuarantineState::kNotAsked) {
      message += "\naction: " + action_cell(f, result.guards.min_executions);
    }
    out += fmt::format("::{} title={}::{}\n", severity_name(f.severity),
                       github_escape(fmt::format("testscope check: {}", f.rule), true),
                       github_escape(message, false));
  }
  return out;
}

}  // namespace testscope::analysis
