// Glob matching of test names and the checks on a pattern.
#include <algorithm>

#include "testscope/quarantine.hpp"

namespace testscope::quarantine {

bool glob_match(std::string_view pattern, std::string_view test_name) {
  // Greedy with one backtrack point (the last `*`): O(pattern * name) at worst, no recursion.
  std::size_t p = 0;
  std::size_t n = 0;
  std::size_t star = std::string_view::npos;  // position after the last `*` seen
  std::size_t star_n = 0;                     // where the name stood when it was seen
  while (n < test_name.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = ++p;
      star_n = n;
    } else if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == test_name[n])) {
      ++p;
      ++n;
    } else if (star != std::string_view::npos) {
      p = star;  // let the last `*` take one more character
      n = ++star_n;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

std::string pattern_problem(std::string_view pattern) {
  if (pattern.empty()) return "the test name must not be empty";
  for (const char c : pattern) {
    const auto u = static_cast<unsigned char>(c);
    // Spaces, '[', ']', ':' and '/' are literal: pytest node ids hold them
    // ("tests/test_promo.py::test_apply[two users]").
    if (u < ' ' || u == 0x7f) return "a test name has no control characters";
  }
  if (pattern.front() == ' ' || pattern.back() == ' ') {
    return "a test name neither starts nor ends with a space";
  }
  if (std::all_of(pattern.begin(), pattern.end(), [](char c) { return c == '*' || c == '?' || c == '.'; })) {
    return "this pattern matches every test; name at least the test suite (\"Suite.*\")";
  }
  return "";
}

bool Entry::is_pattern() const { return test.find_first_of("*?") != std::string::npos; }

}  // namespace testscope::quarantine
