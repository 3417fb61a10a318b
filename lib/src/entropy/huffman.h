// StreamCoding::kHuffman (format/SPEC.md, "Huffman symbols"): canonical, length-limited Huffman
// codes; the code lengths in the stream header; the symbols split into 1 or 4 lanes, each its own
// LSB-first bit stream, found through a jump table (as zstd's Huff0) so that a decoder works on
// four independent dependency chains at once.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "dcz/encoded_tensor.h"
#include "dcz/status.h"

namespace dcz::entropy {

inline constexpr unsigned kHuffmanMaxCodeLength = 16;  // format limit: 2^16 symbols need 16 bits
inline constexpr unsigned kHuffmanDefaultLimit = 11;   // 2^11-entry decode table fits in L1
inline constexpr std::uint64_t kHuffmanFourLaneMinSymbols = 4096;

// Optimal prefix-code lengths under a maximum length (package-merge, Larmore & Hirschberg 1990).
// lengths[s] == 0 exactly when freqs[s] == 0. A single used symbol gets length 1. Ties between
// equal frequencies break by symbol value, so the result is deterministic. Requires the number of
// used symbols <= 2^limit and 1 <= limit <= 16 (programmer errors).
std::vector<std::uint8_t> huffman_code_lengths(std::span<const std::uint64_t> freqs,
                                               unsigned limit);

// Canonical codes (Deflate order: shorter codes first, then by symbol value) for `lengths`,
// returned bit-reversed so they can be written LSB first.
std::vector<std::uint16_t> huffman_canonical_codes_reversed(std::span<const std::uint8_t> lengths);

// Encodes `symbols` (each < alphabet_size <= 65536) as a complete kHuffman stream. The code length
// limit is max(11, ceil(log2(used symbols))). An empty input gives an empty stream.
Result<std::vector<std::uint8_t>> huffman_encode(std::span<const std::uint16_t> symbols,
                                                 std::uint32_t alphabet_size);

// Decodes out.size() symbols. Errors: kBadHuffmanTable (bad mode, lane count, length over the
// stated maximum, over-subscribed or incomplete code, nonzero header padding), kBadSymbol (a code
// for a symbol >= alphabet_size), kStreamEndedEarly, kStreamTrailingData (bytes or nonzero bits
// after the last code of a lane).
Status huffman_decode(const StreamView& stream, std::uint32_t alphabet_size,
                      std::span<std::uint16_t> out);
// Decodes two streams with the same result and errors as huffman_decode on a, then on b, but
// interleaved where both are single-lane, which nearly doubles the speed on short streams.
Status huffman_decode_pair(const StreamView& stream_a, std::uint32_t alphabet_a,
                           std::span<std::uint16_t> out_a, const StreamView& stream_b,
                           std::uint32_t alphabet_b, std::span<std::uint16_t> out_b);

}  // namespace dcz::entropy
