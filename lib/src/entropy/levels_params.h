// The parameter block of Representation::kLevels (format/SPEC.md 6.10.1), the row and chunk
// geometry of a tensor (6.10.2) and the mapping between codebook indices and levels (6.10.3).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "dcz/dtype.h"
#include "dcz/status.h"
#include "entropy/levels_model.h"

namespace dcz::entropy {

inline constexpr std::size_t kLevelsParamsFixedSize = 16;
inline constexpr std::uint32_t kLevelsMaxChunks = 64;
// SparseAccounting::position_scheme of a levels tensor: context set 0, context set 1.
inline constexpr std::uint8_t kLevelsSchemeId = 3;
inline constexpr std::uint8_t kLevelsColumnsSchemeId = 4;

struct LevelsParams {
  unsigned gap_bits = 5;
  LevelContextSet context_set = LevelContextSet::kNeighbours;
  std::uint32_t codebook_size = 0;
  std::uint64_t nonzeros = 0;
  std::vector<std::uint64_t> chunk_sizes;  // stored bytes of every chunk but the last
  std::uint32_t chunk_count() const { return std::uint32_t(chunk_sizes.size() + 1); }
};

// Rows are dims[0] for rank >= 2 (the row length is the product of the other dims); a tensor of
// rank 0 or 1 is one row.
struct LevelsGeometry {
  std::uint64_t rows = 0;
  std::uint64_t row_length = 0;
};
LevelsGeometry levels_geometry(std::span<const std::int64_t> dims);

// First row of chunk k of `count` chunks: floor(k x rows / count), without overflow.
std::uint64_t levels_chunk_first_row(std::uint64_t rows, std::uint32_t count, std::uint32_t k);

std::vector<std::uint8_t> write_levels_params(const LevelsParams& params);

// Checks the layout and ranges: kBadTensorEntry (size, gap width, unknown context set, chunk
// count), kBadCodebook, kBadPositions (more nonzeros than elements).
Result<LevelsParams> read_levels_params(std::span<const std::uint8_t> bytes,
                                        const LevelsGeometry& geometry);

// Codebook entries whose order key sorts below zero's (negative values, -0.0 included).
std::uint32_t codebook_negatives(std::span<const std::uint64_t> codebook, DType dtype);

inline std::uint32_t level_to_index(std::int32_t level, std::uint32_t negatives) {
  return level < 0 ? std::uint32_t(std::int64_t(negatives) + level)
                   : std::uint32_t(negatives + std::uint32_t(level) - 1);
}
inline std::int32_t index_to_level(std::uint32_t index, std::uint32_t negatives) {
  return index < negatives ? std::int32_t(index) - std::int32_t(negatives)
                           : std::int32_t(index - negatives + 1);
}

}  // namespace dcz::entropy
