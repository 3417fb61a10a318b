// Where the nonzeros of a sparse tensor are (format/SPEC.md, "Position schemes"). All three
// schemes turn the zero runs before each nonzero into a symbol stream:
//   paper gaps  — the paper's fixed-width relative index: a run of z zeros is floor(z / 2^b)
//                 filler entries (each the gap 2^b - 1 followed by a zero-valued entry) and then
//                 the gap z mod 2^b; fillers carry the filler index K in the index stream;
//   escape gaps — unbounded runs as length classes: 0..15 literally, longer runs as a class
//                 symbol plus extra bits in the kPositionExtra stream;
//   bitmap      — one symbol (0 or 1) per element.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace dcz::entropy {

enum class PositionScheme : std::uint8_t { kPaperGaps = 0, kEscapeGaps = 1, kBitmap = 2 };

inline constexpr unsigned kPaperGapBitsMax = 16;
inline constexpr unsigned kEscapeLiteralRuns = 16;      // runs 0..15 are their own symbol
inline constexpr std::uint32_t kEscapeAlphabetSize = 136;  // 16 literals + 2 classes x 60 octaves
inline constexpr std::uint32_t kBitmapAlphabetSize = 2;

// floor(z / 2^b) summed over the runs: the filler entries the paper scheme needs.
std::uint64_t paper_filler_count(std::span<const std::uint64_t> zero_runs, unsigned gap_bits);

struct PaperGapStreams {
  std::vector<std::uint16_t> gaps;     // one per entry (nonzeros and fillers)
  std::vector<std::uint16_t> indices;  // codebook index per entry; fillers get filler_index
};
PaperGapStreams paper_gaps_encode(std::span<const std::uint64_t> zero_runs,
                                  std::span<const std::uint16_t> indices, unsigned gap_bits,
                                  std::uint16_t filler_index);

// Escape class of a run: symbol, and the extra bits that follow it in kPositionExtra.
struct EscapeCode {
  std::uint16_t symbol;
  unsigned extra_bits;
  std::uint64_t extra_value;
};
EscapeCode escape_code(std::uint64_t run);
// The run for a class symbol (< kEscapeAlphabetSize) and its extra bits. Inline: the decoder
// calls them once per nonzero.
inline unsigned escape_extra_bits(std::uint16_t symbol) {
  if (symbol < kEscapeLiteralRuns) return 0;
  return 4 + (symbol - kEscapeLiteralRuns) / 2 - 1;
}
inline std::uint64_t escape_run(std::uint16_t symbol, std::uint64_t extra_value) {
  if (symbol < kEscapeLiteralRuns) return symbol;
  const unsigned octave = 4 + (symbol - kEscapeLiteralRuns) / 2;
  const std::uint64_t half = (symbol - kEscapeLiteralRuns) & 1u;
  return (std::uint64_t{1} << octave) | half << (octave - 1) | extra_value;
}

struct EscapeGapStreams {
  std::vector<std::uint16_t> symbols;
  std::vector<std::uint8_t> extra;  // LSB-first bit stream, zero-padded to a byte
};
EscapeGapStreams escape_gaps_encode(std::span<const std::uint64_t> zero_runs);

// One 0/1 symbol per element.
std::vector<std::uint16_t> bitmap_encode(std::span<const std::uint64_t> zero_runs,
                                         std::uint64_t element_count);

}  // namespace dcz::entropy
