// Fisher's exact test on a 2x2 table, written here because it is twenty lines: the exact
// hypergeometric probabilities (through lgamma), summed over every table with the same
// margins that is at most as likely as the one observed (the two-sided test R's
// fisher.test computes). Exact for any sample size, so it stays honest when one group
// has 3 executions and the other 300, where a chi-squared approximation would not.
#pragma once

namespace testscope::explain {

// The two-sided p-value of the table
//                 holds   does not
//   failing         a      c
//   passing         b      d
// Requires a, b, c, d >= 0. Pure, thread-safe. Returned as log10(p): a perfect separation
// of 500 and 500 executions is about 10^-300, below what a double holds as p itself.
double fisher_log10_p(int a, int b, int c, int d);

// log10 of the smallest p-value any table with these group sizes can reach: a perfect
// separation.
double fisher_best_log10_p(int failing, int passing);

}  // namespace testscope::explain
