// Small helpers shared by the report formats. Internal.
#pragma once

#include <fmt/format.h>

#include <string>

#include "analysis/verdicts.hpp"

namespace testscope::analysis::detail {

inline std::string percent(double rate) { return fmt::format("{:.1f}%", rate * 100); }

// "1 span", "3 spans": `n` and the word that fits it.
inline std::string plural(std::size_t n, std::string_view one, std::string_view many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

// The name shown for a verdict: the test's full name, or "<program> (whole program)".
inline std::string display_name(const TestVerdict& v) {
  return v.kind == "program" ? v.name + " (whole program)" : v.name;
}

// `root` joined with a path relative to it ("." is the root itself).
inline std::string joined(const std::string& root, const std::string& relative) {
  if (relative == "." || relative.empty()) return root;
  if (root.empty() || root == ".") return relative;
  return root.back() == '/' ? root + relative : root + "/" + relative;
}

}  // namespace testscope::analysis::detail
