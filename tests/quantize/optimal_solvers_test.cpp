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

template <class T>
std::uint64_t distinct_of(const std::vector<T>& sorted) {
  std::uint64_t d = 0;
  for (std::size_t i = 0; i < sorted.size(); ++i) d += (i == 0 || sorted[i] != sorted[i - 1]);
  return d;
}

template <class T>
Prefix prefix_of(const std::vector<T>& sorted) {
  return build_prefix(std::span<const T>(sorted), distinct_of(sorted));
}

// The layered DP's split as rank ends, like the price search's.
std::vector<std::uint64_t> layered_ranks(const Prefix& p, std::uint32_t k) {
  std::vector<std::uint64_t> out;
  for (const std::uint32_t e : layered_partition(p, k, 1))
    out.push_back(static_cast<std::uint64_t>(p.at[e].count));
  return out;
}

template <class T>
bool price_search(const std::vector<T>& sorted, std::uint32_t k, std::vector<std::uint64_t>& ends) {
  return lagrangian_partition(std::span<const T>(sorted), distinct_of(sorted), k, ends);
}

// Sum of squared deviations of each run of `sorted` between consecutive rank ends, two-pass.
template <class T>
double split_cost(const std::vector<T>& sorted, const std::vector<std::uint64_t>& ends) {
  double total = 0.0;
  std::uint64_t begin = 0;
  for (const std::uint64_t e : ends) {
    double mean = 0.0;
    for (auto i = begin; i < e; ++i) mean += sorted[i];
    mean /= static_cast<double>(e - begin);
    for (auto i = begin; i < e; ++i) total += (sorted[i] - mean) * (sorted[i] - mean);
    begin = e;
  }
  return total;
}

// Exactly k nonempty clusters covering all n values, ends strictly ascending, never inside a
// run of equal values.
template <class T>
void expect_valid_split(const std::vector<T>& sorted, const std::vector<std::uint64_t>& ends,
                        std::uint32_t k) {
  ASSERT_EQ(ends.size(), k);
  EXPECT_EQ(ends.back(), sorted.size());
  EXPECT_GT(ends.front(), 0u);
  for (std::size_t i = 1; i < ends.size(); ++i) EXPECT_LT(ends[i - 1], ends[i]);
  for (const std::uint64_t e : ends) {
    if (e < sorted.size()) EXPECT_NE(sorted[e - 1], sorted[e]) << "split inside a run at " << e;
  }
}

TEST(OptimalSolvers, PriceSearchMatchesLayeredDpAndSucceedsOnContinuousData) {
  for (const auto dist : {test::Distribution::kNormal, test::Distribution::kLaplace,
                          test::Distribution::kBimodal, test::Distribution::kUniform}) {
    const auto v = test::sorted_doubles(dist, 3000, 5);
    const Prefix p = prefix_of(v);
    for (const std::uint32_t k : {2u, 3u, 8u, 31u, 100u, 256u}) {
      std::vector<std::uint64_t> fast;
      // Distinct continuous values: some price gives exactly k clusters.
      ASSERT_TRUE(price_search(v, k, fast)) << test::distribution_name(dist) << " k=" << k;
      expect_valid_split(v, fast, k);
      const auto layered = layered_ranks(p, k);
      expect_valid_split(v, layered, k);
      const double a = split_cost(v, fast), b = split_cost(v, layered);
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
      const auto layered = layered_ranks(p, k);
      std::vector<std::uint64_t> fast;
      if (!price_search(v, k, fast)) {
        EXPECT_TRUE(fast.empty());
        ++missed;
        continue;
      }
      ++found;
      expect_valid_split(v, fast, k);
      EXPECT_NEAR(split_cost(v, fast), split_cost(v, layered), 1e-9)
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
  std::vector<std::uint64_t> ends;
  EXPECT_FALSE(price_search(v, 3, ends));
  EXPECT_TRUE(ends.empty());
  ASSERT_TRUE(price_search(v, 2, ends));
  EXPECT_EQ(ends, (std::vector<std::uint64_t>{2, 4}));
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
  const std::vector<double> v = {-2.0, -2.0, -1.0, 0.5, 0.5, 0.5, 4.0};  // 4 distinct values
  std::vector<std::uint64_t> ends;
  ASSERT_TRUE(price_search(v, 1, ends));
  EXPECT_EQ(ends, (std::vector<std::uint64_t>{7}));
  for (const std::uint32_t k : {4u, 5u, 100u}) {  // k >= distinct: one cluster per value
    ASSERT_TRUE(price_search(v, k, ends));
    EXPECT_EQ(ends, (std::vector<std::uint64_t>{2, 3, 6, 7}));
  }
  ASSERT_TRUE(price_search(v, 2, ends));
  EXPECT_EQ(ends, (std::vector<std::uint64_t>{6, 7}));  // {-2,-2,-1,.5,.5,.5} | {4}
  EXPECT_EQ(ends, layered_ranks(prefix_of(v), 2));
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
    const double layered = split_cost(v, layered_ranks(p, k));
    EXPECT_NEAR(r->sse, layered, 1e-9 * layered) << "k=" << k;
  }
}

}  // namespace
}  // namespace dcz::quantize
