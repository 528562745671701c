// Planning `testscope merge`: reading the output folders of several `testscope run`s (CI
// machines, shards), checking that each is a whole testscope output, and numbering their
// executions 1..K, input by input, in one merged testscope-run.json. Reads files only; the
// caller copies the folders and writes the result.
//
//   const MergePlan plan = plan_merge({"shard-1", "shard-2"}, argv);
//   for (const MergeCopy& c : plan.copies) copy c.from to <merged>/runs/<c.to_name>
//   write run_manifest_json(plan.manifest) to <merged>/testscope-run.json
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "analysis/run_manifest.hpp"

namespace testscope::analysis {

// One execution folder to copy: an input's runs/<name> to the merged runs/<to_name>.
struct MergeCopy {
  std::filesystem::path from;
  std::string to_name;
};

// What to write for a merge. Plain data.
struct MergePlan {
  RunManifest manifest;               // command "merge"; executions "1".."K", each with its source
  std::vector<MergeCopy> copies;      // one per execution, in the manifest's order
  std::vector<std::string> warnings;  // things left out or worth knowing, one line each
};

// Reads each input's testscope-run.json and checks its execution folders. Throws
// std::runtime_error naming the path when an input is given twice, is not a directory, has
// no testscope-run.json (not a testscope output) or a corrupt one (the JSON error and byte
// position), or records an execution whose folder is missing, whose name is not a plain
// folder name, or twice; also when the inputs hold no execution at all. Folders under
// runs/ that the manifest does not record are left out with a warning. Files inside the
// execution folders are not read here: the merged tree's loader reports those as problems.
// `argv` is recorded as the merge's command line.
MergePlan plan_merge(const std::vector<std::filesystem::path>& inputs, const std::vector<std::string>& argv);

}  // namespace testscope::analysis
