// testscope/span.hpp: RAII spans, the unit of a trace.
//
// A Span marks one operation: it starts when constructed and ends when destroyed (or at
// end()). Spans started on a thread while another is open there become its children;
// the first span of a thread becomes a child of the test's root span, or of a context
// attached with ContextScope. The code location (code.filepath, code.lineno,
// code.function) is recorded from the call site without any typing.
//
//   void PromoService::apply(const std::string& user, const std::string& code) {
//     testscope::Span span("apply_promo");
//     span.set_attribute("promo.code", code).set_attribute("user.id", user);
//     ...
//     if (failed) span.set_error("limit reached");
//   }
//
// Cost: when no test is being captured a span is one relaxed atomic load and a branch
// (under 2 ns). While capturing, begin+end appends to a per-thread buffer: no lock, no
// allocation in steady state, no I/O. A full buffer drops records and counts the drops
// (and the test warns on stderr); a span whose begin was recorded always gets its end: its
// begin keeps room for it.
// Every member is noexcept: instrumentation never throws into the code it observes.
//
// Thread-safety: a Span object belongs to the thread that uses it; different threads
// record their own spans concurrently without synchronisation.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string_view>

#include "testscope/attribute.hpp"
#include "testscope/context.hpp"
#include "testscope/detail/recorder_hooks.hpp"

namespace testscope {
namespace detail {
struct SpanWriter;  // the recorder's access to a Span's state (src/recorder/span.cpp)
}  // namespace detail

// A position in the source, captured by default arguments at the call site.
struct SourceLocation {
  const char* file = "";
  const char* function = "";
  std::uint32_t line = 0;

  static constexpr SourceLocation current(const char* file = __builtin_FILE(),
                                          const char* function = __builtin_FUNCTION(),
                                          std::uint32_t line = __builtin_LINE()) noexcept {
    return SourceLocation{file, function, line};
  }
};

// Span status, as in OpenTelemetry: unset unless set_error() (or set_ok()) was called.
enum class StatusCode : std::uint8_t { kUnset = 0, kOk = 1, kError = 2 };

// One timed operation. Move-only in spirit: neither copyable nor movable, so its end is
// tied to a scope. See the file comment for cost and thread-safety.
class Span {
 public:
  // The members valid only while recording stay uninitialised (see below).
  // NOLINTBEGIN(cppcoreguidelines-pro-type-member-init)
  // Starts a span named `name` (copied), child of this thread's current context.
  explicit Span(std::string_view name, SourceLocation location = SourceLocation::current()) noexcept {
    if (detail::capture_active()) begin(name, location.file, location.function, location.line);
  }
  // Starts a span with an explicit parent, e.g. one read from a traceparent header.
  Span(std::string_view name, const SpanContext& parent,
       SourceLocation location = SourceLocation::current()) noexcept {
    if (detail::capture_active()) begin_child_of(parent, name, location);
  }
  // NOLINTEND(cppcoreguidelines-pro-type-member-init)
  ~Span() {
    if (recording_) finish();
  }
  Span(const Span&) = delete;
  Span& operator=(const Span&) = delete;
  Span(Span&&) = delete;
  Span& operator=(Span&&) = delete;

  // Adds or overwrites an attribute. The key and a string value are copied.
  Span& set_attribute(std::string_view key, const AttributeValue& value) noexcept {
    if (recording_) detail::record_attribute(id_, key, value);
    return *this;
  }
  // Adds a timestamped event with optional attributes, e.g.
  //   span.add_event("retry", {{"attempt", 2}, {"reason", "busy"}});
  Span& add_event(std::string_view name, std::initializer_list<Attribute> attributes = {}) noexcept {
    if (recording_) detail::record_event(id_, name, attributes.begin(), attributes.size());
    return *this;
  }
  // Marks the span failed with a message (status ERROR).
  Span& set_error(std::string_view message) noexcept {
    if (recording_) detail::record_status(id_, static_cast<std::uint8_t>(StatusCode::kError), message);
    return *this;
  }
  // Marks the span explicitly successful (status OK).
  Span& set_ok() noexcept {
    if (recording_) detail::record_status(id_, static_cast<std::uint8_t>(StatusCode::kOk), {});
    return *this;
  }
  // Ends the span now; later calls and the destructor do nothing.
  void end() noexcept {
    if (recording_) finish();
  }

  // True while the span is being recorded (a test is captured and the span not ended).
  bool is_recording() const noexcept { return recording_; }
  // This span's identity; invalid when not recording.
  SpanContext context() const noexcept;

 private:
  friend struct detail::SpanWriter;
  // The location in parts: all of begin's arguments travel in registers.
  void begin(std::string_view name, const char* file, const char* function, std::uint32_t line) noexcept;
  void begin_child_of(const SpanContext& parent, std::string_view name,
                      const SourceLocation& location) noexcept;
  void finish() noexcept;

  // Valid only while recording_. Left uninitialised otherwise, so that a span with no
  // capture active writes nothing but recording_ (the 2 ns goal in docs/performance.md).
  std::uint64_t id_;
  std::uint64_t trace_hi_;
  std::uint64_t trace_lo_;
  std::uint64_t previous_span_;      // the thread's current context before this span,
  std::uint64_t previous_trace_hi_;  // restored at end
  std::uint64_t previous_trace_lo_;
  std::uint32_t epoch_;  // capture epoch the span began in
  std::uint32_t site_;   // its call site's id in that epoch (names the point when provoking)
  bool previous_sampled_;
  bool recording_ = false;
  bool end_room_kept_;  // its begin was recorded, with room for its end (in the padding: no size change)
};

// Adds an event to this thread's current span (or the test's root span).
void add_event(std::string_view name, std::initializer_list<Attribute> attributes = {}) noexcept;

// Names the calling thread in timelines ("worker-1"); copied, truncated to 31 bytes.
// Without it, testscope uses the OS thread name.
void set_thread_name(std::string_view name) noexcept;

}  // namespace testscope
