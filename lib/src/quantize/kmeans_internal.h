// Internal pieces of kmeans_sorted, split by stage so each can be tested and benchmarked.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "dcz/quantize.h"
#include "quantize/sorted_sample.h"

namespace dcz::quantize {

// Number of distinct values of a sorted span.
template <class T>
std::uint64_t count_distinct(std::span<const T> sorted) {
  std::uint64_t d = 0;
  for (std::size_t i = 0; i < sorted.size(); ++i) d += (i == 0 || sorted[i] != sorted[i - 1]);
  return d;
}

// Starting centroids, ascending and distinct, at most k of them (fewer only when duplicates
// collapse, e.g. density on heavily repeated values). Requires more than k distinct values.
template <class T>
std::vector<double> initial_centroids(const SortedSample<T>& sample, std::uint32_t k,
                                      KMeansInit init, std::uint64_t seed);

// Rank where each cluster ends when every value goes to its nearest centroid (ties to the
// upper one). `centroids` ascending.
template <class T>
std::vector<std::uint64_t> nearest_partition(const SortedSample<T>& sample,
                                             std::span<const double> centroids);

struct LloydOutcome {
  std::vector<std::uint64_t> cluster_ends;
  unsigned iterations = 0;
  bool converged = false;
};
template <class T>
LloydOutcome lloyd(const SortedSample<T>& sample, std::vector<double> centroids,
                   const KMeansOptions& options);

// Exact k-means partition (cluster ends as ranks). Requires more than k distinct values.
template <class T>
Result<std::vector<std::uint64_t>> optimal_partition(std::span<const T> sorted, std::uint32_t k,
                                                     unsigned threads);

// Centroids (means) and SSE of a partition, empty clusters dropped.
template <class T>
KMeansResult finish_partition(std::span<const T> sorted, std::vector<std::uint64_t> ends,
                              unsigned threads);

}  // namespace dcz::quantize
