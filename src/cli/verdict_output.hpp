// What `run` and `report` share: analysing an output folder and printing the verdicts.
#pragma once

#include <cstdio>
#include <filesystem>
#include <optional>

#include "analysis/verdicts.hpp"

namespace testscope::cli {

// Loads the tree at `out` and computes its verdicts; prints every problem in it to stderr.
// nullopt (after printing why) when `out` holds no executions to analyse. With `keep`, the
// loaded tree is moved there (for outputs that read more of it, like the HTML report).
std::optional<analysis::Verdicts> analyse_output(const std::filesystem::path& out,
                                                 analysis::ArtifactTree* keep = nullptr);

}  // namespace testscope::cli
