// Exact 1-D k-means (Grønlund, Larsen, Mathiasen, Nielsen, Schneider & Song 2017; the
// Ckmeans.1d.dp approach): over the d distinct values with their counts, the cost of clustering
// the first e values into j clusters is F_j(e) = min_m F_{j-1}(m) + cost(m, e), and the matrix
// (e, m) -> F_{j-1}(m) + cost(m, e) is totally monotone, so SMAWK finds each layer's minima in
// O(d). cost() is O(1) from prefix sums of count, x and x² (x centred on the mean, which keeps
// the prefix sums small and the subtraction accurate).
//
// Memory: instead of a k×d table of argmins, the partition is recovered Hirschberg-style: the
// forward DP with k/2 clusters and the backward DP (on the mirrored data) with k - k/2 clusters
// meet at the optimal position of the middle boundary; both halves are solved recursively. That
// costs about twice the O(k·d) time and keeps memory O(d): three prefix sums (24 bytes per
// distinct value) and, per direction, two DP rows, SMAWK's argmins, minima and column stacks
// (about 56 bytes); the two directions run at once when threads allow.
//
// optimal_partition first tries the price search of optimal_lagrange.cpp, whose time does not
// grow with k (on 25 M normal weights at k = 256 a few hundred times faster than this DP); the
// DP here is its fallback when ties leave no price that gives exactly k clusters.
#include <algorithm>
#include <cmath>
#include <exception>
#include <limits>
#include <thread>

#include "quantize/kmeans_internal.h"
#include "quantize/optimal_internal.h"

namespace dcz::quantize {

template <class T>
Prefix build_prefix(std::span<const T> sorted, std::uint64_t distinct) {
  Prefix p;
  p.at.reserve(distinct + 1);
  p.at.push_back({0.0, 0.0, 0.0});
  for_each_run(sorted, [&](std::size_t, double w, double x) {
    const PrefixEntry prev = p.at.back();
    p.at.push_back({prev.count + w, prev.sum + w * x, prev.sum_sq + w * x * x});
  });
  return p;
}

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// Row minima (argmin and value) of a totally monotone matrix whose rows are first + stride·i
// (i < count) and whose columns are given ascending; leftmost minimum on ties. The REDUCE stack
// caches each kept column's value on its row, so a comparison costs one lookup, not two.
template <class Lookup>
class Smawk {
 public:
  Smawk(const Lookup& lookup, std::uint32_t row0, std::vector<std::uint32_t>& argmin,
        std::vector<double>& minimum)
      : lookup_(lookup), row0_(row0), argmin_(argmin), minimum_(minimum), levels_(kMaxDepth) {}

  void solve(std::uint32_t first, std::uint32_t stride, std::uint32_t count,
             const std::vector<std::uint32_t>& cols, std::size_t depth) {
    if (count == 0) return;
    Level& level = levels_[depth];
    std::vector<std::uint32_t>& kept = level.columns;
    std::vector<double>& kept_value = level.values;  // lookup(row of its stack slot, column)
    kept.clear();
    kept_value.clear();
    for (const std::uint32_t c : cols) {  // REDUCE: at most `count` columns can hold a minimum
      while (!kept.empty()) {
        const std::uint32_t row = first + stride * static_cast<std::uint32_t>(kept.size() - 1);
        if (kept_value.back() <= lookup_(row, c)) break;
        kept.pop_back();
        kept_value.pop_back();
      }
      if (kept.size() < count) {
        kept_value.push_back(lookup_(first + stride * static_cast<std::uint32_t>(kept.size()), c));
        kept.push_back(c);
      }
    }
    solve(first + stride, stride * 2, count / 2, kept, depth + 1);
    std::size_t ci = 0;  // interpolate the even rows between their odd neighbours' minima
    for (std::uint32_t i = 0; i < count; i += 2) {
      const std::uint32_t row = first + stride * i;
      const std::uint32_t last = i + 1 < count ? argmin_[row + stride - row0_] : kept.back();
      std::uint32_t best = kept[ci];
      double best_value = lookup_(row, best);
      while (kept[ci] != last) {
        ++ci;
        const double v = lookup_(row, kept[ci]);
        if (v < best_value) {
          best_value = v;
          best = kept[ci];
        }
      }
      argmin_[row - row0_] = best;
      minimum_[row - row0_] = best_value;
    }
  }

 private:
  struct Level {
    std::vector<std::uint32_t> columns;
    std::vector<double> values;
  };
  // Rows halve per level, so 33 levels cover 2^32 rows. Sized once: a deeper call must not
  // reallocate the vector its caller's `kept` lives in.
  static constexpr std::size_t kMaxDepth = 34;
  const Lookup& lookup_;
  std::uint32_t row0_;
  std::vector<std::uint32_t>& argmin_;
  std::vector<double>& minimum_;
  std::vector<Level> levels_;
};

// Cost of [a, b) in either direction: mirrored, position p stands for lo + hi - p.
template <bool kMirrored>
struct Coster {
  const Prefix& prefix;
  std::uint32_t lo, hi;
  double operator()(std::uint32_t a, std::uint32_t b) const {
    if constexpr (kMirrored) return prefix.cost(lo + hi - b, lo + hi - a);
    return prefix.cost(a, b);
  }
};

// F_j(e) for j = `clusters`, for every end e in [lo + clusters, hi - reserve]: the minimum cost of
// splitting [lo, e) into `clusters` clusters. Returned indexed by e - lo.
template <class Cost>
std::vector<double> forward_layers(const Cost& cost, std::uint32_t clusters,
                                   std::uint32_t reserve) {
  const std::uint32_t lo = cost.lo, hi = cost.hi;
  std::vector<double> prev(hi - lo + 1, kInf), cur(hi - lo + 1, kInf);
  for (std::uint32_t e = lo + 1; e <= hi - reserve - (clusters - 1); ++e)
    prev[e - lo] = cost(lo, e);
  std::vector<std::uint32_t> argmin, cols;
  std::vector<double> minimum(hi - lo + 1);
  for (std::uint32_t j = 2; j <= clusters; ++j) {
    const std::uint32_t r0 = lo + j, r1 = hi - reserve - (clusters - j);  // rows e
    const std::uint32_t c0 = lo + j - 1;                                  // columns m < e
    auto lookup = [&](std::uint32_t e, std::uint32_t m) {
      return m < e ? prev[m - lo] + cost(m, e) : kInf;
    };
    argmin.assign(r1 - r0 + 1, 0);
    cols.resize(r1 - c0);
    for (std::uint32_t m = c0; m < r1; ++m) cols[m - c0] = m;
    // Row e's minimum lands in cur[e - lo]: the SMAWK row offset is r0 - lo into `cur`.
    Smawk<decltype(lookup)> smawk(lookup, r0, argmin, minimum);
    smawk.solve(r0, 1, r1 - r0 + 1, cols, 0);
    std::copy(minimum.begin(), minimum.begin() + (r1 - r0 + 1), cur.begin() + (r0 - lo));
    std::swap(prev, cur);
  }
  return prev;
}

class Solver {
 public:
  Solver(const Prefix& prefix, unsigned threads) : prefix_(prefix), threads_(threads) {}

  // Appends the ends (distinct-value indices) of an optimal split of [lo, hi) into k clusters.
  void solve(std::uint32_t lo, std::uint32_t hi, std::uint32_t k,
             std::vector<std::uint32_t>& ends) {
    if (k == 1) {
      ends.push_back(hi);
      return;
    }
    if (hi - lo == k) {
      for (std::uint32_t e = lo + 1; e <= hi; ++e) ends.push_back(e);
      return;
    }
    const std::uint32_t kl = k / 2, kr = k - kl;
    const std::uint32_t split = best_split(lo, hi, kl, kr);
    solve(lo, split, kl, ends);
    solve(split, hi, kr, ends);
  }

 private:
  std::uint32_t best_split(std::uint32_t lo, std::uint32_t hi, std::uint32_t kl, std::uint32_t kr) {
    std::vector<double> forward, backward;
    auto run_forward = [&] { forward = forward_layers(Coster<false>{prefix_, lo, hi}, kl, kr); };
    auto run_backward = [&] { backward = forward_layers(Coster<true>{prefix_, lo, hi}, kr, kl); };
    // The two directions are independent; worth a thread only for big ranges.
    if (threads_ > 1 && static_cast<std::uint64_t>(hi - lo) * (kl + kr) > (1u << 22)) {
      std::exception_ptr error;  // bad_alloc in the helper thread: rethrown here, not terminate()
      std::thread t([&] {
        try {
          run_backward();
        } catch (...) {
          error = std::current_exception();
        }
      });
      try {
        run_forward();
      } catch (...) {
        t.join();
        throw;
      }
      t.join();
      if (error) std::rethrow_exception(error);
    } else {
      run_forward();
      run_backward();
    }
    // Split s: [lo, s) gets kl clusters (forward row s - lo), [s, hi) gets kr (mirrored end
    // lo + hi - s, row hi - s).
    std::uint32_t best = lo + kl;
    double best_value = kInf;
    for (std::uint32_t s = lo + kl; s <= hi - kr; ++s) {
      const double v = forward[s - lo] + backward[hi - s];
      if (v < best_value) {
        best_value = v;
        best = s;
      }
    }
    return best;
  }

  const Prefix& prefix_;
  unsigned threads_;
};

}  // namespace

std::vector<std::uint32_t> layered_partition(const Prefix& prefix, std::uint32_t k,
                                             unsigned threads) {
  std::vector<std::uint32_t> ends;
  ends.reserve(k);
  Solver(prefix, threads).solve(0, prefix.distinct(), k, ends);
  return ends;
}

template <class T>
Result<std::vector<std::uint64_t>> optimal_partition(std::span<const T> sorted, std::uint32_t k,
                                                     unsigned threads) {
  const std::uint64_t distinct = count_distinct(sorted);
  if (distinct >= std::numeric_limits<std::uint32_t>::max() - 1) {
    return make_error(
        ErrorCode::kInvalidArgument,
        "optimal k-means supports at most 2^32-2 distinct values, got " + std::to_string(distinct));
  }
  std::vector<std::uint64_t> rank_ends;
  if (lagrangian_partition(sorted, distinct, k, rank_ends)) return rank_ends;
  const Prefix prefix = build_prefix(sorted, distinct);
  const std::vector<std::uint32_t> ends = layered_partition(prefix, k, threads);
  rank_ends.resize(ends.size());
  for (std::size_t j = 0; j < ends.size(); ++j) {
    rank_ends[j] = static_cast<std::uint64_t>(prefix.at[ends[j]].count);
  }
  return rank_ends;
}

template Prefix build_prefix(std::span<const float>, std::uint64_t);
template Prefix build_prefix(std::span<const double>, std::uint64_t);
template Result<std::vector<std::uint64_t>> optimal_partition(std::span<const float>, std::uint32_t,
                                                              unsigned);
template Result<std::vector<std::uint64_t>> optimal_partition(std::span<const double>,
                                                              std::uint32_t, unsigned);

}  // namespace dcz::quantize
