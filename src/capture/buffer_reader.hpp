// Decodes the records of one thread's buffer into spans (see recorder/records.hpp).
#pragma once

#include <algorithm>
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "recorder/recorder.hpp"
#include "testscope/capture.hpp"

namespace testscope::detail {

// Maps raw ticks to unix nanoseconds for one test.
struct TickMapping {
  std::uint64_t ticks0 = 0;
  std::int64_t unix0 = 0;
  double ns_per_tick = 1.0;

  std::int64_t to_unix_ns(std::uint64_t ticks) const noexcept {
    const auto delta = static_cast<double>(static_cast<std::int64_t>(ticks - ticks0));
    // Ticks from a corrupt buffer may lie anywhere: keep within 2^61 ns (73 years) of the
    // start, so the conversion and later differences cannot overflow.
    constexpr double kLimit = 2305843009213693952.0;
    return unix0 + static_cast<std::int64_t>(std::clamp(delta * ns_per_tick, -kLimit, kLimit));
  }
};

// Accumulates spans from all buffers of a test. Records that refer to a span begun in
// an earlier test (or whose begin was dropped) are ignored and counted. Records on the
// test's root span `root_span_id` (which no buffer begins: the capture makes it) are kept
// apart, for take_root().
class SpanAssembler {
 public:
  explicit SpanAssembler(const TickMapping& clock, std::uint64_t root_span_id = 0) : clock_(clock) {
    root_.span_id = root_span_id;
  }

  // Decodes one buffer. Returns false if the buffer was malformed (decoding stops there).
  bool add_buffer(const BufferView& buffer);
  // Moves the spans out; `spans` keeps their order of decoding.
  std::vector<SpanData> take_spans() { return std::move(spans_); }
  // Moves the log events out, in decoding order (per thread: the order logged).
  std::vector<LogData> take_logs() { return std::move(logs_); }
  std::uint64_t orphan_records() const noexcept { return orphans_; }
  // Moves out what the buffers recorded on the root span: events (a provocation wait at a
  // point outside any span, for one), attributes, a status. Its other fields are unset.
  SpanData take_root() { return std::move(root_); }

 private:
  SpanData* find(std::uint64_t span_id);
  TickMapping clock_;
  std::vector<SpanData> spans_;
  SpanData root_;
  std::vector<LogData> logs_;
  std::unordered_map<std::uint64_t, std::size_t> index_;
  std::uint64_t orphans_ = 0;
};

}  // namespace testscope::detail
