// Internal to the recorder: writing records into the calling thread's buffer.
//
// Two layers. The general writers (writer.cpp) handle every case: a call site seen for the
// first time this epoch, a full buffer (the record is dropped and counted), strings of any
// length. The inline put_* helpers write one record at the buffer's head and publish it;
// their callers have already made sure it fits. Span::begin/finish and record_attribute
// (span.cpp) use them directly in the common case, as code that calls nothing, and the
// general writers in every other case: both write the same bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "recorder/clock.hpp"
#include "recorder/thread_state.hpp"
#include "testscope/attribute.hpp"
#include "testscope/detail/recorder_hooks.hpp"

namespace testscope::detail {

inline constexpr std::size_t kBeginSize = sizeof(RecordHeader) + sizeof(BeginPayload);
inline constexpr std::size_t kEndSize = sizeof(RecordHeader) + sizeof(EndPayload);

// ---- General writers (writer.cpp) -------------------------------------------------------

// Site id for (name, location), writing a kSite record the first time this epoch.
// Returns 0 when the record could not be written.
std::uint32_t site_id(ThreadState& state, std::string_view name, const char* file, const char* function,
                      std::uint32_t line) noexcept;

// Writes a begin record (`payload` with its ticks read now) and keeps room for the span's
// end (end_room); false if it was dropped (the buffer is full).
bool write_begin(ThreadState& state, std::uint32_t site, const BeginPayload& payload) noexcept;

// Writes an end record: into the room its begin kept when `room_kept` (so it is never
// dropped, full buffer or not), else like any record.
void write_end(ThreadState& state, std::uint64_t span_id, bool room_kept) noexcept;

// An attribute value as a record stores it.
struct RecordValue {
  AttributeValue::Type type = AttributeValue::Type::kInt;
  std::uint64_t bits = 0;  // scalar_bits() of a scalar; a string's length
  std::string_view text;   // a string's bytes
};

// Writes a kAttribute, kEventAttribute or kLogField record (key and string clamped).
void write_value(ThreadState& state, RecordKind kind, std::uint64_t span_id, std::string_view key,
                 RecordValue value) noexcept;

// Writes a kLog record on `context`'s span and a kLogField record for each field.
void write_log(ThreadState& state, const SpanContext& context, std::uint8_t severity, std::string_view event,
               const Attribute* fields, std::size_t count) noexcept;

// ---- Inline helpers for the common case ------------------------------------------------

// True when a record of `size` bytes would not be dropped (see reserve()).
inline bool has_room(const ThreadState& state, std::size_t size) noexcept { return size <= state.room; }

// slot of the call-site cache for (file, line, name length): 64 slots.
inline std::size_t site_slot(const char* file, std::uint32_t line, std::size_t name_len) noexcept {
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): hashing an address
  auto h = static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(file));
  h ^= (static_cast<std::uint64_t>(line) << 20U) ^ name_len;
  h *= 0x9E3779B97F4A7C15ULL;
  return static_cast<std::size_t>(h >> 58U);
}

// The id this thread's cache gives the call site in this epoch; 0 when it is not cached
// (site_id() writes its kSite record and caches it).
inline std::uint32_t cached_site(const ThreadState& state, std::string_view name, const char* file,
                                 const char* function, std::uint32_t line) noexcept {
  const SiteEntry& entry = state.sites[site_slot(file, line, name.size())];
  if (entry.epoch == state.epoch && entry.file == file && entry.line == line && entry.function == function &&
      entry.name_len == name.size() && same_bytes(entry.name.data(), name.data(), name.size())) {
    return entry.id;
  }
  return 0;
}

// Stores `value` at `offset` of a record's payload. Records are written field by field:
// a payload struct copied whole is built in memory first, and its wide loads cannot be
// forwarded from the narrow stores that built it, which stalls the hot path.
inline void store_field(std::byte* record, std::size_t offset, std::uint64_t value) noexcept {
  std::memcpy(record + sizeof(RecordHeader) + offset, &value, sizeof value);
}

// Writes a begin record at the head, `payload` with its ticks read now, and keeps room for
// its end. Needs has_room(state, kBeginSize + kEndSize).
inline void put_begin(ThreadState& state, std::uint32_t call_site, const BeginPayload& payload) noexcept {
  std::byte* at = state.data + state.head;
  write_header(at, RecordKind::kBegin, 0, kBeginSize, call_site);
  store_field(at, offsetof(BeginPayload, span_id), payload.span_id);
  store_field(at, offsetof(BeginPayload, parent_id), payload.parent_id);
  store_field(at, offsetof(BeginPayload, trace_hi), payload.trace_hi);
  store_field(at, offsetof(BeginPayload, trace_lo), payload.trace_lo);
  store_field(at, offsetof(BeginPayload, ticks), now_ticks());
  state.room -= kEndSize;  // kept for the end
  state.end_room += kEndSize;
  commit(state, kBeginSize);
}

// Gives the room a begin kept back for its end record: call just before put_end().
inline void use_end_room(ThreadState& state) noexcept {
  state.end_room -= kEndSize;
  state.room += kEndSize;
}

// Writes an end record at the head. Needs room: kept by its begin (use_end_room() first)
// or has_room(state, kEndSize).
inline void put_end(ThreadState& state, std::uint64_t span_id, std::uint64_t ticks) noexcept {
  std::byte* at = state.data + state.head;
  write_header(at, RecordKind::kEnd, 0, kEndSize, 0);
  store_field(at, offsetof(EndPayload, span_id), span_id);
  store_field(at, offsetof(EndPayload, ticks), ticks);
  commit(state, kEndSize);
}

inline RecordValue record_value(const AttributeValue& value) noexcept {
  if (value.type() == AttributeValue::Type::kString) {
    return {value.type(), value.as_string().size(), value.as_string()};
  }
  return {value.type(), scalar_bits(value), {}};
}

// The size of the record put_value() writes.
inline std::size_t value_record_size(std::string_view key, const RecordValue& value) noexcept {
  return padded(sizeof(RecordHeader) + sizeof(ValuePayload) + key.size() + value.text.size());
}

// Writes a value record of value_record_size() bytes at the head, key and text as they are
// (clamped by the caller). Needs has_room().
inline void put_value(ThreadState& state, RecordKind kind, std::uint64_t span_id, std::string_view key,
                      const RecordValue& value, std::size_t size) noexcept {
  std::byte* at = state.data + state.head;
  write_header(at, kind, static_cast<std::uint8_t>(value.type), size, static_cast<std::uint32_t>(key.size()));
  store_field(at, offsetof(ValuePayload, span_id), span_id);
  store_field(at, offsetof(ValuePayload, value), value.bits);
  std::byte* cursor = at + sizeof(RecordHeader) + sizeof(ValuePayload);
  copy_bytes(cursor, key.data(), key.size());
  copy_bytes(cursor + key.size(), value.text.data(), value.text.size());
  commit(state, size);
}

}  // namespace testscope::detail
