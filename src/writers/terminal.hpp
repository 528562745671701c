// Whether output to a stream may use ANSI colours: the one rule every part of testscope
// follows (the console timeline in a test program, the verdict table of the testscope
// command).
#pragma once

#include <cstdio>

namespace testscope::detail {

// True when `stream` is a terminal, NO_COLOR is unset (https://no-color.org) and TERM is not
// "dumb". Reads the environment at each call; thread-safe as getenv is. Never throws.
bool use_colour(std::FILE* stream) noexcept;

}  // namespace testscope::detail
