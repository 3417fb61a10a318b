// Layout facts of kHuffman streams shared by the encoder and the decoder (format/SPEC.md 6.3).
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>

namespace dcz::entropy::huffman_layout {

inline constexpr std::size_t kHeaderFixedSize = 6;  // mode, lane count, u32 length count

// Bits of each code-length field: bit_width(max length).
inline unsigned length_field_bits(unsigned max_length) {
  return unsigned(std::bit_width(max_length));
}

// Codes handled per refill of a 64-bit buffer that holds at least 56 fresh bits (K * L <= 56),
// and per flush in the encoder (7 pending bits + K * L <= 63).
inline unsigned codes_per_refill(unsigned max_length) {
  if (max_length <= 8) return 7;
  if (max_length <= 11) return 5;
  if (max_length <= 14) return 4;
  return 3;
}

// Symbols [begin, end) of lane `lane` out of `lanes` for n symbols: ceil(n / lanes) per lane.
struct LaneRange {
  std::uint64_t begin;
  std::uint64_t end;
};
inline LaneRange lane_range(std::uint64_t n, unsigned lanes, unsigned lane) {
  std::uint64_t per = (n + lanes - 1) / lanes;
  return {std::min(n, per * lane), std::min(n, per * (lane + 1))};
}

}  // namespace dcz::entropy::huffman_layout
