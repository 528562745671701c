// Escaping for the HTML report; see html_text.hpp.
#include "report/html_text.hpp"

namespace testscope::html_report {

std::string escape_html(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string escape_json_for_script(std::string_view json_text) {
  std::string out;
  out.reserve(json_text.size() + json_text.size() / 16);
  for (const char c : json_text) {
    switch (c) {
      case '<':
        out += "\\u003c";
        break;
      case '>':
        out += "\\u003e";
        break;
      case '&':
        out += "\\u0026";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string fill_template(std::string_view page, const std::map<std::string_view, std::string>& fields) {
  std::string out;
  out.reserve(page.size());
  std::size_t at = 0;
  while (at < page.size()) {
    const std::size_t open = page.find("{{", at);
    if (open == std::string_view::npos) break;
    const std::size_t close = page.find("}}", open + 2);
    if (close == std::string_view::npos) break;
    const auto field = fields.find(page.substr(open + 2, close - open - 2));
    if (field == fields.end()) {
      out.append(page.substr(at, open + 2 - at));  // not ours: keep "{{" and scan on after it
      at = open + 2;
      continue;
    }
    out.append(page.substr(at, open - at));
    out += field->second;
    at = close + 2;
  }
  out.append(page.substr(at));
  return out;
}

}  // namespace testscope::html_report
