// A Prometheus text format 0.0.4 reader for samples; see prom_text.hpp.
#include "analysis/prom_text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>

namespace testscope::analysis {
namespace {

bool name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool name_char(char c) { return name_start(c) || (c >= '0' && c <= '9'); }

// A float as Prometheus writes and reads it (Go's ParseFloat): decimal or exponent form,
// `NaN`, `+Inf`, `-Inf` (any case, `Infinity` too). nullopt for anything else.
std::optional<double> parse_float(std::string_view text) {
  if (text.empty()) return std::nullopt;
  const bool plus = text.front() == '+';
  if (plus) text.remove_prefix(1);
  if (text.empty() || text.front() == '+' || (plus && text.front() == '-')) return std::nullopt;
  double value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error == std::errc::result_out_of_range) {
    // A finite literal too large or too small for a double: Go gives +-Inf or 0, so do we.
    const bool negative = text.front() == '-';
    const auto e = text.find_first_of("eE");
    const bool tiny = e != std::string_view::npos && e + 1 < text.size() && text[e + 1] == '-';
    if (tiny) return negative ? -0.0 : 0.0;
    return negative ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
  }
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// Reads one sample line.
class LineReader {
 public:
  // `start`: the first byte that is not a blank.
  LineReader(std::string_view line, int number, std::size_t start)
      : line_(line), number_(number), at_(start) {}

  // The sample, or nullopt with error() set.
  std::optional<PromSample> sample() {
    PromSample s;
    s.line = number_;
    s.name = name(true);
    if (s.name.empty()) return fail("expected a metric name");
    const std::size_t after_name = at_;
    skip_blanks();
    if (peek() == '{') {
      if (!labels(s)) return std::nullopt;
      if (!blank(peek())) return fail("expected a space before the value");
      skip_blanks();
    } else if (at_ == after_name) {
      return fail("expected a space before the value");
    }
    const std::size_t value_at = at_;
    const std::string_view value = token();
    if (value.empty()) return fail("expected a value after the name");
    const std::optional<double> parsed = parse_float(value);
    if (!parsed) return fail_at(value_at, fmt::format("'{}' is not a number", shorten(value)));
    s.value = *parsed;
    skip_blanks();
    if (at_ < line_.size()) {
      const std::size_t timestamp_at = at_;
      const std::string_view timestamp = token();
      std::int64_t ms = 0;
      const auto [end, error] = std::from_chars(timestamp.data(), timestamp.data() + timestamp.size(), ms);
      if (error != std::errc() || end != timestamp.data() + timestamp.size()) {
        return fail_at(timestamp_at,
                       fmt::format("'{}' is not a timestamp (milliseconds, an integer)", shorten(timestamp)));
      }
      skip_blanks();
      if (at_ < line_.size()) return fail("unexpected text after the timestamp");
    }
    return s;
  }

  const std::string& error() const { return error_; }

 private:
  char peek() const { return at_ < line_.size() ? line_[at_] : '\0'; }
  static bool blank(char c) { return c == ' ' || c == '\t'; }
  void skip_blanks() {
    while (at_ < line_.size() && blank(line_[at_])) ++at_;
  }
  std::string_view token() {
    const std::size_t from = at_;
    while (at_ < line_.size() && !blank(line_[at_])) ++at_;
    return line_.substr(from, at_ - from);
  }
  static std::string shorten(std::string_view text) {
    return text.size() > 40 ? std::string(text.substr(0, 40)) + "..." : std::string(text);
  }

  // A metric name (letters, digits, '_' and, when `colons`, ':'), or "".
  std::string name(bool colons) {
    const std::size_t from = at_;
    if (at_ < line_.size() && (name_start(line_[at_]) || (colons && line_[at_] == ':'))) ++at_;
    if (at_ == from) return "";
    while (at_ < line_.size() && (name_char(line_[at_]) || (colons && line_[at_] == ':'))) ++at_;
    return std::string(line_.substr(from, at_ - from));
  }

  // The rest of a label value after its opening quote, escapes decoded; nullopt with error()
  // set.
  std::optional<std::string> label_value() {
    std::string value;
    for (;;) {
      if (at_ >= line_.size()) return fail("the label value has no closing '\"'");
      const char c = line_[at_++];
      if (c == '"') return value;
      if (c != '\\') {
        value += c;
        continue;
      }
      const char escaped = peek();
      if (escaped == '\\' || escaped == '"') {
        value += escaped;
      } else if (escaped == 'n') {
        value += '\n';
      } else {
        --at_;
        return fail(R"(only \\, \" and \n are escapes in a label value)");
      }
      ++at_;
    }
  }

  // `{name="value",...}` into s.labels; false with error() set.
  bool labels(PromSample& s) {
    ++at_;  // '{'
    for (;;) {
      skip_blanks();
      if (peek() == '}') {
        ++at_;
        return true;
      }
      const std::size_t name_at = at_;
      std::string label = name(false);
      if (label.empty()) return fail_bool("expected a label name or '}'");
      if (std::any_of(s.labels.begin(), s.labels.end(), [&](const auto& l) { return l.first == label; })) {
        return fail_bool_at(name_at, fmt::format("label '{}' is given twice", label));
      }
      skip_blanks();
      if (peek() != '=') return fail_bool("expected '=' after the label name");
      ++at_;
      skip_blanks();
      if (peek() != '"') return fail_bool("expected '\"' to start the label value");
      ++at_;
      std::optional<std::string> value = label_value();
      if (!value) return false;
      s.labels.emplace_back(std::move(label), std::move(*value));
      skip_blanks();
      if (peek() == ',') {
        ++at_;
      } else if (peek() != '}') {
        return fail_bool("expected ',' or '}' after the label value");
      }
    }
  }

  std::nullopt_t fail(std::string message) { return fail_at(at_, std::move(message)); }
  std::nullopt_t fail_at(std::size_t at, std::string message) {
    error_ = fmt::format("line {}, column {}: {}", number_, at + 1, message);
    return std::nullopt;
  }
  bool fail_bool(std::string message) { return fail_bool_at(at_, std::move(message)); }
  bool fail_bool_at(std::size_t at, std::string message) {
    fail_at(at, std::move(message));
    return false;
  }

  std::string_view line_;
  int number_;
  std::size_t at_;
  std::string error_;
};

bool metric_name(std::string_view text) {
  if (text.empty() || !(name_start(text.front()) || text.front() == ':')) return false;
  return std::all_of(text.begin(), text.end(), [](char c) { return name_char(c) || c == ':'; });
}

// A `# TYPE name type` or `# HELP name text` line, split. Plain data.
struct Directive {
  std::string_view keyword;  // "TYPE" or "HELP"
  std::string_view name;
  std::size_t name_at = 0;  // 0-based columns
  std::string_view rest;    // the type, or the help text (trailing blanks kept)
  std::size_t rest_at = 0;
};

// The directive a comment line holds; nullopt for any other comment. `first`: the '#'.
std::optional<Directive> directive(std::string_view line, std::size_t first) {
  auto blank = [](char c) { return c == ' ' || c == '\t'; };
  std::size_t at = first + 1;
  auto skip_blanks = [&] {
    while (at < line.size() && blank(line[at])) ++at;
  };
  auto token = [&] {
    const std::size_t from = at;
    while (at < line.size() && !blank(line[at])) ++at;
    return line.substr(from, at - from);
  };
  skip_blanks();
  Directive d;
  d.keyword = token();
  if ((d.keyword != "TYPE" && d.keyword != "HELP") || at >= line.size()) return std::nullopt;
  skip_blanks();
  d.name_at = at;
  d.name = token();
  skip_blanks();
  d.rest_at = at;
  d.rest = line.substr(at);
  return d;
}

// HELP text with its escapes (\\ and \n) decoded; other backslashes are kept.
std::string help_text(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size() && (text[i + 1] == '\\' || text[i + 1] == 'n')) {
      out += text[++i] == 'n' ? '\n' : '\\';
    } else {
      out += text[i];
    }
  }
  return out;
}

// Applies one TYPE or HELP line to `out`; false with out.error set for a bad TYPE line.
bool apply_directive(const Directive& d, int number, PromParse& out,
                     std::vector<std::pair<std::string, std::string>>& helps) {
  auto fail = [&](std::size_t at, const std::string& message) {
    out.error = fmt::format("line {}, column {}: {}", number, at + 1, message);
    return false;
  };
  if (d.keyword == "HELP") {
    if (metric_name(d.name)) helps.emplace_back(std::string(d.name), help_text(d.rest));
    return true;
  }
  if (!metric_name(d.name)) return fail(d.name_at, "expected a metric name after '# TYPE'");
  std::string_view type = d.rest;
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.remove_suffix(1);
  static constexpr std::array<std::string_view, 5> kTypes = {"counter", "gauge", "histogram", "summary",
                                                             "untyped"};
  if (std::find(kTypes.begin(), kTypes.end(), type) == kTypes.end()) {
    return fail(d.rest_at,
                fmt::format("'{}' is not a metric type (counter, gauge, histogram, summary, untyped)",
                            type.substr(0, 40)));
  }
  for (const PromFamily& family : out.families) {
    if (family.name == d.name) {
      return fail(d.name_at, fmt::format("'{}' is typed twice (first on line {})", d.name, family.line));
    }
  }
  PromFamily family;
  family.name = std::string(d.name);
  family.type = std::string(type);
  family.line = number;
  out.families.push_back(std::move(family));
  return true;
}

}  // namespace

const PromFamily* PromParse::family_of(std::string_view sample_name) const {
  for (const PromFamily& family : families) {
    if (family.name == sample_name) return &family;
  }
  for (const std::string_view suffix : {"_bucket", "_sum", "_count"}) {
    if (sample_name.size() <= suffix.size() || !sample_name.ends_with(suffix)) continue;
    const std::string_view base = sample_name.substr(0, sample_name.size() - suffix.size());
    for (const PromFamily& family : families) {
      if (family.name != base) continue;
      if (family.type == "histogram" || (family.type == "summary" && suffix != "_bucket")) return &family;
    }
  }
  return nullptr;
}

std::string_view PromSample::label(std::string_view wanted) const {
  for (const auto& [label_name, label_value] : labels) {
    if (label_name == wanted) return label_value;
  }
  return {};
}

PromParse parse_prom_text(std::string_view text) {
  PromParse out;
  std::vector<std::pair<std::string, std::string>> helps;  // name, text
  int number = 0;
  while (!text.empty()) {
    ++number;
    const std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const std::size_t first = line.find_first_not_of(" \t");
    if (first == std::string_view::npos) continue;
    if (line[first] == '#') {
      const std::optional<Directive> d = directive(line, first);
      if (d && !apply_directive(*d, number, out, helps)) {
        out.samples.clear();
        out.families.clear();
        return out;
      }
      continue;
    }
    LineReader reader(line, number, first);
    std::optional<PromSample> sample = reader.sample();
    if (!sample) {
      out.samples.clear();
      out.families.clear();
      out.error = reader.error();
      return out;
    }
    out.samples.push_back(std::move(*sample));
  }
  for (PromFamily& family : out.families) {
    for (const auto& [name, help] : helps) {
      if (name == family.name) family.help = help;
    }
  }
  return out;
}

}  // namespace testscope::analysis
