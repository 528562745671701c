// After an execution ends: writing the artifacts of the test it was running when it died
// (testscope/recovery.hpp), so a crash or a timeout is charged to that test, with the
// spans, events and logs it recorded up to its last moment.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "analysis/run_manifest.hpp"

namespace testscope::cli {

// The folder, inside an execution's folder, where its program keeps its buffers.
std::filesystem::path buffer_dir(const std::filesystem::path& execution_dir);

// Rebuilds and writes <execution_dir>/tests/<id>/ for every test that was running when the
// execution `record` ended, then removes the buffer folder. `program` is the command line
// (for run.json's resource); `timeout_s` the --timeout. Returns what could not be used or
// written, one message per problem (the caller reports them). Never throws.
std::vector<std::string> recover_execution(const std::filesystem::path& execution_dir,
                                           const analysis::ExecutionRecord& record,
                                           const std::vector<std::string>& program,
                                           double timeout_s) noexcept;

}  // namespace testscope::cli
