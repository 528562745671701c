// Putting text into HTML safely: escaping for element content and attribute values, JSON
// that may sit inside a <script> element, and filling the page template. Pure functions,
// thread-safe; they never throw except std::bad_alloc.
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace testscope::html_report {

// `text` with & < > " ' replaced by character references: safe as element content and as a
// quoted attribute value. Bytes that are not valid UTF-8 pass through (the browser shows
// U+FFFD for them); they cannot start markup.
std::string escape_html(std::string_view text);

// Serialized JSON made safe to sit between <script type="application/json"> and
// </script>: every <, > and & becomes \u003c, \u003e or \u0026 (outside strings JSON has
// none of them; inside, the escape means the same character), so no "</script>" or "<!--"
// can appear. Serialize with nlohmann's error_handler_t::replace so that invalid UTF-8
// becomes U+FFFD instead of an exception.
std::string escape_json_for_script(std::string_view json_text);

// `page` with every `{{name}}` whose name is a key of `fields` replaced by its value. The
// values are inserted as they are (escape them first) and never scanned for markers
// themselves; unknown markers stay.
std::string fill_template(std::string_view page, const std::map<std::string_view, std::string>& fields);

}  // namespace testscope::html_report
