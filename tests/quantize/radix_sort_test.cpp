#include "quantize/radix_sort.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

namespace dcz::quantize {
namespace {

template <class T>
std::vector<T> awkward_values(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 gen(seed);
  std::vector<T> v(n);
  for (auto& x : v) {
    const double mag =
        std::ldexp(static_cast<double>(gen() % 1000 + 1), static_cast<int>(gen() % 60) - 40);
    x = static_cast<T>(gen() & 1 ? mag : -mag);
  }
  // Extremes and repeats.
  v.push_back(std::numeric_limits<T>::denorm_min());
  v.push_back(-std::numeric_limits<T>::denorm_min());
  v.push_back(std::numeric_limits<T>::max());
  v.push_back(std::numeric_limits<T>::lowest());
  v.push_back(v[0]);
  return v;
}

template <class T>
void check_sorts(std::size_t n, unsigned threads) {
  auto v = awkward_values<T>(n, n + threads);
  auto expected = v;
  std::sort(expected.begin(), expected.end());
  radix_sort(std::span<T>(v), threads);
  EXPECT_EQ(v, expected) << n << " values, " << threads << " threads";
}

TEST(RadixSort, MatchesStdSortForFloats) {
  for (const std::size_t n : {0u, 1u, 10u, 47u, 48u, 1000u, 300000u}) {
    check_sorts<float>(n, 1);
    check_sorts<float>(n, 3);
  }
}

TEST(RadixSort, MatchesStdSortForDoubles) {
  for (const std::size_t n : {0u, 5u, 49u, 5000u, 200000u}) {
    check_sorts<double>(n, 1);
    check_sorts<double>(n, 4);
  }
}

}  // namespace
}  // namespace dcz::quantize
