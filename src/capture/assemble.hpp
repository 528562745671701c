// Internal to capture: turning the buffers of one test into its TestRecord. Shared by
// TestCapture::end (live buffers) and recovery (buffers a dead process left in files).
#pragma once

#include <cstdint>
#include <vector>

#include "capture/buffer_reader.hpp"
#include "testscope/capture.hpp"

namespace testscope::detail {

// Decodes `buffers` into `record` (which holds the test, outcome, times, ids and failures
// already): spans by start time after a synthesised root span, logs by time, threads,
// dropped and orphan counts. Spans still open end at record.end_unix_ns.
void assemble_record(TestRecord& record, const TickMapping& clock, const std::vector<BufferView>& buffers,
                     std::uint64_t parent_span_id, std::uint32_t test_thread);

}  // namespace testscope::detail
