// encode_levels: split the tensor into its codebook and the nonzeros' indices (shared with
// representation 1), then range-code one level per element, chunk by chunk.
#include <algorithm>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "entropy/codebook.h"
#include "entropy/levels.h"
#include "entropy/levels_params.h"
#include "entropy/positions.h"

namespace dcz {

namespace {

using entropy::LevelContexts;
using entropy::LevelRange;

// The level of every element in row-major order, from the zero runs and codebook indices.
class LevelSource {
 public:
  LevelSource(const entropy::SparseTensor& sparse, std::uint32_t negatives)
      : sparse_(sparse), negatives_(negatives) {
    zeros_left_ = sparse.zero_runs.empty() ? kNoMore : sparse.zero_runs[0];
  }
  std::int32_t next() {
    if (zeros_left_ > 0) {
      --zeros_left_;
      return 0;
    }
    const std::int32_t level = entropy::index_to_level(sparse_.indices[j_], negatives_);
    ++j_;
    zeros_left_ = j_ < sparse_.zero_runs.size() ? sparse_.zero_runs[j_] : kNoMore;
    return level;
  }

 private:
  static constexpr std::uint64_t kNoMore = std::numeric_limits<std::uint64_t>::max();
  const entropy::SparseTensor& sparse_;
  std::uint32_t negatives_;
  std::size_t j_ = 0;
  std::uint64_t zeros_left_ = 0;
};

template <entropy::LevelContextSet kSet>
void encode_chunk(LevelSource& source, const LevelRange& range, std::uint64_t rows,
                  std::uint64_t row_length, std::vector<std::uint8_t>& out) {
  entropy::RangeEncoder enc(out);
  auto contexts = std::make_unique<LevelContexts>();
  std::vector<std::int8_t> above(std::size_t(row_length), 0);
  entropy::LevelColumns<kSet> columns(above.size());
  for (std::uint64_t r = 0; r < rows; ++r, columns.end_row()) {
    std::int8_t left = 0;
    for (std::size_t c = 0; c < above.size(); ++c) {
      const std::int32_t level = source.next();
      entropy::encode_level<kSet>(enc, *contexts, range, level, left, above[c], columns.column_class(c));
      if (level != 0) columns.add_nonzero(c);
      left = entropy::level_clamp(level);
      above[c] = left;
    }
  }
  enc.finish();
}

// The levels stream of a whole tensor and the sizes of its chunks but the last.
struct CodedLevels {
  std::vector<std::uint8_t> bytes;
  std::vector<std::uint64_t> chunk_sizes;
};

template <entropy::LevelContextSet kSet>
CodedLevels encode_chunks(const entropy::SparseTensor& sparse, const LevelRange& range,
                          const entropy::LevelsGeometry& g, std::uint32_t chunks) {
  CodedLevels out;
  LevelSource source(sparse, range.negatives);
  for (std::uint32_t c = 0; c < chunks; ++c) {
    const std::uint64_t first = entropy::levels_chunk_first_row(g.rows, chunks, c);
    const std::uint64_t last = entropy::levels_chunk_first_row(g.rows, chunks, c + 1);
    const std::size_t before = out.bytes.size();
    encode_chunk<kSet>(source, range, last - first, g.row_length, out.bytes);
    if (c + 1 < chunks) out.chunk_sizes.push_back(out.bytes.size() - before);
  }
  return out;
}

std::uint32_t chunk_count(std::uint64_t elements, std::uint64_t rows, std::uint64_t per_chunk) {
  const std::uint64_t wanted = (elements + per_chunk - 1) / per_chunk;
  return std::uint32_t(std::max<std::uint64_t>(
      1, std::min<std::uint64_t>({wanted, rows, entropy::kLevelsMaxChunks})));
}

}  // namespace

Result<std::optional<EncodedTensor>> encode_levels(const TensorView& tensor,
                                                   const LevelsOptions& options) {
  const std::uint64_t elements = tensor.element_count();
  if (!entropy::codebook_dtype_supported(tensor.dtype) || elements == 0) {
    return std::optional<EncodedTensor>();
  }
  if (options.gap_bits > entropy::kPaperGapBitsMax || options.chunk_elements == 0) {
    return make_error(ErrorCode::kInvalidArgument,
                      "levels options: gap width " + std::to_string(options.gap_bits) +
                          " outside 0..16 or chunk of 0 elements");
  }
  DCZ_TRY(entropy::check_tensor_byte_count(tensor));
  std::optional<entropy::SparseTensor> sparse = entropy::split_sparse_tensor(tensor);
  if (!sparse) return std::optional<EncodedTensor>();

  const std::uint32_t k = std::uint32_t(sparse->codebook.size());
  const std::uint32_t negatives = entropy::codebook_negatives(sparse->codebook, tensor.dtype);
  const LevelRange range{negatives, k - negatives};
  const entropy::LevelsGeometry g = entropy::levels_geometry(tensor.dims);
  const std::uint32_t chunks = chunk_count(elements, g.rows, options.chunk_elements);

  entropy::LevelsParams params;
  params.gap_bits = options.gap_bits != 0 ? options.gap_bits : tensor.dims.size() >= 3 ? 8 : 5;
  params.codebook_size = k;
  params.nonzeros = sparse->indices.size();
  using Set = LevelsOptions::ContextSet;
  CodedLevels coded;
  if (options.context_set != Set::kColumnActivity) {
    coded = encode_chunks<entropy::LevelContextSet::kNeighbours>(*sparse, range, g, chunks);
  }
  // With one row per chunk every column class is 0 and set 1's contexts are set 0's: same bytes.
  const bool try_columns = options.context_set == Set::kColumnActivity ||
                           (options.context_set == Set::kSmaller && g.rows > chunks);
  if (try_columns) {
    CodedLevels columns = encode_chunks<entropy::LevelContextSet::kColumnActivity>(*sparse, range, g, chunks);
    if (options.context_set == Set::kColumnActivity || columns.bytes.size() < coded.bytes.size()) {
      coded = std::move(columns);
      params.context_set = entropy::LevelContextSet::kColumnActivity;
    }
  }
  params.chunk_sizes = std::move(coded.chunk_sizes);
  EncodedStream levels;
  levels.role = StreamRole::kLevels;
  levels.coding = StreamCoding::kAdaptiveBinary;
  levels.decoded_size = elements;
  levels.bytes = std::move(coded.bytes);

  EncodedTensor out;
  out.representation = Representation::kLevels;
  out.params = entropy::write_levels_params(params);
  DCZ_ASSIGN_OR_RETURN(EncodedStream codebook,
                       entropy::encode_codebook_stream(sparse->codebook, dtype_size(tensor.dtype),
                                                       entropy::CodebookZstd::kIfSmaller,
                                                       options.zstd_level));
  out.streams.push_back(std::move(codebook));
  out.streams.push_back(std::move(levels));
  return std::optional<EncodedTensor>(std::move(out));
}

}  // namespace dcz
