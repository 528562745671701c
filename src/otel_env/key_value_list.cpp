#include "otel_env/key_value_list.hpp"

#include <algorithm>

namespace testscope::otlp {
namespace {

int hex_digit(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && hex_digit(text[i + 1]) >= 0 && hex_digit(text[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_digit(text[i + 1]) * 16 + hex_digit(text[i + 2])));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

void put(std::vector<KeyValue>& list, std::string key, std::string value) {
  const auto found =
      std::find_if(list.begin(), list.end(), [&](const KeyValue& kv) { return kv.key == key; });
  if (found != list.end()) {
    found->value = std::move(value);
  } else {
    list.push_back(KeyValue{std::move(key), std::move(value)});
  }
}

std::vector<KeyValue> parse_key_value_list(std::string_view text, std::vector<std::string>* skipped) {
  std::vector<KeyValue> list;
  while (!text.empty()) {
    const std::size_t comma = text.find(',');
    const std::string_view entry = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    if (trim(entry).empty()) continue;  // "a=1,,b=2" and a trailing comma: nothing to report
    const std::size_t eq = entry.find('=');
    const std::string key =
        eq == std::string_view::npos ? std::string() : percent_decode(trim(entry.substr(0, eq)));
    if (key.empty()) {
      if (skipped != nullptr) skipped->emplace_back(trim(entry));
      continue;
    }
    put(list, key, percent_decode(trim(entry.substr(eq + 1))));
  }
  return list;
}

}  // namespace testscope::otlp
