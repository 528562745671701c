// Reading a quarantine file: toml++ parses the TOML, this file checks it is a list of
// [[quarantine]] entries and reports every problem with its position.
#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "quarantine/toml_guard.hpp"
#include "quarantine/toml_messages.hpp"
#include "testscope/quarantine.hpp"

namespace testscope::quarantine {
namespace {

using detail::a_type;
using detail::did_you_mean;
using detail::in_quotes;

constexpr std::array<std::string_view, 6> kKeys = {"test", "reason", "owner", "added", "expires", "mode"};
constexpr std::string_view kRequired = "test, reason, owner, added, expires";

// " (did you mean 'reason'?)" for a key close to a known one, else "".
std::string suggestion(std::string_view key) { return did_you_mean(key, {kKeys}); }

// Only spaces and line breaks (the same rule as QuarantineFile::add).
bool blank(std::string_view text) { return text.find_first_not_of(" \t\r\n") == std::string_view::npos; }

// The last line of an entry's block: its header's, or its last value's if later.
int last_line(const toml::table& table) {
  auto line = table.source().begin.line;
  for (const auto& [key, value] : table) {
    line = std::max({line, key.source().end.line, value.source().end.line});
  }
  return static_cast<int>(line);
}

// An entry and the lines of its block (1-based, inclusive).
struct ReadEntry {
  Entry entry;
  int first_line = 0;
  int last_line = 0;
};

// Collects the problems of one file.
class Checker {
 public:
  // `original` is the text as read; `shielded` tells whether toml++ read a shielded copy.
  Checker(std::string file, std::string_view original, bool shielded)
      : file_(std::move(file)), original_(original), shielded_(shielded) {}

  // A string toml++ read from `where`, with the characters shielding replaced put back.
  // nullopt when that cannot be told (see detail::unshield).
  std::optional<std::string> original(std::string_view parsed, const toml::source_region& where) const {
    if (!shielded_) return std::string(parsed);
    return detail::unshield(std::string(parsed), original_, {where.begin.line, where.begin.column},
                            {where.end.line, where.end.column});
  }

  void error(const toml::source_position& at, std::string message) {
    errors_.push_back({file_, static_cast<int>(at.line), static_cast<int>(at.column), std::move(message)});
  }
  // What to show of a string toml++ read from `where` in a message.
  std::string shown(std::string_view parsed, const toml::source_region& where) const {
    return in_quotes(original(parsed, where).value_or(std::string(parsed)));
  }

  void error(const toml::node& at, std::string message) { error(at.source().begin, std::move(message)); }

  // The entry in `table`, or nullopt after reporting why it is not one.
  std::optional<Entry> entry(const toml::table& table) {
    const std::size_t errors_before = errors_.size();
    for (const auto& [key, value] : table) {
      if (std::find(kKeys.begin(), kKeys.end(), key.str()) == kKeys.end()) {
        error(key.source().begin, fmt::format("unknown key {} in a [[quarantine]] entry{}",
                                              shown(key.str(), key.source()), suggestion(key.str())));
      }
    }
    Entry e;
    e.line = static_cast<int>(table.source().begin.line);
    const toml::node* test = text_field(table, "test", e.test);
    if (test != nullptr) {
      if (const std::string problem = pattern_problem(e.test); !problem.empty()) {
        error(*test, fmt::format("bad test name or pattern {}: {}", in_quotes(e.test), problem));
      }
    }
    for (const auto& [key, out] : {std::pair{"reason", &e.reason}, std::pair{"owner", &e.owner}}) {
      const toml::node* node = text_field(table, key, *out);
      if (node != nullptr && blank(*out)) error(*node, fmt::format("'{}' must not be empty", key));
    }
    const toml::node* added = date_field(table, "added", e.added);
    const toml::node* expires = date_field(table, "expires", e.expires);
    if (added != nullptr && expires != nullptr && e.expires <= e.added) {
      error(*expires, fmt::format("'expires' ({}) must be after 'added' ({})", e.expires.to_string(),
                                  e.added.to_string()));
    }
    if (const toml::node* mode = table.get("mode"); mode != nullptr) {
      const std::optional<Mode> parsed =
          mode->is_string() ? parse_mode(mode->ref<std::string>()) : std::nullopt;
      if (parsed) {
        e.mode = *parsed;
      } else {
        error(*mode, fmt::format(R"('mode' must be "run" or "skip", not {})",
                                 mode->is_string() ? shown(mode->ref<std::string>(), mode->source())
                                                   : a_type(*mode)));
      }
    }
    if (errors_.size() != errors_before) return std::nullopt;
    return e;
  }

  // The entries of a whole file, after reporting what is not one.
  std::vector<ReadEntry> file_entries(const toml::table& root) {
    for (const auto& [key, value] : root) {
      if (key.str() != "quarantine") {
        error(key.source().begin,
              fmt::format("unknown key {}: a quarantine file holds only [[quarantine]] entries",
                          shown(key.str(), key.source())));
      }
    }
    const toml::node* list = root.get("quarantine");
    if (list == nullptr) return {};
    const toml::array* tables = list->as_array();
    if (tables == nullptr || tables->empty()) {
      error(*list, "write each entry as a [[quarantine]] block (two brackets)");
      return {};
    }
    std::vector<ReadEntry> entries;
    std::map<std::string, int, std::less<>> seen;  // test -> line of its entry
    for (const toml::node& node : *tables) {
      const toml::table* table = node.as_table();
      if (table == nullptr || table->is_inline()) {
        error(node, "write each entry as a [[quarantine]] block, not inline (the command edits blocks)");
        continue;
      }
      std::optional<Entry> e = entry(*table);
      if (!e) continue;
      if (const auto [at, fresh] = seen.emplace(e->test, e->line); !fresh) {
        error(*table->get("test"),
              fmt::format("{} already has an entry at line {}", in_quotes(e->test), at->second));
        continue;
      }
      const int first = e->line;
      entries.push_back({std::move(*e), first, last_line(*table)});
    }
    return entries;
  }

  std::vector<Diagnostic> take_errors() {
    std::stable_sort(errors_.begin(), errors_.end(), [](const Diagnostic& a, const Diagnostic& b) {
      return std::pair{a.line, a.column} < std::pair{b.line, b.column};
    });
    return std::move(errors_);
  }

 private:
  // The string at `key` into `out`; null after reporting a missing key or a wrong type.
  const toml::node* text_field(const toml::table& table, std::string_view key, std::string& out) {
    const toml::node* node = required(table, key);
    if (node == nullptr) return nullptr;
    if (!node->is_string()) {
      error(*node, fmt::format("'{}' must be a string (in quotes), not {}", key, a_type(*node)));
      return nullptr;
    }
    std::optional<std::string> text = original(node->ref<std::string>(), node->source());
    if (!text) {
      error(*node, fmt::format("'{}' mixes U+0530 or U+FFF0 with characters toml++ 3.3 mishandles; testscope "
                               "cannot read that safely (see docs/quarantine.md)",
                               key));
      return nullptr;
    }
    out = std::move(*text);
    return node;
  }

  // The local date at `key` into `out`; null after reporting why it is not one.
  const toml::node* date_field(const toml::table& table, std::string_view key, Date& out) {
    const toml::node* node = required(table, key);
    if (node == nullptr) return nullptr;
    if (node->is_date()) {
      const toml::date& d = node->ref<toml::date>();
      out = Date{d.year, d.month, d.day};
      if (out.valid()) return node;
      error(*node, fmt::format("'{}' is not a real date", key));
    } else if (node->is_string() && Date::parse(node->ref<std::string>())) {
      error(*node,
            fmt::format("'{}' must be a TOML date: write {} without quotes", key, node->ref<std::string>()));
    } else if (node->is_date_time()) {
      error(*node, fmt::format("'{}' must be a date like 2026-11-20, without a time or offset", key));
    } else {
      error(*node, fmt::format("'{}' must be a date like 2026-11-20, not {}", key, a_type(*node)));
    }
    return nullptr;
  }

  const toml::node* required(const toml::table& table, std::string_view key) {
    const toml::node* node = table.get(key);
    if (node == nullptr) {
      error(table, fmt::format("this [[quarantine]] entry has no '{}' (required: {})", key, kRequired));
    }
    return node;
  }

  std::string file_;
  std::string_view original_;
  bool shielded_ = false;
  std::vector<Diagnostic> errors_;
};

}  // namespace

std::string Diagnostic::to_string() const {
  if (line == 0) return fmt::format("{}: {}", file, message);
  if (column == 0) return fmt::format("{}:{}: {}", file, line, message);
  return fmt::format("{}:{}:{}: {}", file, line, column, message);
}

LoadResult parse_quarantine(std::string text, std::string file_name) {
  LoadResult result;
  result.file.name_ = std::move(file_name);
  const std::string& name = result.file.name_;
  // toml++ reads a shielded copy when the text has characters it mishandles (toml_guard.hpp).
  const std::optional<std::string> shielded = detail::shield_from_toml_bug(text);
  toml::table root;
  try {
    root = toml::parse(std::string_view(shielded ? *shielded : text), std::string_view(name));
  } catch (const toml::parse_error& e) {
    const auto at = e.source().begin;
    std::string message = fmt::format("not valid TOML: {}", e.description());
    if (shielded) {
      message =
          detail::unshield(message, text, {at.line, at.column}, {at.line, at.column + 1}).value_or(message);
    }
    result.errors.push_back(
        {name, static_cast<int>(at.line), static_cast<int>(at.column), std::move(message)});
    result.file.text_ = std::move(text);
    return result;
  }
  Checker check(name, text, shielded.has_value());
  std::vector<ReadEntry> entries = check.file_entries(root);
  result.errors = check.take_errors();
  if (result.errors.empty()) {
    for (ReadEntry& e : entries) {
      result.file.entries_.push_back(std::move(e.entry));
      result.file.blocks_.push_back({e.first_line, e.last_line});
    }
  }
  result.file.text_ = std::move(text);
  return result;
}

LoadResult load_quarantine(const std::filesystem::path& path) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (status.type() == std::filesystem::file_type::not_found) {
    LoadResult result = parse_quarantine("", path.string());
    result.missing = true;
    return result;
  }
  std::string why;
  std::stringstream text;
  if (ec) {
    why = ec.message();
  } else if (std::filesystem::is_directory(status)) {
    why = "is a directory, not a quarantine file";
  } else {
    std::ifstream in(path, std::ios::binary);
    if (in) text << in.rdbuf();
    if (!in) why = "cannot be read";
  }
  if (!why.empty()) {
    LoadResult result;
    result.errors.push_back({path.string(), 0, 0, why});
    return result;
  }
  return parse_quarantine(text.str(), path.string());
}

}  // namespace testscope::quarantine
