// The exact method: equal to brute force on small inputs and to a textbook O(k·d²) DP on medium
// ones, and never worse than Lloyd from any initialisation.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include "dcz/quantize.h"
#include "quantize/test_data.h"

namespace dcz {
namespace {

using test::Distribution;

double sse_of(std::span<const double> v, std::size_t a, std::size_t b) {
  double mean = 0.0;
  for (auto i = a; i < b; ++i) mean += v[i];
  mean /= static_cast<double>(b - a);
  double s = 0.0;
  for (auto i = a; i < b; ++i) s += (v[i] - mean) * (v[i] - mean);
  return s;
}

// Minimum over every split of the sorted values into at most k contiguous nonempty runs.
double brute_force(std::span<const double> v, std::size_t start, unsigned k) {
  if (start == v.size()) return 0.0;
  if (k == 0) return std::numeric_limits<double>::infinity();
  double best = sse_of(v, start, v.size());
  for (std::size_t end = start + 1; end < v.size(); ++end) {
    best = std::min(best, sse_of(v, start, end) + brute_force(v, end, k - 1));
  }
  return best;
}

// The textbook DP with a full table, on (value, count) pairs.
double naive_dp(std::span<const double> sorted, unsigned k) {
  std::vector<double> x, w;
  for (const double v : sorted) {
    if (!x.empty() && x.back() == v) {
      w.back() += 1;
      continue;
    }
    x.push_back(v);
    w.push_back(1);
  }
  const std::size_t d = x.size();
  auto cost = [&](std::size_t a, std::size_t b) {
    double sw = 0, s = 0, q = 0;
    for (auto i = a; i < b; ++i) {
      sw += w[i];
      s += w[i] * x[i];
      q += w[i] * x[i] * x[i];
    }
    return q - s * s / sw;
  };
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<std::vector<double>> f(k + 1, std::vector<double>(d + 1, inf));
  f[0][0] = 0.0;
  for (unsigned j = 1; j <= k; ++j)
    for (std::size_t e = 1; e <= d; ++e)
      for (std::size_t m = 0; m < e; ++m) f[j][e] = std::min(f[j][e], f[j - 1][m] + cost(m, e));
  double best = inf;
  for (unsigned j = 1; j <= k; ++j) best = std::min(best, f[j][d]);
  return best;
}

KMeansOptions optimal() {
  KMeansOptions o;
  o.method = KMeansMethod::kOptimal;
  return o;
}

TEST(OptimalKMeans, EqualsBruteForceOnSmallInputs) {
  std::mt19937_64 gen(123);
  for (int trial = 0; trial < 300; ++trial) {
    const std::size_t n = 2 + gen() % 11;
    std::vector<double> v(n);
    // Few levels so duplicates occur often.
    for (auto& x : v)
      x = static_cast<double>(static_cast<int>(gen() % 9) - 4) * 0.25 + (gen() % 3) * 0.01;
    std::erase(v, 0.0);
    if (v.empty()) continue;
    std::sort(v.begin(), v.end());
    for (unsigned k = 1; k <= 5; ++k) {
      auto r = kmeans_sorted(std::span<const double>(v), k, optimal());
      ASSERT_TRUE(r.is_ok());
      const double expected = brute_force(v, 0, k);
      EXPECT_NEAR(r->sse, expected, 1e-12) << "trial " << trial << " k=" << k;
      EXPECT_LE(r->centroids.size(), k);
    }
  }
}

TEST(OptimalKMeans, EqualsTheTextbookDynamicProgram) {
  for (const auto d : {Distribution::kNormal, Distribution::kUniform, Distribution::kBimodal}) {
    for (const std::uint64_t seed : {1u, 2u, 3u}) {
      // Rounded to 3 decimals: many duplicates, so counts matter.
      auto raw = test::sample(d, 400, seed);
      for (auto& x : raw) x = std::round(x * 1000.0) / 1000.0;
      std::erase(raw, 0.0);
      std::sort(raw.begin(), raw.end());
      for (const unsigned k : {2u, 3u, 7u, 16u, 33u}) {
        auto r = kmeans_sorted(std::span<const double>(raw), k, optimal());
        ASSERT_TRUE(r.is_ok());
        const double expected = naive_dp(raw, k);
        EXPECT_NEAR(r->sse, expected, 1e-10 * expected + 1e-15)
            << test::distribution_name(d) << " seed " << seed << " k=" << k;
      }
    }
  }
}

TEST(OptimalKMeans, NeverWorseThanLloyd) {
  for (const auto d : {Distribution::kNormal, Distribution::kLaplace, Distribution::kBimodal,
                       Distribution::kUniform}) {
    const auto v = test::sorted_floats(d, 30000, 17);
    for (const std::uint32_t k : {2u, 5u, 32u, 256u}) {
      auto best = kmeans_sorted(std::span<const float>(v), k, optimal());
      ASSERT_TRUE(best.is_ok());
      for (const auto init : {KMeansInit::kLinear, KMeansInit::kDensity, KMeansInit::kRandom,
                              KMeansInit::kKMeansPlusPlus}) {
        KMeansOptions o;
        o.init = init;
        o.seed = 3;
        auto lloyd = kmeans_sorted(std::span<const float>(v), k, o);
        ASSERT_TRUE(lloyd.is_ok());
        // Relative slack covers double rounding only.
        EXPECT_LE(best->sse, lloyd->sse * (1 + 1e-9))
            << test::distribution_name(d) << " k=" << k << " " << kmeans_init_name(init);
      }
    }
  }
}

TEST(OptimalKMeans, UsesAllClustersWhenThereAreEnoughValues) {
  const auto v = test::sorted_floats(Distribution::kLaplace, 5000, 8);
  auto r = kmeans_sorted(std::span<const float>(v), 100, optimal());
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(r->centroids.size(), 100u);
  EXPECT_EQ(r->iterations, 0u);
}

}  // namespace
}  // namespace dcz
