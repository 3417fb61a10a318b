// kmeans_sorted: the public entry of the kernel, and the method / init names.
#include <algorithm>

#include "quantize/kmeans_internal.h"
#include "quantize/parallel.h"

namespace dcz {

Result<KMeansMethod> parse_kmeans_method(std::string_view name) {
  if (name == "lloyd") return KMeansMethod::kLloyd;
  if (name == "optimal") return KMeansMethod::kOptimal;
  return make_error(ErrorCode::kInvalidArgument,
                    "unknown k-means method '" + std::string(name) + "' (lloyd, optimal)");
}

Result<KMeansInit> parse_kmeans_init(std::string_view name) {
  if (name == "linear") return KMeansInit::kLinear;
  if (name == "density") return KMeansInit::kDensity;
  if (name == "random") return KMeansInit::kRandom;
  if (name == "kmeans++") return KMeansInit::kKMeansPlusPlus;
  return make_error(ErrorCode::kInvalidArgument, "unknown centroid initialisation '" +
                                                     std::string(name) +
                                                     "' (linear, density, random, kmeans++)");
}

std::string_view kmeans_method_name(KMeansMethod method) {
  return method == KMeansMethod::kOptimal ? "optimal" : "lloyd";
}

std::string_view kmeans_init_name(KMeansInit init) {
  switch (init) {
    case KMeansInit::kLinear:
      return "linear";
    case KMeansInit::kDensity:
      return "density";
    case KMeansInit::kRandom:
      return "random";
    case KMeansInit::kKMeansPlusPlus:
      return "kmeans++";
  }
  return "linear";
}

namespace {

// One cluster per distinct value.
template <class T>
std::vector<std::uint64_t> distinct_partition(std::span<const T> sorted) {
  std::vector<std::uint64_t> ends;
  for (std::size_t i = 1; i <= sorted.size(); ++i) {
    if (i == sorted.size() || sorted[i] != sorted[i - 1]) ends.push_back(i);
  }
  return ends;
}

template <class T>
Result<KMeansResult> kmeans_impl(std::span<const T> sorted, std::uint32_t k,
                                 const KMeansOptions& options) {
  using namespace quantize;
  if (k == 0) return make_error(ErrorCode::kInvalidArgument, "k-means with k = 0 clusters");
  if (sorted.empty()) return make_error(ErrorCode::kInvalidArgument, "k-means of no values");
  const unsigned threads = resolve_threads(options.threads);
  if (count_distinct(sorted) <= k)
    return finish_partition(sorted, distinct_partition(sorted), threads);
  if (options.method == KMeansMethod::kOptimal) {
    DCZ_ASSIGN_OR_RETURN(auto ends, optimal_partition(sorted, k, threads));
    return finish_partition(sorted, std::move(ends), threads);
  }
  const SortedSample<T> sample(sorted);
  LloydOutcome outcome =
      lloyd(sample, initial_centroids(sample, k, options.init, options.seed), options);
  KMeansResult result = finish_partition(sorted, std::move(outcome.cluster_ends), threads);
  result.iterations = outcome.iterations;
  result.converged = outcome.converged;
  return result;
}

}  // namespace

Result<KMeansResult> kmeans_sorted(std::span<const float> sorted, std::uint32_t k,
                                   const KMeansOptions& options) {
  return kmeans_impl(sorted, k, options);
}

Result<KMeansResult> kmeans_sorted(std::span<const double> sorted, std::uint32_t k,
                                   const KMeansOptions& options) {
  return kmeans_impl(sorted, k, options);
}

}  // namespace dcz
