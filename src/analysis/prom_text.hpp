// Reading the samples of a Prometheus text format 0.0.4 file, such as the metrics.prom a test
// writes (docs/artifacts.md): for each sample line its name (`promo_uses_total`,
// `wait_seconds_bucket`), labels and value. `# HELP`, `# TYPE` and other comments are
// skipped; timestamps are read and dropped.
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

// The samples of a file, or the first error in it.
struct PromParse {
  std::vector<PromSample> samples;  // in file order; empty when `error` is set
  std::string error;                // "line 3, column 14: expected '=' after the label name"; "" if none

  bool ok() const { return error.empty(); }
};

// Parses `text`. Accepts LF and CRLF line ends, blank lines, comments, optional trailing
// commas in label sets and a timestamp after the value. Refuses (with line and column) a bad
// metric or label name, a label given twice, an unterminated or badly escaped label value,
// a value that is not a float (`NaN`, `+Inf`, `-Inf` are), and anything after the timestamp.
PromParse parse_prom_text(std::string_view text);

}  // namespace testscope::analysis
