// Binarization and context selection of the levels representation (format/SPEC.md 6.10.5): one
// signed level per element, coded as a significance bin, a sign bin, a "magnitude > 1" bin and an
// Exp-Golomb remainder whose suffix bits adapt through a context tree, with contexts from the left
// and upper neighbours and, for the magnitude, the sign. Context set 1 also uses the activity of
// the element's column in the chunk's previous rows (6.10.6). The encoder and the decoder share
// this file so that they cannot disagree on a context. The choices were measured (SPEC 6.10.5 and
// 6.10.6 list them): one "> j" bin beats two, four or eight; magnitude contexts by neighbourhood
// dilute more than they gain; by sign they cost little and keep asymmetric codebooks cheap.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "entropy/range_coder.h"

namespace dcz::entropy {

inline constexpr unsigned kLevelGreaterFlags = 1;  // G: "|level| > j" bins for j = 1 ... G
inline constexpr unsigned kLevelPrefixMax = 16;    // Exp-Golomb prefix: at most 16 one bins
inline constexpr unsigned kLevelTreeBits = 8;      // suffixes up to 8 bits use a context tree
// Neighbour levels are kept clamped to +-(G + 1): every context needs only min(|x|, G + 1).
inline constexpr int kLevelClamp = int(kLevelGreaterFlags) + 1;

// The context sets of SPEC 6.10.6 (the levels parameter block's byte 1).
enum class LevelContextSet : std::uint8_t {
  kNeighbours = 0,      // significance from the left and upper levels
  kColumnActivity = 1,  // significance from the left level and the column's activity class
};
inline constexpr std::uint8_t kLevelContextSetCount = 2;
inline constexpr unsigned kLevelColumnClasses = 7;  // h = 0 ... 6

// Every adaptive context of one chunk; a chunk starts from this default state. Sized for the
// larger set: set 0 uses sig[0 ... 8] and greater[.][.][0 ... 2].
struct LevelContexts {
  BitModel sig[3 * kLevelColumnClasses];
  BitModel sign[9];
  // Magnitude contexts, by sign (index 1: negative): the two sides of a codebook may differ.
  BitModel greater[2][kLevelGreaterFlags][9];
  BitModel prefix[2][kLevelPrefixMax + 1];
  BitModel tree[2][kLevelTreeBits + 1][1u << kLevelTreeBits];  // tree[sign][n][node], node 1 ... 2^n - 1
};

inline std::int8_t level_clamp(std::int32_t level) {
  return std::int8_t(level > kLevelClamp ? kLevelClamp : level < -kLevelClamp ? -kLevelClamp : level);
}
inline unsigned level_abs(std::int8_t x) { return unsigned(x < 0 ? -x : x); }
inline unsigned level_mag_class(std::int8_t x) {  // 0, 1, 2 for |x| = 0, 1, >= 2
  const unsigned a = level_abs(x);
  return a > 2 ? 2 : a;
}
inline unsigned level_sign_class(std::int8_t x) { return x == 0 ? 0 : x > 0 ? 1 : 2; }
inline unsigned level_sig_context(std::int8_t left, std::int8_t up) {
  return 3 * level_mag_class(left) + level_mag_class(up);
}
inline unsigned level_sign_context(std::int8_t left, std::int8_t up) {
  return 3 * level_sign_class(left) + level_sign_class(up);
}
inline unsigned level_greater_context(std::int8_t left, std::int8_t up, unsigned j) {
  return unsigned(level_abs(left) > j) + unsigned(level_abs(up) > j);
}

// Column activity of one chunk (SPEC 6.10.6): how many of the chunk's previous rows had a nonzero
// level at each column, turned into a class h = 0 ... 6 by its density. O(row length) memory.
// Set 0 uses no classes: its specialisation below counts nothing, so its coding loops stay as
// fast as before the set existed.
template <LevelContextSet kSet>
class LevelColumns {
 public:
  explicit LevelColumns(std::size_t row_length) : count_(row_length, 0) {}
  unsigned column_class(std::size_t col) const {
    if (rows_seen_ == 0) return 0;
    // The limits grow with h and are >= 0, so the class is 1 plus the bounds the count exceeds
    // (no branch per bound: the decoder calls this for every element).
    const std::uint64_t n = count_[col];
    return 1u + unsigned(n > 0) + unsigned(n > limit_[0]) + unsigned(n > limit_[1]) +
           unsigned(n > limit_[2]) + unsigned(n > limit_[3]);
  }
  void add_nonzero(std::size_t col) { ++count_[col]; }
  // Call after each row of the chunk. "2^k x count <= rows_seen" is tested as
  // "count <= rows_seen >> k", which is the same for integers and has no product to overflow.
  void end_row() {
    ++rows_seen_;
    for (unsigned k = 0; k < 4; ++k) limit_[k] = rows_seen_ >> (4 - k);
  }

 private:
  std::vector<std::uint64_t> count_;
  std::uint64_t rows_seen_ = 0;
  std::uint64_t limit_[4] = {};  // rows_seen >> 4, >> 3, >> 2, >> 1: the upper bounds of h = 2 ... 5
};
template <>
class LevelColumns<LevelContextSet::kNeighbours> {
 public:
  explicit LevelColumns(std::size_t) {}
  unsigned column_class(std::size_t) const { return 0; }
  void add_nonzero(std::size_t) {}
  void end_row() {}
};

// Context indices of a context set; `h` is the column class (ignored by set 0).
template <LevelContextSet kSet>
inline unsigned level_sig_context(std::int8_t left, std::int8_t up, unsigned h) {
  if constexpr (kSet == LevelContextSet::kNeighbours) return level_sig_context(left, up);
  else return 3 * h + level_mag_class(left);
}
template <LevelContextSet kSet>
inline unsigned level_greater_context(std::int8_t left, std::int8_t up, unsigned h, unsigned j) {
  const unsigned neighbours = level_greater_context(left, up, j);
  if constexpr (kSet == LevelContextSet::kNeighbours) return neighbours;
  else return 3 * (unsigned(h >= 4) + unsigned(h >= 6)) + neighbours;
}

// Level limits of a codebook: `negatives` entries sort below zero, `positives` above.
struct LevelRange {
  std::uint32_t negatives = 0;
  std::uint32_t positives = 0;
};

// Encodes `level` (within the range) given its clamped neighbours and its column class.
template <LevelContextSet kSet>
inline void encode_level(RangeEncoder& enc, LevelContexts& c, const LevelRange& range,
                         std::int32_t level, std::int8_t left, std::int8_t up, unsigned h) {
  enc.encode(c.sig[level_sig_context<kSet>(left, up, h)], level != 0);
  if (level == 0) return;
  const bool negative = level < 0;
  if (range.negatives != 0 && range.positives != 0) {
    enc.encode(c.sign[level_sign_context(left, up)], negative);
  }
  const std::uint32_t a = std::uint32_t(negative ? -level : level);
  const std::uint32_t max = negative ? range.negatives : range.positives;
  for (unsigned j = 1; j <= kLevelGreaterFlags; ++j) {
    if (j >= max) return;  // |level| <= max: the bin is known
    const unsigned more = a > j;
    enc.encode(c.greater[negative][j - 1][level_greater_context<kSet>(left, up, h, j)], more);
    if (!more) return;
  }
  const std::uint32_t v = a - kLevelGreaterFlags;  // remainder + 1, >= 1
  const unsigned n = unsigned(std::bit_width(v)) - 1;
  for (unsigned k = 0; k < n; ++k) enc.encode(c.prefix[negative][k], 1);
  enc.encode(c.prefix[negative][n], 0);
  const std::uint32_t rest = v - (std::uint32_t{1} << n);
  if (n <= kLevelTreeBits) {
    unsigned node = 1;
    for (unsigned b = n; b-- > 0;) {
      const unsigned bin = (rest >> b) & 1u;
      enc.encode(c.tree[negative][n][node], bin);
      node = 2 * node + bin;
    }
  } else {
    for (unsigned b = n; b-- > 0;) enc.encode_equiprobable((rest >> b) & 1u);
  }
}

// Decodes the sign and magnitude of a level whose significance bin was 1; returns false when
// it lies beyond the codebook (|level| above the entries on its side, or an Exp-Golomb prefix
// longer than 16 bins). `Decoder` is RangeDecoder or a wrapper with the same decode /
// decode_equiprobable members. Kept apart from the significance bin, which the caller decodes
// inline: most elements of a pruned tensor are zero.
template <LevelContextSet kSet, class Decoder>
bool decode_nonzero_level(Decoder& dec, LevelContexts& c, const LevelRange& range, std::int8_t left,
                          std::int8_t up, unsigned h, std::int32_t& level) {
  bool negative = range.positives == 0;
  if (range.negatives != 0 && range.positives != 0) {
    negative = dec.decode(c.sign[level_sign_context(left, up)]) != 0;
  }
  const std::uint32_t max = negative ? range.negatives : range.positives;
  std::uint32_t a = 1;
  for (unsigned j = 1;; ++j) {
    if (j > kLevelGreaterFlags) {
      a = kLevelGreaterFlags + 1;
      break;
    }
    if (j >= max ||
        !dec.decode(c.greater[negative][j - 1][level_greater_context<kSet>(left, up, h, j)])) {
      a = j;
      break;
    }
  }
  if (a > kLevelGreaterFlags) {
    unsigned n = 0;
    while (dec.decode(c.prefix[negative][n])) {
      if (++n > kLevelPrefixMax) return false;
    }
    std::uint32_t rest = 0;
    if (n <= kLevelTreeBits) {
      unsigned node = 1;
      for (unsigned b = 0; b < n; ++b) node = 2 * node + dec.decode(c.tree[negative][n][node]);
      rest = node - (1u << n);
    } else {
      for (unsigned b = 0; b < n; ++b) rest = 2 * rest + dec.decode_equiprobable();
    }
    a = kLevelGreaterFlags + (1u << n) + rest;
  }
  if (a > max) return false;
  level = negative ? -std::int32_t(a) : std::int32_t(a);
  return true;
}

}  // namespace dcz::entropy
