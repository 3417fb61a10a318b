#include "entropy/zstd_symbols.h"

#include <zstd.h>

#include <cassert>
#include <string>

#include "entropy/stream_error.h"

namespace dcz::entropy {

unsigned zstd_symbol_width(std::uint32_t alphabet_size) { return alphabet_size <= 256 ? 1 : 2; }

Result<std::vector<std::uint8_t>> zstd_bytes_encode(std::span<const std::uint8_t> bytes,
                                                    int level) {
  std::vector<std::uint8_t> out(ZSTD_compressBound(bytes.size()));
  std::size_t n = ZSTD_compress(out.data(), out.size(), bytes.data(), bytes.size(), level);
  if (ZSTD_isError(n)) {
    return make_error(ErrorCode::kInvalidArgument,
                      std::string("zstd compression failed: ") + ZSTD_getErrorName(n));
  }
  out.resize(n);
  return out;
}

Result<std::vector<std::uint8_t>> zstd_symbols_encode(std::span<const std::uint16_t> symbols,
                                                      unsigned width, int level) {
  assert(width == 1 || width == 2);
  std::vector<std::uint8_t> plain(symbols.size() * width);
  if (width == 1) {
    for (std::size_t i = 0; i < symbols.size(); ++i) {
      assert(symbols[i] < 256);
      plain[i] = std::uint8_t(symbols[i]);
    }
  } else {
    for (std::size_t i = 0; i < symbols.size(); ++i) {
      plain[2 * i] = std::uint8_t(symbols[i]);
      plain[2 * i + 1] = std::uint8_t(symbols[i] >> 8);
    }
  }
  return zstd_bytes_encode(plain, level);
}

Status zstd_bytes_decode(const StreamView& stream, std::span<std::uint8_t> out) {
  const std::span<const std::uint8_t> in = stream.bytes;
  std::size_t frame = ZSTD_findFrameCompressedSize(in.data(), in.size());
  if (ZSTD_isError(frame)) {
    return stream_error(ErrorCode::kBadCompressedData, stream, 0,
                        std::string("not a complete zstd frame: ") + ZSTD_getErrorName(frame));
  }
  if (frame < in.size()) {
    return stream_error(ErrorCode::kStreamTrailingData, stream, frame,
                        std::to_string(in.size() - frame) + " bytes after the zstd frame");
  }
  unsigned long long content = ZSTD_getFrameContentSize(in.data(), in.size());
  if (content == ZSTD_CONTENTSIZE_ERROR ||
      (content != ZSTD_CONTENTSIZE_UNKNOWN && content != out.size())) {
    return stream_error(ErrorCode::kBadCompressedData, stream, 0,
                        "zstd frame declares " + std::to_string(content) + " bytes, expected " +
                            std::to_string(out.size()));
  }
  // The destination is exactly the expected size, so a frame that would grow larger fails here
  // instead of allocating.
  std::size_t got = ZSTD_decompress(out.data(), out.size(), in.data(), in.size());
  if (ZSTD_isError(got)) {
    return stream_error(ErrorCode::kBadCompressedData, stream, 0,
                        std::string("zstd frame is corrupt: ") + ZSTD_getErrorName(got));
  }
  if (got != out.size()) {
    return stream_error(ErrorCode::kBadCompressedData, stream, 0,
                        "zstd frame decodes to " + std::to_string(got) + " bytes, expected " +
                            std::to_string(out.size()));
  }
  return Status::ok();
}

Status zstd_symbols_decode(const StreamView& stream, std::uint32_t alphabet_size,
                           std::span<std::uint16_t> out) {
  const unsigned width = stream.param;
  if (width != 1 && width != 2) {
    return stream_error(ErrorCode::kBadSize, stream, 0,
                        "zstd symbol width " + std::to_string(width) + " is not 1 or 2");
  }
  std::vector<std::uint8_t> plain(out.size() * width);
  DCZ_TRY(zstd_bytes_decode(stream, plain));
  std::uint32_t max_symbol = 0;
  for (std::size_t i = 0; i < out.size(); ++i) {
    std::uint16_t s = width == 1 ? plain[i] : std::uint16_t(plain[2 * i] | plain[2 * i + 1] << 8);
    out[i] = s;
    max_symbol = s > max_symbol ? s : max_symbol;
  }
  if (!out.empty() && max_symbol >= alphabet_size) {
    for (std::size_t i = 0; i < out.size(); ++i) {
      if (out[i] >= alphabet_size) {
        return stream_error(ErrorCode::kBadSymbol, stream, 0,
                            "decoded symbol " + std::to_string(i) + " is " +
                                std::to_string(out[i]) + ", alphabet has " +
                                std::to_string(alphabet_size));
      }
    }
  }
  return Status::ok();
}

}  // namespace dcz::entropy
