// Binarization and context selection of the levels representation (format/SPEC.md 6.10.5): one
// signed level per element, coded as a significance bin, a sign bin, a "magnitude > 1" bin and an
// Exp-Golomb remainder whose suffix bits adapt through a context tree, with contexts from the left
// and upper neighbours and, for the magnitude, the sign. The encoder and the decoder share this
// file so that they cannot disagree on a context. The choices were measured (SPEC 6.10.5 lists
// them): one "> j" bin beats two, four or eight; magnitude contexts by neighbourhood dilute more
// than they gain; by sign they cost little and keep asymmetric codebooks cheap.
#pragma once

#include <bit>
#include <cstdint>

#include "entropy/range_coder.h"

namespace dcz::entropy {

inline constexpr unsigned kLevelGreaterFlags = 1;  // G: "|level| > j" bins for j = 1 ... G
inline constexpr unsigned kLevelPrefixMax = 16;    // Exp-Golomb prefix: at most 16 one bins
inline constexpr unsigned kLevelTreeBits = 8;      // suffixes up to 8 bits use a context tree
// Neighbour levels are kept clamped to +-(G + 1): every context needs only min(|x|, G + 1).
inline constexpr int kLevelClamp = int(kLevelGreaterFlags) + 1;

// Every adaptive context of one chunk; a chunk starts from this default state.
struct LevelContexts {
  BitModel sig[9];
  BitModel sign[9];
  // Magnitude contexts, by sign (index 1: negative): the two sides of a codebook may differ.
  BitModel greater[2][kLevelGreaterFlags][3];
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

// Level limits of a codebook: `negatives` entries sort below zero, `positives` above.
struct LevelRange {
  std::uint32_t negatives = 0;
  std::uint32_t positives = 0;
};

// Encodes `level` (within the range) given its clamped neighbours.
inline void encode_level(RangeEncoder& enc, LevelContexts& c, const LevelRange& range,
                         std::int32_t level, std::int8_t left, std::int8_t up) {
  enc.encode(c.sig[level_sig_context(left, up)], level != 0);
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
    enc.encode(c.greater[negative][j - 1][level_greater_context(left, up, j)], more);
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
template <class Decoder>
bool decode_nonzero_level(Decoder& dec, LevelContexts& c, const LevelRange& range, std::int8_t left,
                          std::int8_t up, std::int32_t& level) {
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
    if (j >= max || !dec.decode(c.greater[negative][j - 1][level_greater_context(left, up, j)])) {
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
