// Whether output to a stream may use ANSI colours: the one rule every part of testscope
// follows (the console timeline in a test program, the verdict table of the testscope
// command).
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

namespace testscope::detail {

// True when `stream` is a terminal, NO_COLOR is unset (https://no-color.org) and TERM is not
// "dumb". Reads the environment at each call; thread-safe as getenv is. Never throws.
bool use_colour(std::FILE* stream) noexcept;

// `text` from outside (a quarantine reason, a test's message, a server's answer) made safe to
// print on a terminal: C0 control characters but tab, DEL, and C1 controls (U+0080..U+009F,
// which some terminals obey as ESC sequences) become `\x1b`-style escapes, so no text can
// move the cursor, recolour or retitle a terminal. Newlines are kept when `keep_newlines`.
// Everything else, other UTF-8 included, is unchanged.
std::string terminal_safe(std::string_view text, bool keep_newlines = false);

}  // namespace testscope::detail
