#include "analysis/summary_fast_path.hpp"

#include <rapidjson/document.h>

#include <algorithm>
#include <array>
#include <string>
#include <utility>

#include "testscope/artifact_files.hpp"

namespace testscope::analysis::detail {
namespace {

using rapidjson::Value;

// The string member `key` of `object` into `out`; `fallback` when absent. False when it is
// there with another type.
bool string_member(const Value& object, const char* key, std::string& out, const std::string& fallback) {
  const auto it = object.FindMember(key);
  if (it == object.MemberEnd()) {
    out = fallback;
    return true;
  }
  if (!it->value.IsString()) return false;
  out.assign(it->value.GetString(), it->value.GetStringLength());
  return true;
}

// As failures_text() in artifact_tree.cpp: "file:line\nmessage", blank lines between.
bool failures_text(const Value& failures, std::string& text) {
  if (!failures.IsArray()) return false;
  text.clear();
  std::string file;
  std::string message;
  for (const Value& f : failures.GetArray()) {
    if (!f.IsObject() || !string_member(f, "file", file, "") || !string_member(f, "message", message, "")) {
      return false;
    }
    int line = 0;
    if (const auto it = f.FindMember("line"); it != f.MemberEnd()) {
      if (!it->value.IsInt()) return false;
      line = it->value.GetInt();
    }
    if (!text.empty()) text += "\n\n";
    text.append(file).append(":").append(std::to_string(line)).append("\n").append(message);
  }
  return true;
}

}  // namespace

bool read_summary_fast(std::string_view text, TestAttempt& t) {
  rapidjson::Document doc;
  // Iterative: no recursion on deep nesting. UTF-8 validated, as nlohmann::json does.
  doc.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag>(text.data(), text.size());
  if (doc.HasParseError() || !doc.IsObject()) return false;
  // Another schema: the general reader names it.
  if (const auto schema = doc.FindMember("schema");
      schema != doc.MemberEnd() &&
      !(schema->value.IsInt() && schema->value.GetInt() == artifact_files::kArtifactSchema)) {
    return false;
  }
  const auto test = doc.FindMember("test");
  if (test == doc.MemberEnd() || !test->value.IsObject()) return false;
  const auto full_name = test->value.FindMember("full_name");
  if (full_name == test->value.MemberEnd() || !full_name->value.IsString()) return false;
  t.full_name.assign(full_name->value.GetString(), full_name->value.GetStringLength());
  if (!string_member(test->value, "suite", t.suite, "") ||
      !string_member(test->value, "name", t.name, t.full_name)) {
    return false;
  }
  const auto outcome = doc.FindMember("outcome");
  if (outcome == doc.MemberEnd() || !outcome->value.IsString()) return false;
  t.outcome.assign(outcome->value.GetString(), outcome->value.GetStringLength());
  static constexpr std::array<std::string_view, 5> kKnown = {"pass", "fail", "skip", "crash", "timeout"};
  if (std::find(kKnown.begin(), kKnown.end(), t.outcome) == kKnown.end()) return false;
  t.duration_ns = 0;
  if (const auto it = doc.FindMember("duration_ns"); it != doc.MemberEnd()) {
    if (!it->value.IsInt64()) return false;
    t.duration_ns = it->value.GetInt64();
  }
  t.repetition = 1;
  if (const auto it = doc.FindMember("repetition"); it != doc.MemberEnd()) {
    if (!it->value.IsInt()) return false;
    t.repetition = it->value.GetInt();
  }
  t.quarantine.clear();
  t.quarantine_expires.clear();
  if (const auto it = doc.FindMember("quarantine"); it != doc.MemberEnd() && !it->value.IsNull()) {
    std::string entry;
    std::string reason;
    std::string owner;
    std::string expires;
    // An entry-less object is not a quarantine: the general reader says so.
    if (!it->value.IsObject() || !string_member(it->value, "entry", entry, "") || entry.empty() ||
        !string_member(it->value, "reason", reason, "") || !string_member(it->value, "owner", owner, "") ||
        !string_member(it->value, "expires", expires, "")) {
      return false;
    }
    t.quarantine = quarantine_text(entry, reason, owner, expires);
    t.quarantine_expires = std::move(expires);
  }
  t.message.clear();
  if (const auto it = doc.FindMember("failures"); it != doc.MemberEnd()) {
    return failures_text(it->value, t.message);
  }
  return true;
}

std::string quarantine_text(const std::string& entry, const std::string& reason, const std::string& owner,
                            const std::string& expires) {
  return entry + " (" + reason + "; owner " + owner + "; until " + expires + ")";
}

}  // namespace testscope::analysis::detail
