#include "cli/verdict_output.hpp"

#include <fmt/format.h>

#include <stdexcept>

#include "analysis/artifact_tree.hpp"
#include "report/report_formats.hpp"

namespace testscope::cli {

std::optional<analysis::Verdicts> analyse_output(const std::filesystem::path& out,
                                                 analysis::ArtifactTree* keep) {
  try {
    analysis::ArtifactTree loaded = analysis::load_artifact_tree(out);
    const analysis::ArtifactTree& tree = keep != nullptr ? (*keep = std::move(loaded)) : loaded;
    analysis::Verdicts verdicts = analysis::compute_verdicts(tree);
    fmt::print(stderr, "{}", analysis::format_problems(verdicts, out.string()));
    return verdicts;
  } catch (const std::exception& e) {
    fmt::print(stderr, "testscope: {}\n", e.what());
    return std::nullopt;
  }
}

}  // namespace testscope::cli
