// Lloyd's algorithm on sorted 1-D data. Clusters of 1-D k-means are rank ranges, so an
// iteration is k binary searches for the boundaries plus k range sums: O(k·(log n + kBlock)),
// independent of n once the data is sorted.
#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

#include "quantize/kmeans_internal.h"
#include "quantize/parallel.h"

namespace dcz::quantize {

template <class T>
std::vector<std::uint64_t> nearest_partition(const SortedSample<T>& sample,
                                             std::span<const double> centroids) {
  std::vector<std::uint64_t> ends(centroids.size());
  for (std::size_t j = 0; j + 1 < centroids.size(); ++j) {
    // Midpoint as 0.5a + 0.5b: cannot overflow for any finite double.
    ends[j] = sample.lower_bound(0.5 * centroids[j] + 0.5 * centroids[j + 1]);
  }
  if (!ends.empty()) ends.back() = sample.size();
  return ends;
}

namespace {

struct ClusterError {
  double sse;
  std::size_t index;
  std::uint64_t begin, end;
};

// An empty cluster wastes a codebook entry (linear init leaves many in the empty middle of a
// pruned layer's distribution). Each one moves to the value farthest from its centroid in the
// cluster with the next largest error, which splits that cluster in the next assignment; adding
// a centroid never raises the error, so Lloyd stays monotone. Deterministic: donors by error,
// ties by index. Returns whether anything moved; `centroids` stays ascending.
template <class T>
bool relocate_empty_clusters(const SortedSample<T>& sample, std::vector<double>& centroids,
                             std::vector<ClusterError>& clusters) {
  std::vector<std::size_t> empty;
  std::vector<ClusterError> donors;
  for (const ClusterError& c : clusters) {
    if (c.end == c.begin)
      empty.push_back(c.index);
    else if (c.sse > 0.0)
      donors.push_back(c);
  }
  if (empty.empty() || donors.empty()) return false;
  std::stable_sort(donors.begin(), donors.end(),
                   [](const ClusterError& a, const ClusterError& b) { return a.sse > b.sse; });
  std::set<double> taken(centroids.begin(), centroids.end());
  bool moved = false;
  for (std::size_t e = 0, d = 0; e < empty.size() && d < donors.size(); ++d) {
    const ClusterError& donor = donors[d];
    const double mean = centroids[donor.index];
    const double lo = sample.value(donor.begin), hi = sample.value(donor.end - 1);
    const double far = mean - lo > hi - mean ? lo : hi;
    if (!taken.insert(far).second) continue;
    centroids[empty[e++]] = far;
    moved = true;
  }
  std::sort(centroids.begin(), centroids.end());
  return moved;
}

}  // namespace

template <class T>
LloydOutcome lloyd(const SortedSample<T>& sample, std::vector<double> centroids,
                   const KMeansOptions& options) {
  LloydOutcome out;
  std::vector<std::uint64_t> ends = nearest_partition(sample, centroids);
  std::vector<ClusterError> clusters(centroids.size());
  double previous_sse = std::numeric_limits<double>::infinity();
  for (unsigned it = 1; it <= options.max_iterations; ++it) {
    double sse = 0.0;
    std::uint64_t begin = 0;
    for (std::size_t j = 0; j < centroids.size(); ++j) {
      const RangeSums r = sample.range(begin, ends[j]);
      if (r.count > 0) centroids[j] = r.sum / r.count;
      clusters[j] = {r.sse(), j, begin, ends[j]};
      sse += r.sse();
      begin = ends[j];
    }
    out.iterations = it;
    const bool relocated = relocate_empty_clusters(sample, centroids, clusters);
    std::vector<std::uint64_t> next = nearest_partition(sample, centroids);
    const bool fixed_point = next == ends;
    ends = std::move(next);
    if (!relocated && (fixed_point || (std::isfinite(previous_sse) &&
                                       previous_sse - sse <= options.tolerance * previous_sse))) {
      out.converged = true;
      break;
    }
    previous_sse = sse;
  }
  out.cluster_ends = std::move(ends);
  return out;
}

template <class T>
KMeansResult finish_partition(std::span<const T> sorted, std::vector<std::uint64_t> ends,
                              unsigned threads) {
  struct Cluster {
    double mean = 0.0, sse = 0.0;
  };
  std::vector<Cluster> clusters(ends.size());
  parallel_for(ends.size(), threads, [&](std::size_t j) {
    const std::uint64_t begin = j ? ends[j - 1] : 0;
    if (ends[j] <= begin) return;
    double sum = 0.0;
    for (std::uint64_t i = begin; i < ends[j]; ++i) sum += sorted[i];
    double mean = sum / static_cast<double>(ends[j] - begin);
    // The mean of values in [lo, hi] lies in [lo, hi]; keep it there despite rounding.
    mean = std::clamp(mean, static_cast<double>(sorted[begin]),
                      static_cast<double>(sorted[ends[j] - 1]));
    double sse = 0.0;
    for (std::uint64_t i = begin; i < ends[j]; ++i) {
      const double d = sorted[i] - mean;
      sse += d * d;
    }
    clusters[j] = {mean, sse};
  });
  KMeansResult result;
  std::uint64_t begin = 0;
  for (std::size_t j = 0; j < ends.size(); ++j) {
    if (ends[j] > begin) {
      result.centroids.push_back(clusters[j].mean);
      result.cluster_ends.push_back(ends[j]);
      result.sse += clusters[j].sse;
    }
    begin = std::max(begin, ends[j]);
  }
  return result;
}

#define DCZ_INSTANTIATE(T)                                                                        \
  template std::vector<std::uint64_t> nearest_partition(const SortedSample<T>&,                   \
                                                        std::span<const double>);                 \
  template LloydOutcome lloyd(const SortedSample<T>&, std::vector<double>, const KMeansOptions&); \
  template KMeansResult finish_partition(std::span<const T>, std::vector<std::uint64_t>, unsigned);
DCZ_INSTANTIATE(float)
DCZ_INSTANTIATE(double)
#undef DCZ_INSTANTIATE

}  // namespace dcz::quantize
