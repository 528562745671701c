#include "capture/control_block.hpp"

#include <algorithm>
#include <cstring>
#include <string>

#include "recorder/recorder.hpp"

namespace testscope::detail {
namespace {

// The areas after the header, at their byte offsets in the block's memory.
std::byte* text_area(ControlHeader* control) noexcept {
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): raw memory
  return reinterpret_cast<std::byte*>(control) + kControlTextOffset;
}

std::byte* failure_area(ControlHeader* control) noexcept {
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): raw memory
  return reinterpret_cast<std::byte*>(control) + kControlFailureOffset;
}

}  // namespace

void publish_test(const TestInfo& test, const TickMapping& clock, const SpanContext& root,
                  std::uint64_t parent_span_id, std::uint32_t epoch, std::uint32_t test_thread) noexcept {
  ControlHeader* control = control_block();
  if (control == nullptr) return;
  control->in_test.store(0, std::memory_order_relaxed);
  control->epoch = epoch;
  control->test_thread = test_thread;
  control->start_ticks = clock.ticks0;
  control->start_unix_ns = clock.unix0;
  control->ns_per_tick = clock.ns_per_tick;
  control->trace_hi = root.trace_id.hi;
  control->trace_lo = root.trace_id.lo;
  control->root_span = root.span_id;
  control->parent_span = parent_span_id;
  control->line = test.line;
  // Each string NUL-ended, cut to share the area; a cut string loses its tail only.
  std::byte* text = text_area(control);
  std::size_t used = 0;
  for (const std::string* field :
       {&test.suite, &test.name, &test.type_param, &test.value_param, &test.file}) {
    const std::size_t room = kControlTextBytes - used - 1;
    const std::size_t n = std::min(field->size(), std::min<std::size_t>(room, 1024));
    std::memcpy(text + used, field->data(), n);
    text[used + n] = std::byte{0};
    used += n + 1;
  }
  control->text_bytes = static_cast<std::uint32_t>(used);
  control->failure_bytes.store(0, std::memory_order_relaxed);
  control->in_test.store(1, std::memory_order_release);
}

void publish_failure(const Failure& failure) noexcept {
  ControlHeader* control = control_block();
  if (control == nullptr || control->in_test.load(std::memory_order_acquire) != 1) return;
  const std::size_t file_len = std::min<std::size_t>(failure.file.size(), 1024);
  // A type too long to keep is left out whole (recovery then names it after the framework).
  const std::size_t type_len = failure.type.size() <= kFailureTypeMax ? failure.type.size() : 0;
  const std::size_t text_len = std::min<std::size_t>(failure.message.size(), 8192);
  const std::size_t size = padded(sizeof(FailureRecord) + file_len + type_len + text_len);
  const std::size_t at = control->failure_bytes.load(std::memory_order_relaxed);
  if (at + size > kControlBytes - kControlFailureOffset) return;
  const std::uint32_t flags =
      (failure.fatal ? kFailureFatalBit : 0U) | static_cast<std::uint32_t>(type_len << kFailureTypeShift);
  const FailureRecord header{failure.time_unix_ns, failure.line, flags, static_cast<std::uint32_t>(file_len),
                             static_cast<std::uint32_t>(type_len + text_len)};
  std::byte* out = failure_area(control) + at;
  std::memcpy(out, &header, sizeof header);
  if (file_len > 0) std::memcpy(out + sizeof header, failure.file.data(), file_len);
  if (type_len > 0) std::memcpy(out + sizeof header + file_len, failure.type.data(), type_len);
  if (text_len > 0) std::memcpy(out + sizeof header + file_len + type_len, failure.message.data(), text_len);
  control->failure_bytes.store(static_cast<std::uint32_t>(at + size), std::memory_order_release);
}

void unpublish_test() noexcept {
  if (ControlHeader* control = control_block()) control->in_test.store(0, std::memory_order_release);
}

}  // namespace testscope::detail
