// One test execution's timeline for the HTML report, read from its trace.chrome.json
// (docs/artifacts.md): the threads in the order the writer sorted them, every complete
// ("X") event as a span with its nesting depth on its thread, and every instant ("i")
// event as a mark (a span event, or a log event when its category is "log"). Times are
// microseconds from the test's start, as the file has them.
//
// Why the Chrome trace and not trace.otlp.json: it is the one file that already names the
// threads (thread_name metadata), puts every span and log event on its thread, and counts
// time from the test's start, which is exactly what swimlanes on a shared scale need.
// OTLP has no thread per span and no log events.
//
// Bad input never throws: a missing, unreadable, corrupt or oversized file gives a Timeline
// whose `error` says what is wrong; malformed events are skipped and counted.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace testscope::html_report {

// Key and value of one attribute (args), the value as text: strings as they are, other
// JSON values as JSON. Plain data.
using Attribute = std::pair<std::string, std::string>;

// One thread's swimlane. Plain data.
struct TimelineThread {
  std::string tid;   // the trace's tid, as text
  std::string name;  // "worker (1234)"; the tid when the trace names none
};

// One span (an "X" event). Plain data.
struct TimelineSpan {
  std::size_t thread = 0;  // index into Timeline::threads
  double start_us = 0;     // from the test's start
  double duration_us = 0;  // >= 0
  int depth = 0;           // 0 for a span no other span on its thread encloses
  std::string name;
  std::string category;  // "test" for the test's own span, else "span"
  std::vector<Attribute> attributes;
};

// One instant: a span event, or a log event (`is_log`). Plain data.
struct TimelineMark {
  std::size_t thread = 0;
  double time_us = 0;
  bool is_log = false;
  std::string name;
  std::vector<Attribute> attributes;
};

// What could be read of one trace file. Plain data.
struct Timeline {
  std::string error;  // "" when the file was read; otherwise why not (nothing else is set)
  std::vector<TimelineThread> threads;
  std::vector<TimelineSpan> spans;  // by start time; at most the cap given to the reader
  std::vector<TimelineMark> marks;  // by time; at most the cap given to the reader
  std::size_t spans_in_file = 0;    // before the cap
  std::size_t marks_in_file = 0;
  std::size_t skipped_events = 0;  // events without a usable ts/dur/tid
  double end_us = 0;               // the latest span end or mark, for the shared scale
};

// Reads the Chrome trace at `path`, keeping the `max_spans` earliest spans and the
// `max_marks` earliest marks. Thread-safe (no shared state); never throws except
// std::bad_alloc.
Timeline read_chrome_timeline(const std::filesystem::path& path, std::size_t max_spans,
                              std::size_t max_marks);

// The same from the file's text; `origin` names the file in error messages.
Timeline parse_chrome_timeline(const std::string& text, const std::string& origin, std::size_t max_spans,
                               std::size_t max_marks);

}  // namespace testscope::html_report
