// The binary record format of the per-thread buffers. Written by the recorder on the
// hot path, read back by capture (and, later, by the runner from a file mapping).
// Every record starts with an 8-byte header and is padded to a multiple of 8 bytes.
// Strings are stored inline after the fixed part, in the order the comment gives.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace testscope::detail {

enum class RecordKind : std::uint8_t {
  kSite = 1,            // aux = site id; SitePayload; name, file, function
  kBegin = 2,           // aux = site id; BeginPayload
  kEnd = 3,             // EndPayload
  kAttribute = 4,       // type = value type, aux = key length; ValuePayload; key, string value
  kEvent = 5,           // aux = name length; EventPayload; name
  kEventAttribute = 6,  // like kAttribute, belongs to the preceding kEvent of this buffer
  kStatus = 7,          // type = status code, aux = message length; EndPayload's span id; message
  kLog = 8,             // type = severity, aux = event name length; LogPayload; name
  kLogField = 9,        // like kAttribute, belongs to the preceding kLog of this buffer
};

struct RecordHeader {
  RecordKind kind;
  std::uint8_t type;
  std::uint16_t size;  // whole record in bytes, header included, multiple of 8
  std::uint32_t aux;
};

struct SitePayload {
  std::uint32_t line;
  std::uint16_t name_len;
  std::uint16_t file_len;
  std::uint16_t function_len;
  std::array<std::uint16_t, 3> reserved;
};

struct BeginPayload {
  std::uint64_t span_id;
  std::uint64_t parent_id;
  std::uint64_t trace_hi;
  std::uint64_t trace_lo;
  std::uint64_t ticks;
};

struct EndPayload {
  std::uint64_t span_id;
  std::uint64_t ticks;
};

struct ValuePayload {
  std::uint64_t span_id;
  std::uint64_t value;  // int64, double bits, bool, or string length
};

struct LogPayload {
  std::uint64_t span_id;  // the span current where it was logged (0: none)
  std::uint64_t trace_hi;
  std::uint64_t trace_lo;
  std::uint64_t ticks;
};

struct StatusPayload {
  std::uint64_t span_id;
};

constexpr std::size_t kMaxStringBytes = 8192;  // longer strings are truncated

constexpr std::size_t padded(std::size_t n) noexcept { return (n + 7U) & ~std::size_t{7}; }

}  // namespace testscope::detail
