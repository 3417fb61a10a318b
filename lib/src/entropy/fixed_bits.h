// StreamCoding::kFixedBits (format/SPEC.md, "Fixed-width symbols"): every symbol in `bits` bits,
// packed LSB first, the last byte padded with zero bits. This is the paper's storage of weight
// indices and relative position gaps.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "dcz/encoded_tensor.h"
#include "dcz/status.h"

namespace dcz::entropy {

inline constexpr unsigned kFixedBitsMax = 16;

// Requires 1 <= bits <= 16 and every symbol < 2^bits (programmer errors).
std::vector<std::uint8_t> fixed_bits_encode(std::span<const std::uint16_t> symbols, unsigned bits);

// The checks of fixed_bits_decode that do not need the symbols: width, size, padding bits, for
// a stream of n symbols. Lets a caller read 1-bit streams (bitmaps) in place.
Status fixed_bits_check_layout(const StreamView& stream, std::uint64_t n);

// Decodes out.size() symbols from stream.bytes with width stream.param. Rejects a width outside
// 1..16 (kBadSize), a short stream (kStreamEndedEarly), extra bytes or nonzero padding bits
// (kStreamTrailingData) and a symbol >= alphabet_size (kBadSymbol).
Status fixed_bits_decode(const StreamView& stream, std::uint32_t alphabet_size,
                         std::span<std::uint16_t> out);

}  // namespace dcz::entropy
