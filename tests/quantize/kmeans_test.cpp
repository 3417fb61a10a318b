// The Lloyd kernel and its initialisations: structure of the result, determinism, fixed-point
// property, and per-bit-width error bounds on known distributions.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "dcz/quantize.h"
#include "quantize/test_data.h"

namespace dcz {
namespace {

using test::Distribution;

const KMeansInit kInits[] = {KMeansInit::kLinear, KMeansInit::kDensity, KMeansInit::kRandom,
                             KMeansInit::kKMeansPlusPlus};

KMeansOptions lloyd_with(KMeansInit init, std::uint64_t seed = 1) {
  KMeansOptions o;
  o.init = init;
  o.seed = seed;
  return o;
}

// The SSE of `r` recomputed from scratch, and the partition checked against the centroids.
double check_structure(std::span<const float> sorted, const KMeansResult& r, std::uint32_t k) {
  EXPECT_LE(r.centroids.size(), k);
  EXPECT_EQ(r.centroids.size(), r.cluster_ends.size());
  EXPECT_FALSE(r.centroids.empty());
  EXPECT_TRUE(std::is_sorted(r.centroids.begin(), r.centroids.end()));
  EXPECT_EQ(std::adjacent_find(r.centroids.begin(), r.centroids.end()), r.centroids.end());
  EXPECT_EQ(r.cluster_ends.back(), sorted.size());
  double sse = 0.0;
  std::uint64_t begin = 0;
  for (std::size_t j = 0; j < r.centroids.size(); ++j) {
    EXPECT_GT(r.cluster_ends[j], begin) << "empty cluster " << j;
    // Equal values never straddle a boundary.
    if (j + 1 < r.centroids.size()) {
      EXPECT_NE(sorted[r.cluster_ends[j] - 1], sorted[r.cluster_ends[j]]);
    }
    double sum = 0.0;
    for (auto i = begin; i < r.cluster_ends[j]; ++i) sum += sorted[i];
    EXPECT_NEAR(r.centroids[j], sum / static_cast<double>(r.cluster_ends[j] - begin),
                1e-12 * (1.0 + std::abs(r.centroids[j])));
    for (auto i = begin; i < r.cluster_ends[j]; ++i)
      sse += (sorted[i] - r.centroids[j]) * (sorted[i] - r.centroids[j]);
    begin = r.cluster_ends[j];
  }
  EXPECT_NEAR(r.sse, sse, 1e-9 * sse + 1e-300);
  return sse;
}

TEST(KMeans, FewDistinctValuesGetOneClusterEach) {
  const std::vector<float> v = {-2.0f, -2.0f, 0.5f, 0.5f, 0.5f, 3.0f};
  for (const auto method : {KMeansMethod::kLloyd, KMeansMethod::kOptimal}) {
    KMeansOptions o;
    o.method = method;
    auto r = kmeans_sorted(std::span<const float>(v), 3, o);
    ASSERT_TRUE(r.is_ok()) << r.status().to_string();
    EXPECT_EQ(r->centroids, (std::vector<double>{-2.0, 0.5, 3.0}));
    EXPECT_EQ(r->cluster_ends, (std::vector<std::uint64_t>{2, 5, 6}));
    EXPECT_EQ(r->sse, 0.0);
  }
}

TEST(KMeans, RejectsZeroClustersAndEmptyInput) {
  const std::vector<float> v = {1.0f};
  EXPECT_EQ(kmeans_sorted(std::span<const float>(v), 0, {}).status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(kmeans_sorted(std::span<const float>(), 4, {}).status().code(),
            ErrorCode::kInvalidArgument);
}

TEST(KMeans, EveryInitGivesAValidClustering) {
  for (const auto d : {Distribution::kNormal, Distribution::kBimodal, Distribution::kLaplace}) {
    const auto v = test::sorted_floats(d, 20000, 7);
    for (const auto init : kInits) {
      for (const std::uint32_t k : {1u, 2u, 16u, 256u}) {
        SCOPED_TRACE(test::distribution_name(d) + " " + std::string(kmeans_init_name(init)) +
                     " k=" + std::to_string(k));
        auto r = kmeans_sorted(std::span<const float>(v), k, lloyd_with(init));
        ASSERT_TRUE(r.is_ok()) << r.status().to_string();
        check_structure(v, *r, k);
      }
    }
  }
}

TEST(KMeans, EveryInitIsDeterministicForASeed) {
  const auto v = test::sorted_floats(Distribution::kLaplace, 50000, 3);
  for (const auto init : kInits) {
    SCOPED_TRACE(std::string(kmeans_init_name(init)));
    auto a = kmeans_sorted(std::span<const float>(v), 32, lloyd_with(init, 42));
    auto b = kmeans_sorted(std::span<const float>(v), 32, lloyd_with(init, 42));
    ASSERT_TRUE(a.is_ok() && b.is_ok());
    ASSERT_EQ(a->centroids.size(), b->centroids.size());
    EXPECT_EQ(0, std::memcmp(a->centroids.data(), b->centroids.data(),
                             a->centroids.size() * sizeof(double)));
    EXPECT_EQ(a->cluster_ends, b->cluster_ends);
    EXPECT_EQ(a->iterations, b->iterations);
  }
}

TEST(KMeans, SeededInitsDependOnTheSeed) {
  const auto v = test::sorted_floats(Distribution::kLaplace, 50000, 3);
  for (const auto init : {KMeansInit::kRandom, KMeansInit::kKMeansPlusPlus}) {
    KMeansOptions o = lloyd_with(init, 1);
    o.max_iterations = 0;  // the initial centroids themselves
    auto a = kmeans_sorted(std::span<const float>(v), 32, o);
    o.seed = 2;
    auto b = kmeans_sorted(std::span<const float>(v), 32, o);
    ASSERT_TRUE(a.is_ok() && b.is_ok());
    EXPECT_NE(a->centroids, b->centroids) << kmeans_init_name(init);
  }
}

TEST(KMeans, ThreadCountDoesNotChangeTheResult) {
  const auto v = test::sorted_floats(Distribution::kBimodal, 100000, 5);
  for (const auto method : {KMeansMethod::kLloyd, KMeansMethod::kOptimal}) {
    KMeansOptions o;
    o.method = method;
    o.threads = 1;
    auto a = kmeans_sorted(std::span<const float>(v), 64, o);
    o.threads = 4;
    auto b = kmeans_sorted(std::span<const float>(v), 64, o);
    ASSERT_TRUE(a.is_ok() && b.is_ok());
    EXPECT_EQ(a->centroids, b->centroids);
    EXPECT_EQ(a->cluster_ends, b->cluster_ends);
  }
}

TEST(KMeans, ConvergedLloydIsAFixedPoint) {
  const auto v = test::sorted_floats(Distribution::kNormal, 30000, 11);
  KMeansOptions o;
  o.tolerance = 0.0;  // stop only at the fixed point
  o.max_iterations = 100000;
  auto r = kmeans_sorted(std::span<const float>(v), 16, o);
  ASSERT_TRUE(r.is_ok());
  ASSERT_TRUE(r->converged);
  check_structure(v, *r, 16);
  // Every value is nearest to its own centroid (ties allowed).
  std::uint64_t begin = 0;
  for (std::size_t j = 0; j < r->centroids.size(); ++j) {
    for (auto i = begin; i < r->cluster_ends[j]; ++i) {
      const double own = std::abs(v[i] - r->centroids[j]);
      if (j > 0) {
        EXPECT_LE(own, std::abs(v[i] - r->centroids[j - 1]));
      }
      if (j + 1 < r->centroids.size()) {
        EXPECT_LE(own, std::abs(v[i] - r->centroids[j + 1]));
      }
    }
    begin = r->cluster_ends[j];
  }
}

// A pruned layer: nothing in (-t, t). Linear init puts centroids in the gap; they are moved to
// where the data is, so the codebook keeps all k entries and the error drops.
TEST(KMeans, EmptyClustersAreRelocatedSoTheCodebookIsFull) {
  auto raw = test::sample(Distribution::kNormal, 200000, 21);
  std::vector<float> v;
  for (const double x : raw) {
    if (std::abs(x) > 0.08) v.push_back(static_cast<float>(x));  // keeps ~11 %
  }
  std::sort(v.begin(), v.end());
  for (const auto init : kInits) {
    auto r = kmeans_sorted(std::span<const float>(v), 32, lloyd_with(init));
    ASSERT_TRUE(r.is_ok());
    EXPECT_EQ(r->centroids.size(), 32u) << kmeans_init_name(init);
    check_structure(v, *r, 32);
  }
}

TEST(KMeans, MaxIterationsIsHonoured) {
  const auto v = test::sorted_floats(Distribution::kUniform, 100000, 2);
  KMeansOptions o;
  o.tolerance = 0.0;
  o.max_iterations = 3;
  auto r = kmeans_sorted(std::span<const float>(v), 64, o);
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(r->iterations, 3u);
  EXPECT_FALSE(r->converged);
}

// Uniform data on [0, 1): the optimal b-bit quantizer has step Δ = 2^-b and MSE Δ²/12.
TEST(KMeans, UniformDataMeetsTheUniformQuantizerBound) {
  const auto v = test::sorted_floats(Distribution::kUniform, 1 << 18, 9);
  for (unsigned bits = 1; bits <= 8; ++bits) {
    const double delta = std::ldexp(1.0, -static_cast<int>(bits));
    const double bound = delta * delta / 12.0;
    for (const auto method : {KMeansMethod::kOptimal, KMeansMethod::kLloyd}) {
      for (const auto init : kInits) {
        // The exact method does not use an initialisation; above 6 bits it is slow for a test.
        if (method == KMeansMethod::kOptimal && (init != KMeansInit::kLinear || bits > 6)) continue;
        KMeansOptions o = lloyd_with(init, 5);
        o.method = method;
        auto r = kmeans_sorted(std::span<const float>(v), 1u << bits, o);
        ASSERT_TRUE(r.is_ok());
        const double mse = r->sse / static_cast<double>(v.size());
        // Sampling noise of 2^18 points keeps the optimum within 2%; Lloyd from a heuristic
        // start may stop in a slightly worse local optimum.
        const double tolerance = method == KMeansMethod::kOptimal ? 0.02 : 0.15;
        EXPECT_NEAR(mse / bound, 1.0, tolerance)
            << bits << " bits, " << kmeans_method_name(method) << "/" << kmeans_init_name(init);
      }
    }
  }
}

// Normal data: Lloyd-Max quantizer MSE for a unit Gaussian (Max 1960): 1 bit 0.3634, 2 bits
// 0.1175, 3 bits 0.03454, 4 bits 0.009497.
TEST(KMeans, NormalDataMeetsTheLloydMaxTable) {
  auto raw = test::sample(Distribution::kNormal, 1 << 19, 4);  // sigma 0.05
  std::vector<float> v(raw.begin(), raw.end());
  std::sort(v.begin(), v.end());
  const double var = 0.05 * 0.05;
  const double table[] = {0.3634, 0.1175, 0.03454, 0.009497};
  for (unsigned bits = 1; bits <= 4; ++bits) {
    for (const auto method : {KMeansMethod::kOptimal, KMeansMethod::kLloyd}) {
      KMeansOptions o;
      o.method = method;
      auto r = kmeans_sorted(std::span<const float>(v), 1u << bits, o);
      ASSERT_TRUE(r.is_ok());
      const double mse = r->sse / static_cast<double>(v.size()) / var;
      EXPECT_NEAR(mse / table[bits - 1], 1.0, 0.03)
          << bits << " bits " << kmeans_method_name(method);
    }
  }
}

}  // namespace
}  // namespace dcz
