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
    line_span(root, "");
    walk(root, "");
    // Spans whose parent was never seen (begun before the test, or a dropped begin).
    for (const SpanData& span : record_.spans) {
      if (span.span_id == root.span_id || span.parent_span_id == root.span_id) continue;
      if (!span_ids_.contains(span.parent_span_id)) {
        line_span(span, "? ");
        walk(span, "  ");
      }
    }
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
    if (lines_ > options_.max_lines) {
      out_ += fmt::format("  … {} more lines; the whole trace is in trace.chrome.json (ui.perfetto.dev)\n",
                          lines_ - options_.max_lines);
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

  bool room() {
    ++lines_;
    return lines_ <= options_.max_lines;
  }

  std::string_view thread(std::uint32_t index) const {
    auto it = thread_names_.find(index);
    return it != thread_names_.end() ? std::string_view(it->second) : std::string_view("?");
  }

  void line_span(const SpanData& span, const std::string& prefix) {
    if (!room()) return;
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
    if (!room()) return;
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
      if (!piece.empty() && room()) {
        out_ += fmt::format("{}{}{}{}\n", indent, style_(kRed), one_line(piece, 200), style_(kReset));
        ++shown;
      }
      if (nl == std::string::npos) break;
      start = nl + 1;
    }
  }

  // A log event: offset, its own thread, severity unless INFO, name and fields.
  void line_log(const LogData& log, const std::string& prefix) {
    if (!room()) return;
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

  // Spans nest as deep as the code recursed (or, in a corrupt recovered buffer, a span may
  // claim itself as parent): the tree stops at kMaxDepth, the stack never overflows.
  static constexpr int kMaxDepth = 48;

  void walk(const SpanData& parent, const std::string& indent, int depth = 0) {
    if (depth >= kMaxDepth) {
      if (room()) {
        out_ += fmt::format("  {:>10}  {:>9}  {:<{}}  {}… deeper spans are in trace.chrome.json\n", "", "",
                            "", thread_width_, indent);
      }
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
      if (items[i].log != nullptr) {
        line_log(*items[i].log, branch);
      } else if (items[i].event != nullptr) {
        line_event(*items[i].event, parent.thread_index, branch, indent + (last ? "   " : "│  "));
      } else {
        line_span(*items[i].span, branch);
        walk(*items[i].span, indent + (last ? "   " : "│  "), depth + 1);
      }
    }
  }

  const TestRecord& record_;
  const TimelineOptions& options_;
  Style style_;
  std::string out_;
  std::size_t lines_ = 0;
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
