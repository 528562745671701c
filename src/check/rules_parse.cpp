// Reading a rules file: toml++ parses the TOML, this file checks it is [[rule]] blocks and a
// [guards] table and reports every problem with its position (rules.hpp, docs/rules.md).
#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <fstream>
#include <initializer_list>
#include <map>
#include <span>
#include <sstream>
#include <system_error>
#include <utility>

#include "check/rules.hpp"
#include "quarantine/toml_guard.hpp"  // the toml++ 3.3 workaround the quarantine file uses too
#include "quarantine/toml_messages.hpp"

namespace testscope::analysis {
namespace {

using quarantine::detail::a_type;
using quarantine::detail::in_quotes;

namespace guard = testscope::quarantine::detail;

using Keys = std::span<const std::string_view>;
using Choices = std::initializer_list<std::string_view>;
constexpr std::array<std::string_view, 11> kCommonKeys = {
    "name",           "kind",   "severity", "description",  "tests", "exclude",
    "min_executions", "action", "owner",    "expires_days", "mode"};
constexpr std::array<std::string_view, 2> kVerdictKeys = {"verdicts", "failure_rate_above"};
constexpr std::array<std::string_view, 5> kMetricKeys = {"metric", "aggregate", "above",
                                                         "above_baseline_factor", "above_baseline_by"};
constexpr std::array<std::string_view, 4> kDurationKeys = {"percentile", "above_ms", "above_baseline_factor",
                                                           "above_baseline_by_ms"};
constexpr std::array<std::string_view, 2> kGuardKeys = {"min_executions", "mass_failure_fraction"};
constexpr std::array<std::string_view, 2> kTopKeys = {"rule", "guards"};
// The verdicts a rule may fire on (passed and skipped are nothing to alert on).
constexpr std::array<analysis::Verdict, 4> kRuleVerdicts = {
    analysis::Verdict::kFlaky, analysis::Verdict::kFailed, analysis::Verdict::kCrashed,
    analysis::Verdict::kTimedOut};

template <typename List>
bool contains(const List& keys, std::string_view key) {
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

std::string suggestion(std::string_view word, std::initializer_list<Keys> known) {
  return quarantine::detail::did_you_mean(word, known);
}

// "1%" or "0.5 %" as a fraction (0.01, 0.005); nullopt for anything else.
std::optional<double> parse_percent(std::string_view text) {
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  if (text.empty() || text.back() != '%') return std::nullopt;
  text.remove_suffix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  double value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value / 100;
}

bool blank(std::string_view text) { return text.find_first_not_of(" \t\r\n") == std::string_view::npos; }

bool good_rule_name(std::string_view name) {
  return !name.empty() && name.size() <= 100 && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.';
  });
}

// Why `glob` cannot select tests, or "".
std::string glob_problem(std::string_view glob) {
  if (glob.empty()) return "it is empty";
  for (const char c : glob) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) return "test names hold no spaces or control characters";
  }
  return "";
}

std::optional<RuleKind> parse_kind(std::string_view name) {
  if (name == "verdict") return RuleKind::kVerdict;
  if (name == "metric") return RuleKind::kMetric;
  if (name == "duration") return RuleKind::kDuration;
  return std::nullopt;
}

Keys kind_keys(RuleKind kind) {
  switch (kind) {
    case RuleKind::kVerdict:
      return kVerdictKeys;
    case RuleKind::kMetric:
      return kMetricKeys;
    case RuleKind::kDuration:
      return kDurationKeys;
  }
  return {};
}

// Collects the problems of one file.
class Checker {
 public:
  Checker(std::string file, std::string_view original, bool shielded)
      : file_(std::move(file)), original_(original), shielded_(shielded) {}

  void error(const toml::source_position& at, std::string message) {
    errors_.push_back({file_, static_cast<int>(at.line), static_cast<int>(at.column), std::move(message)});
  }
  void error(const toml::node& at, std::string message) { error(at.source().begin, std::move(message)); }

  // A string toml++ read from `where`, with the characters the toml++ workaround replaced
  // put back; nullopt when that cannot be told (toml_guard.hpp).
  std::optional<std::string> original(std::string_view parsed, const toml::source_region& where) const {
    if (!shielded_) return std::string(parsed);
    return guard::unshield(std::string(parsed), original_, {where.begin.line, where.begin.column},
                           {where.end.line, where.end.column});
  }
  std::string shown(std::string_view parsed, const toml::source_region& where) const {
    return in_quotes(original(parsed, where).value_or(std::string(parsed)));
  }

  // The string `node` holds, or nullopt after reporting why it is not one.
  std::optional<std::string> text(const toml::node& node, std::string_view key) {
    if (!node.is_string()) {
      error(node, fmt::format("'{}' must be a string (in quotes), not {}", key, a_type(node)));
      return std::nullopt;
    }
    std::optional<std::string> out = original(node.ref<std::string>(), node.source());
    if (!out) {
      error(node, fmt::format("'{}' mixes U+0530 or U+FFF0 with characters toml++ 3.3 mishandles; testscope "
                              "cannot read that safely",
                              key));
    }
    return out;
  }

  // The string at `key` of `table` if it is one of `allowed` (exactly); nullopt after
  // reporting otherwise, or when absent (reported only if `required`).
  std::optional<std::string> choice(const toml::table& table, std::string_view key, Choices allowed,
                                    bool required) {
    const toml::node* node = table.get(key);
    if (node == nullptr) {
      if (required) missing(table, key);
      return std::nullopt;
    }
    std::string list;
    for (const std::string_view a : allowed) list += fmt::format("{}\"{}\"", list.empty() ? "" : ", ", a);
    if (node->is_string() && contains(allowed, node->ref<std::string>())) return node->ref<std::string>();
    error(*node,
          fmt::format("'{}' must be one of {}, not {}", key, list,
                      node->is_string() ? shown(node->ref<std::string>(), node->source()) : a_type(*node)));
    return std::nullopt;
  }

  // An integer in [low, high] at `key`, into `out`; reports a wrong type or range.
  void integer(const toml::table& table, std::string_view key, std::int64_t low, std::int64_t high,
               int& out) {
    const toml::node* node = table.get(key);
    if (node == nullptr) return;
    if (!node->is_integer()) {
      error(*node, fmt::format("'{}' must be a whole number, not {}", key, a_type(*node)));
    } else if (const std::int64_t v = node->ref<std::int64_t>(); v < low || v > high) {
      error(*node, fmt::format("'{}' must be from {} to {}, not {}", key, low, high, v));
    } else {
      out = static_cast<int>(v);
    }
  }

  // A finite number at `key` (an integer or a float), at least `low` (or above it when
  // `strict`); nullopt when absent or after reporting why it is not one.
  std::optional<double> number(const toml::table& table, std::string_view key, double low, bool strict,
                               std::string_view unit = "") {
    const toml::node* node = table.get(key);
    if (node == nullptr) return std::nullopt;
    double v = 0;
    if (node->is_integer()) {
      v = static_cast<double>(node->ref<std::int64_t>());
    } else if (node->is_floating_point()) {
      v = node->ref<double>();
    } else {
      error(*node, fmt::format("'{}' must be a number{}, not {}", key, unit, a_type(*node)));
      return std::nullopt;
    }
    if (!std::isfinite(v)) {
      error(*node, fmt::format("'{}' must be a finite number", key));
      return std::nullopt;
    }
    if (strict ? v <= low : v < low) {
      error(*node, fmt::format("'{}' must be {} {}, not {}", key, strict ? "above" : "at least", low, v));
      return std::nullopt;
    }
    return v;
  }

  // A fraction at `key`: a number in [0, 1], or a percentage string "1%" / "0.5 %". Values
  // of 1 are accepted only when `one_allowed`.
  std::optional<double> fraction(const toml::table& table, std::string_view key, bool one_allowed,
                                 bool zero_allowed) {
    const toml::node* node = table.get(key);
    if (node == nullptr) return std::nullopt;
    double v = 0;
    bool percent = false;
    if (node->is_integer()) {
      v = static_cast<double>(node->ref<std::int64_t>());
    } else if (node->is_floating_point()) {
      v = node->ref<double>();
    } else if (node->is_string()) {
      const std::optional<double> parsed = parse_percent(node->ref<std::string>());
      if (!parsed) {
        error(*node, fmt::format("'{}' must be a fraction (0.01) or a percentage (\"1%\"), not {}", key,
                                 shown(node->ref<std::string>(), node->source())));
        return std::nullopt;
      }
      v = *parsed;
      percent = true;
    } else {
      error(*node, fmt::format("'{}' must be a fraction (0.01) or a percentage (\"1%\"), not {}", key,
                               a_type(*node)));
      return std::nullopt;
    }
    const bool too_high = one_allowed ? v > 1 : v >= 1;
    if (!std::isfinite(v) || v < 0 || too_high || (!zero_allowed && v == 0)) {
      error(*node, fmt::format("'{}' must be a fraction {} 0 {} 1{}, not {}", key,
                               zero_allowed ? "from" : "above", one_allowed ? "to" : "and below",
                               percent ? "" : " (write 0.01 or \"1%\" for one per cent)",
                               percent ? node->ref<std::string>() : fmt::format("{}", v)));
      return std::nullopt;
    }
    return v;
  }

  // Globs at `key`: a string or an array of strings.
  std::vector<std::string> globs(const toml::table& table, std::string_view key) {
    std::vector<std::string> out;
    const toml::node* node = table.get(key);
    if (node == nullptr) return out;
    const auto one = [&](const toml::node& item) {
      if (!item.is_string()) {
        error(item,
              fmt::format("'{}' must hold test names or patterns in quotes, not {}", key, a_type(item)));
        return;
      }
      std::optional<std::string> glob = text(item, key);
      if (!glob) return;
      if (const std::string problem = glob_problem(*glob); !problem.empty()) {
        error(item, fmt::format("bad test pattern {} in '{}': {}", in_quotes(*glob), key, problem));
        return;
      }
      out.push_back(std::move(*glob));
    };
    if (const toml::array* list = node->as_array(); list != nullptr) {
      if (list->empty()) error(*node, fmt::format("'{}' is empty: leave it out, or list patterns", key));
      for (const toml::node& item : *list) one(item);
    } else {
      one(*node);
    }
    return out;
  }

  void missing(const toml::table& table, std::string_view key, std::string_view what = "[[rule]]") {
    error(table, fmt::format("this {} has no '{}'", what, key));
  }

  std::vector<RulesDiagnostic> take_errors() {
    std::stable_sort(errors_.begin(), errors_.end(), [](const RulesDiagnostic& a, const RulesDiagnostic& b) {
      return std::pair{a.line, a.column} < std::pair{b.line, b.column};
    });
    return std::move(errors_);
  }
  bool has_errors() const { return !errors_.empty(); }
  std::size_t error_count() const { return errors_.size(); }

 private:
  std::string file_;
  std::string_view original_;
  bool shielded_ = false;
  std::vector<RulesDiagnostic> errors_;
};

// Checks the keys of a [[rule]] table against its kind.
void check_keys(Checker& check, const toml::table& table, std::optional<RuleKind> kind) {
  for (const auto& [key, value] : table) {
    const std::string_view k = key.str();
    if (contains(kCommonKeys, k)) continue;
    if (kind && contains(kind_keys(*kind), k)) continue;
    std::string_view owner_kind;
    for (const RuleKind other : {RuleKind::kVerdict, RuleKind::kMetric, RuleKind::kDuration}) {
      if (contains(kind_keys(other), k)) owner_kind = rule_kind_name(other);
    }
    if (!kind && !owner_kind.empty()) continue;  // the kind itself is wrong: said already
    if (!owner_kind.empty()) {
      check.error(key.source().begin, fmt::format("'{}' is a key of {} rules, not of a {} rule", k,
                                                  owner_kind, rule_kind_name(*kind)));
    } else {
      const Keys own = kind ? kind_keys(*kind) : Keys();
      check.error(key.source().begin,
                  fmt::format("unknown key {} in a [[rule]]{}", check.shown(k, key.source()),
                              suggestion(k, {kCommonKeys, own})));
    }
  }
}

// The action keys: action, owner, expires_days, mode.
void read_action(Checker& check, const toml::table& table, Rule& rule) {
  const std::optional<std::string> action = check.choice(table, "action", {"report", "quarantine"}, false);
  if (action != "quarantine") {
    if (action || table.get("action") == nullptr) {
      for (const std::string_view key : {"owner", "expires_days", "mode"}) {
        if (const toml::node* node = table.get(key); node != nullptr) {
          check.error(*node, fmt::format("'{}' applies only to action = \"quarantine\"", key));
        }
      }
    }
    return;
  }
  QuarantineAction q;
  if (const toml::node* owner = table.get("owner"); owner == nullptr) {
    check.error(*table.get("action"), "action = \"quarantine\" needs an 'owner' (who fixes the test)");
  } else if (std::optional<std::string> text = check.text(*owner, "owner"); text) {
    if (blank(*text)) check.error(*owner, "'owner' must not be empty");
    q.owner = std::move(*text);
  }
  check.integer(table, "expires_days", 1, 3650, q.expires_days);
  if (const std::optional<std::string> mode = check.choice(table, "mode", {"run", "skip"}, false); mode) {
    q.mode = *quarantine::parse_mode(*mode);
  }
  rule.quarantine = std::move(q);
}

// The conditions of a metric or duration rule; `scale` turns the file's unit into ours.
void read_thresholds(Checker& check, const toml::table& table, Rule& rule, std::string_view above_key,
                     std::string_view by_key, double scale, std::string_view unit) {
  Thresholds& t = rule.thresholds;
  const std::size_t errors_before = check.error_count();
  t.above = check.number(table, above_key, rule.kind == RuleKind::kDuration ? 0 : -1e300, false, unit);
  t.baseline_factor = check.number(table, "above_baseline_factor", 0, true);
  t.baseline_by = check.number(table, by_key, 0, false, unit);
  if (t.above) *t.above *= scale;
  if (t.baseline_by) *t.baseline_by *= scale;
  if (!t.above && !t.baseline_factor && !t.baseline_by && check.error_count() == errors_before) {
    check.error(table,
                fmt::format("this {} rule has no condition: give '{}', 'above_baseline_factor' or '{}'",
                            rule_kind_name(rule.kind), above_key, by_key));
  }
}

void read_verdict_keys(Checker& check, const toml::table& table, Rule& rule) {
  if (const toml::node* node = table.get("verdicts"); node != nullptr) {
    std::vector<analysis::Verdict> verdicts;
    const auto one = [&](const toml::node& item) {
      const auto verdict = item.is_string() ? analysis::parse_verdict(item.ref<std::string>()) : std::nullopt;
      if (verdict && std::find(kRuleVerdicts.begin(), kRuleVerdicts.end(), *verdict) != kRuleVerdicts.end()) {
        verdicts.push_back(*verdict);
        return;
      }
      check.error(item, fmt::format(R"('verdicts' holds "flaky", "failed", "crashed" or "timed out", not {})",
                                    item.is_string() ? check.shown(item.ref<std::string>(), item.source())
                                                     : a_type(item)));
    };
    if (const toml::array* list = node->as_array(); list != nullptr) {
      if (list->empty()) check.error(*node, R"('verdicts' is empty: leave it out for ["flaky"])");
      for (const toml::node& item : *list) one(item);
    } else {
      one(*node);
    }
    if (!verdicts.empty()) rule.verdicts = std::move(verdicts);
  }
  rule.failure_rate_above = check.fraction(table, "failure_rate_above", false, true).value_or(0);
}

void read_metric_keys(Checker& check, const toml::table& table, Rule& rule) {
  if (const toml::node* node = table.get("metric"); node == nullptr) {
    check.missing(table, "metric");
  } else if (std::optional<std::string> text = check.text(*node, "metric"); text) {
    const SelectorParse parsed = parse_metric_selector(*text);
    if (parsed.selector) {
      rule.metric = *parsed.selector;
    } else {
      check.error(*node, fmt::format("bad metric selector {}: {} (at character {})", in_quotes(*text),
                                     parsed.error, parsed.offset + 1));
    }
  }
  if (const auto aggregate = check.choice(table, "aggregate", {"max", "mean"}, false); aggregate) {
    rule.aggregate = *aggregate == "mean" ? Aggregate::kMean : Aggregate::kMax;
  }
  read_thresholds(check, table, rule, "above", "above_baseline_by", 1, "");
}

void read_kind_keys(Checker& check, const toml::table& table, Rule& rule) {
  switch (rule.kind) {
    case RuleKind::kVerdict:
      read_verdict_keys(check, table, rule);
      return;
    case RuleKind::kMetric:
      read_metric_keys(check, table, rule);
      return;
    case RuleKind::kDuration:
      check.integer(table, "percentile", 1, 100, rule.percentile);
      read_thresholds(check, table, rule, "above_ms", "above_baseline_by_ms", 1e6, " of milliseconds");
      return;
  }
}

// The rule in `table`, or nullopt after reporting why it is not one.
std::optional<Rule> read_rule(Checker& check, const toml::table& table) {
  const std::size_t errors_before = check.error_count();
  Rule rule;
  rule.line = static_cast<int>(table.source().begin.line);
  std::optional<RuleKind> kind;
  if (const auto name = check.choice(table, "kind", {"verdict", "metric", "duration"}, true); name) {
    kind = parse_kind(*name);
  }
  check_keys(check, table, kind);
  if (const toml::node* node = table.get("name"); node == nullptr) {
    check.missing(table, "name");
  } else if (std::optional<std::string> name = check.text(*node, "name"); name) {
    if (!good_rule_name(*name)) {
      check.error(*node, fmt::format("bad rule name {}: use letters, digits, '-', '_' and '.' (at most 100)",
                                     in_quotes(*name)));
    }
    rule.name = std::move(*name);
  }
  if (const auto severity = check.choice(table, "severity", {"warning", "error"}, true); severity) {
    rule.severity = *severity == "error" ? Severity::kError : Severity::kWarning;
  }
  if (const toml::node* node = table.get("description"); node != nullptr) {
    rule.description = check.text(*node, "description").value_or("");
  }
  rule.tests = check.globs(table, "tests");
  rule.exclude = check.globs(table, "exclude");
  check.integer(table, "min_executions", 1, 1000000, rule.min_executions);
  read_action(check, table, rule);
  if (kind) {
    rule.kind = *kind;
    read_kind_keys(check, table, rule);
  }
  if (check.error_count() != errors_before) return std::nullopt;
  return rule;
}

void read_guards(Checker& check, const toml::node& node, Guards& guards) {
  const toml::table* table = node.as_table();
  if (table == nullptr) {
    check.error(node,
                fmt::format("'guards' must be a table ([guards] on its own line), not {}",
                            node.is_array() ? "an array: write [guards] with one bracket" : a_type(node)));
    return;
  }
  for (const auto& [key, value] : *table) {
    if (!contains(kGuardKeys, key.str())) {
      check.error(key.source().begin,
                  fmt::format("unknown key {} in [guards]{}", check.shown(key.str(), key.source()),
                              suggestion(key.str(), {kGuardKeys})));
    }
  }
  check.integer(*table, "min_executions", 1, 1000000, guards.min_executions);
  guards.mass_failure_fraction =
      check.fraction(*table, "mass_failure_fraction", true, false).value_or(guards.mass_failure_fraction);
}

// The [[rule]] blocks of `root` into `out`; `text` is the file's, for the empty-file message.
void read_rules(Checker& check, const toml::table& root, std::string_view text, std::vector<Rule>& out) {
  const toml::node* list = root.get("rule");
  const toml::array* blocks = list != nullptr ? list->as_array() : nullptr;
  if (list != nullptr && (blocks == nullptr || blocks->empty())) {
    check.error(*list, "write each rule as a [[rule]] block (two brackets)");
    return;
  }
  if (list == nullptr) {
    if (!check.has_errors()) {
      check.error(toml::source_position{1, 1},
                  blank(text)
                      ? "no rules: the file is empty; write at least one [[rule]] block (docs/rules.md)"
                      : "no rules: write at least one [[rule]] block (docs/rules.md)");
    }
    return;
  }
  std::map<std::string, int, std::less<>> seen;  // name -> line of its rule
  for (const toml::node& node : *blocks) {
    const toml::table* table = node.as_table();
    if (table == nullptr) {
      check.error(node, fmt::format("a rule must be a table ([[rule]] block), not {}", a_type(node)));
      continue;
    }
    std::optional<Rule> rule = read_rule(check, *table);
    if (!rule) continue;
    if (const auto [at, fresh] = seen.emplace(rule->name, rule->line); !fresh) {
      check.error(*table->get("name"),
                  fmt::format("rule {} is already defined at line {}", in_quotes(rule->name), at->second));
      continue;
    }
    out.push_back(std::move(*rule));
  }
}

}  // namespace

std::string RulesDiagnostic::to_string() const {
  if (line == 0) return fmt::format("{}: {}", file, message);
  if (column == 0) return fmt::format("{}:{}: {}", file, line, message);
  return fmt::format("{}:{}:{}: {}", file, line, column, message);
}

RulesParseResult parse_rules(std::string_view text, const std::string& file_name) {
  RulesParseResult result;
  result.rules.file = file_name;
  const std::optional<std::string> shielded = guard::shield_from_toml_bug(text);
  toml::table root;
  try {
    root = toml::parse(shielded ? std::string_view(*shielded) : text, std::string_view(file_name));
  } catch (const toml::parse_error& e) {
    const auto at = e.source().begin;
    std::string message = fmt::format("not valid TOML: {}", e.description());
    if (shielded) {
      message =
          guard::unshield(message, text, {at.line, at.column}, {at.line, at.column + 1}).value_or(message);
    }
    result.errors.push_back(
        {file_name, static_cast<int>(at.line), static_cast<int>(at.column), std::move(message)});
    return result;
  }
  Checker check(file_name, text, shielded.has_value());
  for (const auto& [key, value] : root) {
    if (key.str() != "rule" && key.str() != "guards") {
      check.error(key.source().begin,
                  fmt::format("unknown key {}: a rules file holds [[rule]] blocks and a [guards] table{}",
                              check.shown(key.str(), key.source()), suggestion(key.str(), {kTopKeys})));
    }
  }
  RuleSet& rules = result.rules;
  if (const toml::node* guards = root.get("guards"); guards != nullptr) {
    read_guards(check, *guards, rules.guards);
  }
  read_rules(check, root, text, rules.rules);
  result.errors = check.take_errors();
  if (!result.errors.empty()) rules.rules.clear();
  return result;
}

RulesParseResult load_rules(const std::filesystem::path& path) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  std::string why;
  std::stringstream text;
  if (status.type() == std::filesystem::file_type::not_found) {
    why = "no such file";
  } else if (ec) {
    why = ec.message();
  } else if (std::filesystem::is_directory(status)) {
    why = "is a directory, not a rules file";
  } else {
    std::ifstream in(path, std::ios::binary);
    if (in) text << in.rdbuf();
    if (!in) why = "cannot be read";
  }
  if (!why.empty()) {
    RulesParseResult result;
    result.rules.file = path.string();
    result.errors.push_back({path.string(), 0, 0, why});
    return result;
  }
  return parse_rules(text.str(), path.string());
}

}  // namespace testscope::analysis
