// testscope's own standard streams (issue 14, item 5). Progress and messages are for people
// and best effort: a closed stderr (`2>&-`), a full one (`2>/dev/full`) or a pipe whose reader
// went away (`| head -2`) must never lose a run's results or change its exit code.
#pragma once

namespace testscope::cli {

// Call first in main, before any file is opened. Opens /dev/null on any of fds 0, 1 and 2
// that is closed (else the first file testscope opened would become its stderr); ignores
// SIGPIPE (a closed pipe is then EPIPE, not death; executions get it back at its default);
// and replaces `stdout` and `stderr` by streams over fds 1 and 2 whose writes always report
// success, dropping what the fd refuses, so that {fmt}, which throws when a write to a FILE
// fails, and everything else printing through them go on as if the terminal were fine.
void make_standard_streams_best_effort() noexcept;

}  // namespace testscope::cli
