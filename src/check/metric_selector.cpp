// PromQL-style series selectors; see metric_selector.hpp.
#include "check/metric_selector.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace testscope::analysis {
namespace {

bool name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool name_char(char c) { return name_start(c) || (c >= '0' && c <= '9'); }
bool blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

class SelectorReader {
 public:
  explicit SelectorReader(std::string_view text) : text_(text) {}

  SelectorParse read() {
    skip_blanks();
    if (at_ >= text_.size()) return fail("the selector is empty: write a metric name");
    if (peek() == '{') return fail("write the metric name before '{' (e.g. promo_uses_total{status=\"ok\"})");
    MetricSelector s;
    s.metric = name(true);
    if (s.metric.empty()) return fail("expected a metric name (letters, digits, '_' and ':')");
    skip_blanks();
    if (peek() == '{') {
      ++at_;
      for (;;) {
        skip_blanks();
        if (peek() == '}') {
          ++at_;
          break;
        }
        if (!matcher(s)) return out_;
        skip_blanks();
        if (peek() == ',') {
          ++at_;
        } else if (peek() != '}') {
          return fail(at_ >= text_.size() ? "expected '}' to close the label matchers"
                                          : "expected ',' or '}' after a label matcher");
        }
      }
    }
    skip_blanks();
    if (at_ < text_.size()) return fail("unexpected text after the selector");
    out_.selector = std::move(s);
    return out_;
  }

 private:
  char peek() const { return at_ < text_.size() ? text_[at_] : '\0'; }
  void skip_blanks() {
    while (at_ < text_.size() && blank(text_[at_])) ++at_;
  }
  std::string name(bool colons) {
    const std::size_t from = at_;
    if (at_ < text_.size() && (name_start(text_[at_]) || (colons && text_[at_] == ':'))) ++at_;
    if (at_ == from) return "";
    while (at_ < text_.size() && (name_char(text_[at_]) || (colons && text_[at_] == ':'))) ++at_;
    return std::string(text_.substr(from, at_ - from));
  }

  bool matcher(MetricSelector& s) {
    LabelMatcher m;
    m.label = name(false);
    if (m.label.empty()) {
      fail("expected a label name (letters, digits and '_') or '}'");
      return false;
    }
    skip_blanks();
    if (text_.substr(at_, 2) == "=~" || text_.substr(at_, 2) == "!~") {
      fail("regex matchers (=~, !~) are not supported: use = or != (one rule per value)");
      return false;
    }
    if (text_.substr(at_, 2) == "!=") {
      m.equal = false;
      at_ += 2;
    } else if (peek() == '=') {
      ++at_;
    } else {
      fail("expected '=' or '!=' after the label name");
      return false;
    }
    skip_blanks();
    const char quote = peek();
    if (quote != '"' && quote != '\'') {
      fail("expected the label value in quotes (status=\"limit\")");
      return false;
    }
    ++at_;
    for (;;) {
      if (at_ >= text_.size()) {
        fail(fmt::format("the label value has no closing {}", quote));
        return false;
      }
      const char c = text_[at_++];
      if (c == quote) break;
      if (c != '\\') {
        m.value += c;
        continue;
      }
      const char escaped = peek();
      if (escaped == '\\' || escaped == '"' || escaped == '\'') {
        m.value += escaped;
      } else if (escaped == 'n') {
        m.value += '\n';
      } else {
        --at_;
        fail(R"(only \\, \", \' and \n are escapes in a label value)");
        return false;
      }
      ++at_;
    }
    s.matchers.push_back(std::move(m));
    return true;
  }

  SelectorParse fail(std::string message) {
    out_.error = std::move(message);
    out_.offset = std::min(at_, text_.size());
    return out_;
  }

  std::string_view text_;
  std::size_t at_ = 0;
  SelectorParse out_;
};

std::string escaped(std::string_view value) {
  std::string out;
  for (const char c : value) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

}  // namespace

bool MetricSelector::matches(const PromSample& sample) const {
  if (sample.name != metric) return false;
  return std::all_of(matchers.begin(), matchers.end(),
                     [&](const LabelMatcher& m) { return (sample.label(m.label) == m.value) == m.equal; });
}

std::string MetricSelector::to_string() const {
  if (matchers.empty()) return metric;
  std::string out = metric + "{";
  for (std::size_t i = 0; i < matchers.size(); ++i) {
    const LabelMatcher& m = matchers[i];
    out += fmt::format("{}{}{}\"{}\"", i == 0 ? "" : ",", m.label, m.equal ? "=" : "!=", escaped(m.value));
  }
  return out + "}";
}

SelectorParse parse_metric_selector(std::string_view text) { return SelectorReader(text).read(); }

}  // namespace testscope::analysis
