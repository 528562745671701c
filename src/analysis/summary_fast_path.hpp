// Reading summary.json quickly, for trees of many thousands of them (docs/performance.md:
// `testscope report` over 100,000 summaries). RapidJSON parses about five times faster than
// nlohmann::json, which stays the reference reader. Internal; thread-safe (no shared state).
#pragma once

#include <string_view>

#include "analysis/artifact_tree.hpp"

namespace testscope::analysis::detail {

// Fills `attempt` (all but `id`) from summary.json's `text` and returns true, in the common
// case only: valid JSON with every field the reader uses present with its usual type and a
// known outcome. Returns false for anything else, with `attempt` unspecified; the caller then
// reads `text` with nlohmann::json, which decides what is accepted and words the problem.
// It must stay in step with read_summary() in artifact_tree.cpp: a field read there is read
// here too, or makes this return false when present.
bool read_summary_fast(std::string_view text, TestAttempt& attempt);

// TestAttempt::quarantine's one line, from summary.json's quarantine object.
std::string quarantine_text(const std::string& entry, const std::string& reason, const std::string& owner,
                            const std::string& expires);

}  // namespace testscope::analysis::detail
