#include "entropy/sparse_params.h"

#include <string>

#include "entropy/bit_io.h"
#include "entropy/codebook.h"

namespace dcz::entropy {

std::vector<std::uint8_t> write_sparse_params(const SparseParams& params) {
  std::vector<std::uint8_t> out;
  out.push_back(std::uint8_t(params.scheme));
  out.push_back(std::uint8_t(params.gap_bits));
  append_le16(out, 0);
  append_le32(out, params.codebook_size);
  append_le64(out, params.nonzeros);
  return out;
}

Result<SparseParams> read_sparse_params(std::span<const std::uint8_t> bytes,
                                        std::uint64_t element_count) {
  if (bytes.size() != kSparseParamsSize) {
    return make_error(ErrorCode::kBadTensorEntry,
                      "sparse codebook parameter block has " + std::to_string(bytes.size()) +
                          " bytes, expected 16");
  }
  SparseParams p;
  if (bytes[0] > std::uint8_t(PositionScheme::kBitmap)) {
    return make_error(ErrorCode::kBadTensorEntry,
                      "sparse params byte 0: unknown position scheme " + std::to_string(bytes[0]));
  }
  p.scheme = PositionScheme(bytes[0]);
  p.gap_bits = bytes[1];
  if (p.gap_bits < 1 || p.gap_bits > kPaperGapBitsMax) {
    return make_error(ErrorCode::kBadTensorEntry,
                      "sparse params byte 1: gap width " + std::to_string(p.gap_bits) +
                          " is outside 1..16");
  }
  if (bytes[2] != 0 || bytes[3] != 0) {
    return make_error(ErrorCode::kReservedBitSet, "sparse params bytes 2-3 are reserved, not zero");
  }
  p.codebook_size = load_le32(bytes.data() + 4);
  p.nonzeros = load_le64(bytes.data() + 8);
  if (p.nonzeros > element_count) {
    return make_error(ErrorCode::kBadPositions,
                      "sparse params byte 8: " + std::to_string(p.nonzeros) +
                          " nonzeros in a tensor of " + std::to_string(element_count) +
                          " elements");
  }
  if (p.codebook_size > kCodebookMaxSize || p.codebook_size > p.nonzeros ||
      (p.codebook_size == 0) != (p.nonzeros == 0)) {
    return make_error(ErrorCode::kBadCodebook,
                      "sparse params byte 4: codebook size " + std::to_string(p.codebook_size) +
                          " is impossible for " + std::to_string(p.nonzeros) +
                          " nonzeros (1..min(65536, nonzeros), 0 only without nonzeros)");
  }
  return p;
}

}  // namespace dcz::entropy
