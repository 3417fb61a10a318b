// decode_levels and account_levels. Both run the same chunk decoder, which checks every level
// against the codebook and calls back once per nonzero element.
#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "entropy/bit_io.h"
#include "entropy/codebook.h"
#include "entropy/levels.h"
#include "entropy/levels_params.h"
#include "entropy/stream_error.h"

namespace dcz {

namespace {

using entropy::LevelRange;
using entropy::stream_error;

struct LevelsStreams {
  entropy::LevelsParams params;
  entropy::LevelsGeometry geometry;
  const StreamView* codebook = nullptr;
  const StreamView* levels = nullptr;
};

// One chunk: whole rows, and its bytes inside the levels stream.
struct Chunk {
  std::uint64_t first_row = 0;
  std::uint64_t rows = 0;
  std::uint64_t offset = 0;
  std::uint64_t size = 0;
};

Status bad_entry(const std::string& what) {
  return make_error(ErrorCode::kBadTensorEntry, "levels tensor " + what);
}

Result<LevelsStreams> find_streams(const EncodedTensorView& t, DType dtype,
                                   std::span<const std::int64_t> dims) {
  if (t.representation != Representation::kLevels) return bad_entry("is not in the levels representation");
  if (!entropy::codebook_dtype_supported(dtype)) {
    return bad_entry("has dtype " + std::string(dtype_name(dtype)));
  }
  LevelsStreams s;
  s.geometry = entropy::levels_geometry(dims);
  DCZ_ASSIGN_OR_RETURN(s.params, entropy::read_levels_params(t.params, s.geometry));
  if (t.streams.size() != 2) return bad_entry("has " + std::to_string(t.streams.size()) + " streams, needs 2");
  if (t.streams[0].role != StreamRole::kCodebook || t.streams[1].role != StreamRole::kLevels) {
    return bad_entry("streams must be a codebook then levels");
  }
  s.codebook = &t.streams[0];
  s.levels = &t.streams[1];
  const StreamView& v = *s.levels;
  if (v.coding != StreamCoding::kAdaptiveBinary) {
    return stream_error(ErrorCode::kBadTensorEntry, v, 0, "levels coding must be 6 (adaptive binary)");
  }
  if (v.param != 0) return stream_error(ErrorCode::kReservedBitSet, v, 0, "levels param is reserved, not zero");
  const std::uint64_t elements = s.geometry.rows * s.geometry.row_length;
  if (v.decoded_size != elements) {
    return stream_error(ErrorCode::kBadSize, v, 0,
                        "decoded size " + std::to_string(v.decoded_size) + " but the tensor has " +
                            std::to_string(elements) + " elements");
  }
  return s;
}

Result<std::vector<Chunk>> chunks_of(const LevelsStreams& s) {
  const std::uint32_t count = s.params.chunk_count();
  std::vector<Chunk> chunks(count);
  std::uint64_t offset = 0;
  const std::uint64_t total = s.levels->bytes.size();
  for (std::uint32_t k = 0; k < count; ++k) {
    Chunk& c = chunks[k];
    c.first_row = entropy::levels_chunk_first_row(s.geometry.rows, count, k);
    c.rows = entropy::levels_chunk_first_row(s.geometry.rows, count, k + 1) - c.first_row;
    c.offset = offset;
    c.size = k + 1 < count ? s.params.chunk_sizes[k] : total - offset;
    if (c.size > total - offset) {
      return stream_error(ErrorCode::kStreamEndedEarly, *s.levels, total,
                          "chunk sizes in the params exceed the stream's " + std::to_string(total) +
                              " bytes at chunk " + std::to_string(k));
    }
    offset += c.size;
  }
  return chunks;
}

// Adds the ideal cost of each bin to one of two tallies: the significance bin (the first of an
// element) to positions, the others to weights. Informative accounting only.
class MeasuringDecoder {
 public:
  explicit MeasuringDecoder(entropy::RangeDecoder& d) : d_(d) {}
  void begin_element() { first_ = true; }
  unsigned decode(entropy::BitModel& m) {
    const double p0 = double(m.p0()) / entropy::kRangeProbOne;
    const unsigned bin = d_.decode(m);
    add(-std::log2(bin ? 1.0 - p0 : p0));
    return bin;
  }
  unsigned decode_equiprobable() {
    add(1.0);
    return d_.decode_equiprobable();
  }
  double position_bits = 0, weight_bits = 0;

 private:
  void add(double bits) {
    (first_ ? position_bits : weight_bits) += bits;
    first_ = false;
  }
  entropy::RangeDecoder& d_;
  bool first_ = true;
};

// Decodes one chunk, calling visit(element, codebook index) for each nonzero; counts them.
template <entropy::LevelContextSet kSet, class Wrap, class Visit>
Status decode_chunk(const LevelsStreams& s, const Chunk& c, const LevelRange& range, Wrap&& wrap,
                    Visit&& visit, std::uint64_t& nonzeros) {
  const StreamView& v = *s.levels;
  entropy::RangeDecoder raw(v.bytes.data() + c.offset, std::size_t(c.size));
  auto& dec = wrap(raw);
  auto contexts = std::make_unique<entropy::LevelContexts>();
  std::vector<std::int8_t> above(std::size_t(s.geometry.row_length), 0);
  entropy::LevelColumns<kSet> columns(above.size());
  std::uint64_t element = c.first_row * s.geometry.row_length;
  for (std::uint64_t r = 0; r < c.rows; ++r, columns.end_row()) {
    std::int8_t left = 0;
    for (std::size_t col = 0; col < above.size(); ++col, ++element) {
      if constexpr (requires { dec.begin_element(); }) dec.begin_element();
      const unsigned h = columns.column_class(col);
      if (!dec.decode(contexts->sig[entropy::level_sig_context<kSet>(left, above[col], h)])) {
        left = 0;
        above[col] = 0;
        continue;
      }
      std::int32_t level = 0;
      if (!entropy::decode_nonzero_level<kSet>(dec, *contexts, range, left, above[col], h, level)) {
        return stream_error(ErrorCode::kBadSymbol, v, c.offset + raw.position(),
                            "element " + std::to_string(element) +
                                ": level beyond the codebook's " + std::to_string(range.negatives) +
                                " negative and " + std::to_string(range.positives) + " positive entries");
      }
      left = entropy::level_clamp(level);
      above[col] = left;
      columns.add_nonzero(col);
      visit(element, entropy::level_to_index(level, range.negatives));
      ++nonzeros;
    }
  }
  if (raw.overran()) {
    return stream_error(ErrorCode::kStreamEndedEarly, v, c.offset + c.size,
                        "chunk at stream byte " + std::to_string(c.offset) + " ends before its last level");
  }
  if (raw.position() < c.size) {
    return stream_error(ErrorCode::kStreamTrailingData, v, c.offset + raw.position(),
                        "bytes after the chunk's last level");
  }
  if (!raw.clean_end()) {
    return stream_error(ErrorCode::kBadCompressedData, v, c.offset,
                        "chunk does not end on the value its encoder flushed");
  }
  return Status::ok();
}

// decode_chunk with the tensor's context set (read_levels_params admits only the known ones).
template <class Wrap, class Visit>
Status decode_chunk_with_set(const LevelsStreams& s, const Chunk& c, const LevelRange& range,
                             Wrap&& wrap, Visit&& visit, std::uint64_t& nonzeros) {
  if (s.params.context_set == entropy::LevelContextSet::kColumnActivity) {
    return decode_chunk<entropy::LevelContextSet::kColumnActivity>(s, c, range, wrap, visit, nonzeros);
  }
  return decode_chunk<entropy::LevelContextSet::kNeighbours>(s, c, range, wrap, visit, nonzeros);
}

Status check_nonzeros(const LevelsStreams& s, std::uint64_t nonzeros) {
  if (nonzeros == s.params.nonzeros) return Status::ok();
  return stream_error(ErrorCode::kBadPositions, *s.levels, 0,
                      std::to_string(nonzeros) + " nonzero levels, params say " +
                          std::to_string(s.params.nonzeros));
}

auto plain = [](entropy::RangeDecoder& d) -> entropy::RangeDecoder& { return d; };

// A tensor whose params, stream list, codebook and chunk table passed every check.
struct Checked {
  LevelsStreams s;
  std::vector<std::uint64_t> codebook;
  std::vector<Chunk> chunks;
  LevelRange range;
};

Result<Checked> check(const EncodedTensorView& tensor, DType dtype, std::span<const std::int64_t> dims) {
  Checked t;
  DCZ_ASSIGN_OR_RETURN(t.s, find_streams(tensor, dtype, dims));
  DCZ_ASSIGN_OR_RETURN(t.codebook,
                       entropy::read_codebook_stream(*t.s.codebook, dtype, t.s.params.codebook_size));
  DCZ_ASSIGN_OR_RETURN(t.chunks, chunks_of(t.s));
  const std::uint32_t negatives = entropy::codebook_negatives(t.codebook, dtype);
  t.range = {negatives, std::uint32_t(t.codebook.size()) - negatives};
  return t;
}

template <std::size_t kSize>
Status decode_all(const Checked& t, std::uint8_t* out, unsigned threads) {
  const LevelsStreams& s = t.s;
  const std::vector<Chunk>& chunks = t.chunks;
  const std::vector<std::uint64_t>& codebook = t.codebook;
  std::vector<Status> status(chunks.size());
  std::vector<std::uint64_t> nonzeros(chunks.size(), 0);
  auto run = [&](std::size_t k) {
    status[k] = decode_chunk_with_set(s, chunks[k], t.range, plain,
                             [&](std::uint64_t element, std::uint32_t index) {
                               std::memcpy(out + element * kSize, &codebook[index], kSize);
                             },
                             nonzeros[k]);
  };
  const std::size_t workers = std::min<std::size_t>(threads, chunks.size());
  if (workers > 1) {
    std::vector<std::thread> pool;
    for (std::size_t w = 0; w < workers; ++w) {
      pool.emplace_back([&, w] {
        for (std::size_t k = w; k < chunks.size(); k += workers) run(k);
      });
    }
    for (std::thread& worker : pool) worker.join();
  } else {
    for (std::size_t k = 0; k < chunks.size(); ++k) run(k);
  }
  std::uint64_t total = 0;
  for (std::size_t k = 0; k < chunks.size(); ++k) {
    if (!status[k].is_ok()) return std::move(status[k]);
    total += nonzeros[k];
  }
  return check_nonzeros(s, total);
}

}  // namespace

Status decode_levels(const EncodedTensorView& tensor, DType dtype, std::span<const std::int64_t> dims,
                     std::span<std::uint8_t> out, bool out_is_zeroed, unsigned threads) {
  DCZ_ASSIGN_OR_RETURN(Checked t, check(tensor, dtype, dims));
  const std::size_t value_size = dtype_size(dtype);
  const std::uint64_t elements = t.s.geometry.rows * t.s.geometry.row_length;
  if (out.size() / value_size != elements || out.size() % value_size != 0) {
    return make_error(ErrorCode::kInvalidArgument,
                      "output has " + std::to_string(out.size()) + " bytes for " +
                          std::to_string(elements) + " elements of " + std::string(dtype_name(dtype)));
  }
  if (!out_is_zeroed) std::memset(out.data(), 0, out.size());
  switch (value_size) {
    case 1: return decode_all<1>(t, out.data(), threads);
    case 2: return decode_all<2>(t, out.data(), threads);
    case 4: return decode_all<4>(t, out.data(), threads);
    default: return decode_all<8>(t, out.data(), threads);
  }
}

Result<SparseAccounting> account_levels(const EncodedTensorView& tensor, DType dtype,
                                        std::span<const std::int64_t> dims) {
  DCZ_ASSIGN_OR_RETURN(Checked t, check(tensor, dtype, dims));
  const LevelsStreams& s = t.s;
  const std::vector<std::uint64_t>& codebook = t.codebook;

  const unsigned b = s.params.gap_bits;
  std::vector<std::uint64_t> index_histogram(codebook.size(), 0);
  std::vector<std::uint64_t> gap_histogram(std::size_t{1} << b, 0);
  std::uint64_t fillers = 0, next = 0, nonzeros = 0;
  double position_bits = 0, weight_bits = 0;
  for (const Chunk& c : t.chunks) {
    std::unique_ptr<MeasuringDecoder> meter;
    auto wrap = [&](entropy::RangeDecoder& d) -> MeasuringDecoder& {
      meter = std::make_unique<MeasuringDecoder>(d);
      return *meter;
    };
    DCZ_TRY(decode_chunk_with_set(s, c, t.range, wrap,
                         [&](std::uint64_t element, std::uint32_t index) {
                           const std::uint64_t run = element - next;
                           fillers += run >> b;
                           gap_histogram.back() += run >> b;
                           ++gap_histogram[std::size_t(run & ((std::uint64_t{1} << b) - 1))];
                           ++index_histogram[index];
                           next = element + 1;
                         },
                         nonzeros));
    position_bits += meter->position_bits;
    weight_bits += meter->weight_bits;
  }
  DCZ_TRY(check_nonzeros(s, nonzeros));

  SparseAccounting a;
  a.weights = s.geometry.rows * s.geometry.row_length;
  a.nonzeros = nonzeros;
  a.codebook_size = codebook.size();
  a.codebook_bytes = codebook.size() * dtype_size(dtype);
  a.position_scheme = s.params.context_set == entropy::LevelContextSet::kColumnActivity
                          ? entropy::kLevelsColumnsSchemeId
                          : entropy::kLevelsSchemeId;
  a.gap_bits = b;
  a.index_bits = entropy::bits_for_alphabet(codebook.size());
  a.paper_fillers = fillers;
  a.paper_entries = nonzeros + fillers;
  a.paper_index_bits = a.paper_entries * b;
  a.paper_weight_bits = a.paper_entries * a.index_bits;
  a.stored_codebook_bytes = s.codebook->bytes.size();
  const std::uint64_t stored = s.levels->bytes.size();
  const double total_bits = position_bits + weight_bits;
  a.stored_position_bytes =
      total_bits > 0 ? std::uint64_t(std::llround(double(stored) * position_bits / total_bits)) : stored;
  a.stored_index_bytes = stored - a.stored_position_bytes;
  a.index_entropy_bits = entropy::histogram_entropy_bits(index_histogram);
  a.paper_gap_entropy_bits = entropy::histogram_entropy_bits(gap_histogram);
  return a;
}

}  // namespace dcz
