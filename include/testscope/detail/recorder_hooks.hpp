// Internal: the few recorder entry points the inline Span code calls. Not a public API.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "testscope/attribute.hpp"

namespace testscope::detail {

// True while a test is being captured; read on every span start with a relaxed load.
extern std::atomic<bool> g_capture_active;

inline bool capture_active() noexcept { return g_capture_active.load(std::memory_order_relaxed); }

void record_attribute(std::uint64_t span_id, std::string_view key, const AttributeValue& value) noexcept;
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
