// Candidate explanations of one test, counted over its aligned executions
// (docs/explain.md, "Candidates"). Internal to the engine: compact, ids instead of text.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "explain/alignment.hpp"
#include "explain/execution_trace.hpp"
#include "explain/explain.hpp"

namespace testscope::explain {

// In how many executions of each group a candidate holds, where it can be told, and a
// hash of the whole pattern (equal hashes: true in exactly the same executions).
struct Tally {
  int failing_holds = 0, failing_total = 0, passing_holds = 0, passing_total = 0;
  std::uint64_t signature = 14695981039346656037ULL;
  std::uint64_t signature_negated = 14695981039346656037ULL;  // of its negation
  // The first execution of each kind: failing & holds, failing & not, passing & holds, passing & not.
  std::array<std::int32_t, 4> example{-1, -1, -1, -1};

  // value: 1 holds, 0 does not, -1 cannot be told in this execution.
  void add(std::size_t e, bool failing, int value) {
    signature = (signature ^ static_cast<std::uint64_t>(value + 2)) * 1099511628211ULL;
    signature_negated =
        (signature_negated ^ static_cast<std::uint64_t>(value < 0 ? 1 : 3 - value)) * 1099511628211ULL;
    if (value < 0) return;
    const int slot = (failing ? 0 : 2) + (value == 0 ? 1 : 0);
    if (example[static_cast<std::size_t>(slot)] < 0) {
      example[static_cast<std::size_t>(slot)] = static_cast<std::int32_t>(e);
    }
    if (failing) {
      ++failing_total;
      failing_holds += value;
    } else {
      ++passing_total;
      passing_holds += value;
    }
  }
};

enum class Edge : std::uint8_t { kBegin, kEnd };

// One candidate: what it is about, and its counts. Plain data.
struct RawCandidate {
  CandidateKind kind = CandidateKind::kOrder;
  std::uint32_t a = 0, b = 0;                         // operations (b only for orders and overlaps)
  Edge edge_a = Edge::kBegin, edge_b = Edge::kBegin;  // order: a's edge_a before b's edge_b
  StringId key = kNoString;                           // attribute key, event name, metric series
  StringId field = kNoString;                         // event field
  StringId value = kNoString;                         // the value; kNoString for "present"
  std::int64_t threshold = 0;                         // duration: longer than this many ns
  Tally tally;
  double min_log10_p = 0;  // the best this candidate could reach with its margins (Tarone)
  double log10_p = 0;
};

// A value that stands for "the attribute or field was not there".
inline constexpr StringId kAbsentValue = kNoString - 1;

// The executions, aligned, with what the candidates read of them.
struct Evidence {
  const std::vector<const ExecutionTrace*>* traces = nullptr;
  std::vector<char> failing;  // per execution
  const Alignment* alignment = nullptr;
  const StringPool* pool = nullptr;
};

// Every candidate worth counting (its best possible p-value is below alpha), counted.
// `sample_per_group` executions per group choose the orders worth counting over all.
std::vector<RawCandidate> collect_candidates(const Evidence& evidence, double alpha, int sample_per_group);

// An order candidate in execution e: 1 holds, 0 does not, -1 cannot be told (an operation
// absent, or both on one thread).
int order_value(const Evidence& evidence, const RawCandidate& order, std::size_t e);

// The orders among `candidates` counted again over the executions where `within[e]` is set
// (tally, best and actual p over those only); those constant there are left out.
std::vector<RawCandidate> recount_orders(const Evidence& evidence,
                                         const std::vector<RawCandidate>& candidates,
                                         const std::vector<char>& within);

// The time at which a candidate is decided, in ns from the test's start, as a median over
// the failing executions where it holds: for an order, the earlier of its two edges.
std::int64_t decisive_time(const RawCandidate& candidate, const Evidence& evidence);

}  // namespace testscope::explain
