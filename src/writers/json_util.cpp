#include "writers/json_util.hpp"

#include <utf8.h>

#include <iterator>

namespace testscope::detail {

bool is_valid_utf8(std::string_view text) noexcept { return utf8::is_valid(text.begin(), text.end()); }

rapidjson::StringBuffer& reused_buffer() {
  constexpr std::size_t kMaxKeptBytes = std::size_t{16} << 20U;
  thread_local rapidjson::StringBuffer buffer;
  const bool large = buffer.GetSize() > kMaxKeptBytes;  // the last document's size
  buffer.Clear();
  if (large) buffer.ShrinkToFit();  // frees it: a huge test's buffer is not kept for the run
  return buffer;
}

std::string valid_utf8(std::string_view text) {
  if (utf8::is_valid(text.begin(), text.end())) return std::string(text);
  std::string out;
  out.reserve(text.size() + 8);
  utf8::replace_invalid(text.begin(), text.end(), std::back_inserter(out));
  return out;
}

}  // namespace testscope::detail
