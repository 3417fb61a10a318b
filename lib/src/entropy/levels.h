// Representation::kLevels (format/SPEC.md 6.10): a tensor as the codebook of representation 1 and
// one signed integer level per element (0 for zero, +-1 for the values nearest zero, ...) coded
// with a context-adaptive binary range coder whose contexts come from the left and upper
// neighbours — DeepCABAC's model (Wiedemann et al. 2020) over dcz's lossless codebook.
//
// The container calls these functions; nothing here depends on ONNX.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "dcz/dtype.h"
#include "dcz/encoded_tensor.h"
#include "dcz/status.h"
#include "entropy/sparse_codebook.h"

namespace dcz {

struct LevelsOptions {
  // Width b of the paper's gaps, stored for the paper accounting only; 0 = 8 for tensors of rank
  // >= 3 (conv), else 5, as representation 1.
  unsigned gap_bits = 0;
  // Elements per independently decodable chunk (rounded to whole rows, at most 64 chunks).
  std::uint64_t chunk_elements = std::uint64_t{1} << 18;
  int zstd_level = 9;  // for the codebook, kept only when smaller than raw
  // Context set (format/SPEC.md 6.10.6): kSmaller codes the levels with both sets and keeps the
  // smaller stream (ties: set 0), as --entropy auto and adaptive do; it doubles the coding time.
  enum class ContextSet { kSmaller, kNeighbours, kColumnActivity };
  ContextSet context_set = ContextSet::kSmaller;
};

// The encoded tensor, or nullopt when the tensor does not qualify: no elements, dtype not a
// fixed-size numeric type of 1, 2, 4 or 8 bytes, or more than 65536 distinct nonzero values.
// Errors: kInvalidArgument (options out of range, bytes.size() != elements x dtype size).
// Deterministic: the same tensor and options give the same bytes.
Result<std::optional<EncodedTensor>> encode_levels(const TensorView& tensor,
                                                   const LevelsOptions& options);

// Writes the tensor's bytes into `out` (exactly elements x dtype size, else kInvalidArgument).
// `dims` are the entry's dims: they define the rows whose upper neighbours are contexts.
// Malformed input gives kBadTensorEntry (params, stream list, codings), kReservedBitSet, kBadSize,
// kBadCodebook, kBadSymbol (a level beyond the codebook), kBadPositions (nonzero count),
// kStreamEndedEarly, kStreamTrailingData or kBadCompressedData (a chunk that does not end on its
// flushed value), naming the stream and the absolute byte offset. Allocates O(row length) beyond
// `out`. With threads > 1 chunks decode concurrently; the result and the error reported (that of
// the first bad chunk) do not depend on it.
Status decode_levels(const EncodedTensorView& tensor, DType dtype, std::span<const std::int64_t> dims,
                     std::span<std::uint8_t> out, bool out_is_zeroed = false, unsigned threads = 1);

// The paper's accounting for dcz-inspect (see SparseAccounting), position_scheme = 3 ("levels",
// context set 0) or 4 ("levels1", context set 1).
// The one levels stream is split between "indices" and "positions" by the ideal cost of its bins:
// the significance bins count as positions, sign and magnitude bins as indices.
Result<SparseAccounting> account_levels(const EncodedTensorView& tensor, DType dtype,
                                        std::span<const std::int64_t> dims);

}  // namespace dcz
