# cmake -DINPUT=report.html.in -DOUTPUT=report_template.hpp -P embed_template.cmake
# Writes a header holding INPUT's bytes as one string literal of \x escapes (every byte
# escaped, so the text needs no C++ quoting and no escape can run into the next character).
file(READ "${INPUT}" hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "\\\\x\\1" escaped "${hex}")
file(WRITE "${OUTPUT}.tmp"
"// Generated from report.html.in by embed_template.cmake: edit that file, not this one.
#pragma once

#include <string_view>

namespace testscope::html_report {

inline constexpr char kReportTemplateText[] = \"${escaped}\";

// The page template: markup, CSS and script, with {{name}} markers (html_report.cpp fills them).
inline std::string_view report_template() { return {kReportTemplateText, sizeof(kReportTemplateText) - 1}; }

}  // namespace testscope::html_report
")
configure_file("${OUTPUT}.tmp" "${OUTPUT}" COPYONLY)  # rewritten only when it changed
file(REMOVE "${OUTPUT}.tmp")
