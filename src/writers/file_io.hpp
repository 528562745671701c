// Writing a file so that a reader never sees half of it: write a temporary file beside
// it, then rename over the target. Creates missing folders.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace testscope::detail {

// Returns an empty string on success, else "<path>: <reason>". Never throws.
std::string write_file_atomic(const std::filesystem::path& path, std::string_view content) noexcept;

}  // namespace testscope::detail
