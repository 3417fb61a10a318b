// Package-merge in O(n * limit) time and memory: each level keeps only whether each of its first
// 2n-2 items is a leaf; the selected items of a level tell how many items of the next level's
// list were packaged into them, which is all that is needed to count each leaf's depth.
#include <algorithm>
#include <cassert>
#include <numeric>

#include "entropy/huffman.h"

namespace dcz::entropy {

namespace {

struct LevelList {
  std::vector<std::uint64_t> weights;
  std::vector<std::uint8_t> is_leaf;
};

// Merges the sorted leaves with the packages of `deeper`, keeping the cheapest `cap` items.
// Leaves go first on equal weights.
LevelList merge_level(const std::vector<std::uint64_t>& leaves, const LevelList& deeper,
                      std::size_t cap) {
  LevelList out;
  out.weights.reserve(cap);
  out.is_leaf.reserve(cap);
  std::size_t li = 0;
  std::size_t pi = 0;
  const std::size_t packages = deeper.weights.size() / 2;
  while (out.weights.size() < cap && (li < leaves.size() || pi < packages)) {
    std::uint64_t pw = pi < packages ? deeper.weights[2 * pi] + deeper.weights[2 * pi + 1] : 0;
    if (li < leaves.size() && (pi >= packages || leaves[li] <= pw)) {
      out.weights.push_back(leaves[li++]);
      out.is_leaf.push_back(1);
    } else {
      out.weights.push_back(pw);
      out.is_leaf.push_back(0);
      ++pi;
    }
  }
  return out;
}

}  // namespace

std::vector<std::uint8_t> huffman_code_lengths(std::span<const std::uint64_t> freqs,
                                               unsigned limit) {
  assert(limit >= 1 && limit <= kHuffmanMaxCodeLength);
  std::vector<std::uint8_t> lengths(freqs.size(), 0);
  std::vector<std::uint32_t> used;
  for (std::uint32_t s = 0; s < freqs.size(); ++s) {
    if (freqs[s] != 0) used.push_back(s);
  }
  if (used.empty()) return lengths;
  if (used.size() == 1) {
    lengths[used[0]] = 1;
    return lengths;
  }
  assert(used.size() <= (std::size_t{1} << limit));
  std::stable_sort(used.begin(), used.end(),
                   [&](std::uint32_t a, std::uint32_t b) { return freqs[a] < freqs[b]; });
  std::vector<std::uint64_t> leaves(used.size());
  for (std::size_t i = 0; i < used.size(); ++i) leaves[i] = freqs[used[i]];

  const std::size_t n = used.size();
  const std::size_t cap = 2 * n - 2;
  // levels[0] is depth 1 (the final list), levels[limit-1] the deepest list (leaves only).
  std::vector<LevelList> levels(limit);
  levels[limit - 1].weights.assign(leaves.begin(), leaves.begin() + std::min(n, cap));
  levels[limit - 1].is_leaf.assign(levels[limit - 1].weights.size(), 1);
  for (unsigned d = limit - 1; d-- > 0;) levels[d] = merge_level(leaves, levels[d + 1], cap);

  std::size_t take = cap;
  for (unsigned d = 0; d < limit && take > 0; ++d) {
    const LevelList& level = levels[d];
    assert(take <= level.weights.size());
    std::size_t leaf_count = 0;
    for (std::size_t i = 0; i < take; ++i) leaf_count += level.is_leaf[i];
    for (std::size_t j = 0; j < leaf_count; ++j) ++lengths[used[j]];
    take = 2 * (take - leaf_count);
  }
  return lengths;
}

std::vector<std::uint16_t> huffman_canonical_codes_reversed(std::span<const std::uint8_t> lengths) {
  std::uint32_t count[kHuffmanMaxCodeLength + 1] = {};
  for (std::uint8_t l : lengths) ++count[l];
  count[0] = 0;
  std::uint32_t next[kHuffmanMaxCodeLength + 2] = {};
  for (unsigned l = 1; l <= kHuffmanMaxCodeLength; ++l) next[l] = (next[l - 1] + count[l - 1]) << 1;
  std::vector<std::uint16_t> codes(lengths.size(), 0);
  for (std::size_t s = 0; s < lengths.size(); ++s) {
    unsigned l = lengths[s];
    if (l == 0) continue;
    std::uint32_t code = next[l]++;
    std::uint32_t rev = 0;
    for (unsigned b = 0; b < l; ++b) rev |= ((code >> b) & 1u) << (l - 1 - b);
    codes[s] = std::uint16_t(rev);
  }
  return codes;
}

}  // namespace dcz::entropy
