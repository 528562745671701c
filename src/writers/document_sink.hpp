// Writing a document a piece at a time: the trace and log writers format into a buffer and
// hand it on whenever it holds a megabyte, so a test of millions of spans is written to its
// file (through detail::AtomicFile) without the whole document ever being in memory.
// Internal to testscope::writers.
#pragma once

#include <rapidjson/stringbuffer.h>

#include <cstddef>
#include <functional>
#include <string_view>

#include "testscope/artifacts.hpp"

namespace testscope::detail {

// Takes each piece of a document, in order. The pieces together are the document.
using DocumentSink = std::function<void(std::string_view piece)>;

// How much a writer formats before it hands the piece on.
inline constexpr std::size_t kPieceBytes = std::size_t{1} << 20U;

// Hands what `buffer` holds to `sink` and empties it (keeping its memory for the next piece).
inline void hand_on(rapidjson::StringBuffer& buffer, const DocumentSink& sink) {
  if (buffer.GetSize() == 0) return;
  sink(std::string_view(buffer.GetString(), buffer.GetSize()));
  buffer.Clear();
}

// hand_on() once `buffer` holds kPieceBytes or more; the writers call it between values.
inline void hand_on_if_full(rapidjson::StringBuffer& buffer, const DocumentSink& sink) {
  if (buffer.GetSize() >= kPieceBytes) hand_on(buffer, sink);
}

// The formats of artifacts.hpp's otlp_json, chrome_trace_json and logs_jsonl, the same
// bytes, handed to `sink` in pieces of about kPieceBytes. Throw only what the sink throws
// and std::bad_alloc.
void write_otlp_json(const TestRecord& record, const RunInfo& run, const DocumentSink& sink);
void write_chrome_trace_json(const TestRecord& record, const RunInfo& run, const DocumentSink& sink);
void write_logs_jsonl(const TestRecord& record, const DocumentSink& sink);

// A sink that appends every piece to `out`.
inline DocumentSink append_to(std::string& out) {
  return [&out](std::string_view piece) { out.append(piece); };
}

}  // namespace testscope::detail
