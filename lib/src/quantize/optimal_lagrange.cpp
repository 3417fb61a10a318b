// Exact 1-D k-means by searching the price of a cluster (Lagrangian relaxation; the O(n log U)
// method of Grønlund et al. 2017, "Fast exact k-means, k-medians and Bregman divergence
// clustering in 1D"). For a price λ ≥ 0 the penalised problem
//   P(λ) = min over splits S of  cost(S) + λ·|S|
// is a 1-D least-weight-subsequence problem; since cost() obeys the quadrangle inequality, a
// later cluster start that beats an earlier one at some end beats it at every later end, so a
// queue of candidates, each owning an interval of ends, solves it in O(d log d) time with no table
// (Galil & Giancarlo 1989). If the minimiser has exactly k clusters it is an optimal k-split:
// any k-split S' has cost(S') + λk ≥ P(λ) = cost(S) + λk. The optimal cost is convex in k, so
// every k has such a price unless several sizes tie at one price; then the search fails and the
// caller runs the layered DP. The time does not depend on k: a few dozen prices at most, found
// by interpolating log(clusters) against log(λ) (clusters ~ λ^(-1/3) for smooth data).
#include <algorithm>
#include <cmath>
#include <limits>

#include "quantize/optimal_internal.h"

namespace dcz::quantize {
namespace {

// What the price search reads at a distinct position p: the rank where p's run of equal values
// starts and Σx over [0, p) (x centred on the mean, as in build_prefix). Σx² is not needed: two
// candidates are compared at the same end, where the Σx² of the span up to that end is common to
// both, so each candidate carries its own value minus the Σx² up to its start. 12 bytes per
// distinct value instead of Prefix's 24.
struct RunSums {
  std::vector<std::uint32_t> rank;  // d + 1 entries; rank[d] = n
  std::vector<double> sum;          // d + 1 entries
  double sum_sq = 0.0;              // Σx² over everything

  std::uint32_t distinct() const { return static_cast<std::uint32_t>(rank.size() - 1); }
  // The cost of one cluster of everything.
  double total_cost() const { return sum_sq - sum.back() * sum.back() / rank.back(); }
};

template <class T>
RunSums build_run_sums(std::span<const T> sorted, std::uint64_t distinct) {
  RunSums r;
  r.rank.reserve(distinct + 1);
  r.sum.reserve(distinct + 1);
  r.rank.push_back(0);
  r.sum.push_back(0.0);
  for_each_run(sorted, [&](std::size_t end, double w, double x) {
    r.rank.push_back(static_cast<std::uint32_t>(end));
    r.sum.push_back(r.sum.back() + w * x);
    r.sum_sq += w * x * x;
  });
  return r;
}

struct Candidate {
  std::uint32_t start;     // the first end it serves (it serves ends up to the next one's start)
  std::uint32_t begin;     // the last cluster begins here
  std::uint32_t rank;      // = sums.rank[begin]
  std::uint32_t clusters;  // in the best split of [0, begin), plus the one it adds
  double sum;              // = sums.sum[begin]
  // Penalised cost of the best split of [0, begin) minus Σx² over [0, begin). A cluster [b, e)
  // costs Σx² - (Σx)²/count over it, so the candidate's penalised cost at end e is
  // reduced + Σx²[0, e) - (sum[e] - sum)² / (rank[e] - rank).
  double reduced;
};

class PenalisedSolver {
 public:
  explicit PenalisedSolver(const RunSums& sums)
      : sums_(sums), last_start_(sums.distinct() + 1) {}

  // Solves P(λ); last_start[e] = where the last cluster of the best split of [0, e) begins.
  // Returns the number of clusters of the best split of everything. On exact ties the split
  // with fewer clusters wins, so the count is the smallest among optimal splits (up to rounding).
  std::uint32_t solve(double lambda) {
    const std::uint32_t d = sums_.distinct();
    queue_.clear();
    std::size_t head = 0;
    queue_.push_back({1, 0, 0, 1, 0.0, 0.0});
    for (std::uint32_t e = 1;; ++e) {
      while (head + 1 < queue_.size() && queue_[head + 1].start <= e) ++head;
      const Candidate& best = queue_[head];
      last_start_[e] = best.begin;
      if (e == d) return best.clusters;
      const Candidate next{0,           e, sums_.rank[e], best.clusters + 1, sums_.sum[e],
                           at(best, e) + lambda};
      // Drop the candidates `next` beats over all their ends (it then beats them at every later
      // end too), then find where it overtakes the last one left.
      while (queue_.size() > head && beats(next, queue_.back(), std::max(queue_.back().start, e + 1)))
        queue_.pop_back();
      if (queue_.size() == head) {
        queue_.push_back(next);
        queue_.back().start = e + 1;
        continue;
      }
      const Candidate& last = queue_.back();
      if (!beats(next, last, d)) continue;
      // Galloping from lo: the crossing is usually about one cluster width away, and the
      // sums near e are in cache where a plain bisection of [lo, d] would miss.
      std::uint32_t lo = std::max(last.start, e + 1), hi = d;  // last wins at lo, next at hi
      for (std::uint32_t step = 1; step < hi - lo; step *= 2) {
        if (beats(next, last, lo + step)) {
          hi = lo + step;
          break;
        }
        lo += step;
      }
      while (hi - lo > 1) {
        const std::uint32_t mid = lo + (hi - lo) / 2;
        (beats(next, last, mid) ? hi : lo) = mid;
      }
      queue_.push_back(next);
      queue_.back().start = hi;
      if (head > 4096 && 2 * head > queue_.size()) {  // keep the queue's memory ~ its live part
        queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(head));
        head = 0;
      }
    }
  }

  // Ends (as ranks) of the split found by the last solve().
  std::vector<std::uint64_t> rank_ends() const {
    std::vector<std::uint64_t> out;
    for (std::uint32_t e = sums_.distinct(); e > 0; e = last_start_[e]) out.push_back(sums_.rank[e]);
    std::reverse(out.begin(), out.end());
    return out;
  }

 private:
  // The candidate's penalised cost at `end`, less Σx² over [0, end) (common to all candidates).
  double at(const Candidate& c, std::uint32_t end) const {
    const double s = sums_.sum[end] - c.sum;
    return c.reduced - s * s / static_cast<double>(sums_.rank[end] - c.rank);
  }
  bool beats(const Candidate& a, const Candidate& b, std::uint32_t end) const {
    const double va = at(a, end), vb = at(b, end);
    return va < vb || (va == vb && a.clusters < b.clusters);
  }

  const RunSums& sums_;
  std::vector<std::uint32_t> last_start_;
  std::vector<Candidate> queue_;
};

// The bracket of the price search: `low` gives more than k clusters, `high` fewer.
struct Bracket {
  double low = 0.0, high = 0.0;
  std::uint32_t low_clusters = 0, high_clusters = 0;
  bool low_measured = false, high_measured = false;
  // Consecutive prices that moved the same end: regula falsi can creep from one side; then bisect.
  int low_run = 0, high_run = 0;

  // Records a price inside the bracket that missed k.
  void record(double lambda, std::uint32_t clusters, std::uint32_t k) {
    if (clusters > k) {
      low = lambda, low_clusters = clusters, low_measured = true;
      ++low_run, high_run = 0;
    } else {
      high = lambda, high_clusters = clusters, high_measured = true;
      ++high_run, low_run = 0;
    }
  }
  bool too_narrow() const { return low > 0.0 && high <= low * (1.0 + 1e-12); }
};

// A price aimed at `target` clusters: interpolation of log(clusters) in log(λ) between the ends,
// or an extrapolation with clusters ~ λ^(-1/3) from the only measured end.
double aimed_price(const Bracket& b, double target) {
  if (!b.low_measured) {  // low is still 0
    const double f = std::pow(static_cast<double>(b.high_clusters) / target, 3.0);
    return b.high * std::clamp(f, 1e-9, 0.5);
  }
  const double l0 = std::log(b.low), l1 = std::log(b.high);
  if (!b.high_measured) {
    const double f = std::pow(static_cast<double>(b.low_clusters) / target, 3.0);
    return std::min(b.low * std::clamp(f, 2.0, 1e9), std::exp(0.5 * (l0 + l1)));
  }
  const double c0 = std::log(static_cast<double>(b.low_clusters)),
               c1 = std::log(static_cast<double>(b.high_clusters));
  const double t = std::clamp((c0 - std::log(target)) / (c0 - c1), 0.02, 0.98);
  return std::exp(l0 + t * (l1 - l0));
}

// The next price: aimed at k, or the log-space midpoint of the bracket when interpolation keeps
// moving one end.
double next_price(const Bracket& b, std::uint32_t k) {
  if (b.low_measured && b.high_measured && (b.low_run >= 2 || b.high_run >= 2))
    return std::sqrt(b.low) * std::sqrt(b.high);
  return aimed_price(b, k);
}

}  // namespace

template <class T>
bool lagrangian_partition(std::span<const T> sorted, std::uint64_t distinct, std::uint32_t k,
                          std::vector<std::uint64_t>& rank_ends) {
  rank_ends.clear();
  if (sorted.size() > std::numeric_limits<std::uint32_t>::max()) return false;  // 32-bit ranks
  const auto d = static_cast<std::uint32_t>(distinct);
  const RunSums sums = build_run_sums(sorted, distinct);
  if (k >= d) {  // one cluster per distinct value
    rank_ends.assign(sums.rank.begin() + 1, sums.rank.end());
    return true;
  }
  if (k == 1) {
    rank_ends.push_back(sorted.size());
    return true;
  }
  const double total = sums.total_cost();
  if (!(total > 0.0)) return false;
  // At λ = total one cluster (cost + λ = 2λ) is never beaten by two or more (≥ 2λ, ties go to
  // fewer clusters); at λ → 0 every distinct value is its own cluster (d > k).
  Bracket b;
  b.high = total;
  b.high_clusters = 1;
  b.low = 0.0;
  b.low_clusters = d;
  PenalisedSolver solver(sums);
  // The first guess: for uniform data the marginal gain of the k-th cluster is about 2·total/k³.
  double lambda = 2.0 * total / (static_cast<double>(k) * k * k);
  for (int round = 0; round < 200; ++round) {
    if (!(lambda > b.low && lambda < b.high)) return false;  // no room left between the ends
    const std::uint32_t clusters = solver.solve(lambda);
    if (clusters == k) {
      rank_ends = solver.rank_ends();
      return true;
    }
    b.record(lambda, clusters, k);
    if (b.too_narrow()) return false;
    lambda = next_price(b, k);
  }
  return false;
}

template bool lagrangian_partition(std::span<const float>, std::uint64_t, std::uint32_t,
                                   std::vector<std::uint64_t>&);
template bool lagrangian_partition(std::span<const double>, std::uint64_t, std::uint32_t,
                                   std::vector<std::uint64_t>&);

}  // namespace dcz::quantize
