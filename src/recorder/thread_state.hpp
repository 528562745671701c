// Internal to the recorder: the calling thread's state and the record writer.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "recorder/recorder.hpp"
#include "recorder/records.hpp"
#include "testscope/context.hpp"

namespace testscope::detail {

// The recorder's own globals are hidden: read with one RIP-relative load, not through the
// GOT, although the library is position-independent code (the fast paths read them).
#define TESTSCOPE_INTERNAL __attribute__((visibility("hidden")))

TESTSCOPE_INTERNAL extern std::atomic<std::uint32_t> g_epoch;

// A call site seen by this thread in this epoch, so the next span from it writes a
// 4-byte site id instead of its name, file and function. 128 bytes: a slot's address is
// a shift away, and names up to 98 bytes are cached.
struct SiteEntry {
  const char* file = nullptr;
  const char* function = nullptr;
  std::uint32_t line = 0;
  std::uint32_t epoch = 0;
  std::uint32_t id = 0;
  std::uint16_t name_len = 0;
  std::array<char, 98> name{};
};
static_assert(sizeof(SiteEntry) == 128);

struct ThreadState {
  ThreadBuffer* buffer = nullptr;
  BufferHeader* header = nullptr;  // buffer->header, data and capacity, one load away
  std::byte* data = nullptr;
  std::size_t capacity = 0;
  std::size_t head = 0;  // mirror of header->head, owner-private
  // Room kept after head for the end records of the spans begun in this epoch and not yet
  // ended: a span that got its begin in gets its end in, even after the buffer filled.
  std::size_t end_room = 0;
  // Bytes new records may take: capacity - head - end_room, until a record is dropped; then
  // 0 for the rest of the epoch (only ends, into the room kept for them, are written).
  std::size_t room = 0;
  std::uint32_t epoch = 0;
  std::uint32_t next_site = 0;
  std::uint64_t rng = 0;
  SpanContext current;  // innermost open span or attached context
  std::array<SiteEntry, 64> sites;
  // Provocation (recorder/provoke.hpp), reset lazily at the thread's first point of a test.
  std::uint32_t provoke_epoch = 0;
  std::uint64_t provoke_thread_key = 0;  // the thread's name, else its order of arrival
  std::uint64_t provoke_points = 0;      // points passed in this test
  bool provoke_slow = false;             // kChaos: the slow thread
};

ThreadState* register_thread() noexcept;

// The test's root span, parent of spans begun with no current context (set by activate()).
TESTSCOPE_INTERNAL extern std::atomic<std::uint64_t> g_root_trace_hi;
TESTSCOPE_INTERNAL extern std::atomic<std::uint64_t> g_root_trace_lo;
TESTSCOPE_INTERNAL extern std::atomic<std::uint64_t> g_root_span;

inline SpanContext root_context() noexcept {
  SpanContext root;
  root.trace_id.hi = g_root_trace_hi.load(std::memory_order_relaxed);
  root.trace_id.lo = g_root_trace_lo.load(std::memory_order_relaxed);
  root.span_id = g_root_span.load(std::memory_order_relaxed);
  return root;
}
void set_thread_name_impl(std::string_view name) noexcept;
void sync_epoch(ThreadState& state, std::uint32_t epoch) noexcept;

// constinit: no dynamic initialisation, so reading it needs no TLS wrapper call.
// initial-exec: reading it is a load, not a call to __tls_get_addr (the library is compiled
// as position-independent code), which keeps the span fast paths free of calls.
extern constinit thread_local ThreadState* t_state [[gnu::tls_model("initial-exec")]];

// The calling thread's state, synchronised with the current epoch; null only when the
// thread could not get a buffer.
inline ThreadState* thread_state() noexcept {
  ThreadState* state = t_state;
  if (state == nullptr) [[unlikely]] {
    state = register_thread();
    if (state == nullptr) return nullptr;
  }
  const std::uint32_t epoch = g_epoch.load(std::memory_order_acquire);
  if (state->epoch != epoch) [[unlikely]] {
    sync_epoch(*state, epoch);
  }
  return state;
}

// Returns space for a record of `size` bytes (a multiple of 8), or null when the buffer
// is full (the drop is counted). The room kept for ends (end_room) is not given out.
inline std::byte* reserve(ThreadState& state, std::size_t size) noexcept {
  if (size > state.room) [[unlikely]] {
    state.room = 0;
    state.header->dropped.store(state.header->dropped.load(std::memory_order_relaxed) + 1,
                                std::memory_order_relaxed);
    return nullptr;
  }
  return state.data + state.head;
}

// Strings up to this long are copied and compared inline, with no call (the common case of
// Span's fast path, which takes the general path for longer ones).
inline constexpr std::size_t kShortBytes = 32;

// memcpy for the short strings of names and keys, without a call: overlapping word
// copies for up to kShortBytes (16-byte words above 16), memcpy beyond.
[[gnu::always_inline]] inline void copy_bytes(std::byte* to, const char* from, std::size_t n) noexcept {
  if (n >= 8 && n <= 16) {  // the usual key or name first
    std::uint64_t head = 0;
    std::uint64_t tail = 0;
    std::memcpy(&head, from, 8);
    std::memcpy(&tail, from + n - 8, 8);
    std::memcpy(to, &head, 8);
    std::memcpy(to + n - 8, &tail, 8);
  } else if (n > 16 && n <= kShortBytes) {
    std::array<char, 16> head{};
    std::array<char, 16> tail{};
    std::memcpy(head.data(), from, 16);
    std::memcpy(tail.data(), from + n - 16, 16);
    std::memcpy(to, head.data(), 16);
    std::memcpy(to + n - 16, tail.data(), 16);
  } else if (n >= 4 && n < 8) {
    std::uint32_t head = 0;
    std::uint32_t tail = 0;
    std::memcpy(&head, from, 4);
    std::memcpy(&tail, from + n - 4, 4);
    std::memcpy(to, &head, 4);
    std::memcpy(to + n - 4, &tail, 4);
  } else if (n < 4) {
    for (std::size_t i = 0; i < n; ++i) to[i] = static_cast<std::byte>(from[i]);
  } else {
    std::memcpy(to, from, n);
  }
}

// The 8 bytes at `p`, unaligned.
inline std::uint64_t load_word(const char* p) noexcept {
  std::uint64_t word = 0;
  std::memcpy(&word, p, 8);
  return word;
}

// memcmp(a, b, n) == 0, the same way: overlapping word compares up to kShortBytes.
[[gnu::always_inline]] inline bool same_bytes(const char* a, const char* b, std::size_t n) noexcept {
  if (n >= 8 && n <= 16) {
    return load_word(a) == load_word(b) && load_word(a + n - 8) == load_word(b + n - 8);
  }
  if (n > 16 && n <= kShortBytes) {
    return load_word(a) == load_word(b) && load_word(a + 8) == load_word(b + 8) &&
           load_word(a + n - 16) == load_word(b + n - 16) && load_word(a + n - 8) == load_word(b + n - 8);
  }
  if (n >= 4 && n < 8) {
    std::uint32_t a0 = 0;
    std::uint32_t a1 = 0;
    std::uint32_t b0 = 0;
    std::uint32_t b1 = 0;
    std::memcpy(&a0, a, 4);
    std::memcpy(&b0, b, 4);
    std::memcpy(&a1, a + n - 4, 4);
    std::memcpy(&b1, b + n - 4, 4);
    return a0 == b0 && a1 == b1;
  }
  if (n < 4) {
    for (std::size_t i = 0; i < n; ++i) {
      if (a[i] != b[i]) return false;
    }
    return true;
  }
  return std::memcmp(a, b, n) == 0;
}

// Publishes the record of `size` bytes written at the head (reserve() or has_room() made
// sure it fits).
inline void commit(ThreadState& state, std::size_t size) noexcept {
  state.head += size;
  state.room -= size;
  state.header->head.store(state.head, std::memory_order_release);
}

inline void write_header(std::byte* at, RecordKind kind, std::uint8_t type, std::size_t size,
                         std::uint32_t aux) noexcept {
  const RecordHeader header{kind, type, static_cast<std::uint16_t>(size), aux};
  std::memcpy(at, &header, sizeof header);
}

inline std::uint64_t next_random(ThreadState& state) noexcept {
  // splitmix64: fast, full period, good enough for span ids.
  std::uint64_t z = (state.rng += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30U)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27U)) * 0x94D049BB133111EBULL;
  z ^= z >> 31U;
  return z != 0 ? z : 1;
}

inline std::string_view clamp(std::string_view s) noexcept {
  return s.size() > kMaxStringBytes ? s.substr(0, kMaxStringBytes) : s;
}

}  // namespace testscope::detail
