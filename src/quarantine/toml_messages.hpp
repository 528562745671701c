// Internal: wording shared by the TOML file readers (the quarantine file, the rules file):
// a value quoted safely for a message, a node's type in words, and a "did you mean" hint
// for a mistyped key.
#pragma once

#include <toml++/toml.h>

#include <initializer_list>
#include <span>
#include <string>
#include <string_view>

namespace testscope::quarantine::detail {

// `text` in single quotes, control characters and quotes escaped, cut at 200 bytes.
std::string in_quotes(std::string_view text);

// "a string", "an integer", ... for messages.
std::string a_type(const toml::node& node);

// " (did you mean 'reason'?)" for a word within two edits of one of `known`, else "".
std::string did_you_mean(std::string_view word,
                         std::initializer_list<std::span<const std::string_view>> known);

}  // namespace testscope::quarantine::detail
