// After an execution ends: writing the artifacts of the test it was running when it died
// (testscope/recovery.hpp), so a crash or a timeout is charged to that test, with the
// spans, events and logs it recorded up to its last moment.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "analysis/run_manifest.hpp"

namespace testscope::runner {

// The folder where the program of the execution running in job slot `slot` (0, 1, ...
// up to --jobs - 1) keeps its buffers: <out>/buffers/<slot>, next to `runs_dir`. One
// folder per slot, made once and kept for the whole run (docs/performance.md, goal 6).
std::filesystem::path buffer_dir(const std::filesystem::path& runs_dir, int slot);

// Rebuilds and writes <execution_dir>/tests/<id>/ for every test that was running when the
// execution `record` ended, from the files its program left in `buffers`, then clears
// them away (not the folder, which the slot's next execution uses): the control block and
// first few buffers of a process that has ended are kept as spare-<name>, their space still
// reserved, for the next program to claim (recorder/mapping.cpp); the rest are deleted. `program` is the
// command line (for run.json's resource); `timeout_s` the --timeout. Returns what could not
// be used or written, one message per problem (the caller reports them). Never throws.
std::vector<std::string> recover_execution(const std::filesystem::path& execution_dir,
                                           const std::filesystem::path& buffers,
                                           const analysis::ExecutionRecord& record,
                                           const std::vector<std::string>& program,
                                           double timeout_s) noexcept;

}  // namespace testscope::runner
