// The `key1=value1,key2=value2` lists of OTEL_EXPORTER_OTLP_HEADERS and
// OTEL_RESOURCE_ATTRIBUTES: W3C Baggage's format without its `;` properties, values
// percent-encoded.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace testscope::otlp {

// One entry of such a list, decoded. A plain value.
struct KeyValue {
  std::string key;
  std::string value;

  friend bool operator==(const KeyValue&, const KeyValue&) = default;
};

// Decodes %XX escapes (either case of hex digit); a '%' not followed by two hex digits is
// kept as it is. Never throws except std::bad_alloc.
std::string percent_decode(std::string_view text);

// Parses a list: entries split at ',', key and value split at the first '=', spaces and
// tabs around both trimmed, the value (and the key) percent-decoded. An entry without '='
// or with an empty key is skipped and, when `skipped` is given, appended to it as written.
// A key given twice keeps its last value, at the place of its first. Never throws except
// std::bad_alloc.
std::vector<KeyValue> parse_key_value_list(std::string_view text,
                                           std::vector<std::string>* skipped = nullptr);

// Sets `key` to `value` in `list`: replaces the value of an entry with that key, else
// appends one.
void put(std::vector<KeyValue>& list, std::string key, std::string value);

}  // namespace testscope::otlp
