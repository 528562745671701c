// Trace/span ids as hex, W3C traceparent, and the thread's current context.
#include "testscope/context.hpp"

#include "recorder/thread_state.hpp"
#include "testscope/detail/recorder_hooks.hpp"

namespace testscope {
namespace {

constexpr std::string_view kHexDigits = "0123456789abcdef";

void append_hex(std::string& out, std::uint64_t value) {
  for (int shift = 60; shift >= 0; shift -= 4) {
    out.push_back(kHexDigits[(value >> static_cast<unsigned>(shift)) & 0xFU]);
  }
}

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;  // W3C requires lowercase
}

bool parse_hex(std::string_view text, std::uint64_t& out) noexcept {
  out = 0;
  for (char c : text) {
    const int v = hex_value(c);
    if (v < 0) return false;
    out = (out << 4U) | static_cast<std::uint64_t>(v);
  }
  return true;
}

}  // namespace

std::string TraceId::to_hex() const {
  std::string out;
  out.reserve(32);
  append_hex(out, hi);
  append_hex(out, lo);
  return out;
}

std::string span_id_to_hex(std::uint64_t span_id) {
  std::string out;
  out.reserve(16);
  append_hex(out, span_id);
  return out;
}

std::string SpanContext::to_traceparent() const {
  std::string out = "00-";
  out += trace_id.to_hex();
  out += '-';
  append_hex(out, span_id);
  out += sampled ? "-01" : "-00";
  return out;
}

std::optional<SpanContext> SpanContext::from_traceparent(std::string_view header) noexcept {
  // version "-" trace-id(32) "-" parent-id(16) "-" flags(2), optionally more for version > 00
  constexpr std::size_t kLength = 55;
  if (header.size() < kLength || header[2] != '-' || header[35] != '-' || header[52] != '-') {
    return std::nullopt;
  }
  std::uint64_t version = 0;
  std::uint64_t flags = 0;
  SpanContext context;
  if (!parse_hex(header.substr(0, 2), version) || version == 0xff ||
      !parse_hex(header.substr(3, 16), context.trace_id.hi) ||
      !parse_hex(header.substr(19, 16), context.trace_id.lo) ||
      !parse_hex(header.substr(36, 16), context.span_id) || !parse_hex(header.substr(53, 2), flags)) {
    return std::nullopt;
  }
  if (version == 0 && header.size() != kLength) return std::nullopt;
  if (version != 0 && header.size() > kLength && header[kLength] != '-') return std::nullopt;
  if (!context.valid()) return std::nullopt;
  context.sampled = (flags & 1U) != 0;
  return context;
}

SpanContext current_context() noexcept {
  if (!detail::capture_active()) {
    detail::ThreadState* state = detail::t_state;
    return state != nullptr ? state->current : SpanContext{};
  }
  detail::ThreadState* state = detail::thread_state();
  if (state != nullptr && state->current.valid()) return state->current;
  return detail::root_context();
}

ContextScope::ContextScope(const SpanContext& context) noexcept {
  if (!context.valid()) return;
  detail::ThreadState* state = detail::thread_state();
  if (state == nullptr) return;
  previous_ = state->current;
  state->current = context;
  attached_ = true;
}

ContextScope::~ContextScope() {
  if (!attached_) return;
  if (detail::ThreadState* state = detail::t_state) state->current = previous_;
}

}  // namespace testscope
