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
// rather than six; x centred as in for_each_run.
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

// Calls f(end, count, x) for each run of equal values of `sorted` in order: the rank after the
// run, its length, and its value centred on the mean of everything (which keeps prefix sums small
// and their differences accurate). Both solvers build their sums with it, so they agree bit for
// bit on what they share.
template <class T, class F>
void for_each_run(std::span<const T> sorted, F&& f) {
  double mean = 0.0;
  for (const T x : sorted) mean += x;
  mean /= static_cast<double>(sorted.size());
  for (std::size_t i = 0; i < sorted.size();) {
    std::size_t j = i + 1;
    while (j < sorted.size() && sorted[j] == sorted[i]) ++j;
    f(j, static_cast<double>(j - i), static_cast<double>(sorted[i]) - mean);
    i = j;
  }
}

// `sorted` has exactly `distinct` distinct values.
template <class T>
Prefix build_prefix(std::span<const T> sorted, std::uint64_t distinct);

// Ends (positions, ascending, the last = d) of an optimal split of the d distinct values into
// exactly k clusters, 1 <= k <= d, by the layered DP with Hirschberg recovery. Memory O(d).
std::vector<std::uint32_t> layered_partition(const Prefix& prefix, std::uint32_t k,
                                             unsigned threads);

// The same by searching the price λ of a cluster (any k >= 1; k >= d gives every distinct value
// its own cluster), on `sorted` with `distinct` distinct values; the ends come back as ranks.
// The split minimising cost + λ·clusters is an optimal k-split whenever it has k clusters.
// Returns false, leaving `rank_ends` empty, when no price gives exactly k (ties between splits
// of different sizes, or a price interval too narrow for doubles) or when there are 2^32 values
// or more; the caller then runs layered_partition. Memory: 16 bytes per distinct value plus the
// candidate queue (its own sums: Prefix is not needed). One thread: a single price's problem is
// sequential, and model-level callers already run several tensors at once.
template <class T>
bool lagrangian_partition(std::span<const T> sorted, std::uint64_t distinct, std::uint32_t k,
                          std::vector<std::uint64_t>& rank_ends);

}  // namespace dcz::quantize
