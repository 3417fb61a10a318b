#include "entropy/positions.h"

#include <bit>
#include <cassert>

#include "entropy/bit_io.h"

namespace dcz::entropy {

std::uint64_t paper_filler_count(std::span<const std::uint64_t> zero_runs, unsigned gap_bits) {
  std::uint64_t fillers = 0;
  for (std::uint64_t z : zero_runs) fillers += z >> gap_bits;
  return fillers;
}

PaperGapStreams paper_gaps_encode(std::span<const std::uint64_t> zero_runs,
                                  std::span<const std::uint16_t> indices, unsigned gap_bits,
                                  std::uint16_t filler_index) {
  assert(gap_bits >= 1 && gap_bits <= kPaperGapBitsMax && zero_runs.size() == indices.size());
  const std::uint64_t max_gap = (std::uint64_t{1} << gap_bits) - 1;
  PaperGapStreams out;
  const std::size_t entries = zero_runs.size() + std::size_t(paper_filler_count(zero_runs, gap_bits));
  out.gaps.reserve(entries);
  out.indices.reserve(entries);
  for (std::size_t i = 0; i < zero_runs.size(); ++i) {
    for (std::uint64_t f = zero_runs[i] >> gap_bits; f > 0; --f) {
      out.gaps.push_back(std::uint16_t(max_gap));
      out.indices.push_back(filler_index);
    }
    out.gaps.push_back(std::uint16_t(zero_runs[i] & max_gap));
    out.indices.push_back(indices[i]);
  }
  return out;
}

EscapeCode escape_code(std::uint64_t run) {
  if (run < kEscapeLiteralRuns) return {std::uint16_t(run), 0, 0};
  const unsigned octave = unsigned(std::bit_width(run)) - 1;  // 4..63
  const unsigned half = unsigned(run >> (octave - 1)) & 1u;
  const unsigned extra = octave - 1;
  return {std::uint16_t(kEscapeLiteralRuns + (octave - 4) * 2 + half), extra,
          run & ((std::uint64_t{1} << extra) - 1)};
}

EscapeGapStreams escape_gaps_encode(std::span<const std::uint64_t> zero_runs) {
  EscapeGapStreams out;
  out.symbols.reserve(zero_runs.size());
  BitWriter extra(out.extra);
  for (std::uint64_t z : zero_runs) {
    EscapeCode c = escape_code(z);
    out.symbols.push_back(c.symbol);
    if (c.extra_bits > 0) extra.put_wide(c.extra_value, c.extra_bits);
  }
  extra.finish();
  return out;
}

std::vector<std::uint16_t> bitmap_encode(std::span<const std::uint64_t> zero_runs,
                                         std::uint64_t element_count) {
  std::vector<std::uint16_t> bits(element_count, 0);
  std::uint64_t pos = 0;
  for (std::uint64_t z : zero_runs) {
    pos += z;
    bits[pos] = 1;
    ++pos;
  }
  return bits;
}

}  // namespace dcz::entropy
