// encode_sparse_codebook: split the tensor, then try the position schemes and stream codings the
// options allow and keep the smallest result.
#include <string>
#include <thread>
#include <vector>

#include "entropy/bit_io.h"
#include "entropy/codebook.h"
#include "entropy/positions.h"
#include "entropy/sparse_codebook.h"
#include "entropy/sparse_params.h"
#include "entropy/symbol_stream.h"
#include "entropy/zstd_symbols.h"

namespace dcz {

namespace {

using entropy::PositionScheme;
using Options = SparseCodebookOptions;

constexpr StreamCoding kAllSymbolCodings[] = {StreamCoding::kFixedBits, StreamCoding::kHuffman,
                                              StreamCoding::kZstdSymbols};

std::span<const StreamCoding> symbol_candidates(Options::Entropy e) {
  switch (e) {
    case Options::Entropy::kFixed: return std::span(kAllSymbolCodings).subspan(0, 1);
    case Options::Entropy::kHuffman: return std::span(kAllSymbolCodings).subspan(1, 1);
    case Options::Entropy::kZstd: return std::span(kAllSymbolCodings).subspan(2, 1);
    case Options::Entropy::kAuto: break;
  }
  return kAllSymbolCodings;
}

unsigned default_gap_bits(const TensorView& tensor) { return tensor.dims.size() >= 3 ? 8 : 5; }

Status check_options(const Options& o) {
  if (o.gap_bits > entropy::kPaperGapBitsMax) {
    return make_error(ErrorCode::kInvalidArgument,
                      "gap width " + std::to_string(o.gap_bits) + " is outside 1..16");
  }
  if (o.index_bits > 16) {
    return make_error(ErrorCode::kInvalidArgument,
                      "index width " + std::to_string(o.index_bits) + " is outside 1..16");
  }
  return Status::ok();
}

Result<EncodedStream> encode_codebook_stream(const std::vector<std::uint64_t>& codebook,
                                             std::size_t value_size, const Options& o) {
  using entropy::CodebookZstd;
  const CodebookZstd zstd = o.entropy == Options::Entropy::kZstd   ? CodebookZstd::kAlways
                            : o.entropy == Options::Entropy::kAuto ? CodebookZstd::kIfSmaller
                                                                   : CodebookZstd::kNever;
  return entropy::encode_codebook_stream(codebook, value_size, zstd, o.zstd_level);
}

// The index and position streams of one position scheme.
struct SchemeStreams {
  PositionScheme scheme;
  std::vector<EncodedStream> streams;  // indices, positions[, position-extra]
  std::uint64_t size() const {
    std::uint64_t n = 0;
    for (const EncodedStream& s : streams) n += s.bytes.size();
    return n;
  }
};

class SchemeEncoder {
 public:
  SchemeEncoder(const entropy::SparseTensor& sparse, std::uint64_t element_count, unsigned gap_bits,
                const Options& o)
      : sparse_(sparse), element_count_(element_count), gap_bits_(gap_bits), options_(o) {}

  std::uint32_t codebook_size() const { return std::uint32_t(sparse_.codebook.size()); }
  bool paper_needs_filler() const {
    return entropy::paper_filler_count(sparse_.zero_runs, gap_bits_) > 0;
  }

  // Fills what the schemes share before they run concurrently.
  Status prepare_shared() { return plain_indices().take_status(); }

  Result<SchemeStreams> encode(PositionScheme scheme) {
    SchemeStreams out{scheme, {}};
    if (scheme == PositionScheme::kPaperGaps && paper_needs_filler()) {
      const std::uint32_t alphabet = codebook_size() + 1;
      entropy::PaperGapStreams paper = entropy::paper_gaps_encode(
          sparse_.zero_runs, sparse_.indices, gap_bits_, std::uint16_t(codebook_size()));
      DCZ_ASSIGN_OR_RETURN(EncodedStream idx, symbols(StreamRole::kIndices, paper.indices,
                                                      alphabet, index_bits(alphabet)));
      out.streams.push_back(std::move(idx));
      DCZ_ASSIGN_OR_RETURN(EncodedStream pos, symbols(StreamRole::kPositions, paper.gaps,
                                                      1u << gap_bits_, gap_bits_));
      out.streams.push_back(std::move(pos));
      return out;
    }
    DCZ_ASSIGN_OR_RETURN(EncodedStream idx, plain_indices());
    out.streams.push_back(std::move(idx));
    switch (scheme) {
      case PositionScheme::kPaperGaps: {
        std::vector<std::uint16_t> gaps(sparse_.zero_runs.begin(), sparse_.zero_runs.end());
        DCZ_ASSIGN_OR_RETURN(EncodedStream pos, symbols(StreamRole::kPositions, gaps,
                                                        1u << gap_bits_, gap_bits_));
        out.streams.push_back(std::move(pos));
        break;
      }
      case PositionScheme::kEscapeGaps: {
        entropy::EscapeGapStreams esc = entropy::escape_gaps_encode(sparse_.zero_runs);
        std::uint16_t max_symbol = 0;
        for (std::uint16_t s : esc.symbols) max_symbol = s > max_symbol ? s : max_symbol;
        DCZ_ASSIGN_OR_RETURN(EncodedStream pos,
                             symbols(StreamRole::kPositions, esc.symbols,
                                     entropy::kEscapeAlphabetSize,
                                     entropy::bits_for_alphabet(std::uint32_t(max_symbol) + 1)));
        out.streams.push_back(std::move(pos));
        EncodedStream extra;
        extra.role = StreamRole::kPositionExtra;
        extra.coding = StreamCoding::kRaw;
        extra.decoded_size = esc.extra.size();
        extra.bytes = std::move(esc.extra);
        out.streams.push_back(std::move(extra));
        break;
      }
      case PositionScheme::kBitmap: {
        std::vector<std::uint16_t> bits = entropy::bitmap_encode(sparse_.zero_runs, element_count_);
        DCZ_ASSIGN_OR_RETURN(EncodedStream pos, symbols(StreamRole::kPositions, bits,
                                                        entropy::kBitmapAlphabetSize, 1));
        out.streams.push_back(std::move(pos));
        break;
      }
    }
    return out;
  }

 private:
  unsigned index_bits(std::uint32_t alphabet) const {
    unsigned need = entropy::bits_for_alphabet(alphabet);
    return options_.index_bits > need ? options_.index_bits : need;
  }
  Result<EncodedStream> symbols(StreamRole role, std::span<const std::uint16_t> s,
                                std::uint32_t alphabet, unsigned fixed_bits) const {
    entropy::SymbolStreamEncoding e;
    e.candidates = symbol_candidates(options_.entropy);
    e.fixed_bits = fixed_bits;
    e.zstd_level = options_.zstd_level;
    return entropy::encode_symbol_stream(role, s, alphabet == 0 ? 1 : alphabet, e);
  }
  // The index stream without fillers is the same for every scheme: encode it once.
  Result<EncodedStream> plain_indices() {
    if (!plain_indices_) {
      DCZ_ASSIGN_OR_RETURN(EncodedStream s,
                           symbols(StreamRole::kIndices, sparse_.indices, codebook_size(),
                                   index_bits(codebook_size())));
      plain_indices_ = std::move(s);
    }
    return *plain_indices_;
  }

  const entropy::SparseTensor& sparse_;
  std::uint64_t element_count_;
  unsigned gap_bits_;
  const Options& options_;
  std::optional<EncodedStream> plain_indices_;
};

std::vector<PositionScheme> scheme_candidates(Options::Positions p, bool paper_possible) {
  switch (p) {
    case Options::Positions::kPaperGaps: return {PositionScheme::kPaperGaps};
    case Options::Positions::kEscapeGaps: return {PositionScheme::kEscapeGaps};
    case Options::Positions::kBitmap: return {PositionScheme::kBitmap};
    case Options::Positions::kAuto: break;
  }
  std::vector<PositionScheme> all;
  if (paper_possible) all.push_back(PositionScheme::kPaperGaps);
  all.push_back(PositionScheme::kEscapeGaps);
  all.push_back(PositionScheme::kBitmap);
  return all;
}

// Encodes every candidate scheme, concurrently when threads > 1, and keeps the smallest; ties go
// to the earlier candidate, so the result does not depend on the thread count.
Result<SchemeStreams> encode_best_scheme(SchemeEncoder& schemes,
                                         const std::vector<PositionScheme>& candidates,
                                         unsigned threads) {
  std::vector<std::optional<Result<SchemeStreams>>> results(candidates.size());
  if (threads > 1 && candidates.size() > 1) {
    DCZ_TRY(schemes.prepare_shared());
    std::vector<std::thread> workers;
    for (std::size_t i = 0; i < candidates.size(); ++i) {
      workers.emplace_back([&, i] { results[i].emplace(schemes.encode(candidates[i])); });
    }
    for (std::thread& t : workers) t.join();
  } else {
    for (std::size_t i = 0; i < candidates.size(); ++i) results[i].emplace(schemes.encode(candidates[i]));
  }
  std::optional<SchemeStreams> best;
  for (std::optional<Result<SchemeStreams>>& r : results) {
    if (!r->is_ok()) return std::move(*r).take_status();
    if (!best || (*r)->size() < best->size()) best = std::move(**r);
  }
  return std::move(*best);
}

}  // namespace

Result<std::optional<EncodedTensor>> encode_sparse_codebook(const TensorView& tensor,
                                                            const SparseCodebookOptions& options) {
  if (!entropy::codebook_dtype_supported(tensor.dtype)) return std::optional<EncodedTensor>();
  DCZ_TRY(check_options(options));
  const std::uint64_t elements = tensor.element_count();
  DCZ_TRY(entropy::check_tensor_byte_count(tensor));
  std::optional<entropy::SparseTensor> sparse = entropy::split_sparse_tensor(tensor);
  if (!sparse) return std::optional<EncodedTensor>();
  const std::uint32_t k = std::uint32_t(sparse->codebook.size());
  if (options.index_bits != 0 && options.index_bits < entropy::bits_for_alphabet(k)) {
    return make_error(ErrorCode::kInvalidArgument,
                      "index width " + std::to_string(options.index_bits) + " cannot address " +
                          std::to_string(k) + " codebook entries");
  }
  const unsigned gap_bits = options.gap_bits != 0 ? options.gap_bits : default_gap_bits(tensor);
  SchemeEncoder schemes(*sparse, elements, gap_bits, options);
  const bool paper_possible = k < entropy::kCodebookMaxSize || !schemes.paper_needs_filler();
  if (options.positions == Options::Positions::kPaperGaps && !paper_possible) {
    return make_error(ErrorCode::kInvalidArgument,
                      "paper gaps need a filler index but the codebook already has 65536 entries");
  }
  DCZ_ASSIGN_OR_RETURN(SchemeStreams best,
                       encode_best_scheme(schemes, scheme_candidates(options.positions, paper_possible),
                                          options.threads));

  EncodedTensor out;
  out.representation = Representation::kSparseCodebook;
  entropy::SparseParams params;
  params.scheme = best.scheme;
  params.gap_bits = gap_bits;
  params.codebook_size = k;
  params.nonzeros = sparse->indices.size();
  out.params = entropy::write_sparse_params(params);
  DCZ_ASSIGN_OR_RETURN(EncodedStream codebook,
                       encode_codebook_stream(sparse->codebook, dtype_size(tensor.dtype), options));
  out.streams.push_back(std::move(codebook));
  for (EncodedStream& s : best.streams) out.streams.push_back(std::move(s));
  return std::optional<EncodedTensor>(std::move(out));
}

}  // namespace dcz
