// The 16-byte parameter block of Representation::kSparseCodebook (format/SPEC.md section 6
// "Parameter block") and the stream list the representation uses.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "dcz/status.h"
#include "entropy/positions.h"

namespace dcz::entropy {

inline constexpr std::size_t kSparseParamsSize = 16;

struct SparseParams {
  PositionScheme scheme = PositionScheme::kEscapeGaps;
  unsigned gap_bits = 5;
  std::uint32_t codebook_size = 0;
  std::uint64_t nonzeros = 0;
};

std::vector<std::uint8_t> write_sparse_params(const SparseParams& params);

// Checks the layout and ranges: kBadTensorEntry (size, scheme, gap width), kReservedBitSet,
// kBadCodebook (size over 65536 or inconsistent with the nonzero count), kBadPositions (more
// nonzeros than elements).
Result<SparseParams> read_sparse_params(std::span<const std::uint8_t> bytes,
                                        std::uint64_t element_count);

}  // namespace dcz::entropy
