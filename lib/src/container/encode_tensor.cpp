#include "container/encode_tensor.h"

#include "entropy/levels.h"
#include "entropy/sparse_codebook.h"

namespace dcz {
namespace {

using Entropy = EncodeOptions::Entropy;

SparseCodebookOptions sparse_options(unsigned gap_bits, const EncodeOptions& o) {
  SparseCodebookOptions s;
  // kAdaptive falls back to representation 1 with every stream coding where levels do not apply.
  s.entropy = o.entropy == Entropy::kAdaptive
                  ? SparseCodebookOptions::Entropy::kAuto
                  : static_cast<SparseCodebookOptions::Entropy>(o.entropy);
  s.positions = static_cast<SparseCodebookOptions::Positions>(o.positions);
  s.gap_bits = gap_bits;
  s.zstd_level = o.zstd_level > 0 ? o.zstd_level : 9;
  return s;
}

LevelsOptions levels_options(unsigned gap_bits, const EncodeOptions& o) {
  LevelsOptions l;
  l.gap_bits = gap_bits;
  l.zstd_level = o.zstd_level > 0 ? o.zstd_level : 9;
  return l;
}

// Representation 2 is a candidate with --entropy auto and adaptive, and only when the position
// scheme is left to the writer (a forced scheme names a representation-1 layout).
bool try_levels(const EncodeOptions& o) {
  return (o.entropy == Entropy::kAuto || o.entropy == Entropy::kAdaptive) &&
         o.positions == EncodeOptions::Positions::kAuto;
}

}  // namespace

std::uint64_t encoded_cost(const EncodedTensor& e) {
  return e.stored_size() + e.params.size() + 32ull * e.streams.size();
}

Result<EncodedTensor> encode_tensor(const TensorView& tensor, unsigned gap_bits,
                                    const EncodeOptions& options) {
  DenseOptions dense_options;
  dense_options.zstd_level = options.zstd_level;
  EncodedTensor dense = encode_dense(tensor, dense_options);
  if (options.mode == EncodeOptions::Mode::kDense || tensor.dtype == DType::kString ||
      tensor.element_count() == 0) {
    return dense;
  }
  std::optional<EncodedTensor> levels;
  if (try_levels(options)) {
    DCZ_ASSIGN_OR_RETURN(levels, encode_levels(tensor, levels_options(gap_bits, options)));
  }
  std::optional<EncodedTensor> sparse;
  if (!levels || options.entropy != Entropy::kAdaptive) {
    DCZ_ASSIGN_OR_RETURN(sparse, encode_sparse_codebook(tensor, sparse_options(gap_bits, options)));
  }
  // Ties keep the earlier candidate: dense, then representation 1, then 2.
  EncodedTensor* best = &dense;
  if (sparse && encoded_cost(*sparse) < encoded_cost(*best)) best = &*sparse;
  if (levels && encoded_cost(*levels) < encoded_cost(*best)) best = &*levels;
  return std::move(*best);
}

}  // namespace dcz
