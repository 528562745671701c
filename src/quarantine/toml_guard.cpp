#include "quarantine/toml_guard.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <utility>

namespace testscope::quarantine::detail {
namespace {

constexpr std::string_view kStandIn2 = "\xD4\xB0";      // U+0530 for two-byte code points
constexpr std::string_view kStandIn3 = "\xEF\xBF\xB0";  // U+FFF0 for three-byte ones

bool continuation(unsigned char c) { return (c & 0xC0U) == 0x80; }

// The code point encoded at text[i] and its length in bytes; {0, 0} when it is not a valid,
// shortest two- or three-byte UTF-8 sequence (toml++ rejects invalid ones when it reads them).
std::pair<char32_t, std::size_t> decode(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[i + k]); };
  if (i + 1 < text.size() && byte(0) >= 0xC2 && byte(0) <= 0xDF && continuation(byte(1))) {
    return {static_cast<char32_t>(((byte(0) & 0x1FU) << 6U) | (byte(1) & 0x3FU)), 2};
  }
  if (i + 2 < text.size() && (byte(0) & 0xF0U) == 0xE0 && continuation(byte(1)) && continuation(byte(2))) {
    const auto c =
        static_cast<char32_t>(((byte(0) & 0x0FU) << 12U) | ((byte(1) & 0x3FU) << 6U) | (byte(2) & 0x3FU));
    if (c >= 0x800 && (c < 0xD800 || c > 0xDFFF)) return {c, 3};
  }
  return {0, 0};
}

// The length of the shielded code point at text[i], or 0.
std::size_t unclassifiable_at(std::string_view text, std::size_t i) {
  const auto [c, length] = decode(text, i);
  return length != 0 && toml33_unclassifiable(c) ? length : 0;
}

// The stand-in at parsed[at] (its length), or 0.
std::size_t stand_in_at(std::string_view parsed, std::size_t at) {
  if (parsed.substr(at, 2) == kStandIn2) return 2;
  if (parsed.substr(at, 3) == kStandIn3) return 3;
  return 0;
}

std::size_t byte_offset(std::string_view text, TextPosition at) {
  std::size_t i = 0;
  for (unsigned line = 1; line < at.line && i < text.size(); ++i) {
    if (text[i] == '\n') ++line;
  }
  for (unsigned column = 1; column < at.column && i < text.size(); ++column) {
    ++i;
    while (i < text.size() && continuation(static_cast<unsigned char>(text[i]))) ++i;
  }
  return std::min(i, text.size());
}

}  // namespace

bool toml33_unclassifiable(char32_t c) {
  // toml++ 3.3: returns false outside U+00A0..U+FEFF and for the buckets of 0x3FA code points
  // whose bit is set in its mask; true for U+00A0, U+3000, U+FEFF; answers buckets 5 and 7 in
  // a switch; every other bucket (0, 11, 63) falls into `default: TOML_UNREACHABLE`.
  if (c < 0xA0 || c > 0xFEFF) return false;
  const std::uint_least64_t bucket = (static_cast<std::uint_least64_t>(c) - 0xA0U) / 0x3FAU;
  if (((1ULL << bucket) & 0x7FFFFFFFFFFFF75EULL) != 0) return false;
  if (c == 0xA0 || c == 0x3000 || c == 0xFEFF) return false;
  return bucket != 5 && bucket != 7;
}

std::optional<std::string> shield_from_toml_bug(std::string_view text) {
  std::optional<std::string> shielded;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const std::size_t length = unclassifiable_at(text, i);
    if (length == 0) continue;
    if (!shielded) shielded.emplace(text);
    shielded->replace(i, length, length == 2 ? kStandIn2 : kStandIn3);
    i += length - 1;
  }
  return shielded;
}

bool mentions_stand_in(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); });
  std::size_t first = std::min(text.find(kStandIn2), text.find(kStandIn3));
  for (const std::string_view escape : {"\\u0530", "\\u00000530", "\\ufff0", "\\u0000fff0"}) {
    first = std::min(first, lower.find(escape));
  }
  return first != std::string_view::npos;
}

std::optional<std::string> unshield(std::string parsed, std::string_view original, TextPosition begin,
                                    TextPosition end) {
  std::size_t source = byte_offset(original, begin);
  const std::size_t to = std::max(source, byte_offset(original, end));
  if (mentions_stand_in(original.substr(source, to - source))) {
    const std::string_view part = original.substr(source, to - source);
    const bool shielded = std::any_of(part.begin(), part.end(), [&](const char& c) {
      return unclassifiable_at(part, static_cast<std::size_t>(&c - part.data())) != 0;
    });
    if (shielded) return std::nullopt;
  }
  for (std::size_t at = 0; at < parsed.size();) {
    const std::size_t stand_in = stand_in_at(parsed, at);
    if (stand_in == 0) {
      ++at;
      continue;
    }
    while (source < to && unclassifiable_at(original, source) == 0) ++source;
    if (source >= to) break;
    const std::size_t length = unclassifiable_at(original, source);
    parsed.replace(at, stand_in, original.substr(source, length));
    at += length;
    source += length;
  }
  return parsed;
}

}  // namespace testscope::quarantine::detail
