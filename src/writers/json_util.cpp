#include "writers/json_util.hpp"

#include <utf8.h>

#include <iterator>

namespace testscope::detail {

std::string valid_utf8(std::string_view text) {
  if (utf8::is_valid(text.begin(), text.end())) return std::string(text);
  std::string out;
  out.reserve(text.size() + 8);
  utf8::replace_invalid(text.begin(), text.end(), std::back_inserter(out));
  return out;
}

}  // namespace testscope::detail
