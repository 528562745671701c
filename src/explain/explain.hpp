// testscope explain: what separates the failing executions of a flaky test from its
// passing ones (docs/explain.md). For each test with both, it reads every execution's
// trace (crashed and timed-out ones through their recovered traces), aligns the
// executions (the same operation is the same span name at the same place in the span
// tree, on the same thread: matched by name, or, where threads share a shape and swap
// roles, by the order in which they began), and tests candidate explanations:
//   - orders between operations on two threads: "A ended before B began", "A began
//     before B ended", ..., and "A and B overlapped";
//   - attribute values and log-event fields, events, errors, operations present in one
//     group only, durations (injected waits subtracted), metric changes.
// Each candidate is counted in both groups ("32 of 32 failing, 0 of 168 passing") and
// scored with Fisher's exact test; the significance threshold is Bonferroni's over the
// candidates that could reach it (Tarone's refinement), so a test that fails at random
// gets no explanation. Candidates true in exactly the same executions are folded into
// one; an order of operations is preferred to what follows from it.
//
// Example:
//   const auto tree = analysis::load_artifact_tree(out);
//   const auto result = explain::explain_tree(tree, {});
//   std::cout << explain::format_text(result, out.string());
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "analysis/artifact_tree.hpp"

namespace testscope::explain {

// What to explain and how. Plain data.
struct ExplainOptions {
  std::vector<std::string> tests;  // full names or folder ids; empty: every flaky test
  int top = 5;                     // candidates shown per test, the top one included
  double alpha = 0.05;             // family-wise error rate of the whole list of candidates
  int sample_per_group = 32;       // executions per group used to pick the orders worth counting
  int jobs = 2;                    // threads reading traces
};

// One operation a candidate names. Plain data.
struct OperationRef {
  std::string thread;  // as stated: "user-u2", or a role: "the second user"
  std::string span;    // the span's name
  std::string path;    // span names from the test's root down: "request/apply_promo/db.get_promo"
  int occurrence = 0;  // 0: the first such span on that thread
  std::string edge;    // "begin", "end", or "" when the candidate is not about an edge
  // In the example executions: the thread it ran on and the span's id (16 hex digits);
  // empty where it did not run.
  std::string failing_thread, failing_span_id;
  std::string passing_thread, passing_span_id;
};

enum class CandidateKind { kOrder, kOverlap, kAttribute, kEvent, kPresence, kError, kDuration, kMetric };

// "order", "overlap", "attribute", "event", "presence", "error", "duration", "metric".
const char* kind_name(CandidateKind kind);

// One candidate explanation, stated the way it holds more often in failing executions.
// Plain data.
struct Candidate {
  CandidateKind kind = CandidateKind::kOrder;
  std::string statement;                     // plain words: "the second user's db.get_promo began before ..."
  int failing_holds = 0, failing_total = 0;  // executions where it holds / where it could be told
  int passing_holds = 0, passing_total = 0;
  double log10_p = 0;                    // Fisher's exact test, two-sided
  bool significant = false;              // p below alpha / the number of candidates counted
  std::vector<OperationRef> operations;  // one, or two for an order
  std::vector<std::string> support;      // facts that go with it: "both apply_promo had promo.uses=0 (...)"
  int folded = 0;                        // other candidates true in exactly the same executions
  std::string failing_example, passing_example;  // artifact folders (relative to the root) to open
  // The top order only: orders true in exactly the same executions that name another operation
  // of the same thread on one side (edges in one step of an asyncio task, say). Timing cannot
  // tell which of them conflicts. At most three, earliest first; their own `equally` is empty.
  std::vector<Candidate> equally;
  // The top order only: when it holds in every failing execution but also in some passing
  // ones, the order that tells the failing from the passing among the executions where it
  // holds (a race that needs two orders at once), its counts over those executions only. At
  // most one.
  std::vector<Candidate> refined_by;
};

// What explain found for one test. Plain data.
struct TestExplanation {
  std::string name, id;
  // explained: an order of operations separates the groups; not_ordering: something does,
  // but no order; nothing_separates; too_few: not enough executions on a side to tell;
  // not_flaky: no failing or no passing execution to compare.
  std::string status;
  std::string summary;             // one or two sentences in plain words
  int failing = 0, passing = 0;    // executions read, by group
  int unreadable = 0;              // executions whose trace could not be read (in problems)
  int provoked = 0;                // executions run under --provoke
  std::string provoke_profiles;    // "heavy", "medium, chaos"
  int candidates = 0;              // candidates counted in the correction
  double threshold_log10_p = 0;    // log10(alpha / candidates)
  int more_executions = 0;         // too_few: how many more executions could make a cause significant
  std::vector<std::string> roles;  // what each role stands for: "the first user: of user-u1, user-u2, ..."
  std::vector<Candidate> explanations;  // the top one first; at most ExplainOptions::top
  std::string failing_example, passing_example;
};

// The result over a tree. Plain data.
struct ExplainResult {
  std::vector<TestExplanation> tests;
  std::vector<analysis::Problem> problems;  // unreadable traces and the tree's own problems
  std::vector<std::string> unknown_tests;   // names asked for that the tree does not have
  int provoked_executions = 0;
  double alpha = 0.05;  // the family-wise error rate the candidates were judged at
};

// Explains the tests of `tree` (loaded with analysis::load_artifact_tree). Reads the
// traces under tree.root. Deterministic for the same files; thread-safe; never throws
// except std::bad_alloc.
ExplainResult explain_tree(const analysis::ArtifactTree& tree, const ExplainOptions& options);

// Plain words for people: per test the top explanation, the next ones, the executions to
// open (paths under `root`, as the user named it). Deterministic.
std::string format_text(const ExplainResult& result, const std::string& root);

// The same as JSON (docs/explain.md), pretty-printed, ending in a newline.
std::string format_json(const ExplainResult& result);

// 0 when every test asked about was read (whatever was found), 2 when a test asked for is
// not in the tree.
int explain_exit_code(const ExplainResult& result);

}  // namespace testscope::explain
