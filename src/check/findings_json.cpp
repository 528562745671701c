// The findings as JSON; see findings_format.hpp and docs/rules.md.
#include <nlohmann/json.hpp>

#include <cmath>

#include "check/findings_format.hpp"

namespace testscope::analysis {
namespace {

using nlohmann::json;

std::string_view state_name(QuarantineState state) {
  switch (state) {
    case QuarantineState::kNotAsked:
      return "not asked";
    case QuarantineState::kEligible:
      return "eligible";
    case QuarantineState::kBroken:
      return "refused: broken";
    case QuarantineState::kTooFewExecutions:
      return "refused: too few executions";
    case QuarantineState::kAlreadyQuarantined:
      return "already quarantined";
  }
  return "not asked";
}

// A number, or null for NaN and infinities (which JSON has not).
json number(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }
json number(const std::optional<double>& v) { return v ? number(*v) : json(nullptr); }

json infrastructure(const std::vector<InfrastructureFailure>& failures) {
  json out = json::array();
  for (const InfrastructureFailure& i : failures) {
    out.push_back({{"execution", i.execution}, {"tests_run", i.tests_run}, {"tests_failed", i.tests_failed}});
  }
  return out;
}

json finding(const Finding& f) {
  json evidence = json::array();
  for (const EvidenceItem& e : f.evidence) {
    json item = {{"execution", e.execution}, {"outcome", e.outcome}, {"artifacts", e.artifacts}};
    if (e.value) item["value"] = number(*e.value);
    if (!e.message.empty()) item["message"] = e.message;
    evidence.push_back(std::move(item));
  }
  json action = nullptr;
  if (f.action) {
    action = {{"owner", f.action->owner},
              {"expires_days", f.action->expires_days},
              {"mode", quarantine::mode_name(f.action->mode)}};
  }
  json ran_quarantined = nullptr;
  if (f.ran_quarantined) {
    ran_quarantined = {{"entry", f.ran_quarantined->entry},
                       {"expires", f.ran_quarantined->expires},
                       {"applies", f.ran_quarantined->applies}};
  }
  return {{"rule", f.rule},
          {"kind", rule_kind_name(f.kind)},
          {"severity", severity_name(f.severity)},
          {"rule_severity", severity_name(f.rule_severity)},
          {"description", f.description},
          {"test", f.test},
          {"test_id", f.test_id},
          {"summary", f.summary},
          {"value", number(f.value)},
          {"limit", number(f.limit)},
          {"baseline", number(f.baseline)},
          {"executions", f.executions},
          {"action", f.action ? "quarantine" : "report"},
          {"quarantine", f.action ? json(state_name(f.quarantine)) : json(nullptr)},
          {"quarantine_entry", action},
          {"broken", f.broken},
          {"ran_quarantined", ran_quarantined},
          {"explanation", f.explanation.empty() ? json(nullptr) : json(f.explanation)},
          {"evidence", evidence}};
}

}  // namespace

std::string format_findings_json(const CheckResult& result, const CheckSources& sources,
                                 const ApplyOutcome* apply, const std::string& quarantine_file) {
  json findings = json::array();
  int errors = 0;
  for (const Finding& f : result.findings) {
    findings.push_back(finding(f));
    if (f.severity == Severity::kError) ++errors;
  }
  json skipped = json::array();
  for (const SkippedRule& s : result.skipped_rules) {
    skipped.push_back({{"rule", s.rule}, {"reason", s.reason}});
  }
  json problems = json::array();
  for (const Problem& p : result.problems) {
    problems.push_back({{"path", p.path.generic_string()}, {"message", p.message}});
  }
  json out = {
      {"schema", 1},
      {"tree", sources.tree},
      {"baseline", sources.baseline.empty() ? json(nullptr) : json(sources.baseline)},
      {"rules_file", sources.rules_file},
      {"rules", result.rules},
      {"guards",
       {{"min_executions", result.guards.min_executions},
        {"mass_failure_fraction", result.guards.mass_failure_fraction}}},
      {"executions",
       {{"total", result.executions},
        {"counted", result.counted_executions},
        {"infrastructure_failures", infrastructure(result.infrastructure_failures)},
        {"baseline_infrastructure_failures", infrastructure(result.baseline_infrastructure_failures)}}},
      {"counts",
       {{"findings", result.findings.size()},
        {"errors", errors},
        {"warnings", static_cast<int>(result.findings.size()) - errors},
        {"quarantined", result.quarantined_findings()}}},
      {"findings", findings},
      {"skipped_rules", skipped},
      {"problems", problems},
  };
  if (apply != nullptr) {
    json items = json::array();
    for (const ApplyItem& i : apply->items) {
      json item = {
          {"test", i.test}, {"rule", i.rule}, {"status", apply_status_name(i.status)}, {"detail", i.detail}};
      if (i.status == ApplyItem::Status::kAdded) {
        item["entry"] = {{"test", i.entry.test},
                         {"reason", i.entry.reason},
                         {"owner", i.entry.owner},
                         {"added", i.entry.added.to_string()},
                         {"expires", i.entry.expires.to_string()},
                         {"mode", quarantine::mode_name(i.entry.mode)}};
      }
      items.push_back(std::move(item));
    }
    out["apply"] = {{"file", quarantine_file}, {"added", apply->added()}, {"items", items}};
  }
  // Test names and messages may hold invalid UTF-8: replaced, never a throw.
  return out.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace testscope::analysis
