#include "explain/fisher.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace testscope::explain {
namespace {

// log(n!) for n up to the largest table seen on this thread: a lookup, not an lgamma call
// (explain computes hundreds of thousands of these).
double log_factorial(int n) {
  thread_local std::vector<double> table{0.0};
  while (static_cast<int>(table.size()) <= n) {
    table.push_back(table.back() + std::log(static_cast<double>(table.size())));
  }
  return table[static_cast<std::size_t>(n)];
}

double log_choose(int n, int k) { return log_factorial(n) - log_factorial(k) - log_factorial(n - k); }

}  // namespace

double fisher_log10_p(int a, int b, int c, int d) {
  const int row_failing = a + c;
  const int column_holds = a + b;
  const int total = a + b + c + d;
  if (total == 0) return 0.0;
  // P(x) for x holding in the failing row: C(column_holds, x) C(total - column_holds, row_failing - x) /
  // C(total, row_failing).
  const double log_denominator = log_choose(total, row_failing);
  auto log_p = [&](int x) {
    return log_choose(column_holds, x) + log_choose(total - column_holds, row_failing - x) - log_denominator;
  };
  const int low = std::max(0, row_failing - (total - column_holds));
  const int high = std::min(row_failing, column_holds);
  const double observed = log_p(a);
  // Tables as likely as the observed one count too; the tolerance absorbs rounding (as R's 1e-7).
  const double limit = observed + 1e-7;
  // log-sum-exp of the tables counted, scaled by the largest of them.
  thread_local std::vector<double> counted;
  counted.clear();
  double largest = -std::numeric_limits<double>::infinity();
  for (int x = low; x <= high; ++x) {
    if (const double lp = log_p(x); lp <= limit) {
      counted.push_back(lp);
      largest = std::max(largest, lp);
    }
  }
  double sum = 0;
  for (const double lp : counted) sum += std::exp(lp - largest);
  return std::min(0.0, (largest + std::log(sum)) / std::log(10.0));
}

double fisher_best_log10_p(int failing, int passing) { return fisher_log10_p(failing, 0, 0, passing); }

}  // namespace testscope::explain
