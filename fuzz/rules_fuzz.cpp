// libFuzzer target for the rules file parser of `testscope check` (src/analysis/rules_parse.cpp)
// and the metric selectors and Prometheus text it reads (scripts/fuzz runs it). Any input must
// give rules or errors, never a crash, a hang or a sanitizer report; a valid file's rules must
// be usable (named uniquely, conditions present, selectors that read back the same when
// written out). The same bytes also go to the selector and metrics.prom parsers, which must
// not crash either. tests/rules/rules_regressions_test.cpp replays every input in
// tests/rules/regressions/ and the seed corpus through this same function.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>

#include "analysis/prom_text.hpp"
#include "check/metric_selector.hpp"
#include "check/rules.hpp"

namespace {

namespace a = testscope::analysis;

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "rules_fuzz: invariant broken: %s\n", what);
    std::abort();
  }
}

void check_selector(const a::MetricSelector& s) {
  const a::SelectorParse again = a::parse_metric_selector(s.to_string());
  check(again.selector.has_value(), "a selector written out parses again");
  check(again.selector->to_string() == s.to_string(), "a selector reads back the same");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data),
                              size);  // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast)
  const a::RulesParseResult parsed = a::parse_rules(text, "fuzz.toml");
  if (!parsed.ok()) {
    for (const a::RulesDiagnostic& d : parsed.errors) {
      check(d.line >= 1 && d.column >= 1 && !d.message.empty(), "a diagnostic has a position and a message");
    }
    check(parsed.rules.rules.empty(), "an invalid file has no rules");
  } else {
    check(!parsed.rules.rules.empty(), "a valid file has rules");
    check(parsed.rules.guards.min_executions >= 1, "guards are sane");
    check(parsed.rules.guards.mass_failure_fraction > 0 && parsed.rules.guards.mass_failure_fraction <= 1,
          "the mass-failure fraction is in (0, 1]");
    std::set<std::string> names;
    for (const a::Rule& r : parsed.rules.rules) {
      check(names.insert(r.name).second && !r.name.empty(), "rule names are unique and not empty");
      check(r.min_executions >= 1 && r.line >= 1, "a rule has its line and a minimum");
      check(!r.quarantine || (!r.quarantine->owner.empty() && r.quarantine->expires_days >= 1),
            "a quarantine action has an owner and an expiry");
      check(r.failure_rate_above >= 0 && r.failure_rate_above < 1, "rates are fractions");
      if (r.kind == a::RuleKind::kMetric) check_selector(r.metric);
      if (r.kind != a::RuleKind::kVerdict) {
        const a::Thresholds& t = r.thresholds;
        check(t.above || t.baseline_factor || t.baseline_by, "a threshold rule has a condition");
        check(r.percentile >= 1 && r.percentile <= 100, "percentiles are 1..100");
      }
      (void)r.selects("PromoRace.RacyApplyAllowsExactlyOneUse");
    }
  }
  // The same bytes as a selector and as a metrics.prom file.
  const a::SelectorParse selector = a::parse_metric_selector(text);
  if (selector.selector) {
    check_selector(*selector.selector);
  } else {
    check(!selector.error.empty() && selector.offset <= text.size(), "a bad selector says where");
  }
  const a::PromParse prom = a::parse_prom_text(text);
  check(prom.ok() || prom.samples.empty(), "a bad metrics file has no samples");
  return 0;
}
