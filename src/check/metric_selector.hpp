// A series selector as PromQL writes one, for the metric rules of `testscope check`
// (docs/rules.md): `promo_uses_total{status="limit"}`, `wait_seconds_count`,
// `promo_uses_total{status!="ok",promo_code="SUMMER20"}`. It picks the samples of a
// metrics.prom file by name and label matchers; a rule sums the samples it picks.
//
// Only `=` and `!=` matchers: the regex matchers `=~` and `!~` are refused with a clear
// message (a regex from a file is a risk we do not take for a small gain). Plain values,
// thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "analysis/prom_text.hpp"

namespace testscope::analysis {

// One label matcher: `label="value"` (equal) or `label!="value"`. Plain data.
struct LabelMatcher {
  std::string label;
  bool equal = true;
  std::string value;
};

// A metric name with label matchers. Plain data.
struct MetricSelector {
  std::string metric;  // the sample name to match exactly
  std::vector<LabelMatcher> matchers;

  // True when `sample` has the name and satisfies every matcher; a label the sample does not
  // have counts as "" (PromQL's rule), so `x{a=""}` matches samples without `a`.
  bool matches(const PromSample& sample) const;
  // The selector written back: `name{label="value",label!="value"}` (`name` alone without
  // matchers), values escaped as PromQL escapes them.
  std::string to_string() const;
};

// The result of parsing a selector: `selector`, or `error` and the 0-based byte `offset`
// in the text where the problem is.
struct SelectorParse {
  std::optional<MetricSelector> selector;
  std::string error;
  std::size_t offset = 0;
};

// Parses `text`: a metric name ([a-zA-Z_:][a-zA-Z0-9_:]*), optionally followed by `{}`
// holding comma-separated matchers `label="value"` or `label!="value"` (values in double or
// single quotes, with \\, \", \' and \n escapes; a trailing comma allowed). Blanks may
// surround the tokens. Never throws for bad input.
SelectorParse parse_metric_selector(std::string_view text);

}  // namespace testscope::analysis
