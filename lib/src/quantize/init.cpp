// Centroid initialisations (Han et al. 2016, Sec. 3.2 compares linear, density and Forgy;
// kmeans++ is Arthur & Vassilvitskii 2007). All deterministic for a seed.
#include <algorithm>
#include <bit>
#include <cmath>
#include <map>
#include <set>

#include "quantize/kmeans_internal.h"
#include "quantize/rng.h"

namespace dcz::quantize {
namespace {

std::vector<double> sorted_unique(std::vector<double> c) {
  std::sort(c.begin(), c.end());
  c.erase(std::unique(c.begin(), c.end()), c.end());
  return c;
}

template <class T>
std::vector<double> linear_init(const SortedSample<T>& s, std::uint32_t k) {
  const double lo = s.value(0), hi = s.value(s.size() - 1);
  if (k == 1) return {0.5 * lo + 0.5 * hi};
  std::vector<double> c(k);
  for (std::uint32_t j = 0; j < k; ++j) c[j] = lo + (hi - lo) * (static_cast<double>(j) / (k - 1));
  c[k - 1] = hi;
  return sorted_unique(std::move(c));
}

template <class T>
std::vector<double> density_init(const SortedSample<T>& s, std::uint32_t k) {
  std::vector<double> c(k);
  const std::uint64_t n = s.size();
  for (std::uint32_t j = 0; j < k; ++j) {
    // rank floor((2j + 1)·n / 2k): the middle of the j-th of k equal slices of the CDF. No
    // overflow: 2j + 1 < 2^17 and tensors have far fewer than 2^46 elements.
    const auto rank =
        static_cast<std::size_t>(n * (2 * std::uint64_t{j} + 1) / (2 * std::uint64_t{k}));
    c[j] = s.value(rank);
  }
  return sorted_unique(std::move(c));
}

// Forgy: k distinct ranks drawn uniformly (Floyd's sampling without replacement).
template <class T>
std::vector<double> random_init(const SortedSample<T>& s, std::uint32_t k, std::uint64_t seed) {
  Rng rng(seed);
  const std::uint64_t n = s.size();
  std::set<std::uint64_t> ranks;
  for (std::uint64_t j = n - k; j < n; ++j) {
    const std::uint64_t t = rng.below(j + 1);
    if (!ranks.insert(t).second) ranks.insert(j);
  }
  std::vector<double> c;
  c.reserve(k);
  for (const auto r : ranks) c.push_back(s.value(r));
  return sorted_unique(std::move(c));
}

// Fenwick tree of the cells' D² masses, indexed by centroid insertion order.
class MassTree {
 public:
  explicit MassTree(std::size_t n) : tree_(n + 1, 0.0), mass_(n, 0.0) {}
  void set(std::size_t i, double m) {
    const double delta = m - mass_[i];
    mass_[i] = m;
    for (std::size_t j = i + 1; j < tree_.size(); j += j & (~j + 1)) tree_[j] += delta;
  }
  double total() const {
    double t = 0.0;
    for (std::size_t j = tree_.size() - 1; j > 0; j -= j & (~j + 1)) t += tree_[j];
    return t;
  }
  // Smallest index whose inclusive prefix exceeds u, and u minus the masses before it.
  std::size_t find(double& u) const {
    std::size_t pos = 0;
    std::size_t step = std::bit_floor(tree_.size() - 1);
    for (; step > 0; step >>= 1) {
      if (pos + step < tree_.size() && tree_[pos + step] <= u) {
        pos += step;
        u -= tree_[pos];
      }
    }
    return std::min(pos, mass_.size() - 1);
  }

 private:
  std::vector<double> tree_;
  std::vector<double> mass_;
};

// k-means++ on sorted data: each centroid's Voronoi cell is a rank range, its D² mass comes from
// the range sums, and the sampled point inside a cell is found by binary search on the
// cumulative mass. O(k·(log k + kBlock·log n)) instead of O(n·k).
template <class T>
class PlusPlus {
 public:
  PlusPlus(const SortedSample<T>& s, std::uint32_t k, std::uint64_t seed)
      : s_(s), k_(k), rng_(seed), tree_(k) {}

  std::vector<double> run() {
    add(s_.value(rng_.below(s_.size())));
    while (order_.size() < k_) {
      const double total = tree_.total();
      double u = rng_.uniform() * total;
      double x;
      if (!(total > 0.0)) {
        x = s_.value(rng_.below(s_.size()));
      } else {
        x = sample_in_cell(tree_.find(u), u);
      }
      if (by_value_.count(x) && !farthest_point(x)) break;  // every value is a centroid
      add(x);
    }
    std::vector<double> c;
    for (const auto& [v, i] : by_value_) c.push_back(v);
    return c;
  }

 private:
  struct Cell {
    std::size_t lo, hi;
  };

  Cell cell_of(std::map<double, std::size_t>::const_iterator it) const {
    std::size_t lo = 0, hi = s_.size();
    if (it != by_value_.begin()) lo = s_.lower_bound(0.5 * std::prev(it)->first + 0.5 * it->first);
    if (std::next(it) != by_value_.end())
      hi = s_.lower_bound(0.5 * it->first + 0.5 * std::next(it)->first);
    return {lo, std::max(lo, hi)};
  }

  void update(std::map<double, std::size_t>::const_iterator it) {
    const Cell c = cell_of(it);
    tree_.set(it->second, std::max(0.0, s_.range(c.lo, c.hi).sq_dist(it->first)));
  }

  void add(double x) {
    const auto [it, inserted] = by_value_.emplace(x, order_.size());
    order_.push_back(x);
    update(it);
    if (it != by_value_.begin()) update(std::prev(it));
    if (std::next(it) != by_value_.end()) update(std::next(it));
  }

  double sample_in_cell(std::size_t index, double u) const {
    const double c = order_[index];
    const Cell cell = cell_of(by_value_.find(c));
    std::size_t lo = cell.lo, hi = cell.hi;  // answer in [lo, hi)
    if (hi <= lo) return c;
    while (hi - lo > 1) {
      const std::size_t mid = lo + (hi - lo) / 2;
      if (s_.range(cell.lo, mid).sq_dist(c) > u)
        hi = mid;
      else
        lo = mid;
    }
    return s_.value(lo);
  }

  // Rare path (rounding picked a value that is already a centroid): the value farthest from its
  // centroid, which is at one end of some cell. False when all distances are 0.
  bool farthest_point(double& x) const {
    double best = 0.0;
    for (auto it = by_value_.begin(); it != by_value_.end(); ++it) {
      const Cell cell = cell_of(it);
      if (cell.hi <= cell.lo) continue;
      for (const std::size_t r : {cell.lo, cell.hi - 1}) {
        const double d = std::abs(s_.value(r) - it->first);
        if (d > best) {
          best = d;
          x = s_.value(r);
        }
      }
    }
    return best > 0.0;
  }

  const SortedSample<T>& s_;
  std::uint32_t k_;
  Rng rng_;
  MassTree tree_;
  std::vector<double> order_;               // centroids in insertion order
  std::map<double, std::size_t> by_value_;  // centroid -> insertion index
};

}  // namespace

template <class T>
std::vector<double> initial_centroids(const SortedSample<T>& sample, std::uint32_t k,
                                      KMeansInit init, std::uint64_t seed) {
  switch (init) {
    case KMeansInit::kLinear:
      return linear_init(sample, k);
    case KMeansInit::kDensity:
      return density_init(sample, k);
    case KMeansInit::kRandom:
      return random_init(sample, k, seed);
    case KMeansInit::kKMeansPlusPlus:
      return PlusPlus<T>(sample, k, seed).run();
  }
  return linear_init(sample, k);
}

template std::vector<double> initial_centroids(const SortedSample<float>&, std::uint32_t,
                                               KMeansInit, std::uint64_t);
template std::vector<double> initial_centroids(const SortedSample<double>&, std::uint32_t,
                                               KMeansInit, std::uint64_t);

}  // namespace dcz::quantize
