// decode_sparse_codebook and account_sparse_codebook. Both read the streams through the same
// walker, which checks every position against the tensor and calls back once per entry.
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "entropy/bit_io.h"
#include "entropy/codebook.h"
#include "entropy/fixed_bits.h"
#include "entropy/huffman.h"
#include "entropy/positions.h"
#include "entropy/sparse_codebook.h"
#include "entropy/sparse_params.h"
#include "entropy/stream_error.h"
#include "entropy/symbol_stream.h"
#include "entropy/zstd_symbols.h"

namespace dcz {

namespace {

using entropy::PositionScheme;
using entropy::stream_error;

struct SparseStreams {
  entropy::SparseParams params;
  const StreamView* codebook = nullptr;
  const StreamView* indices = nullptr;
  const StreamView* positions = nullptr;
  const StreamView* extra = nullptr;  // escape gaps only
};

Status expect_role(const EncodedTensorView& t, std::size_t i, StreamRole role) {
  if (t.streams[i].role != role) {
    return make_error(ErrorCode::kBadTensorEntry,
                      "sparse codebook stream " + std::to_string(i) + " has role " +
                          std::to_string(int(t.streams[i].role)) + ", expected " +
                          std::string(entropy::stream_role_name(role)));
  }
  return Status::ok();
}

Result<SparseStreams> find_streams(const EncodedTensorView& t, DType dtype,
                                   std::uint64_t element_count) {
  if (t.representation != Representation::kSparseCodebook) {
    return make_error(ErrorCode::kBadTensorEntry, "tensor is not in the sparse codebook representation");
  }
  if (!entropy::codebook_dtype_supported(dtype)) {
    return make_error(ErrorCode::kBadTensorEntry,
                      "sparse codebook representation with dtype " + std::string(dtype_name(dtype)));
  }
  SparseStreams s;
  DCZ_ASSIGN_OR_RETURN(s.params, entropy::read_sparse_params(t.params, element_count));
  const std::size_t expected = s.params.scheme == PositionScheme::kEscapeGaps ? 4 : 3;
  if (t.streams.size() != expected) {
    return make_error(ErrorCode::kBadTensorEntry,
                      "sparse codebook tensor has " + std::to_string(t.streams.size()) +
                          " streams, its position scheme needs " + std::to_string(expected));
  }
  DCZ_TRY(expect_role(t, 0, StreamRole::kCodebook));
  DCZ_TRY(expect_role(t, 1, StreamRole::kIndices));
  DCZ_TRY(expect_role(t, 2, StreamRole::kPositions));
  s.codebook = &t.streams[0];
  s.indices = &t.streams[1];
  s.positions = &t.streams[2];
  if (expected == 4) {
    DCZ_TRY(expect_role(t, 3, StreamRole::kPositionExtra));
    s.extra = &t.streams[3];
    if (s.extra->coding != StreamCoding::kRaw || s.extra->decoded_size != s.extra->bytes.size()) {
      return stream_error(ErrorCode::kBadTensorEntry, *s.extra, 0,
                          "position-extra stream must be raw with decoded size = stored size");
    }
  }
  return s;
}

// Decoded codebook values (bit patterns), checked.
Result<std::vector<std::uint64_t>> read_codebook(const SparseStreams& s, DType dtype) {
  const StreamView& v = *s.codebook;
  const std::uint64_t expect = std::uint64_t(s.params.codebook_size) * dtype_size(dtype);
  if (v.decoded_size != expect) {
    return stream_error(ErrorCode::kBadCodebook, v, 0,
                        "decoded size " + std::to_string(v.decoded_size) + " but " +
                            std::to_string(s.params.codebook_size) + " entries need " +
                            std::to_string(expect) + " bytes");
  }
  if (v.coding == StreamCoding::kRaw) {
    return entropy::parse_codebook(v, v.bytes, dtype, s.params.codebook_size);
  }
  if (v.coding != StreamCoding::kZstd) {
    return stream_error(ErrorCode::kBadTensorEntry, v, 0, "codebook coding must be raw or zstd");
  }
  std::vector<std::uint8_t> raw(static_cast<std::size_t>(expect));
  if (!raw.empty() || !v.bytes.empty()) DCZ_TRY(entropy::zstd_bytes_decode(v, raw));
  return entropy::parse_codebook(v, raw, dtype, s.params.codebook_size);
}

// Symbol counts each stream must have, from the params; checked before anything is allocated.
Status check_symbol_counts(const SparseStreams& s, std::uint64_t element_count) {
  const std::uint64_t nnz = s.params.nonzeros;
  const std::uint64_t n_idx = s.indices->decoded_size;
  const std::uint64_t n_pos = s.positions->decoded_size;
  bool ok = true;
  switch (s.params.scheme) {
    case PositionScheme::kPaperGaps: ok = n_idx == n_pos && n_idx >= nnz && n_idx <= element_count; break;
    case PositionScheme::kEscapeGaps: ok = n_idx == nnz && n_pos == nnz; break;
    case PositionScheme::kBitmap: ok = n_idx == nnz && n_pos == element_count; break;
  }
  if (!ok) {
    return stream_error(ErrorCode::kBadSize, *s.positions, 0,
                        std::to_string(n_idx) + " indices and " + std::to_string(n_pos) +
                            " position symbols do not fit " + std::to_string(nnz) +
                            " nonzeros in " + std::to_string(element_count) + " elements");
  }
  return Status::ok();
}

// The symbol streams of one tensor, decoded into per-thread buffers that are reused from tensor
// to tensor (an allocation and a zeroing pass per stream cost more than decoding a small one).
struct DecodedSymbols {
  std::span<const std::uint16_t> indices;
  std::span<const std::uint16_t> positions;  // empty for a packed bitmap, which is read in place
};

class SymbolScratch {
 public:
  std::span<std::uint16_t> indices(std::size_t n) { return take(indices_, n); }
  std::span<std::uint16_t> positions(std::size_t n) { return take(positions_, n); }
  // Buffers above this many symbols are freed after use rather than kept for the thread's life.
  static constexpr std::size_t kKeepSymbols = std::size_t{1} << 20;
  void trim() {
    if (indices_.capacity() > kKeepSymbols) std::vector<std::uint16_t>().swap(indices_);
    if (positions_.capacity() > kKeepSymbols) std::vector<std::uint16_t>().swap(positions_);
  }

 private:
  static std::span<std::uint16_t> take(std::vector<std::uint16_t>& v, std::size_t n) {
    if (v.size() < n) v.resize(n);
    return {v.data(), n};
  }
  std::vector<std::uint16_t> indices_, positions_;
};

SymbolScratch& thread_scratch() {
  thread_local SymbolScratch scratch;
  return scratch;
}

struct ScratchTrim {
  ~ScratchTrim() { thread_scratch().trim(); }
};

// A bitmap in fixed bits of width 1 is read in place, 64 elements per word, instead of being
// expanded to one symbol per element.
bool is_packed_bitmap(const SparseStreams& s) {
  return s.params.scheme == PositionScheme::kBitmap &&
         s.positions->coding == StreamCoding::kFixedBits && s.positions->param == 1 &&
         s.positions->decoded_size > 0;
}

// Both symbol streams Huffman-coded and nonempty (the usual case): they are decoded together.
// Anything else goes through decode_symbol_stream, which also rejects what the pair would not
// see (a nonzero Huffman param, bytes in a stream of no symbols).
bool huffman_pair(const SparseStreams& s) {
  auto plain = [](const StreamView& v) {
    return v.coding == StreamCoding::kHuffman && v.param == 0 && v.decoded_size > 0;
  };
  return plain(*s.indices) && plain(*s.positions);
}

Result<DecodedSymbols> decode_symbols(const SparseStreams& s) {
  const std::uint32_t k = s.params.codebook_size;
  const bool paper = s.params.scheme == PositionScheme::kPaperGaps;
  std::uint32_t pos_alphabet = entropy::kBitmapAlphabetSize;
  if (paper) pos_alphabet = 1u << s.params.gap_bits;
  if (s.params.scheme == PositionScheme::kEscapeGaps) pos_alphabet = entropy::kEscapeAlphabetSize;
  SymbolScratch& scratch = thread_scratch();
  DecodedSymbols d;
  const std::span<std::uint16_t> indices = scratch.indices(std::size_t(s.indices->decoded_size));
  const std::uint32_t index_alphabet = paper ? k + 1 : k;
  d.indices = indices;
  if (is_packed_bitmap(s)) {
    DCZ_TRY(entropy::decode_symbol_stream(*s.indices, index_alphabet, indices));
    DCZ_TRY(entropy::fixed_bits_check_layout(*s.positions, s.positions->decoded_size));
    return d;
  }
  const std::span<std::uint16_t> positions =
      scratch.positions(std::size_t(s.positions->decoded_size));
  d.positions = positions;
  if (huffman_pair(s)) {
    DCZ_TRY(entropy::huffman_decode_pair(*s.indices, index_alphabet, indices, *s.positions,
                                         pos_alphabet, positions));
    return d;
  }
  DCZ_TRY(entropy::decode_symbol_stream(*s.indices, index_alphabet, indices));
  DCZ_TRY(entropy::decode_symbol_stream(*s.positions, pos_alphabet, positions));
  return d;
}

Status past_end(const StreamView& v, std::uint64_t entry, std::uint64_t element_count) {
  return stream_error(ErrorCode::kBadPositions, v, 0,
                      "entry " + std::to_string(entry) + " lies past the tensor's " +
                          std::to_string(element_count) + " elements");
}

// Calls visit(position, index) for every nonzero in order, checking the positions. The walks take
// the visitor by value: a local copy keeps its captures in registers, where one reached through a
// reference would be reloaded after every store the visitor makes through a byte pointer.
template <class Visit>
Status walk_paper(const SparseStreams& s, const DecodedSymbols& d, std::uint64_t element_count,
                  Visit visit) {
  // The filler index is K; with K = 65536 no u16 symbol can be a filler.
  const std::uint32_t filler = s.params.codebook_size;
  const std::uint64_t max_gap = (std::uint64_t{1} << s.params.gap_bits) - 1;
  std::uint64_t pos = 0;
  std::uint64_t nonzeros = 0;
  // Plain local pointers: the visitor stores through a byte pointer, which could alias anything
  // reached through a reference, and would make the compiler reload them at every entry.
  const std::uint16_t* const gaps = d.positions.data();
  const std::uint16_t* const indices = d.indices.data();
  const std::size_t n = d.positions.size();
  for (std::size_t e = 0; e < n; ++e) {
    const std::uint64_t gap = gaps[e];
    if (gap >= element_count - pos) return past_end(*s.positions, e, element_count);
    pos += gap;
    if (std::uint32_t(indices[e]) == filler) {
      if (gap != max_gap || e + 1 == n) {
        return stream_error(ErrorCode::kBadPositions, *s.positions, 0,
                            "filler entry " + std::to_string(e) +
                                (gap != max_gap ? " has a gap below the maximum" : " ends the stream"));
      }
    } else {
      visit(pos, indices[e]);
      ++nonzeros;
    }
    ++pos;
  }
  if (nonzeros != s.params.nonzeros) {
    return stream_error(ErrorCode::kBadPositions, *s.positions, 0,
                        std::to_string(nonzeros) + " nonzero entries, params say " +
                            std::to_string(s.params.nonzeros));
  }
  return Status::ok();
}

template <class Visit>
Status walk_escape(const SparseStreams& s, const DecodedSymbols& d, std::uint64_t element_count,
                   Visit visit) {
  entropy::BitReader extra(s.extra->bytes);
  std::uint64_t pos = 0;
  const std::uint16_t* const symbols = d.positions.data();  // locals: see walk_paper
  const std::uint16_t* const indices = d.indices.data();
  const std::size_t n = d.positions.size();
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint16_t symbol = symbols[i];
    std::uint64_t run = symbol;
    if (symbol >= entropy::kEscapeLiteralRuns) {  // literal runs (most of them) read no extra bits
      run = entropy::escape_run(symbol, extra.get_wide(entropy::escape_extra_bits(symbol)));
      if (extra.overran()) {
        return stream_error(ErrorCode::kStreamEndedEarly, *s.extra, s.extra->bytes.size(),
                            "extra bits of gap " + std::to_string(i) + " run past the stream");
      }
    }
    if (run >= element_count - pos) return past_end(*s.positions, i, element_count);
    pos += run;
    visit(pos, indices[i]);
    ++pos;
  }
  if (!extra.at_clean_end()) {
    return stream_error(ErrorCode::kStreamTrailingData, *s.extra, extra.consumed_bits() / 8,
                        "bytes or nonzero bits after the last gap's extra bits");
  }
  return Status::ok();
}

Status bitmap_too_many(const SparseStreams& s, std::uint64_t pos, std::size_t nonzeros) {
  return stream_error(ErrorCode::kBadPositions, *s.positions, pos / 8,
                      "bitmap marks more than the " + std::to_string(nonzeros) + " nonzeros");
}

Status bitmap_count_check(const SparseStreams& s, std::size_t marked, std::size_t nonzeros) {
  if (marked == nonzeros) return Status::ok();
  return stream_error(ErrorCode::kBadPositions, *s.positions, 0,
                      "bitmap marks " + std::to_string(marked) + " elements for " +
                          std::to_string(nonzeros) + " nonzeros");
}

// Padding bits were checked to be zero, so no set bit lies past the tensor.
template <class Visit>
Status walk_packed_bitmap(const SparseStreams& s, const DecodedSymbols& d, Visit visit) {
  const std::span<const std::uint8_t> bits = s.positions->bytes;
  std::size_t next = 0;
  for (std::size_t byte = 0; byte < bits.size(); byte += 8) {
    std::uint64_t word = 0;
    std::memcpy(&word, bits.data() + byte, std::min<std::size_t>(8, bits.size() - byte));
    for (; word != 0; word &= word - 1) {
      const std::uint64_t pos = std::uint64_t(byte) * 8 + unsigned(std::countr_zero(word));
      if (next == d.indices.size()) return bitmap_too_many(s, pos, d.indices.size());
      visit(pos, d.indices[next++]);
    }
  }
  return bitmap_count_check(s, next, d.indices.size());
}

template <class Visit>
Status walk_bitmap(const SparseStreams& s, const DecodedSymbols& d, Visit visit) {
  if (is_packed_bitmap(s)) return walk_packed_bitmap(s, d, visit);
  std::size_t next = 0;
  for (std::size_t pos = 0; pos < d.positions.size(); ++pos) {
    if (d.positions[pos] == 0) continue;
    if (next == d.indices.size()) return bitmap_too_many(s, pos, d.indices.size());
    visit(pos, d.indices[next++]);
  }
  return bitmap_count_check(s, next, d.indices.size());
}

template <class Visit>
Status walk(const SparseStreams& s, const DecodedSymbols& d, std::uint64_t element_count,
            Visit&& visit) {
  switch (s.params.scheme) {
    case PositionScheme::kPaperGaps: return walk_paper(s, d, element_count, visit);
    case PositionScheme::kEscapeGaps: return walk_escape(s, d, element_count, visit);
    case PositionScheme::kBitmap: return walk_bitmap(s, d, visit);
  }
  return Status::ok();
}

// The extra bits of escape gaps, read 8 bytes at a time where the stream has them (the general
// BitReader reads a byte at a time). Past the end it reads zero bits; consumed() then exceeds
// the stream, which the caller checks once at the end.
class ExtraBits {
 public:
  explicit ExtraBits(std::span<const std::uint8_t> bytes) : data_(bytes.data()), size_(bytes.size()) {}
  // bits <= 32
  std::uint64_t get(unsigned bits) {
    if (count_ < 32) refill();
    const std::uint64_t v = buf_ & ((std::uint64_t{1} << bits) - 1);
    buf_ >>= bits;
    count_ -= bits;
    return v;
  }
  std::uint64_t consumed() const { return std::uint64_t(next_) * 8 - count_; }

 private:
  void refill() {
    if (next_ + 8 <= size_) {
      buf_ |= entropy::load_le64(data_ + next_) << count_;
      next_ += (63 - count_) >> 3;
      count_ |= 56;
      return;
    }
    while (count_ <= 56) {
      const std::uint64_t byte = next_ < size_ ? data_[next_] : 0;
      buf_ |= byte << count_;
      ++next_;
      count_ += 8;
    }
  }
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t next_ = 0;
  std::uint64_t buf_ = 0;
  unsigned count_ = 0;
};

// Clears an output that is not known to be zero a block at a time just ahead of the values, so
// each block is written while it is in L1 instead of once by memset and again, after eviction, by
// the values; on fresh pages the page faults then also come one block at a time, in the thread
// that decodes. An output known to be zero starts out covered and is never written here.
template <std::size_t kSize>
class ZeroAhead {
 public:
  ZeroAhead(std::uint8_t* out, std::uint64_t element_count, bool out_is_zeroed)
      : out_(out), count_(element_count), zeroed_(out_is_zeroed ? element_count : 0) {}
  // Elements [0, pos] are clear or hold values when this returns.
  void cover(std::uint64_t pos) {
    while (pos >= zeroed_) {
      const std::uint64_t end = std::min(count_, zeroed_ + kBlock);
      std::memset(out_ + zeroed_ * kSize, 0, (end - zeroed_) * kSize);
      zeroed_ = end;
    }
  }
  void finish() {
    if (zeroed_ < count_) std::memset(out_ + zeroed_ * kSize, 0, (count_ - zeroed_) * kSize);
    zeroed_ = count_;
  }

 private:
  static constexpr std::uint64_t kBlock = 16384 / kSize;  // elements
  std::uint8_t* out_;
  std::uint64_t count_;
  std::uint64_t zeroed_;
};

// Escape gaps straight into the output, without branches on the gap class (a literal run and an
// escaped one alternate unpredictably). Returns false on anything unusual — a run past the
// tensor, more than 32 extra bits, extra bits that overrun or leave bytes — and the caller then
// runs the general walk, which finds and reports the exact problem.
template <std::size_t kSize>
bool scatter_escape_fast(const SparseStreams& s, const DecodedSymbols& d,
                         const std::uint64_t* values, std::uint64_t element_count,
                         std::uint8_t* out, bool out_is_zeroed) {
  ExtraBits extra(s.extra->bytes);
  ZeroAhead<kSize> zero(out, element_count, out_is_zeroed);
  const std::uint16_t* const symbols = d.positions.data();
  const std::uint16_t* const indices = d.indices.data();
  const std::size_t n = d.positions.size();
  std::uint64_t pos = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const unsigned symbol = symbols[i];
    const bool escaped = symbol >= entropy::kEscapeLiteralRuns;
    const unsigned c = escaped ? symbol - entropy::kEscapeLiteralRuns : 0;  // class, as positions.h
    const unsigned octave = 4 + c / 2;
    const unsigned bits = escaped ? octave - 1 : 0;
    if (bits > 32) return false;
    const std::uint64_t low = extra.get(bits);
    const std::uint64_t escape =
        (std::uint64_t{1} << octave) | std::uint64_t(c & 1u) << (octave - 1) | low;
    const std::uint64_t run = escaped ? escape : symbol;
    if (run >= element_count - pos) return false;
    pos += run;
    zero.cover(pos);
    std::memcpy(out + pos * kSize, values + indices[i], kSize);  // little-endian: low bytes
    ++pos;
  }
  zero.finish();
  const std::span<const std::uint8_t> bytes = s.extra->bytes;
  const std::uint64_t used = extra.consumed();
  if (used > std::uint64_t(bytes.size()) * 8 || (used + 7) / 8 != bytes.size()) return false;
  return used % 8 == 0 || (bytes.back() >> (used % 8)) == 0;
}

// `out_is_zeroed`: see decode_sparse_codebook.
template <std::size_t kSize>
Status scatter(const SparseStreams& s, const DecodedSymbols& d,
               const std::vector<std::uint64_t>& codebook, std::uint64_t element_count,
               std::uint8_t* out, bool out_is_zeroed) {
  const std::uint64_t* const values = codebook.data();
  if (s.params.scheme == PositionScheme::kEscapeGaps &&
      scatter_escape_fast<kSize>(s, d, values, element_count, out, out_is_zeroed)) {
    return Status::ok();
  }
  // The general walk, clearing from the start again (also after a fast pass that stopped early:
  // what that pass wrote is a prefix of what this walk writes).
  ZeroAhead<kSize> zero(out, element_count, out_is_zeroed);
  DCZ_TRY(walk(s, d, element_count, [out, values, &zero](std::uint64_t pos, std::uint16_t index) {
    zero.cover(pos);
    std::memcpy(out + pos * kSize, values + index, kSize);  // little-endian host: low bytes
  }));
  zero.finish();
  return Status::ok();
}

}  // namespace

Status decode_sparse_codebook(const EncodedTensorView& tensor, DType dtype,
                              std::uint64_t element_count, std::span<std::uint8_t> out,
                              bool out_is_zeroed) {
  const std::size_t value_size = dtype_size(dtype);
  if (value_size == 0 || out.size() / value_size != element_count || out.size() % value_size) {
    return make_error(ErrorCode::kInvalidArgument,
                      "output has " + std::to_string(out.size()) + " bytes for " +
                          std::to_string(element_count) + " elements of " +
                          std::string(dtype_name(dtype)));
  }
  DCZ_ASSIGN_OR_RETURN(SparseStreams s, find_streams(tensor, dtype, element_count));
  DCZ_ASSIGN_OR_RETURN(std::vector<std::uint64_t> codebook, read_codebook(s, dtype));
  DCZ_TRY(check_symbol_counts(s, element_count));
  const ScratchTrim trim;
  DCZ_ASSIGN_OR_RETURN(DecodedSymbols d, decode_symbols(s));
  switch (value_size) {
    case 1: return scatter<1>(s, d, codebook, element_count, out.data(), out_is_zeroed);
    case 2: return scatter<2>(s, d, codebook, element_count, out.data(), out_is_zeroed);
    case 4: return scatter<4>(s, d, codebook, element_count, out.data(), out_is_zeroed);
    default: return scatter<8>(s, d, codebook, element_count, out.data(), out_is_zeroed);
  }
}

Result<SparseAccounting> account_sparse_codebook(const EncodedTensorView& tensor, DType dtype,
                                                 std::uint64_t element_count) {
  DCZ_ASSIGN_OR_RETURN(SparseStreams s, find_streams(tensor, dtype, element_count));
  DCZ_ASSIGN_OR_RETURN(std::vector<std::uint64_t> codebook, read_codebook(s, dtype));
  DCZ_TRY(check_symbol_counts(s, element_count));
  const ScratchTrim trim;
  DCZ_ASSIGN_OR_RETURN(DecodedSymbols d, decode_symbols(s));

  const unsigned b = s.params.gap_bits;
  std::vector<std::uint64_t> index_histogram(codebook.size(), 0);
  std::vector<std::uint64_t> gap_histogram(std::size_t{1} << b, 0);
  std::uint64_t fillers = 0;
  std::uint64_t next = 0;  // the element after the previous nonzero
  DCZ_TRY(walk(s, d, element_count, [&](std::uint64_t pos, std::uint16_t index) {
    const std::uint64_t run = pos - next;
    fillers += run >> b;
    gap_histogram.back() += run >> b;
    ++gap_histogram[std::size_t(run & ((std::uint64_t{1} << b) - 1))];
    ++index_histogram[index];
    next = pos + 1;
  }));

  SparseAccounting a;
  a.weights = element_count;
  a.nonzeros = s.params.nonzeros;
  a.codebook_size = codebook.size();
  a.codebook_bytes = codebook.size() * dtype_size(dtype);
  a.position_scheme = std::uint8_t(s.params.scheme);
  a.gap_bits = b;
  a.index_bits = entropy::bits_for_alphabet(codebook.size());
  a.paper_fillers = fillers;
  a.paper_entries = a.nonzeros + fillers;
  a.paper_index_bits = a.paper_entries * b;
  a.paper_weight_bits = a.paper_entries * a.index_bits;
  a.stored_codebook_bytes = s.codebook->bytes.size();
  a.stored_index_bytes = s.indices->bytes.size();
  a.stored_position_bytes = s.positions->bytes.size();
  a.stored_extra_bytes = s.extra ? s.extra->bytes.size() : 0;
  a.index_entropy_bits = entropy::histogram_entropy_bits(index_histogram);
  a.paper_gap_entropy_bits = entropy::histogram_entropy_bits(gap_histogram);
  return a;
}

}  // namespace dcz
