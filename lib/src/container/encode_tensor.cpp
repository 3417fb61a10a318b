#include "container/encode_tensor.h"

#include "entropy/sparse_codebook.h"

namespace dcz {
namespace {

SparseCodebookOptions sparse_options(unsigned gap_bits, const EncodeOptions& o) {
  SparseCodebookOptions s;
  s.entropy = static_cast<SparseCodebookOptions::Entropy>(o.entropy);
  s.positions = static_cast<SparseCodebookOptions::Positions>(o.positions);
  s.gap_bits = gap_bits;
  s.zstd_level = o.zstd_level > 0 ? o.zstd_level : 9;
  return s;
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
  DCZ_ASSIGN_OR_RETURN(std::optional<EncodedTensor> sparse,
                       encode_sparse_codebook(tensor, sparse_options(gap_bits, options)));
  if (sparse && encoded_cost(*sparse) < encoded_cost(dense)) return std::move(*sparse);
  return dense;
}

}  // namespace dcz
