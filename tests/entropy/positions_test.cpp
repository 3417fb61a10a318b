#include "entropy/positions.h"

#include <gtest/gtest.h>

#include "entropy/bit_io.h"

namespace dcz::entropy {
namespace {

TEST(EscapeGaps, ClassesCoverEveryRunUpTo64Bits) {
  std::vector<std::uint64_t> runs = {0, 1, 15, 16, 23, 24, 31, 32, 47, 48, 1000, 65535, 65536,
                                     (1ull << 32) - 1, 1ull << 32, (1ull << 40) + 12345,
                                     1ull << 63, ~0ull};
  for (std::uint64_t run : runs) {
    EscapeCode c = escape_code(run);
    EXPECT_LT(c.symbol, kEscapeAlphabetSize) << run;
    EXPECT_EQ(escape_extra_bits(c.symbol), c.extra_bits) << run;
    EXPECT_EQ(escape_run(c.symbol, c.extra_value), run) << run;
  }
  EXPECT_EQ(escape_code(15).symbol, 15);
  EXPECT_EQ(escape_code(16).symbol, 16);  // 16..23: octave 4, low half, 3 extra bits
  EXPECT_EQ(escape_code(24).symbol, 17);
  EXPECT_EQ(escape_code(~0ull).symbol, kEscapeAlphabetSize - 1);
}

TEST(EscapeGaps, ExtraBitsStreamRoundTripsWideFields) {
  std::vector<std::uint64_t> runs = {3, 1ull << 40, 17, ~0ull, 0, (1ull << 33) + 7};
  EscapeGapStreams s = escape_gaps_encode(runs);
  BitReader r(s.extra);
  for (std::size_t i = 0; i < runs.size(); ++i) {
    std::uint16_t sym = s.symbols[i];
    EXPECT_EQ(escape_run(sym, r.get_wide(escape_extra_bits(sym))), runs[i]);
  }
  EXPECT_FALSE(r.overran());
  EXPECT_TRUE(r.at_clean_end());
}

TEST(PaperGaps, FillersFollowThePaper) {
  // b = 3: a run of 8 is one filler (gap 7 + a zero entry) then gap 0; a run of 7 fits.
  std::vector<std::uint64_t> runs = {8, 7, 17};
  std::vector<std::uint16_t> indices = {0, 1, 2};
  EXPECT_EQ(paper_filler_count(runs, 3), 3u);
  PaperGapStreams s = paper_gaps_encode(runs, indices, 3, 9);
  EXPECT_EQ(s.gaps, (std::vector<std::uint16_t>{7, 0, 7, 7, 7, 1}));
  EXPECT_EQ(s.indices, (std::vector<std::uint16_t>{9, 0, 1, 9, 9, 2}));
}

TEST(Bitmap, OneSymbolPerElement) {
  std::vector<std::uint64_t> runs = {2, 0, 3};
  EXPECT_EQ(bitmap_encode(runs, 9), (std::vector<std::uint16_t>{0, 0, 1, 1, 0, 0, 0, 1, 0}));
}

}  // namespace
}  // namespace dcz::entropy
