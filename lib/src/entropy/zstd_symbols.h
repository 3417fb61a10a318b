// StreamCoding::kZstdSymbols (format/SPEC.md, "Zstd symbols"): symbols as u8 (param 1) or u16 LE
// (param 2), compressed as one zstd frame.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "dcz/encoded_tensor.h"
#include "dcz/status.h"

namespace dcz::entropy {

// Symbol width in bytes the encoder uses for an alphabet: 1 when it has at most 256 symbols.
unsigned zstd_symbol_width(std::uint32_t alphabet_size);

// Returns the frame; `width` is 1 or 2 and every symbol fits in it (programmer errors).
Result<std::vector<std::uint8_t>> zstd_symbols_encode(std::span<const std::uint16_t> symbols,
                                                      unsigned width, int level);

// Decodes out.size() symbols. Errors: width not 1 or 2 (kBadSize), corrupt frame or content size
// other than out.size() * width (kBadCompressedData), bytes after the frame (kStreamTrailingData),
// a symbol >= alphabet_size (kBadSymbol).
Status zstd_symbols_decode(const StreamView& stream, std::uint32_t alphabet_size,
                           std::span<std::uint16_t> out);

// Plain byte streams (codebook) use the same frame rules: exactly one frame, exactly `out.size()`
// bytes of content.
Result<std::vector<std::uint8_t>> zstd_bytes_encode(std::span<const std::uint8_t> bytes, int level);
Status zstd_bytes_decode(const StreamView& stream, std::span<std::uint8_t> out);

}  // namespace dcz::entropy
