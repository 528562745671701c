// The binary formats of the recorder's memory: per-thread buffers of records, and the
// process's control block. Written by the recorder on the hot path, read back by capture
// at a test's end, and by the runner from the files a dead test program left behind
// (TESTSCOPE_BUFFER_DIR; see capture/recovery.cpp).
//
// A buffer mapping is a BufferHeader page followed by `capacity` bytes of records. Every
// record starts with an 8-byte header and is padded to a multiple of 8 bytes. Strings are
// stored inline after the fixed part, in the order the comment gives.
#pragma once

#include <array>
#include <atomic>
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

// The first page of a buffer mapping. (owner) fields are written only by the owning thread.
struct BufferHeader {
  std::array<char, 8> magic;           // kBufferMagic
  std::uint32_t version;               // kFormatVersion
  std::uint32_t thread_index;          // 1, 2, ... in order of first use in the process
  std::uint64_t capacity;              // bytes of records after the header page
  std::atomic<std::uint64_t> head;     // (owner) bytes of records published
  std::atomic<std::uint64_t> dropped;  // (owner) records dropped in this epoch
  std::atomic<std::uint32_t> epoch;    // (owner) the capture epoch the records belong to
  std::uint32_t reserved;
  std::uint64_t os_tid;
  std::array<char, 32> name;  // the thread's name, NUL-terminated
};

// The process's control block: which test is running, so that the runner can rebuild it
// from the buffers when the process dies in it. Written by capture at begin/failure/end.
struct ControlHeader {
  std::array<char, 8> magic;           // kControlMagic
  std::uint32_t version;               // kFormatVersion
  std::atomic<std::uint32_t> in_test;  // 1 between a test's begin and end, published last
  std::uint64_t pid;
  std::uint32_t epoch;        // the test's capture epoch: its buffers carry it
  std::uint32_t test_thread;  // thread index of the thread running the test
  std::uint64_t start_ticks;
  std::int64_t start_unix_ns;
  double ns_per_tick;
  std::uint64_t trace_hi;
  std::uint64_t trace_lo;
  std::uint64_t root_span;
  std::uint64_t parent_span;
  std::int32_t line;                         // the test's source line
  std::uint32_t text_bytes;                  // suite, name, type param, value param, file: each NUL-ended
  std::atomic<std::uint32_t> failure_bytes;  // FailureRecords published in the failure area
  std::uint32_t reserved;
};

// One assertion failure in the control block's failure area; file and message follow,
// padded to 8 bytes.
struct FailureRecord {
  std::int64_t time_unix_ns;
  std::int32_t line;
  // Bit 0: fatal. Bits 8-15: the length of the failure's type (`catch2.nonfatal_failure`,
  // `AssertionError`), whose bytes begin the message's; 0: no type (as written before types).
  std::uint32_t fatal;
  std::uint32_t file_len;
  std::uint32_t message_len;  // the type's bytes included
};
inline constexpr std::uint32_t kFailureFatalBit = 1;
inline constexpr unsigned kFailureTypeShift = 8;
inline constexpr std::size_t kFailureTypeMax = 255;

inline constexpr std::array<char, 8> kBufferMagic = {'T', 'S', 'B', 'U', 'F', 'F', 'E', 'R'};
inline constexpr std::array<char, 8> kControlMagic = {'T', 'S', 'C', 'O', 'N', 'T', 'R', 'L'};
inline constexpr std::uint32_t kFormatVersion = 1;
inline constexpr std::size_t kBufferHeaderBytes = 4096;  // records start one page in
inline constexpr std::size_t kControlBytes = 65536;
inline constexpr std::size_t kControlTextOffset = 256;  // test strings
inline constexpr std::size_t kControlTextBytes = 4096;
inline constexpr std::size_t kControlFailureOffset = kControlTextOffset + kControlTextBytes;
static_assert(sizeof(BufferHeader) <= kBufferHeaderBytes);
static_assert(sizeof(ControlHeader) <= kControlTextOffset);
static_assert(std::atomic<std::uint64_t>::is_always_lock_free &&
                  std::atomic<std::uint32_t>::is_always_lock_free,
              "the headers are shared with another process through a file");

constexpr std::size_t kMaxStringBytes = 8192;  // longer strings are truncated

constexpr std::size_t padded(std::size_t n) noexcept { return (n + 7U) & ~std::size_t{7}; }

}  // namespace testscope::detail
