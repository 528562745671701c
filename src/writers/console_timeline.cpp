// The console timeline: a test's span tree as aligned text (see testscope/timeline.hpp).
#include <fmt/format.h>

#include <algorithm>
#include <unordered_map>
#include <unordered_set>
#include <variant>

#include "testscope/timeline.hpp"
#include "writers/json_util.hpp"

namespace testscope {
namespace {

struct Style {
  bool on;
  std::string_view operator()(std::string_view code) const { return on ? code : std::string_view(); }
};
constexpr std::string_view kReset = "\x1b[0m";
constexpr std::string_view kBold = "\x1b[1m";
constexpr std::string_view kDim = "\x1b[2m";
constexpr std::string_view kRed = "\x1b[31m";
constexpr std::string_view kGreen = "\x1b[32m";
constexpr std::string_view kYellow = "\x1b[33m";
constexpr std::string_view kCyan = "\x1b[36m";

constexpr std::size_t kMaxThreadColumn = 16;
constexpr std::size_t kMaxValueChars = 60;
constexpr int kMaxMessageLines = 12;  // of one failure message
constexpr std::size_t kMaxMetricLines = 40;
constexpr std::size_t kMaxMetricColumn = 72;  // wider series names are not padded

std::string format_duration(std::int64_t ns) {
  const auto v = static_cast<double>(ns);
  if (ns < 1000) return fmt::format("{} ns", ns);
  if (ns < 1000000) return fmt::format("{:.1f} us", v / 1e3);
  if (ns < 1000000000) return fmt::format("{:.2f} ms", v / 1e6);
  return fmt::format("{:.2f} s", v / 1e9);
}

std::string count(std::size_t n, std::string_view noun) {
  return fmt::format("{} {}{}", n, noun, n == 1 ? "" : "s");
}

std::string format_offset(std::int64_t ns) { return fmt::format("{:+.3f}ms", static_cast<double>(ns) / 1e6); }

// One line of text: newlines and tabs become spaces; long values are cut.
std::string one_line(std::string_view text, std::size_t limit) {
  const std::string_view shown = detail::utf8_prefix(text, limit);
  std::string out;
  for (char c : shown) out.push_back(c == '\n' || c == '\r' || c == '\t' ? ' ' : c);
  if (shown.size() < text.size()) out += "…";
  return detail::valid_utf8(out);
}

std::string format_value(const AttributeData& a) {
  return std::visit(
      [](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string>) {
          return one_line(v, kMaxValueChars);
        } else if constexpr (std::is_same_v<T, bool>) {
          return v ? "true" : "false";
        } else {
          return fmt::format("{}", v);
        }
      },
      a.value);
}

std::string format_attributes(const std::vector<AttributeData>& attributes, bool skip_test_keys) {
  std::string out;
  for (const AttributeData& a : attributes) {
    if (skip_test_keys && a.key.rfind("test.", 0) == 0) continue;
    out += fmt::format("  {}={}", a.key, format_value(a));
  }
  return out;
}

// Prometheus' series notation: name{label="value",...}, values escaped as in the text format.
std::string series_name(const MetricSample& sample) {
  std::string out = sample.name;
  if (sample.labels.empty()) return out;
  out += '{';
  for (std::size_t i = 0; i < sample.labels.size(); ++i) {
    if (i != 0) out += ',';
    out += sample.labels[i].first + "=\"";
    for (char c : one_line(sample.labels[i].second, kMaxValueChars)) {
      if (c == '\\' || c == '"') out += '\\';
      out += c;
    }
    out += '"';
  }
  out += '}';
  return out;
}

std::string metric_change(const MetricSample& sample) {
  switch (sample.kind) {
    case MetricKind::kGauge:
      return fmt::format("= {}", sample.value);
    case MetricKind::kHistogram:
    case MetricKind::kSummary:
      return fmt::format("+{} {}  sum {:+}", sample.count, sample.count == 1 ? "observation" : "observations",
                         sample.sum);
    case MetricKind::kCounter:
    case MetricKind::kUntyped:
      break;
  }
  return fmt::format("{:+}", sample.value);
}

struct Item {  // a child span, an event or a log event, ordered by time under its parent
  std::int64_t time;
  const SpanData* span;
  const EventData* event;
  const LogData* log;
};

class Printer {
 public:
  Printer(const TestRecord& record, const TimelineOptions& options)
      : record_(record), options_(options), style_{options.color} {
    for (const ThreadData& t : record.threads) {
      std::string name = t.name.empty() ? fmt::format("thread-{}", t.index) : detail::valid_utf8(t.name);
      name = std::string(detail::utf8_prefix(name, kMaxThreadColumn));
      thread_width_ = std::max(thread_width_, detail::utf8_length(name));
      thread_names_[t.index] = std::move(name);
    }
    for (const SpanData& span : record.spans) {
      if (span.span_id != record.root_span_id) children_[span.parent_span_id].push_back(&span);
      span_ids_.insert(span.span_id);
    }
    // A log event goes under the span current where it was logged, or under the root
    // when that span is not in the record.
    for (const LogData& log : record.logs) {
      const bool known = log.span_id != 0 && span_ids_.contains(log.span_id);
      logs_[known ? log.span_id : record.root_span_id].push_back(&log);
    }
  }

  std::string run() {
    header();
    if (record_.spans.empty()) return out_;
    const SpanData& root = record_.spans.front();
    add_span(root, "", kNone);
    walk(root, "", 0);
    // Spans whose parent was never seen (begun before the test, or a dropped begin).
    for (const SpanData& span : record_.spans) {
      if (span.span_id == root.span_id || span.parent_span_id == root.span_id) continue;
      if (!span_ids_.contains(span.parent_span_id)) {
        walk(span, "  ", add_span(span, "? ", kNone));
      }
    }
    print_entries(choose_entries());
    metrics();
    footer();
    return out_;
  }

 private:
  void header() {
    const bool failed = record_.outcome != Outcome::kPass && record_.outcome != Outcome::kSkip;
    std::string outcome(to_string(record_.outcome));
    std::transform(outcome.begin(), outcome.end(), outcome.begin(),
                   [](char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c; });
    if (record_.quarantine && failed) outcome += " (QUARANTINED)";
    out_ +=
        fmt::format("{}testscope ▸ {}{}  {}{}{}  {}  trace {}\n", style_(kBold), record_.test.full_name(),
                    style_(kReset), style_(failed ? (record_.quarantine ? kYellow : kRed) : kGreen), outcome,
                    style_(kReset), format_duration(record_.duration_ns()), record_.trace_id.to_hex());
    if (record_.quarantine) {
      const QuarantineNote& q = *record_.quarantine;
      out_ += fmt::format("  quarantined by {}:{} ({}): {}; owner {}, until {}\n", q.file, q.line, q.entry,
                          q.reason, q.owner, q.expires);
    }
    if (!options_.artifacts_dir.empty()) out_ += fmt::format("  artifacts: {}\n", options_.artifacts_dir);
    out_ += fmt::format("{}  {:>10}  {:>9}  {:<{}}  {}{}\n", style_(kDim), "start", "dur", "thread",
                        thread_width_, "span", style_(kReset));
  }

  void footer() {
    std::size_t unfinished = 0;
    for (const SpanData& span : record_.spans) unfinished += span.ended ? 0 : 1;
    if (left_out_ > 0) {
      // Where the rest is: the test's own trace.chrome.json when artifacts are written.
      const std::string where =
          options_.artifacts_dir.empty()
              ? std::string("write artifacts (--testscope_artifacts=DIR) for the whole trace")
              : "the whole timeline: " + options_.artifacts_dir + "/trace.chrome.json (ui.perfetto.dev)";
      out_ += fmt::format("  … {} of {} lines left out (failures and the spans around them kept); {}\n",
                          left_out_, total_lines_, where);
    }
    out_ += fmt::format("{}  {}, {}, {} unfinished, {}{}\n", style_(kDim),
                        count(record_.spans.size(), "span"), count(record_.threads.size(), "thread"),
                        unfinished, count(record_.dropped_records, "dropped record"), style_(kReset));
  }

  void metrics() {
    std::vector<const MetricSample*> shown;
    for (const MetricSample& sample : record_.metrics) {
      if (sample.name.rfind(options_.metrics_filter, 0) == 0) shown.push_back(&sample);
    }
    if (shown.empty()) return;
    const std::string filter =
        options_.metrics_filter.empty() ? "" : " " + one_line(options_.metrics_filter, 80) + "*";
    out_ += fmt::format("  {}metrics{}:{}\n", style_(kBold), filter, style_(kReset));
    std::vector<std::string> names;
    std::size_t width = 0;
    for (std::size_t i = 0; i < shown.size() && i < kMaxMetricLines; ++i) {
      names.push_back(series_name(*shown[i]));
      const std::size_t length = detail::utf8_length(names.back());
      if (length <= kMaxMetricColumn) width = std::max(width, length);
    }
    for (std::size_t i = 0; i < names.size(); ++i) {
      const std::size_t length = detail::utf8_length(names[i]);
      const std::string pad(length < width ? width - length : 0, ' ');
      out_ += fmt::format("    {}{}  {}{}{}\n", names[i], pad, style_(kBold), metric_change(*shown[i]),
                          style_(kReset));
    }
    if (shown.size() > names.size()) {
      out_ += fmt::format("    … {} more series in metrics.prom\n", shown.size() - names.size());
    }
  }

  std::string_view thread(std::uint32_t index) const {
    auto it = thread_names_.find(index);
    return it != thread_names_.end() ? std::string_view(it->second) : std::string_view("?");
  }

  void line_span(const SpanData& span, const std::string& prefix) {
    const bool error = span.status == StatusCode::kError;
    const std::string duration =
        span.ended ? format_duration(span.end_unix_ns - span.start_unix_ns) : "(open)";
    std::string text = fmt::format("  {:>10}  {:>9}  {:<{}}  {}{}{}{}{}",
                                   format_offset(span.start_unix_ns - record_.start_unix_ns), duration,
                                   thread(span.thread_index), thread_width_, prefix, style_(kBold),
                                   one_line(span.name, 80), style_(kReset), style_(kDim));
    text += format_attributes(span.attributes, span.span_id == record_.root_span_id);
    text += style_(kReset);
    if (error && span.span_id != record_.root_span_id) {
      text += fmt::format("  {}✗ {}{}", style_(kRed), one_line(span.status_message, 120), style_(kReset));
    }
    out_ += text + "\n";
  }

  // `prefix` is the event's branch ("│  ├─ "); `continuation` what lines below it start with.
  void line_event(const EventData& event, std::uint32_t thread_index, const std::string& prefix,
                  const std::string& continuation) {
    const bool failure = event.name == "exception";
    std::string where;
    std::string message;
    std::vector<AttributeData> rest;
    for (const AttributeData& a : event.attributes) {
      if (failure && a.key == "code.filepath") {
        where.insert(0, std::get<std::string>(a.value));
      } else if (failure && a.key == "code.lineno") {
        where += ":" + format_value(a);
      } else if (failure && a.key == "exception.message") {
        message = std::get<std::string>(a.value);
      } else if (!failure || a.key != "exception.type") {
        rest.push_back(a);
      }
    }
    const std::string offset = format_offset(event.time_unix_ns - record_.start_unix_ns);
    if (!failure) {
      out_ += fmt::format("  {:>10}  {:>9}  {:<{}}  {}{}• {}{}{}\n", offset, "", thread(thread_index),
                          thread_width_, prefix, style_(kCyan), one_line(event.name, 80),
                          format_attributes(rest, false), style_(kReset));
      return;
    }
    // An assertion failure: location, then the message with its own line breaks kept. The
    // end of a dead process (recovered by the runner) has no location.
    const std::string title = where == ":0" ? std::string("process ended") : "failure at " + where;
    out_ += fmt::format("  {:>10}  {:>9}  {:<{}}  {}{}✗ {}{}\n", offset, "", thread(thread_index),
                        thread_width_, prefix, style_(kRed), title, style_(kReset));
    const std::string indent = std::string(2 + 10 + 2 + 9 + 2 + thread_width_ + 2, ' ') + continuation + "  ";
    std::size_t start = 0;
    int shown = 0;
    while (start <= message.size() && shown < kMaxMessageLines) {
      const std::size_t nl = message.find('\n', start);
      const std::string_view piece =
          std::string_view(message).substr(start, nl == std::string::npos ? std::string::npos : nl - start);
      if (!piece.empty()) {
        out_ += fmt::format("{}{}{}{}\n", indent, style_(kRed), one_line(piece, 200), style_(kReset));
        ++shown;
      }
      if (nl == std::string::npos) break;
      start = nl + 1;
    }
  }

  // A log event: offset, its own thread, severity unless INFO, name and fields.
  void line_log(const LogData& log, const std::string& prefix) {
    std::string severity;
    if (log.severity != Severity::kInfo) {
      const std::string_view color = log.severity >= Severity::kError  ? kRed
                                     : log.severity >= Severity::kWarn ? kYellow
                                                                       : kDim;
      severity = fmt::format("{}{}{} ", style_(color), to_string(log.severity), style_(kReset));
    }
    out_ += fmt::format("  {:>10}  {:>9}  {:<{}}  {}≡ {}{}{}{}{}\n",
                        format_offset(log.time_unix_ns - record_.start_unix_ns), "", thread(log.thread_index),
                        thread_width_, prefix, severity, one_line(log.event, 80), style_(kDim),
                        format_attributes(log.fields, false), style_(kReset));
  }

  // One line of the tree, or a failure with its message lines, to be printed if chosen.
  struct Entry {
    const SpanData* span = nullptr;    // a span's line
    const EventData* event = nullptr;  // an event's (a failure: its message lines too)
    const LogData* log = nullptr;      // a log event's
    std::uint32_t thread_index = 0;    // an event's: its span's thread
    std::string prefix;                // the tree's branch ("│  ├─ ")
    std::string continuation;          // an event's: what the lines below it start with
    std::size_t parent = 0;            // the entry of the span it is under (kNone: none)
    std::size_t lines = 1;
    bool important = false;  // a failure or an error span: always shown
  };
  static constexpr auto kNone = static_cast<std::size_t>(-1);

  std::size_t add(Entry entry) {
    total_lines_ += entry.lines;
    entries_.push_back(std::move(entry));
    return entries_.size() - 1;
  }

  std::size_t add_span(const SpanData& span, const std::string& prefix, std::size_t parent) {
    Entry e;
    e.span = &span;
    e.prefix = prefix;
    e.parent = parent;
    e.important = span.status == StatusCode::kError && span.span_id != record_.root_span_id;
    return add(std::move(e));
  }

  // The lines line_event() prints for `event`: one, and a failure's message lines.
  static std::size_t event_lines(const EventData& event) {
    if (event.name != "exception") return 1;
    std::size_t lines = 1;
    for (const AttributeData& a : event.attributes) {
      if (a.key != "exception.message") continue;
      const auto& message = std::get<std::string>(a.value);
      std::size_t start = 0;
      int shown = 0;
      while (start <= message.size() && shown < kMaxMessageLines) {
        const std::size_t nl = message.find('\n', start);
        if ((nl == std::string::npos ? message.size() : nl) > start) {
          ++lines;
          ++shown;
        }
        if (nl == std::string::npos) break;
        start = nl + 1;
      }
    }
    return lines;
  }

  // Spans nest as deep as the code recursed (or, in a corrupt recovered buffer, a span may
  // claim itself as parent): the tree stops at kMaxDepth, the stack never overflows.
  static constexpr int kMaxDepth = 48;

  // Adds the entries under `parent` (whose own entry is `parent_entry`), in tree order.
  void walk(const SpanData& parent, const std::string& indent, std::size_t parent_entry, int depth = 0) {
    if (depth >= kMaxDepth) {
      Entry deeper;
      deeper.prefix = indent;
      deeper.parent = parent_entry;
      add(std::move(deeper));
      return;
    }
    std::vector<Item> items;
    for (const EventData& event : parent.events) {
      items.push_back({event.time_unix_ns, nullptr, &event, nullptr});
    }
    auto it = children_.find(parent.span_id);
    if (it != children_.end()) {
      for (const SpanData* child : it->second) {
        items.push_back({child->start_unix_ns, child, nullptr, nullptr});
      }
    }
    auto logs = logs_.find(parent.span_id);
    if (logs != logs_.end()) {
      for (const LogData* log : logs->second) items.push_back({log->time_unix_ns, nullptr, nullptr, log});
    }
    std::stable_sort(items.begin(), items.end(),
                     [](const Item& a, const Item& b) { return a.time < b.time; });
    for (std::size_t i = 0; i < items.size(); ++i) {
      const bool last = i + 1 == items.size();
      const std::string branch = indent + (last ? "└─ " : "├─ ");
      const std::string below = indent + (last ? "   " : "│  ");
      if (items[i].span != nullptr) {
        walk(*items[i].span, below, add_span(*items[i].span, branch, parent_entry), depth + 1);
        continue;
      }
      Entry e;
      e.prefix = branch;
      e.parent = parent_entry;
      e.log = items[i].log;
      e.event = items[i].event;
      if (e.event != nullptr) {
        e.thread_index = parent.thread_index;
        e.continuation = below;
        e.lines = event_lines(*e.event);
        e.important = e.event->name == "exception";
      }
      add(std::move(e));
    }
  }

  // Which entries to print within max_lines: every failure (and error span) with the spans
  // it is under, first; then the entries just before and after each; then from the top.
  // A test's failure is what its timeline is for: a cut at the top hid it (issue 14).
  std::vector<bool> choose_entries() {
    if (total_lines_ <= options_.max_lines) return {std::vector<bool>(entries_.size(), true)};
    Choice choice{std::vector<bool>(entries_.size(), false), 0};
    // Assertion failures first (the first one whole, whatever the limit), then error spans.
    choose_important(choice, true);
    choose_important(choice, false);
    constexpr std::size_t kContext = 2;  // entries either side of a failure
    for (std::size_t i = 0; i < entries_.size() && choice.used < options_.max_lines; ++i) {
      if (!entries_[i].important) continue;
      const std::size_t last = std::min(i + kContext, entries_.size() - 1);
      for (std::size_t j = i > kContext ? i - kContext : 0; j <= last && choice.used < options_.max_lines;
           ++j) {
        take(choice, j);
      }
    }
    for (std::size_t i = 0; i < entries_.size() && choice.used < options_.max_lines; ++i) take(choice, i);
    return std::move(choice.chosen);
  }

  struct Choice {
    std::vector<bool> chosen;
    std::size_t used;  // lines
  };

  void take(Choice& choice, std::size_t i) const {
    if (choice.chosen[i]) return;
    choice.chosen[i] = true;
    choice.used += entries_[i].lines;
  }

  // The important entries that are failures (or not), each with the spans it is under.
  void choose_important(Choice& choice, bool failures) const {
    for (std::size_t i = 0; i < entries_.size() && (choice.used < options_.max_lines || choice.used == 0);
         ++i) {
      if (!entries_[i].important || (entries_[i].event != nullptr) != failures) continue;
      for (std::size_t up = entries_[i].parent; up != kNone && !choice.chosen[up]; up = entries_[up].parent) {
        take(choice, up);
      }
      take(choice, i);
    }
  }

  // Prints the chosen entries in tree order, a line saying how many were left out at each gap.
  void print_entries(const std::vector<bool>& chosen) {
    std::size_t gap = 0;
    for (std::size_t i = 0; i < entries_.size(); ++i) {
      if (!chosen[i]) {
        gap += entries_[i].lines;
        continue;
      }
      if (gap > 0) print_gap(gap);
      gap = 0;
      print_entry(entries_[i]);
    }
    if (gap > 0) print_gap(gap);
  }

  void print_gap(std::size_t lines) {
    left_out_ += lines;
    out_ += fmt::format("{}  {:>10}  {:>9}  {:<{}}  … {} {} left out{}\n", style_(kDim), "", "", "",
                        thread_width_, lines, lines == 1 ? "line" : "lines", style_(kReset));
  }

  void print_entry(const Entry& e) {
    if (e.span != nullptr) {
      line_span(*e.span, e.prefix);
    } else if (e.event != nullptr) {
      line_event(*e.event, e.thread_index, e.prefix, e.continuation);
    } else if (e.log != nullptr) {
      line_log(*e.log, e.prefix);
    } else {
      out_ += fmt::format("  {:>10}  {:>9}  {:<{}}  {}… deeper spans are in trace.chrome.json\n", "", "", "",
                          thread_width_, e.prefix);
    }
  }

  const TestRecord& record_;
  const TimelineOptions& options_;
  Style style_;
  std::string out_;
  std::vector<Entry> entries_;  // the tree's lines, in order
  std::size_t total_lines_ = 0;
  std::size_t left_out_ = 0;
  std::size_t thread_width_ = 6;
  std::unordered_map<std::uint32_t, std::string> thread_names_;
  std::unordered_map<std::uint64_t, std::vector<const SpanData*>> children_;
  std::unordered_set<std::uint64_t> span_ids_;
  std::unordered_map<std::uint64_t, std::vector<const LogData*>> logs_;  // by the span current when logged
};

}  // namespace

std::string format_timeline(const TestRecord& record, const TimelineOptions& options) {
  try {
    return Printer(record, options).run();
  } catch (...) {
    return "testscope: could not format the timeline (out of memory)\n";
  }
}

}  // namespace testscope
