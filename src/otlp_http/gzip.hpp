// gzip (RFC 1952) of a request body, for `Content-Encoding: gzip`, with zlib.
#pragma once

#include <string>
#include <string_view>

namespace testscope::otlp {

// The gzip member holding `data`, at zlib's default level. Thread-safe (no shared
// state). Throws std::runtime_error if zlib fails (out of memory), std::bad_alloc.
std::string gzip_compress(std::string_view data);

// The data of a gzip (or zlib) stream; for tests and receivers. Throws
// std::runtime_error naming zlib's reason when `compressed` is not a valid stream.
std::string gzip_decompress(std::string_view compressed);

}  // namespace testscope::otlp
