#include "otlp_http/gzip.hpp"

#include <zlib.h>

#include <array>
#include <stdexcept>

namespace testscope::otlp {
namespace {

constexpr int kGzipWindowBits = 15 + 16;  // 32 KiB window, gzip header and trailer
constexpr int kAutoWindowBits = 15 + 32;  // inflate: detect gzip or zlib
constexpr int kMemLevel = 8;              // zlib's default

// zlib's stream API takes non-const input pointers and 32-bit sizes.
Bytef* input(std::string_view data) {
  return reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));  // NOLINT: zlib does not write it
}

}  // namespace

std::string gzip_compress(std::string_view data) {
  z_stream z{};
  if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, kGzipWindowBits, kMemLevel, Z_DEFAULT_STRATEGY) !=
      Z_OK) {
    throw std::runtime_error("zlib: deflateInit2 failed");
  }
  std::string out(deflateBound(&z, static_cast<uLong>(data.size())), '\0');
  z.next_in = input(data);
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());  // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast)
  z.avail_out = static_cast<uInt>(out.size());
  const int status = deflate(&z, Z_FINISH);  // the bound makes one call enough
  out.resize(z.total_out);
  deflateEnd(&z);
  if (status != Z_STREAM_END) throw std::runtime_error("zlib: deflate did not finish");
  return out;
}

std::string gzip_decompress(std::string_view compressed) {
  z_stream z{};
  if (inflateInit2(&z, kAutoWindowBits) != Z_OK) throw std::runtime_error("zlib: inflateInit2 failed");
  z.next_in = input(compressed);
  z.avail_in = static_cast<uInt>(compressed.size());
  std::string out;
  std::array<char, std::size_t{64} * 1024> chunk{};
  int status = Z_OK;
  while (status == Z_OK) {
    z.next_out =
        reinterpret_cast<Bytef*>(chunk.data());  // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast)
    z.avail_out = static_cast<uInt>(chunk.size());
    status = inflate(&z, Z_NO_FLUSH);
    out.append(chunk.data(), chunk.size() - z.avail_out);
  }
  const std::string reason = z.msg != nullptr ? z.msg : "truncated stream";
  inflateEnd(&z);
  if (status != Z_STREAM_END) throw std::runtime_error("zlib: " + reason);
  return out;
}

}  // namespace testscope::otlp
