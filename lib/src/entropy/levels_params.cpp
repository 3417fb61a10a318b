#include "entropy/levels_params.h"

#include <string>

#include "entropy/bit_io.h"
#include "entropy/codebook.h"
#include "entropy/positions.h"

namespace dcz::entropy {

LevelsGeometry levels_geometry(std::span<const std::int64_t> dims) {
  std::uint64_t elements = 1;
  for (std::int64_t d : dims) elements *= std::uint64_t(d);
  if (elements == 0) return {};
  if (dims.size() < 2) return {1, elements};
  const std::uint64_t rows = std::uint64_t(dims[0]);
  return {rows, elements / rows};
}

std::uint64_t levels_chunk_first_row(std::uint64_t rows, std::uint32_t count, std::uint32_t k) {
  // rows = q x count + r with r < count <= 64: k x r stays small.
  const std::uint64_t q = rows / count, r = rows % count;
  return k * q + (k * r) / count;
}

std::vector<std::uint8_t> write_levels_params(const LevelsParams& params) {
  std::vector<std::uint8_t> out;
  out.push_back(std::uint8_t(params.gap_bits));
  out.push_back(std::uint8_t(params.context_set));
  append_le16(out, std::uint16_t(params.chunk_count()));
  append_le32(out, params.codebook_size);
  append_le64(out, params.nonzeros);
  for (std::uint64_t size : params.chunk_sizes) append_le64(out, size);
  return out;
}

namespace {

Status bad_entry(std::string what) {
  return make_error(ErrorCode::kBadTensorEntry, "levels params " + what);
}

}  // namespace

Result<LevelsParams> read_levels_params(std::span<const std::uint8_t> bytes,
                                        const LevelsGeometry& geometry) {
  if (geometry.rows == 0) return bad_entry("for a tensor without elements");
  if (bytes.size() < kLevelsParamsFixedSize) {
    return bad_entry("block has " + std::to_string(bytes.size()) + " bytes, fewer than 16");
  }
  LevelsParams p;
  p.gap_bits = bytes[0];
  if (p.gap_bits < 1 || p.gap_bits > kPaperGapBitsMax) {
    return bad_entry("byte 0: gap width " + std::to_string(p.gap_bits) + " is outside 1..16");
  }
  if (bytes[1] >= kLevelContextSetCount) {
    return bad_entry("byte 1: context set " + std::to_string(bytes[1]) + " is not 0 or 1");
  }
  p.context_set = LevelContextSet(bytes[1]);
  const std::uint32_t chunks = std::uint32_t(bytes[2]) | std::uint32_t(bytes[3]) << 8;
  if (chunks < 1 || chunks > kLevelsMaxChunks || chunks > geometry.rows) {
    return bad_entry("byte 2: chunk count " + std::to_string(chunks) + " is outside 1..min(64, " +
                     std::to_string(geometry.rows) + " rows)");
  }
  if (bytes.size() != kLevelsParamsFixedSize + 8 * std::size_t(chunks - 1)) {
    return bad_entry("block has " + std::to_string(bytes.size()) + " bytes, " +
                     std::to_string(chunks) + " chunks need " +
                     std::to_string(kLevelsParamsFixedSize + 8 * std::size_t(chunks - 1)));
  }
  p.codebook_size = load_le32(bytes.data() + 4);
  p.nonzeros = load_le64(bytes.data() + 8);
  const std::uint64_t elements = geometry.rows * geometry.row_length;
  if (p.nonzeros > elements) {
    return make_error(ErrorCode::kBadPositions,
                      "levels params byte 8: " + std::to_string(p.nonzeros) +
                          " nonzeros in a tensor of " + std::to_string(elements) + " elements");
  }
  if (p.codebook_size > kCodebookMaxSize || p.codebook_size > p.nonzeros ||
      (p.codebook_size == 0) != (p.nonzeros == 0)) {
    return make_error(ErrorCode::kBadCodebook,
                      "levels params byte 4: codebook size " + std::to_string(p.codebook_size) +
                          " is impossible for " + std::to_string(p.nonzeros) +
                          " nonzeros (1..min(65536, nonzeros), 0 only without nonzeros)");
  }
  for (std::uint32_t k = 0; k + 1 < chunks; ++k) {
    p.chunk_sizes.push_back(load_le64(bytes.data() + kLevelsParamsFixedSize + 8 * std::size_t(k)));
  }
  return p;
}

std::uint32_t codebook_negatives(std::span<const std::uint64_t> codebook, DType dtype) {
  const std::uint64_t zero_key = codebook_order_key(0, dtype);
  std::uint32_t n = 0;
  while (n < codebook.size() && codebook_order_key(codebook[n], dtype) < zero_key) ++n;
  return n;
}

}  // namespace dcz::entropy
