// The evaluation of rules over a tree; see rules_eval.hpp.
#include "check/rules_eval.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <set>
#include <utility>

#include "analysis/verdict_text.hpp"

namespace testscope::analysis {
namespace {

using detail::percent;

std::string number(double v) { return fmt::format("{:g}", v); }

// "file:line: the first line of the message", at most 200 bytes.
std::string first_line(const std::string& message) {
  std::string text = message;
  if (const auto newline = text.find('\n'); newline != std::string::npos) text.replace(newline, 1, ": ");
  text = text.substr(0, text.find('\n'));
  if (text.size() > 200) text = text.substr(0, 197) + "...";
  return text;
}

bool ran(const std::string& outcome) { return outcome == "pass" || outcome == "fail"; }

// One value per run: the runs that give a rule a value (passed or failed: a crashed test's
// metrics died with it, and its duration was cut short).
struct Sample {
  const TestRun* run = nullptr;
  double value = 0;
};

double aggregate(const std::vector<Sample>& samples, Aggregate how) {
  if (how == Aggregate::kMax) {
    return std::max_element(samples.begin(), samples.end(),
                            [](const Sample& a, const Sample& b) { return a.value < b.value; })
        ->value;
  }
  const double sum = std::accumulate(samples.begin(), samples.end(), 0.0,
                                     [](double s, const Sample& x) { return s + x.value; });
  return sum / static_cast<double>(samples.size());
}

// The nearest-rank percentile `p` (1..100) of the values.
double percentile(const std::vector<Sample>& samples, int p) {
  std::vector<double> values;
  values.reserve(samples.size());
  for (const Sample& s : samples) values.push_back(s.value);
  std::sort(values.begin(), values.end());
  const auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(values.size())));
  return values[std::max<std::size_t>(rank, 1) - 1];
}

// The largest of the limits `t` sets, with `baseline` where a condition needs it.
double limit_of(const Thresholds& t, std::optional<double> baseline) {
  double limit = -std::numeric_limits<double>::infinity();
  if (t.above) limit = std::max(limit, *t.above);
  if (t.baseline_factor && baseline) limit = std::max(limit, *baseline * *t.baseline_factor);
  if (t.baseline_by && baseline) limit = std::max(limit, *baseline + *t.baseline_by);
  return limit;
}

// "above 1" or "limit 0.3 (1.5x baseline, above 0.2)", values shown with `show`.
template <typename Show>
std::string limit_phrase(const Thresholds& t, double limit, Show show) {
  if (!t.needs_baseline()) return "above " + show(limit);
  std::vector<std::string> parts;
  if (t.baseline_factor) parts.push_back(fmt::format("{}x baseline", number(*t.baseline_factor)));
  if (t.baseline_by) parts.push_back("baseline + " + show(*t.baseline_by));
  if (t.above) parts.push_back("above " + show(*t.above));
  return fmt::format("limit {} ({})", show(limit), fmt::join(parts, ", "));
}

std::string ratio(double value, double baseline) {
  return baseline > 0 ? fmt::format(" ({:.2f}x)", value / baseline) : "";
}

class Evaluator {
 public:
  Evaluator(const RuleSet& rules, CheckTree& tree, CheckTree* baseline, quarantine::Date today,
            CheckResult& out)
      : rules_(rules), tree_(tree), baseline_(baseline), today_(today), out_(out) {}

  void evaluate(const Rule& rule, std::size_t index) {
    if (rule.kind != RuleKind::kVerdict && rule.thresholds.needs_baseline() && baseline_ == nullptr) {
      out_.skipped_rules.push_back(
          {rule.name,
           rule.thresholds.baseline_factor
               ? "above_baseline_factor needs --baseline"
               : fmt::format("{} needs --baseline",
                             rule.kind == RuleKind::kMetric ? "above_baseline_by" : "above_baseline_by_ms")});
      return;
    }
    bool selected = false;
    for (const TestVerdict& v : tree_.verdicts().tests) {
      if (v.kind != "test" || !rule.selects(v.name)) continue;
      selected = true;
      evaluate(rule, index, v);
    }
    if (!selected) {
      out_.skipped_rules.push_back({rule.name, "its tests and exclude patterns select no test here"});
    } else if (rule.kind == RuleKind::kMetric && !matches_a_series(rule)) {
      // A misspelt name or label would otherwise read as "no findings" (issue 14).
      out_.skipped_rules.push_back(
          {rule.name,
           fmt::format("its metric {} matched no series in any run of the tests it selects (check its "
                       "name and labels; a counter a test did not change is not in metrics.prom)",
                       rule.metric.to_string())});
    }
  }

  // Whether the metric of `rule` picks a series in any run of a test the rule selects.
  bool matches_a_series(const Rule& rule) {
    for (const TestVerdict& v : tree_.verdicts().tests) {
      if (v.kind != "test" || !rule.selects(v.name)) continue;
      for (const TestRun& run : tree_.runs(v.name)) {
        if (!ran(run.attempt->outcome)) continue;  // as samples() reads them
        bool matched = false;
        tree_.metric_value(run, rule.metric, &matched);
        if (matched) return true;
      }
    }
    return false;
  }

  // Evaluates `rule` (the `index`th) on the test of verdict `v`, applying the guards.
  void evaluate(const Rule& rule, std::size_t index, const TestVerdict& v) {
    const std::optional<RanQuarantined> quarantined = ran_quarantined(v.name);
    const bool under_quarantine = quarantined && quarantined->applies;
    // A broken test is never quarantined: not by a quarantine rule, and not by an entry it ran
    // under (every rule that selects it gives the one guard finding instead).
    if ((rule.quarantine || under_quarantine) && v.runs > 0 && v.failures == v.runs) {
      if (broken_.insert(v.name).second) add(broken(rule, v, quarantined), index);
      return;
    }
    std::optional<Finding> f;
    switch (rule.kind) {
      case RuleKind::kVerdict:
        f = verdict_rule(rule, v);
        break;
      case RuleKind::kMetric:
        f = metric_rule(rule, v);
        break;
      case RuleKind::kDuration:
        f = duration_rule(rule, v);
        break;
    }
    if (!f) return;
    f->ran_quarantined = quarantined;
    if (rule.quarantine) {
      f->action = rule.quarantine;
      if (under_quarantine) {
        f->quarantine = QuarantineState::kAlreadyQuarantined;
      } else {
        f->quarantine = v.runs >= rules_.guards.min_executions ? QuarantineState::kEligible
                                                               : QuarantineState::kTooFewExecutions;
      }
    }
    // What the quarantine is for: the test's results no longer fail the build.
    if (under_quarantine) f->severity = Severity::kWarning;
    add(std::move(*f), index);
  }

  void finish() {
    std::stable_sort(found_.begin(), found_.end(), [](const auto& a, const auto& b) {
      const int sa = a.first.severity == Severity::kError ? 0 : 1;
      const int sb = b.first.severity == Severity::kError ? 0 : 1;
      if (sa != sb) return sa < sb;
      if (a.second != b.second) return a.second < b.second;
      return a.first.test < b.first.test;
    });
    for (auto& [finding, index] : found_) out_.findings.push_back(std::move(finding));
  }

 private:
  void add(Finding f, std::size_t index) { found_.emplace_back(std::move(f), index); }

  // The quarantine entry of the last counted run of `name` that recorded one, or nullopt.
  std::optional<RanQuarantined> ran_quarantined(const std::string& name) const {
    const std::vector<TestRun>& runs = tree_.runs(name);
    const auto last = std::find_if(runs.rbegin(), runs.rend(),
                                   [](const TestRun& r) { return !r.attempt->quarantine.empty(); });
    if (last == runs.rend()) return std::nullopt;
    RanQuarantined q;
    q.entry = last->attempt->quarantine;
    q.expires = last->attempt->quarantine_expires;
    const std::optional<quarantine::Date> expires = quarantine::Date::parse(q.expires);
    q.applies = expires && today_ < *expires;
    return q;
  }

  static Finding base(const Rule& rule, const TestVerdict& v) {
    Finding f;
    f.rule = rule.name;
    f.kind = rule.kind;
    f.severity = rule.severity;
    f.rule_severity = rule.severity;
    f.description = rule.description;
    f.test = v.name;
    f.test_id = v.id;
    f.executions = v.runs;
    return f;
  }

  static void failing_evidence(Finding& f, const TestVerdict& v) {
    for (const FailingAttempt& a : v.failing) {
      f.evidence.push_back({a.execution, a.outcome, std::nullopt, a.artifacts, first_line(a.message)});
    }
  }

  static Finding broken(const Rule& rule, const TestVerdict& v, const std::optional<RanQuarantined>& q) {
    Finding f = base(rule, v);
    f.severity = Severity::kError;
    f.value = 1;
    f.broken = true;
    f.ran_quarantined = q;
    if (rule.quarantine) {
      f.quarantine = QuarantineState::kBroken;
      f.action = rule.quarantine;
    }
    const char* s = v.runs == 1 ? "" : "s";
    f.summary = q && q->applies
                    ? fmt::format(
                          "broken, not flaky: failed in all {} execution{} it ran in while quarantined; "
                          "a quarantine must not hide a broken test, fix it",
                          v.runs, s)
                    : fmt::format(
                          "broken, not flaky: failed in all {} execution{} it ran in; never "
                          "quarantined, fix it",
                          v.runs, s);
    failing_evidence(f, v);
    return f;
  }

  static std::optional<Finding> verdict_rule(const Rule& rule, const TestVerdict& v) {
    if (std::find(rule.verdicts.begin(), rule.verdicts.end(), v.verdict) == rule.verdicts.end()) {
      return std::nullopt;
    }
    if (v.runs < rule.min_executions || !(v.failure_rate > rule.failure_rate_above)) return std::nullopt;
    Finding f = base(rule, v);
    f.value = v.failure_rate;
    f.limit = rule.failure_rate_above;
    f.summary =
        fmt::format("{}: failed {} of {} executions ({}, 95% CI {}-{}){}", verdict_name(v.verdict),
                    v.failures, v.runs, percent(v.failure_rate), percent(v.ci95.low), percent(v.ci95.high),
                    rule.failure_rate_above > 0 ? ", above " + percent(rule.failure_rate_above) : "");
    failing_evidence(f, v);
    return f;
  }

  // The samples of test `name` in `tree` for a metric (selector) or duration (null) rule.
  static std::vector<Sample> samples(CheckTree& tree, const std::string& name,
                                     const MetricSelector* selector) {
    std::vector<Sample> out;
    for (const TestRun& run : tree.runs(name)) {
      if (!ran(run.attempt->outcome)) continue;
      if (selector == nullptr) {
        out.push_back({&run, static_cast<double>(run.attempt->duration_ns)});
      } else if (const std::optional<double> value = tree.metric_value(run, *selector); value) {
        out.push_back({&run, *value});
      }
    }
    return out;
  }

  // What metric and duration rules share: the samples, the baseline, the limit, the evidence.
  // `value_of` turns the samples into the value compared.
  template <typename ValueOf>
  std::optional<Finding> threshold_rule(const Rule& rule, const TestVerdict& v,
                                        const MetricSelector* selector, ValueOf value_of) {
    const std::vector<Sample> here = samples(tree_, v.name, selector);
    if (here.empty() || static_cast<int>(here.size()) < rule.min_executions) return std::nullopt;
    std::optional<double> baseline;
    if (rule.thresholds.needs_baseline()) {
      const std::vector<Sample> there = samples(*baseline_, v.name, selector);
      if (there.empty()) return std::nullopt;  // the baseline never ran it: nothing to compare
      baseline = value_of(there);
    }
    const double value = value_of(here);
    const double limit = limit_of(rule.thresholds, baseline);
    if (!(value > limit)) return std::nullopt;
    Finding f = base(rule, v);
    f.value = value;
    f.limit = limit;
    f.baseline = baseline;
    for (const Sample& s : here) {
      if (s.value > limit) {
        f.evidence.push_back({s.run->execution, s.run->attempt->outcome, s.value, s.run->folder, ""});
      }
    }
    return f;
  }

  std::optional<Finding> metric_rule(const Rule& rule, const TestVerdict& v) {
    const auto value_of = [&](const std::vector<Sample>& s) { return aggregate(s, rule.aggregate); };
    std::optional<Finding> f = threshold_rule(rule, v, &rule.metric, value_of);
    if (!f) return f;
    const std::string how(aggregate_name(rule.aggregate));
    std::string at;
    if (rule.aggregate == Aggregate::kMax) {
      const auto top = std::find_if(f->evidence.begin(), f->evidence.end(),
                                    [&](const EvidenceItem& e) { return e.value == f->value; });
      if (top != f->evidence.end()) at = " (execution " + top->execution + ")";
    }
    f->summary = fmt::format(
        "{} per execution: {} {}{}{}; {}", rule.metric.to_string(), how, number(f->value), at,
        f->baseline
            ? fmt::format(", baseline {} {}{}", how, number(*f->baseline), ratio(f->value, *f->baseline))
            : "",
        limit_phrase(rule.thresholds, *f->limit, number));
    return f;
  }

  std::optional<Finding> duration_rule(const Rule& rule, const TestVerdict& v) {
    const auto value_of = [&](const std::vector<Sample>& s) { return percentile(s, rule.percentile); };
    std::optional<Finding> f = threshold_rule(rule, v, nullptr, value_of);
    if (!f) return f;
    const std::string p = fmt::format("p{}", rule.percentile);
    f->summary = fmt::format("{} duration {}{}; {}", p, format_duration(f->value),
                             f->baseline ? fmt::format(", baseline {} {}{}", p, format_duration(*f->baseline),
                                                       ratio(f->value, *f->baseline))
                                         : "",
                             limit_phrase(rule.thresholds, *f->limit, format_duration));
    return f;
  }

  const RuleSet& rules_;
  CheckTree& tree_;
  CheckTree* baseline_;
  quarantine::Date today_;
  CheckResult& out_;
  std::set<std::string> broken_;                        // tests that have their broken finding
  std::vector<std::pair<Finding, std::size_t>> found_;  // with the rule's index
};

}  // namespace

std::string format_duration(double ns) {
  if (ns >= 1e9) return fmt::format("{:.2f} s", ns / 1e9);
  if (ns >= 1e6) return fmt::format("{:.1f} ms", ns / 1e6);
  return fmt::format("{:.0f} us", ns / 1e3);
}

int CheckResult::quarantined_findings() const {
  return static_cast<int>(
      std::count_if(findings.begin(), findings.end(), [](const Finding& f) { return f.quarantined(); }));
}

CheckResult evaluate_rules(const RuleSet& rules, const ArtifactTree& tree, const ArtifactTree* baseline,
                           quarantine::Date today) {
  CheckResult out;
  out.guards = rules.guards;
  out.rules = static_cast<int>(rules.rules.size());
  CheckTree here(tree, rules.guards.mass_failure_fraction);
  std::optional<CheckTree> there;
  if (baseline != nullptr) there.emplace(*baseline, rules.guards.mass_failure_fraction);
  out.executions = static_cast<int>(tree.executions.size());
  out.counted_executions = here.counted_executions();
  out.infrastructure_failures = here.infrastructure_failures();
  if (there) out.baseline_infrastructure_failures = there->infrastructure_failures();
  Evaluator evaluator(rules, here, there ? &*there : nullptr, today, out);
  for (std::size_t i = 0; i < rules.rules.size(); ++i) evaluator.evaluate(rules.rules[i], i);
  evaluator.finish();
  out.problems = here.problems();
  if (there) out.problems.insert(out.problems.end(), there->problems().begin(), there->problems().end());
  return out;
}

int check_exit_code(const CheckResult& result) {
  return std::any_of(result.findings.begin(), result.findings.end(),
                     [](const Finding& f) { return f.severity == Severity::kError; })
             ? 1
             : 0;
}

}  // namespace testscope::analysis
