// A Prometheus text format 0.0.4 reader for samples; see prom_text.hpp.
#include "analysis/prom_text.hpp"

#include <fmt/format.h>

#include <algorithm>
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

}  // namespace

std::string_view PromSample::label(std::string_view wanted) const {
  for (const auto& [label_name, label_value] : labels) {
    if (label_name == wanted) return label_value;
  }
  return {};
}

PromParse parse_prom_text(std::string_view text) {
  PromParse out;
  int number = 0;
  while (!text.empty()) {
    ++number;
    const std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const std::size_t first = line.find_first_not_of(" \t");
    if (first == std::string_view::npos || line[first] == '#') continue;
    LineReader reader(line, number, first);
    std::optional<PromSample> sample = reader.sample();
    if (!sample) {
      out.samples.clear();
      out.error = reader.error();
      return out;
    }
    out.samples.push_back(std::move(*sample));
  }
  return out;
}

}  // namespace testscope::analysis
