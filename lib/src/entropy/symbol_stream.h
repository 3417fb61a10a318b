// Symbol streams (indices, positions): one coding chosen per stream from a candidate list by
// encoded size, and the matching decoder (format/SPEC.md, "Symbol streams").
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "dcz/encoded_tensor.h"
#include "dcz/status.h"

namespace dcz::entropy {

struct SymbolStreamEncoding {
  std::span<const StreamCoding> candidates;  // tried in order; the first of equal sizes wins
  unsigned fixed_bits = 0;                   // width for kFixedBits, 1..16
  int zstd_level = 19;
};

// Encodes `symbols` (each < alphabet_size <= 65536) with the smallest candidate. An empty input
// gives an empty stream whatever the coding.
Result<EncodedStream> encode_symbol_stream(StreamRole role, std::span<const std::uint16_t> symbols,
                                           std::uint32_t alphabet_size,
                                           const SymbolStreamEncoding& encoding);

// Decodes out.size() (== stream.decoded_size, checked by the caller) symbols, each < alphabet_size.
// A coding that is not a symbol coding is kBadTensorEntry; an empty out requires an empty stream.
Status decode_symbol_stream(const StreamView& stream, std::uint32_t alphabet_size,
                            std::span<std::uint16_t> out);

}  // namespace dcz::entropy
