// Shared helpers for the JSON writers: a RapidJSON writer over a string buffer, UTF-8
// repair (user strings may hold any bytes; JSON and protobuf need valid UTF-8), and
// numbers that JSON cannot hold (NaN, infinities) written as strings.
#pragma once

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>

namespace testscope::detail {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

// Replaces invalid UTF-8 sequences with U+FFFD (utfcpp). Returns valid input unchanged.
std::string valid_utf8(std::string_view text);

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

inline void write_string(JsonWriter& w, std::string_view text) {
  const std::string clean = valid_utf8(text);
  w.String(clean.data(), static_cast<rapidjson::SizeType>(clean.size()));
}

inline void write_key(JsonWriter& w, std::string_view key) {
  const std::string clean = valid_utf8(key);
  w.Key(clean.data(), static_cast<rapidjson::SizeType>(clean.size()));
}

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
  const std::string text = std::to_string(value);
  w.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
}

}  // namespace testscope::detail
