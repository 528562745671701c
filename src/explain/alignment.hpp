// Aligning the executions of one test: which thread of one execution is which thread of
// another, and which span is the same operation (docs/explain.md, "Aligning executions").
//
// A thread's shape is its name without its number ("client-1", "client-2": "client"), or for
// an unnamed thread the set of names of its top-level spans (those whose parent is on another
// thread, or the test's root). Threads of one shape are interchangeable: each
// gets a role, its rank among them by when it began the role span, the top-level span
// whose order among them varies most across executions (for two users racing, the
// request, not the warm-up they always do in the same order). A thread whose name is
// unique in its execution is also known by its name. An operation is (thread identity,
// path of span names from the root, occurrence of that path on the thread).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "explain/execution_trace.hpp"

namespace testscope::explain {

// How a thread is known across executions. Plain data.
struct ThreadIdentity {
  bool by_role = false;
  StringId name = kNoString;  // by name: the thread's name
  int shape = -1;             // by role: the shape, and the rank (0: the first to begin)
  int rank = 0;
};

// A set of interchangeable threads. Plain data.
struct ThreadShape {
  std::vector<StringId> top_names;     // of all its threads, sorted
  std::vector<StringId> thread_names;  // every name seen, sorted by text
  StringId role_span = kNoString;      // the top-level span that orders them
  int max_threads = 0;                 // the most threads of this shape in one execution
};

// One operation. Plain data.
struct Operation {
  int identity = 0;
  std::uint32_t path = 0;  // index in Alignment::paths
  int occurrence = 0;
  StringId name = kNoString;
};

// A path of span names. Plain data.
struct SpanPath {
  std::uint32_t parent = 0;  // 0 is the empty path (the root)
  StringId name = kNoString;
  int depth = 0;
};

// The aligned executions. Plain data.
struct Alignment {
  std::vector<ThreadIdentity> identities;
  std::vector<ThreadShape> shapes;
  std::vector<SpanPath> paths;  // paths[0] is the root
  std::vector<Operation> operations;
  std::size_t executions = 0;
  // span_of[op * executions + e]: the operation's span in execution e, -1 when it did not run.
  std::vector<std::int32_t> span_of;

  std::int32_t span(std::size_t op, std::size_t e) const { return span_of[op * executions + e]; }
  // "request/apply_promo/db.get_promo"
  std::string path_text(std::uint32_t path, const StringPool& pool) const;
};

// Aligns `traces` (none with an error).
Alignment align_executions(const std::vector<const ExecutionTrace*>& traces, const StringPool& pool);

}  // namespace testscope::explain
