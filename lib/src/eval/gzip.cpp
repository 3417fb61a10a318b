#include "eval/gzip.h"

#include <zlib.h>

#include <algorithm>
#include <limits>
#include <string>

namespace dcz::eval {

bool is_gzip(std::span<const std::uint8_t> bytes) {
  return bytes.size() >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b;
}

namespace {

// The gzip trailer's ISIZE (uncompressed size mod 2^32): only a capacity hint, never trusted.
std::uint64_t size_hint(std::span<const std::uint8_t> bytes, std::uint64_t max_bytes) {
  if (bytes.size() < 18) return 0;
  const std::uint8_t* t = bytes.data() + bytes.size() - 4;
  std::uint64_t isize = t[0] | (t[1] << 8) | (t[2] << 16) | (std::uint64_t{t[3]} << 24);
  return std::min(isize, max_bytes);
}

}  // namespace

Result<std::vector<std::uint8_t>> gunzip(std::span<const std::uint8_t> bytes, std::string_view name,
                                         std::uint64_t max_bytes) {
  z_stream zs{};
  // 16 + MAX_WBITS: gzip wrapper only, so a stray zlib stream is not silently accepted.
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) {
    return make_error(ErrorCode::kOutOfMemory, std::string(name) + ": zlib inflateInit2 failed");
  }
  std::vector<std::uint8_t> out;
  out.reserve(size_hint(bytes, max_bytes));
  std::size_t consumed = 0;
  int rc = Z_OK;
  constexpr std::size_t kChunk = std::size_t{1} << 20;
  while (rc != Z_STREAM_END) {
    if (consumed == bytes.size()) break;  // input exhausted before the end of the stream
    std::size_t in_now = std::min<std::size_t>(bytes.size() - consumed,
                                               std::numeric_limits<uInt>::max());
    std::size_t old = out.size();
    out.resize(old + kChunk);
    zs.next_in = const_cast<Bytef*>(bytes.data() + consumed);
    zs.avail_in = static_cast<uInt>(in_now);
    zs.next_out = out.data() + old;
    zs.avail_out = static_cast<uInt>(kChunk);
    rc = inflate(&zs, Z_NO_FLUSH);
    consumed += in_now - zs.avail_in;
    out.resize(old + (kChunk - zs.avail_out));
    if (rc == Z_BUF_ERROR && zs.avail_in == 0 && consumed == bytes.size()) break;
    if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
      std::string why = zs.msg ? zs.msg : "inflate error";
      inflateEnd(&zs);
      return make_error(ErrorCode::kBadDataset, std::string(name) + ": corrupt gzip data near compressed byte " +
                                                    std::to_string(consumed) + ": " + why);
    }
    if (out.size() > max_bytes) {
      inflateEnd(&zs);
      return make_error(ErrorCode::kOutOfMemory, std::string(name) + ": decompresses to more than " +
                                                     std::to_string(max_bytes) + " bytes");
    }
  }
  inflateEnd(&zs);
  if (rc != Z_STREAM_END) {
    return make_error(ErrorCode::kBadDataset, std::string(name) +
                                                  ": gzip stream is truncated (ends at compressed byte " +
                                                  std::to_string(consumed) + " of " +
                                                  std::to_string(bytes.size()) + ")");
  }
  return out;
}

}  // namespace dcz::eval
