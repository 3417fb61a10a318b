// Pieces of the exact 1-D k-means (optimal_partition), shared by its two solvers: the layered
// dynamic program (optimal.cpp, O(k·d) for any input) and the Lagrangian search
// (optimal_lagrange.cpp, independent of k, but it can miss k on ties and then defers to the DP).
// Positions are distinct-value indices: [a, b) is the run of distinct values a .. b-1.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace dcz::quantize {

// Prefix sums over the distinct values, interleaved so that one cost() touches two cache lines
// rather than six. x is centred on the mean, which keeps the sums small and the subtraction in
// cost() accurate.
struct PrefixEntry {
  double count, sum, sum_sq;
};

struct Prefix {
  std::vector<PrefixEntry> at;  // d + 1 entries

  std::uint32_t distinct() const { return static_cast<std::uint32_t>(at.size() - 1); }
  // Sum of squared deviations from the mean of distinct values [a, b); a < b.
  double cost(std::uint32_t a, std::uint32_t b) const {
    const PrefixEntry& x = at[a];
    const PrefixEntry& y = at[b];
    const double s = y.sum - x.sum;
    return (y.sum_sq - x.sum_sq) - s * s / (y.count - x.count);
  }
};

// `sorted` has exactly `distinct` distinct values.
template <class T>
Prefix build_prefix(std::span<const T> sorted, std::uint64_t distinct);

// Ends (positions, ascending, the last = d) of an optimal split of the d distinct values into
// exactly k clusters, 1 <= k <= d, by the layered DP with Hirschberg recovery. Memory O(d).
std::vector<std::uint32_t> layered_partition(const Prefix& prefix, std::uint32_t k,
                                             unsigned threads);

// The same by searching the price λ of a cluster (any k >= 1; k >= d gives every distinct value
// its own cluster): the split minimising cost + λ·clusters is an
// optimal k-split whenever it has k clusters. Returns false, leaving `ends` empty, when no price
// gives exactly k (ties between splits of different sizes, or a price interval too narrow for
// doubles); the caller then runs layered_partition. Memory: 4 bytes per distinct value plus the
// candidate queue. One thread: a single price's problem is sequential, and model-level callers
// already run several tensors at once.
bool lagrangian_partition(const Prefix& prefix, std::uint32_t k, std::vector<std::uint32_t>& ends);

}  // namespace dcz::quantize
