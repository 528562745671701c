// Internal: the few recorder entry points the inline Span code calls. Not a public API.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "testscope/attribute.hpp"

namespace testscope::detail {

// True while a test is being captured; read on every span start with a relaxed load.
extern std::atomic<bool> g_capture_active;

inline bool capture_active() noexcept { return g_capture_active.load(std::memory_order_relaxed); }

// An attribute in the two shapes the recorder takes: the type of a value written in the
// code is known where it is written, so Span::set_attribute calls one of them with the value
// in registers.
void record_string_attribute(std::uint64_t span_id, std::string_view key, std::string_view value) noexcept;
// `bits`: scalar_bits() of an int, double or bool value.
void record_scalar_attribute(std::uint64_t span_id, std::string_view key, AttributeValue::Type type,
                             std::uint64_t bits) noexcept;

// A scalar value's 64 bits as records store them: the int64, the double's bits, or 0/1.
inline std::uint64_t scalar_bits(const AttributeValue& value) noexcept {
  switch (value.type()) {
    case AttributeValue::Type::kInt:
      return static_cast<std::uint64_t>(value.as_int());
    case AttributeValue::Type::kDouble: {
      const double d = value.as_double();
      std::uint64_t bits = 0;
      std::memcpy(&bits, &d, sizeof bits);
      return bits;
    }
    case AttributeValue::Type::kBool:
      return value.as_bool() ? 1 : 0;
    case AttributeValue::Type::kString:
      break;
  }
  return 0;
}

inline void record_attribute(std::uint64_t span_id, std::string_view key,
                             const AttributeValue& value) noexcept {
  if (value.type() == AttributeValue::Type::kString) {
    record_string_attribute(span_id, key, value.as_string());
  } else {
    record_scalar_attribute(span_id, key, value.type(), scalar_bits(value));
  }
}
void record_event(std::uint64_t span_id, std::string_view name, const Attribute* attributes,
                  std::size_t count) noexcept;
void record_log(std::uint8_t severity, std::string_view event, const Attribute* fields,
                std::size_t count) noexcept;
void record_status(std::uint64_t span_id, std::uint8_t code, std::string_view message) noexcept;

// True while a test is captured with provocation on (testscope/provoke.hpp).
extern std::atomic<bool> g_provoke_active;

inline bool provoke_active() noexcept { return g_provoke_active.load(std::memory_order_relaxed); }

// An explicit provocation point (testscope::provoke_point).
void provoke_at_point(std::string_view name, std::uint32_t line) noexcept;

}  // namespace testscope::detail
