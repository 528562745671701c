// Shared helpers for the JSON writers: a RapidJSON writer over a string buffer that repairs
// UTF-8 (user strings may hold any bytes; JSON and protobuf need valid UTF-8), numbers that
// JSON cannot hold (NaN, infinities) written as strings, and ids and 64-bit integers written
// as strings. None of them allocates unless a string needs repair.
//
// Speed matters here: a test of 1,000 spans writes about a megabyte of JSON, within a budget
// of 2 ms for capturing and writing it all (docs/performance.md, goal 4).
#pragma once

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>

#include "testscope/context.hpp"

namespace testscope::detail {

// Replaces invalid UTF-8 sequences with U+FFFD (utfcpp). Returns valid input unchanged.
std::string valid_utf8(std::string_view text);

// True if `text` is valid UTF-8 (utfcpp's rules).
bool is_valid_utf8(std::string_view text) noexcept;

// Eight bytes at `at` are printable ASCII other than '"' and '\\'. (x - n * kOnes) & ~x & kHigh
// is non-zero if and only if a byte of x is below n (for n <= 0x80): tested for n = 0x20, and
// for n = 1 on x XOR '"' and x XOR '\\' (where a byte equal to the character becomes 0);
// x & kHigh finds bytes of 0x80 and up.
inline bool is_plain_ascii_word(const char* at) noexcept {
  constexpr std::uint64_t kOnes = 0x0101010101010101U;
  constexpr std::uint64_t kHigh = 0x8080808080808080U;
  std::uint64_t x = 0;
  std::memcpy(&x, at, sizeof x);
  const std::uint64_t quote = x ^ (kOnes * '"');
  const std::uint64_t backslash = x ^ (kOnes * '\\');
  const std::uint64_t found =
      x | ((x - kOnes * 0x20) & ~x) | ((quote - kOnes) & ~quote) | ((backslash - kOnes) & ~backslash);
  return (found & kHigh) == 0;
}

// True if `text` is printable ASCII other than '"' and '\\' (0x7F counts as printable): valid
// UTF-8 that JSON writes as it is. Names, keys, ids and numbers nearly always are. Checks
// eight bytes at a time; the last word may overlap the one before it.
inline bool is_plain_ascii(std::string_view text) noexcept {
  const std::size_t n = text.size();
  if (n < 8) {
    return std::all_of(text.begin(), text.end(), [](char c) {
      const auto byte = static_cast<unsigned char>(c);
      return byte >= 0x20U && byte < 0x80U && byte != '"' && byte != '\\';
    });
  }
  for (std::size_t i = 0; i + 8 < n; i += 8) {
    if (!is_plain_ascii_word(text.data() + i)) return false;
  }
  return is_plain_ascii_word(text.data() + n - 8);
}

// What JsonWriter::Key takes: a string literal, checked at compile time to need no escaping.
struct JsonKey {
  // NOLINTNEXTLINE(google-explicit-constructor): implicit, for w.Key("name")
  consteval JsonKey(const char* literal) : text(literal) {
    for (char c : text) {
      if (c < 0x20 || c == '"' || c == '\\') throw "a JsonKey must be ASCII that JSON does not escape";
    }
  }
  std::string_view text;
};

// RapidJSON's Writer over a string buffer, with its String and Key replaced:
//  - String(text) repairs text that is not valid UTF-8 first (invalid sequences become
//    U+FFFD), and copies plain ASCII text (is_plain_ascii) in one piece, where RapidJSON
//    copies a byte at a time; the rest, what needs escaping, is RapidJSON's to write.
//  - Key("literal") takes string literals (JsonKey), written without a check at run time;
//    write_key() writes any text as a key.
// The output is what rapidjson::Writer writes for the repaired text. (Writer's String and
// Key are not virtual: these hide them, for code that uses a JsonWriter.)
class JsonWriter : public rapidjson::Writer<rapidjson::StringBuffer> {
 public:
  explicit JsonWriter(rapidjson::StringBuffer& buffer) : Writer(buffer) {}

  bool String(std::string_view text) {
    if (is_plain_ascii(text)) return write_plain(text);
    if (is_valid_utf8(text)) return write_escaped(text);
    return write_escaped(valid_utf8(text));
  }

  bool Key(JsonKey key) { return write_plain(key.text); }

 private:
  // Writes text that needs no escaping, quoted, after the separator Prefix() puts before it.
  bool write_plain(std::string_view text) {
    Prefix(rapidjson::kStringType);
    char* out = os_->Push(text.size() + 2);
    out[0] = '"';
    if (!text.empty()) std::memcpy(out + 1, text.data(), text.size());
    out[text.size() + 1] = '"';
    return EndValue(true);
  }

  // Writes valid UTF-8 the way rapidjson::Writer does, escaping what JSON needs escaped.
  bool write_escaped(std::string_view text) {
    return Writer::String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
  }
};

// An empty buffer for one JSON document at a time, owned by the calling thread and kept
// between calls (unless the last document was over 16 MiB). The trace writers use it: a
// test's traces are each about a megabyte, and growing a new buffer for every test, then
// freeing it, costs more than formatting them (copies, and page faults whenever the
// allocator gives the memory back to the system and takes it again). Do not hold it across
// a call to another function that uses it.
rapidjson::StringBuffer& reused_buffer();

// The longest prefix of `text` of at most `max_bytes` that does not split a UTF-8 character.
inline std::string_view utf8_prefix(std::string_view text, std::size_t max_bytes) noexcept {
  if (text.size() <= max_bytes) return text;
  std::size_t end = max_bytes;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0U) == 0x80U) --end;
  return text.substr(0, end);
}

// Characters (code points) in valid UTF-8 text: its width in a terminal, near enough.
inline std::size_t utf8_length(std::string_view text) noexcept {
  std::size_t n = 0;
  for (char c : text) n += (static_cast<unsigned char>(c) & 0xC0U) != 0x80U ? 1 : 0;
  return n;
}

// A JSON string (invalid UTF-8 repaired), and the same as an object key.
inline void write_string(JsonWriter& w, std::string_view text) { w.String(text); }
inline void write_key(JsonWriter& w, std::string_view key) { w.String(key); }  // a key is a string

// A double as a JSON number, or as proto3-JSON's "NaN"/"Infinity"/"-Infinity" strings.
inline void write_double(JsonWriter& w, double value) {
  if (std::isnan(value)) {
    w.String("NaN");
  } else if (std::isinf(value)) {
    w.String(value > 0 ? "Infinity" : "-Infinity");
  } else {
    w.Double(value);
  }
}

// An int64 as a decimal string (OTLP/JSON's rule for 64-bit integers).
inline void write_int64_string(JsonWriter& w, std::int64_t value) {
  std::array<char, 20> text{};  // "-9223372036854775808"
  const char* end = std::to_chars(text.data(), text.data() + text.size(), value).ptr;
  w.String({text.data(), static_cast<std::size_t>(end - text.data())});
}

// 16 lowercase hex digits, as span_id_to_hex() and TraceId::to_hex() write them.
inline void put_hex(char* out, std::uint64_t value) noexcept {
  constexpr std::string_view kDigits = "0123456789abcdef";
  for (int i = 15; i >= 0; --i, value >>= 4U) out[i] = kDigits[value & 0xFU];
}

// A span id as a JSON string: span_id_to_hex(span_id), without allocating.
inline void write_span_id(JsonWriter& w, std::uint64_t span_id) {
  std::array<char, 16> hex{};
  put_hex(hex.data(), span_id);
  w.String({hex.data(), hex.size()});
}

// A trace id as a JSON string: trace_id.to_hex(), without allocating.
inline void write_trace_id(JsonWriter& w, const TraceId& trace_id) {
  std::array<char, 32> hex{};
  put_hex(hex.data(), trace_id.hi);
  put_hex(hex.data() + 16, trace_id.lo);
  w.String({hex.data(), hex.size()});
}

// An attribute's value as a plain JSON value (string, integer, number, bool).
template <typename Writer, typename Value>
void write_plain_value(Writer& w, const Value& value) {
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string>) {
          write_string(w, v);
        } else if constexpr (std::is_same_v<T, std::int64_t>) {
          w.Int64(v);
        } else if constexpr (std::is_same_v<T, double>) {
          write_double(w, v);
        } else {
          w.Bool(v);
        }
      },
      value);
}

}  // namespace testscope::detail
