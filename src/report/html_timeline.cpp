// Reading trace.chrome.json into swimlanes; see timeline.hpp.
#include "report/html_timeline.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <optional>
#include <sstream>
#include <system_error>

#include "analysis/json_errors.hpp"

namespace testscope::html_report {
namespace {

using nlohmann::json;

// Larger files are not read: a browser could not show them anyway.
constexpr std::uintmax_t kMaxFileBytes = std::uintmax_t{512} << 20U;

std::string value_text(const json& value) {
  if (value.is_string()) return value.get<std::string>();
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::vector<Attribute> attributes_of(const json& event) {
  std::vector<Attribute> attributes;
  const auto args = event.find("args");
  if (args == event.end() || !args->is_object()) return attributes;
  attributes.reserve(args->size());
  for (const auto& [key, value] : args->items()) attributes.emplace_back(key, value_text(value));
  return attributes;
}

std::optional<double> finite_number(const json& event, const char* key) {
  const auto it = event.find(key);
  if (it == event.end() || !it->is_number()) return std::nullopt;
  const auto value = it->get<double>();
  if (!std::isfinite(value)) return std::nullopt;
  return value;
}

std::optional<std::string> tid_of(const json& event) {
  const auto it = event.find("tid");
  if (it == event.end() || !(it->is_number() || it->is_string())) return std::nullopt;
  return value_text(*it);
}

std::string string_field(const json& event, const char* key) {
  const auto it = event.find(key);
  return it != event.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The threads, named by thread_name metadata and ordered by thread_sort_index, then by
// their first appearance in the file.
class ThreadTable {
 public:
  void name(const std::string& tid, std::string label) { at(tid).name = std::move(label); }
  void sort_index(const std::string& tid, double index) { at(tid).sort_index = index; }
  std::size_t index_of(const std::string& tid) { return at(tid).order; }

  // Threads in display order, and a map from first-appearance order to display position.
  std::pair<std::vector<TimelineThread>, std::vector<std::size_t>> finish() const {
    std::vector<const Entry*> entries;
    entries.reserve(by_tid_.size());
    for (const auto& [tid, entry] : by_tid_) entries.push_back(&entry);
    std::stable_sort(entries.begin(), entries.end(), [](const Entry* a, const Entry* b) {
      if (a->sort_index != b->sort_index) return a->sort_index < b->sort_index;
      return a->order < b->order;
    });
    std::vector<TimelineThread> threads;
    std::vector<std::size_t> position(entries.size());
    for (const Entry* entry : entries) {
      position[entry->order] = threads.size();
      threads.push_back({entry->tid, entry->name.empty() ? entry->tid : entry->name});
    }
    return {std::move(threads), std::move(position)};
  }

 private:
  struct Entry {
    std::string tid;
    std::string name;
    double sort_index = std::numeric_limits<double>::infinity();
    std::size_t order = 0;
  };
  Entry& at(const std::string& tid) {
    auto [it, inserted] = by_tid_.try_emplace(tid);
    if (inserted) {
      it->second.tid = tid;
      it->second.order = by_tid_.size() - 1;
    }
    return it->second;
  }
  std::map<std::string, Entry> by_tid_;
};

// Depth by time containment on each thread, the way trace viewers stack slices: spans
// sorted by start (longer first on ties); a span is inside every open span that has not
// ended by its start.
void assign_depths(std::vector<TimelineSpan>& spans, std::size_t thread_count) {
  std::vector<std::vector<double>> open_ends(thread_count);  // per thread, a stack of end times
  for (TimelineSpan& span : spans) {
    std::vector<double>& stack = open_ends[span.thread];
    while (!stack.empty() && stack.back() <= span.start_us) stack.pop_back();
    span.depth = static_cast<int>(stack.size());
    stack.push_back(span.start_us + span.duration_us);
  }
}

void read_metadata(const json& event, const std::string& tid, ThreadTable& threads) {
  const std::string what = string_field(event, "name");
  const auto args = event.find("args");
  if (args == event.end() || !args->is_object()) return;
  if (what == "thread_name" && args->contains("name")) threads.name(tid, value_text((*args)["name"]));
  if (what == "thread_sort_index" && (*args)["sort_index"].is_number()) {
    threads.sort_index(tid, (*args)["sort_index"].get<double>());
  }
}

// One element of traceEvents: a span, a mark, thread metadata, or skipped.
void read_event(const json& event, Timeline& timeline, ThreadTable& threads) {
  if (!event.is_object()) {
    ++timeline.skipped_events;
    return;
  }
  const std::string phase = string_field(event, "ph");
  const auto tid = tid_of(event);
  if (phase == "M") {
    if (tid) read_metadata(event, *tid, threads);  // without a tid: process metadata
    return;
  }
  if (phase != "X" && phase != "i" && phase != "I") return;  // flows, counters, ...
  const auto ts = finite_number(event, "ts");
  const auto dur = finite_number(event, "dur");
  if (!tid || !ts || (phase == "X" && (!dur || *dur < 0))) {
    ++timeline.skipped_events;
    return;
  }
  if (phase == "X") {
    timeline.spans.push_back({threads.index_of(*tid), *ts, *dur, 0, string_field(event, "name"),
                              string_field(event, "cat") == "test" ? "test" : "span", attributes_of(event)});
  } else {
    timeline.marks.push_back({threads.index_of(*tid), *ts, string_field(event, "cat") == "log",
                              string_field(event, "name"), attributes_of(event)});
  }
}

// Threads in display order, spans and marks sorted and cut to the caps, depths, the end.
void finish(Timeline& timeline, const ThreadTable& threads, std::size_t max_spans, std::size_t max_marks) {
  auto [thread_list, position] = threads.finish();
  timeline.threads = std::move(thread_list);
  for (TimelineSpan& span : timeline.spans) span.thread = position[span.thread];
  for (TimelineMark& mark : timeline.marks) mark.thread = position[mark.thread];

  std::stable_sort(timeline.spans.begin(), timeline.spans.end(),
                   [](const TimelineSpan& a, const TimelineSpan& b) {
                     if (a.start_us != b.start_us) return a.start_us < b.start_us;
                     return a.duration_us > b.duration_us;
                   });
  std::stable_sort(timeline.marks.begin(), timeline.marks.end(),
                   [](const TimelineMark& a, const TimelineMark& b) { return a.time_us < b.time_us; });
  timeline.spans_in_file = timeline.spans.size();
  timeline.marks_in_file = timeline.marks.size();
  if (timeline.spans.size() > max_spans) timeline.spans.resize(max_spans);
  if (timeline.marks.size() > max_marks) timeline.marks.resize(max_marks);
  assign_depths(timeline.spans, timeline.threads.size());

  for (const TimelineSpan& span : timeline.spans) {
    timeline.end_us = std::max(timeline.end_us, span.start_us + span.duration_us);
  }
  for (const TimelineMark& mark : timeline.marks) timeline.end_us = std::max(timeline.end_us, mark.time_us);
}

}  // namespace

Timeline parse_chrome_timeline(const std::string& text, const std::string& origin, std::size_t max_spans,
                               std::size_t max_marks) {
  Timeline timeline;
  json document;
  try {
    document = analysis::parse_json_or_throw(text);
  } catch (const std::exception& e) {
    timeline.error = origin + ": " + e.what();
    return timeline;
  }
  const json* events = nullptr;
  if (document.is_array()) {
    events = &document;  // the format's bare-array form
  } else if (document.is_object() && document.contains("traceEvents") && document["traceEvents"].is_array()) {
    events = &document["traceEvents"];
  } else {
    timeline.error = origin + ": not a Chrome trace (no traceEvents array)";
    return timeline;
  }
  ThreadTable threads;
  for (const json& event : *events) read_event(event, timeline, threads);
  finish(timeline, threads, max_spans, max_marks);
  return timeline;
}

Timeline read_chrome_timeline(const std::filesystem::path& path, std::size_t max_spans,
                              std::size_t max_marks) {
  Timeline timeline;
  std::error_code error;
  const std::uintmax_t size = std::filesystem::file_size(path, error);
  if (error) {
    timeline.error = path.generic_string() + ": cannot read: " + error.message();
    return timeline;
  }
  if (size > kMaxFileBytes) {
    timeline.error = path.generic_string() + ": too large to show (" + std::to_string(size >> 20U) +
                     " MiB; the report reads at most " + std::to_string(kMaxFileBytes >> 20U) + " MiB)";
    return timeline;
  }
  std::ifstream file(path, std::ios::binary);
  std::ostringstream text;
  text << file.rdbuf();
  if (!file) {
    timeline.error = path.generic_string() + ": cannot read";
    return timeline;
  }
  return parse_chrome_timeline(text.str(), path.generic_string(), max_spans, max_marks);
}

}  // namespace testscope::html_report
