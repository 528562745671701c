// The small parts of rules.hpp: names of enums and which tests a rule looks at.
#include "check/rules.hpp"

#include <algorithm>

namespace testscope::analysis {

std::string_view severity_name(Severity severity) {
  return severity == Severity::kError ? "error" : "warning";
}

std::string_view rule_kind_name(RuleKind kind) {
  switch (kind) {
    case RuleKind::kVerdict:
      return "verdict";
    case RuleKind::kMetric:
      return "metric";
    case RuleKind::kDuration:
      return "duration";
  }
  return "verdict";
}

std::string_view aggregate_name(Aggregate aggregate) {
  return aggregate == Aggregate::kMean ? "mean" : "max";
}

bool Rule::selects(std::string_view full_name) const {
  const auto matches = [&](const std::string& glob) { return quarantine::glob_match(glob, full_name); };
  if (!tests.empty() && std::none_of(tests.begin(), tests.end(), matches)) return false;
  return std::none_of(exclude.begin(), exclude.end(), matches);
}

}  // namespace testscope::analysis
