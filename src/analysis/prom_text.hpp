// Reading the samples of a Prometheus text format 0.0.4 file, such as the metrics.prom a test
// writes (docs/artifacts.md): for each sample line its name (`promo_uses_total`,
// `wait_seconds_bucket`), labels and value, and for each `# TYPE` line the family's type
// (with its `# HELP` text). Other comments are skipped; timestamps are read and dropped.
//
// Our own parser (docs/rules.md says why): prometheus-cpp only writes this format, and the
// parsers that exist live in Go and Python. Pure functions, thread-safe; never throws for bad
// input (std::bad_alloc may escape).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace testscope::analysis {

// One sample line. Plain data.
struct PromSample {
  std::string name;                                         // the sample's name, as written
  std::vector<std::pair<std::string, std::string>> labels;  // in the order written; escapes decoded
  double value = 0;                                         // NaN and +-Inf as written
  int line = 0;                                             // 1-based

  // The value of label `wanted`, or "" when it has none (as PromQL treats a missing label).
  std::string_view label(std::string_view wanted) const;
};

// A metric family declared by a `# TYPE name type` line. Plain data.
struct PromFamily {
  std::string name;  // `promo_uses_total`, `wait_seconds` (its samples add _bucket, _sum, _count)
  std::string type;  // counter | gauge | histogram | summary | untyped
  std::string help;  // the `# HELP` text of the same name, escapes decoded; "" if none
  int line = 0;      // of the TYPE line
};

// The samples of a file, or the first error in it.
struct PromParse {
  std::vector<PromSample> samples;   // in file order; empty when `error` is set
  std::vector<PromFamily> families;  // one per TYPE line, in file order; empty when `error` is set
  std::string error;                 // "line 3, column 14: expected '=' after the label name"; "" if none

  bool ok() const { return error.empty(); }

  // The family a sample of this name belongs to: the one of that name, else for a name
  // ending in _bucket (histograms), _sum or _count (histograms and summaries) the
  // histogram or summary it extends; nullptr for a sample no TYPE line covers (untyped).
  const PromFamily* family_of(std::string_view sample_name) const;
};

// Parses `text`. Accepts LF and CRLF line ends, blank lines, comments, optional trailing
// commas in label sets and a timestamp after the value. Refuses (with line and column) a bad
// metric or label name, a label given twice, an unterminated or badly escaped label value,
// a value that is not a float (`NaN`, `+Inf`, `-Inf` are), anything after the timestamp,
// and a `# TYPE` line with a bad name, an unknown type, or a name already typed.
PromParse parse_prom_text(std::string_view text);

}  // namespace testscope::analysis
