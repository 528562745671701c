#include "cli/quarantine_command.hpp"

#include <fmt/color.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <testscope/quarantine.hpp>

#include <algorithm>
#include <array>
#include <optional>
#include <vector>

#include "analysis/verdict_text.hpp"
#include "cli/verdict_output.hpp"
#include "writers/terminal.hpp"

namespace testscope::cli {
namespace {

namespace q = testscope::quarantine;

std::string days(int n) { return analysis::detail::plural(static_cast<std::size_t>(n), "day", "days"); }

// `text` on one line: control characters (a multi-line reason's line breaks) become spaces.
std::string one_line(std::string text) {
  std::replace_if(
      text.begin(), text.end(), [](char c) { return c == '\n' || c == '\r' || c == '\t'; }, ' ');
  return detail::terminal_safe(text);
}

std::string time_left(const q::Entry& e, q::Date today) {
  const int left = today.days_until(e.expires);
  if (left > 0) return days(left);
  if (left == 0) return "expired today";
  return fmt::format("expired {} ago", days(-left));
}

void print_json(const std::vector<q::Entry>& entries, const QuarantineOptions& o, q::Date today) {
  nlohmann::ordered_json out = {{"schema", 1}, {"file", o.file}, {"today", today.to_string()}};
  out["entries"] = nlohmann::ordered_json::array();
  for (const q::Entry& e : entries) {
    out["entries"].push_back({{"test", e.test},
                              {"pattern", e.is_pattern()},
                              {"reason", e.reason},
                              {"owner", e.owner},
                              {"added", e.added.to_string()},
                              {"expires", e.expires.to_string()},
                              {"mode", q::mode_name(e.mode)},
                              {"line", e.line},
                              {"days_left", today.days_until(e.expires)},
                              {"expired", e.expired(today)}});
  }
  fmt::print("{}\n", out.dump(2));
}

// The LEFT cell, padded to `width`, red when expired and yellow when two days or less are left.
std::string left_cell(const q::Entry& e, q::Date today, std::size_t width, bool colour) {
  std::string cell = fmt::format("{:<{}}", time_left(e, today), width);
  if (!colour) return cell;
  const auto red = fmt::fg(fmt::terminal_color::red) | fmt::emphasis::bold;
  if (e.expired(today)) return fmt::format(red, "{}", cell);
  if (today.days_until(e.expires) <= 2) return fmt::format(fmt::fg(fmt::terminal_color::yellow), "{}", cell);
  return cell;
}

void print_table(const std::vector<q::Entry>& entries, const QuarantineOptions& o, q::Date today) {
  using Row = std::array<std::string, 7>;
  std::vector<Row> rows{{"TEST", "MODE", "OWNER", "ADDED", "EXPIRES", "LEFT", "REASON"}};
  for (const q::Entry& e : entries) {
    rows.push_back({one_line(e.test), std::string(q::mode_name(e.mode)), one_line(e.owner),
                    e.added.to_string(), e.expires.to_string(), time_left(e, today), one_line(e.reason)});
  }
  std::array<std::size_t, 6> width{};  // the last column (reason) is not padded
  for (const Row& row : rows) {
    for (std::size_t i = 0; i < width.size(); ++i) width[i] = std::max(width[i], row[i].size());
  }
  const bool colour = detail::use_colour(stdout);
  for (std::size_t r = 0; r < rows.size(); ++r) {
    const Row& row = rows[r];
    const std::string left =
        r == 0 ? fmt::format("{:<{}}", row[5], width[5]) : left_cell(entries[r - 1], today, width[5], colour);
    std::string line =
        fmt::format("{:<{}}  {:<{}}  {:<{}}  {:<{}}  {:<{}}  {}  {}", row[0], width[0], row[1], width[1],
                    row[2], width[2], row[3], width[3], row[4], width[4], left, row[6]);
    while (!line.empty() && line.back() == ' ') line.pop_back();
    fmt::print("{}\n", line);
  }
  const auto expired =
      std::count_if(entries.begin(), entries.end(), [&](const q::Entry& e) { return e.expired(today); });
  fmt::print("\n{} in {}",
             entries.size() == 1 ? std::string("1 entry") : fmt::format("{} entries", entries.size()),
             o.file);
  if (expired > 0) {
    fmt::print(": {} expired and no longer {} (renew or remove {})", expired,
               expired == 1 ? "applies" : "apply", expired == 1 ? "it" : "them");
  }
  fmt::print("\n");
}

int list(const q::LoadResult& loaded, const QuarantineOptions& o, q::Date today) {
  const std::vector<q::Entry>& entries = loaded.file.entries();
  if (o.format == "json") {
    print_json(entries, o, today);
  } else if (entries.empty()) {
    fmt::print("no tests quarantined in {}{}\n", o.file, loaded.missing ? " (no such file)" : "");
  } else {
    print_table(entries, o, today);
  }
  return 0;
}

int add(q::LoadResult& loaded, const QuarantineOptions& o, q::Date today) {
  q::Entry entry{o.test, o.reason, o.owner, today, today.plus_days(o.days), *q::parse_mode(o.mode)};
  if (!o.expires.empty()) {
    entry.expires = *q::Date::parse(o.expires);  // checked by the option's validator
    if (entry.expires <= today) {
      fmt::print(stderr, "testscope: --expires {} must be after today ({})\n", o.expires, today.to_string());
      return 2;
    }
  }
  q::EditResult done = loaded.file.add(entry);
  if (done.ok()) done = loaded.file.save(o.file);
  if (!done.ok()) {
    fmt::print(stderr, "testscope: {}\n", done.error);
    return 2;
  }
  fmt::print("quarantined {} until {} ({}, mode {}) in {}{}\n", entry.test, entry.expires.to_string(),
             days(today.days_until(entry.expires)), q::mode_name(entry.mode), o.file,
             loaded.missing ? " (new file)" : "");
  return 0;
}

int remove(q::LoadResult& loaded, const QuarantineOptions& o, q::Date today) {
  const q::Entry* entry = loaded.file.find(o.test);
  if (entry == nullptr) {
    std::string hint;
    const q::Match m = loaded.file.lookup(o.test, today);
    if (const q::Entry* by = m.entry != nullptr ? m.entry : m.expired; by != nullptr) {
      hint = fmt::format("; it is matched by '{}' at line {}: remove that entry to release it", by->test,
                         by->line);
    }
    fmt::print(stderr, "testscope: {}: no entry for '{}'{}\n", o.file, o.test, hint);
    return 2;
  }
  const int line = entry->line;
  q::EditResult done = loaded.file.remove(o.test);
  if (done.ok()) done = loaded.file.save(o.file);
  if (!done.ok()) {
    fmt::print(stderr, "testscope: {}\n", done.error);
    return 2;
  }
  fmt::print("removed {} (line {}) from {}\n", o.test, line, o.file);
  return 0;
}

}  // namespace

CLI::App* add_quarantine_command(CLI::App& app, QuarantineOptions& o) {
  CLI::App* quarantine = app.add_subcommand("quarantine", "Add, remove or list quarantined tests");
  quarantine->require_subcommand(1);
  quarantine->footer(
      "The file (TOML, testscope-quarantine.toml by default) keeps its comments when edited.\n"
      "Format, matching and expiry: docs/quarantine.md.");
  const auto file_option = [&o](CLI::App* command) {
    command->add_option("--file", o.file, "The quarantine file")->capture_default_str();
  };
  const auto test_option = [&o](CLI::App* command, const std::string& help) {
    command->add_option("test", o.test, help)->required();
  };

  CLI::App* add = quarantine->add_subcommand("add", "Quarantine a test, or the tests a pattern matches");
  test_option(add, "A full test name (Suite.Name) or a pattern with * and ? (Suite.*)");
  add->add_option("--reason", o.reason, "Why (an issue link helps whoever fixes it)")->required();
  add->add_option("--owner", o.owner, "Who fixes it")->required();
  const CLI::Validator date(
      [](std::string& text) {
        return q::Date::parse(text) ? std::string() : "not a date like 2026-12-04: " + text;
      },
      "DATE");
  CLI::Option* expires =
      add->add_option("--expires", o.expires, "The day the entry stops applying (YYYY-MM-DD)")->check(date);
  CLI::Option* days = add->add_option("--days", o.days, "Or: it stops applying this many days from today")
                          ->capture_default_str()
                          ->check(CLI::Range(1, 3650));
  expires->excludes(days);
  add->add_option("--mode", o.mode, "run: runs, its failure does not fail the build; skip: not run")
      ->capture_default_str()
      ->check(CLI::IsMember({"run", "skip"}));
  file_option(add);
  add->callback([&o] { o.action = "add"; });

  CLI::App* remove = quarantine->add_subcommand("remove", "Remove the entry for a test or pattern");
  test_option(remove, "The entry's test, exactly as written in the file");
  file_option(remove);
  remove->callback([&o] { o.action = "remove"; });

  CLI::App* list = quarantine->add_subcommand("list", "Show the entries, their expiry and the days left");
  list->add_option("--format", o.format, "table for people, json for machines")
      ->capture_default_str()
      ->check(CLI::IsMember({"table", "json"}));
  file_option(list);
  list->callback([&o] { o.action = "list"; });
  return quarantine;
}

int quarantine_command(const QuarantineOptions& o) {
  const q::Date today = q::Date::today();
  // add and remove read, change and replace the file: another edit must not come between.
  std::optional<q::EditLock> lock;
  if (o.action != "list") {
    lock.emplace(o.file);
    if (!lock->error().empty()) {
      fmt::print(stderr, "testscope: {}\n", lock->error());
      return 2;
    }
  }
  q::LoadResult loaded = q::load_quarantine(o.file);
  if (!loaded.ok()) {
    for (const q::Diagnostic& d : loaded.errors) fmt::print(stderr, "testscope: {}\n", d.to_string());
    return 2;
  }
  if (o.action == "add") return add(loaded, o, today);
  if (o.action == "remove") {
    if (loaded.missing) {
      fmt::print(stderr, "testscope: {}: no such file\n", o.file);
      return 2;
    }
    return remove(loaded, o, today);
  }
  return list(loaded, o, today);
}

}  // namespace testscope::cli
