// testscope/context.hpp: trace identity, the current span of a thread, and W3C traceparent.
//
// Every span belongs to a trace (128-bit id) and has a 64-bit span id. On each thread
// testscope keeps the *current* span; a new span becomes a child of it. To continue a
// trace on another thread, capture the context where the work is handed off and attach
// it where the work runs:
//
//   auto ctx = testscope::current_context();
//   std::thread t([ctx] { testscope::ContextScope scope(ctx); do_work(); });
//   // or, the same in one step:
//   std::thread t(testscope::wrap([] { do_work(); }));
//
// Across processes, pass `ctx.to_traceparent()` (W3C Trace Context) and read it back
// with `SpanContext::from_traceparent()`; `TRACEPARENT` in the environment is honoured.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace testscope {

// A 128-bit trace id, as two 64-bit halves (hi holds the first 8 bytes of the W3C form).
struct TraceId {
  std::uint64_t hi = 0;
  std::uint64_t lo = 0;

  bool valid() const noexcept { return hi != 0 || lo != 0; }
  // 32 lowercase hex digits.
  std::string to_hex() const;
  friend bool operator==(const TraceId& a, const TraceId& b) noexcept { return a.hi == b.hi && a.lo == b.lo; }
  friend bool operator!=(const TraceId& a, const TraceId& b) noexcept { return !(a == b); }
};

// 16 lowercase hex digits of a 64-bit span id.
std::string span_id_to_hex(std::uint64_t span_id);

// The identity of one span: which trace it is in and its own id. A value type.
// An invalid context (all zero) means "no span".
struct SpanContext {
  TraceId trace_id;
  std::uint64_t span_id = 0;
  bool sampled = true;

  bool valid() const noexcept { return trace_id.valid() && span_id != 0; }

  // W3C traceparent header value: "00-<trace id>-<span id>-<flags>".
  std::string to_traceparent() const;
  // Parses a W3C traceparent value (version 00, or a later version's first four fields).
  // Returns nullopt for anything malformed, including all-zero ids. Never throws.
  static std::optional<SpanContext> from_traceparent(std::string_view header) noexcept;
};

// The context new spans on this thread would use as parent: the innermost open span of
// this thread, else an attached context, else the root span of the test being captured.
// Invalid when nothing is being captured. Thread-safe; lock-free.
SpanContext current_context() noexcept;

// Makes `context` the current context of this thread until the scope ends, so spans
// started here become its children. Scopes nest and must end on the thread and in the
// reverse order they began (RAII guarantees this). Attaching an invalid context is a
// no-op.
class ContextScope {
 public:
  explicit ContextScope(const SpanContext& context) noexcept;
  ~ContextScope();
  ContextScope(const ContextScope&) = delete;
  ContextScope& operator=(const ContextScope&) = delete;

 private:
  SpanContext previous_;
  bool attached_ = false;
};

// Wraps a callable so that, wherever it is called (another thread, std::async, a thread
// pool), it runs with the context that was current when wrap() was called.
template <typename F>
auto wrap(F&& f) {
  return [context = current_context(), fn = std::forward<F>(f)](auto&&... args) mutable -> decltype(auto) {
    ContextScope scope(context);
    return fn(std::forward<decltype(args)>(args)...);
  };
}

}  // namespace testscope
