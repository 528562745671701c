// Turning nlohmann::json's exceptions into the messages we show users: the byte position
// of a syntax error, the field that is missing or has the wrong type. Internal.
#pragma once

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <utf8.h>

#include <stdexcept>
#include <string>
#include <string_view>

#include "testscope/artifact_files.hpp"

namespace testscope::analysis {

// `text` with every byte that is not part of valid UTF-8 written as \xNN: a message that
// quotes a file's bytes (nlohmann's "last read: ...") stays text that JSON, XML and a
// terminal can hold, and still shows which bytes were there.
inline std::string escape_invalid_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  const auto* at = text.begin();
  while (at != text.end()) {
    const auto* const bad = utf8::find_invalid(at, text.end());
    out.append(at, bad);
    if (bad == text.end()) break;
    out += fmt::format("\\x{:02X}", static_cast<unsigned char>(*bad));
    at = bad + 1;
  }
  return out;
}

// "byte 57: syntax error while parsing object - unexpected end of input; expected '}'"
// for a parse error; the exception's text without nlohmann's "[json.exception...]" tag
// otherwise. Valid UTF-8 (escape_invalid_utf8), whatever bytes the input held.
inline std::string describe_json_error(const nlohmann::json::exception& e) {
  std::string what = escape_invalid_utf8(e.what());
  const auto tag_end = what.find("] ");
  if (what.rfind("[json.exception.", 0) == 0 && tag_end != std::string::npos) what = what.substr(tag_end + 2);
  if (const auto* parse = dynamic_cast<const nlohmann::json::parse_error*>(&e)) {
    // nlohmann says "parse error at line 1, column 57: <reason>"; keep the reason.
    const auto colon = what.find(": ");
    const std::string reason = colon == std::string::npos ? what : what.substr(colon + 2);
    return "not valid JSON at byte " + std::to_string(parse->byte) + ": " + reason;
  }
  return what;
}

// Parses `text`; throws std::runtime_error(describe_json_error(...)) if it is not JSON.
inline nlohmann::json parse_json_or_throw(const std::string& text) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(describe_json_error(e));
  }
}

// A file written to a schema this testscope does not read (a newer testscope wrote it, or it
// is not ours). Not a Problem to skip: the whole tree is refused, since guessing at another
// schema's fields would give wrong verdicts. The CLI reports it with exit code 2.
class SchemaError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Throws SchemaError naming `path` when `doc` is an object whose "schema" is not
// artifact_files::kArtifactSchema. A file without "schema" is taken as schema 1 (the first
// files written had none).
inline void check_schema(const nlohmann::json& doc, const std::string& path) {
  if (!doc.is_object()) return;
  const auto it = doc.find("schema");
  if (it == doc.end() ||
      (it->is_number_integer() && it->get<long long>() == artifact_files::kArtifactSchema)) {
    return;
  }
  throw SchemaError(path + ": written to schema " + it->dump() + ", but this testscope reads schema " +
                    std::to_string(artifact_files::kArtifactSchema) +
                    " (docs/artifacts.md); read it with the testscope that wrote it");
}

}  // namespace testscope::analysis
