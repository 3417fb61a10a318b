// The two solvers behind the exact method, against each other and against hand-worked cases:
// the Lagrangian price search (the fast path) and the layered DP (its fallback on ties).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "dcz/quantize.h"
#include "quantize/optimal_internal.h"
#include "quantize/test_data.h"

namespace dcz::quantize {
namespace {

double split_cost(const Prefix& p, const std::vector<std::uint32_t>& ends) {
  double s = 0.0;
  std::uint32_t begin = 0;
  for (const std::uint32_t e : ends) {
    s += p.cost(begin, e);
    begin = e;
  }
  return s;
}

// Exactly k nonempty clusters covering [0, d), ends strictly ascending.
void expect_valid_split(const std::vector<std::uint32_t>& ends, std::uint32_t d, std::uint32_t k) {
  ASSERT_EQ(ends.size(), k);
  EXPECT_EQ(ends.back(), d);
  EXPECT_GT(ends.front(), 0u);
  for (std::size_t i = 1; i < ends.size(); ++i) EXPECT_LT(ends[i - 1], ends[i]);
}

template <class T>
Prefix prefix_of(const std::vector<T>& sorted) {
  std::uint64_t d = 0;
  for (std::size_t i = 0; i < sorted.size(); ++i) d += (i == 0 || sorted[i] != sorted[i - 1]);
  return build_prefix(std::span<const T>(sorted), d);
}

TEST(OptimalSolvers, PriceSearchMatchesLayeredDpAndSucceedsOnContinuousData) {
  for (const auto dist : {test::Distribution::kNormal, test::Distribution::kLaplace,
                          test::Distribution::kBimodal, test::Distribution::kUniform}) {
    const auto v = test::sorted_doubles(dist, 3000, 5);
    const Prefix p = prefix_of(v);
    for (const std::uint32_t k : {2u, 3u, 8u, 31u, 100u, 256u}) {
      std::vector<std::uint32_t> fast;
      // Distinct continuous values: some price gives exactly k clusters.
      ASSERT_TRUE(lagrangian_partition(p, k, fast)) << test::distribution_name(dist) << " k=" << k;
      expect_valid_split(fast, p.distinct(), k);
      const auto layered = layered_partition(p, k, 1);
      expect_valid_split(layered, p.distinct(), k);
      const double a = split_cost(p, fast), b = split_cost(p, layered);
      EXPECT_NEAR(a, b, 1e-10 * b) << test::distribution_name(dist) << " k=" << k;
    }
  }
}

TEST(OptimalSolvers, PriceSearchNeverBeatsOrLosesToTheDpWithDuplicates) {
  std::mt19937_64 gen(77);
  int found = 0, missed = 0;
  for (int trial = 0; trial < 200; ++trial) {
    // Few levels with random multiplicities: counts matter and ties are common.
    std::vector<double> v;
    const int levels = 3 + static_cast<int>(gen() % 30);
    for (int i = 0; i < levels; ++i) {
      const double x = static_cast<double>(gen() % 64) * 0.125;
      v.insert(v.end(), 1 + gen() % 5, x);
    }
    std::sort(v.begin(), v.end());
    const Prefix p = prefix_of(v);
    for (std::uint32_t k = 1; k <= p.distinct(); ++k) {
      const auto layered = layered_partition(p, k, 1);
      std::vector<std::uint32_t> fast;
      if (!lagrangian_partition(p, k, fast)) {
        EXPECT_TRUE(fast.empty());
        ++missed;
        continue;
      }
      ++found;
      expect_valid_split(fast, p.distinct(), k);
      EXPECT_NEAR(split_cost(p, fast), split_cost(p, layered), 1e-9)
          << "trial " << trial << " k=" << k;
    }
  }
  // Both paths must have been exercised for this test to mean anything.
  EXPECT_GT(found, 100);
  EXPECT_GT(missed, 0);
}

// 0, 1, 2, 3: the best costs for 1..4 clusters are 5, 1, 0.5, 0 — the gains 0.5 and 0.5 tie,
// so at the price 0.5 splits of 2, 3 and 4 clusters cost the same and no price selects 3.
TEST(OptimalSolvers, PriceSearchReportsAnUnreachableSizeAndTheMethodStillSolvesIt) {
  const std::vector<double> v = {0.0, 1.0, 2.0, 3.0};
  const Prefix p = prefix_of(v);
  std::vector<std::uint32_t> ends;
  EXPECT_FALSE(lagrangian_partition(p, 3, ends));
  EXPECT_TRUE(ends.empty());
  ASSERT_TRUE(lagrangian_partition(p, 2, ends));
  EXPECT_EQ(ends, (std::vector<std::uint32_t>{2, 4}));
  KMeansOptions o;
  o.method = KMeansMethod::kOptimal;
  // The public entry falls back to the layered DP; values shifted off zero (zeros are pruned).
  const std::vector<double> shifted = {1.0, 2.0, 3.0, 4.0};
  auto r = kmeans_sorted(std::span<const double>(shifted), 3, o);
  ASSERT_TRUE(r.is_ok());
  EXPECT_DOUBLE_EQ(r->sse, 0.5);
  EXPECT_EQ(r->centroids.size(), 3u);
}

TEST(OptimalSolvers, PriceSearchEdgeSizes) {
  const std::vector<double> v = {-2.0, -2.0, -1.0, 0.5, 0.5, 0.5, 4.0};
  const Prefix p = prefix_of(v);  // 4 distinct values
  std::vector<std::uint32_t> ends;
  ASSERT_TRUE(lagrangian_partition(p, 1, ends));
  EXPECT_EQ(ends, (std::vector<std::uint32_t>{4}));
  for (const std::uint32_t k : {4u, 5u, 100u}) {  // k >= distinct: one cluster per value
    ASSERT_TRUE(lagrangian_partition(p, k, ends));
    EXPECT_EQ(ends, (std::vector<std::uint32_t>{1, 2, 3, 4}));
  }
  ASSERT_TRUE(lagrangian_partition(p, 2, ends));
  EXPECT_EQ(ends, layered_partition(p, 2, 1));  // {-2,-2,-1,.5,.5,.5} | {4}
}

// Float input through the public entry, big enough for the price search to run many rounds,
// with heavy duplication from rounding: the result equals the layered DP on the same values.
TEST(OptimalSolvers, PublicEntryEqualsLayeredDpOnRoundedFloats) {
  auto raw = test::sample(test::Distribution::kLaplace, 20000, 9);
  std::vector<float> v;
  for (const double x : raw) {
    const float r = static_cast<float>(std::round(x * 5000.0) / 5000.0);
    if (r != 0.0f) v.push_back(r);
  }
  std::sort(v.begin(), v.end());
  const Prefix p = prefix_of(v);
  KMeansOptions o;
  o.method = KMeansMethod::kOptimal;
  for (const std::uint32_t k : {4u, 16u, 64u}) {
    ASSERT_GT(p.distinct(), 2 * k);  // duplicated, but far more values than clusters
    auto r = kmeans_sorted(std::span<const float>(v), k, o);
    ASSERT_TRUE(r.is_ok());
    const double layered = split_cost(p, layered_partition(p, k, 1));
    EXPECT_NEAR(r->sse, layered, 1e-9 * layered) << "k=" << k;
  }
}

}  // namespace
}  // namespace dcz::quantize
