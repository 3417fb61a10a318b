#include "prune/kernels.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <numeric>
#include <random>

#include "prune/float_bits.h"

namespace dcz::prune {
namespace {

template <class V>
std::vector<std::uint8_t> to_bytes(const std::vector<V>& values) {
  std::vector<std::uint8_t> out(values.size() * sizeof(V));
  std::memcpy(out.data(), values.data(), out.size());
  return out;
}

template <class V>
std::vector<V> from_bytes(const std::vector<std::uint8_t>& bytes) {
  std::vector<V> out(bytes.size() / sizeof(V));
  std::memcpy(out.data(), bytes.data(), bytes.size());
  return out;
}

std::vector<float> random_floats(std::size_t n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, 0.05f);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

// The reference: a full stable sort by magnitude; the first k indices are the ones to remove.
std::vector<bool> reference_removed(const std::vector<double>& magnitudes, std::uint64_t k) {
  std::vector<std::size_t> order(magnitudes.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return magnitudes[a] < magnitudes[b]; });
  std::vector<bool> removed(magnitudes.size(), false);
  for (std::uint64_t i = 0; i < k && i < order.size(); ++i) removed[order[i]] = true;
  return removed;
}

TEST(PruneKernels, RemovalCountRoundsHalfUp) {
  EXPECT_EQ(removal_count(0.0, 10), 0u);
  EXPECT_EQ(removal_count(0.5, 3), 2u);     // 1.5
  EXPECT_EQ(removal_count(0.25, 10), 3u);   // 2.5
  EXPECT_EQ(removal_count(0.24, 10), 2u);
  EXPECT_EQ(removal_count(0.92, 235200), 216384u);
  EXPECT_EQ(removal_count(0.999999, 7), 7u);
  EXPECT_EQ(removal_count(0.9, 0), 0u);
}

TEST(PruneKernels, SmallestRemovesExactlyKMatchingAFullSort) {
  for (std::uint64_t k : {0u, 1u, 500u, 999u, 1000u, 2000u}) {
    const auto values = random_floats(1000, 7);
    auto bytes = to_bytes(values);
    const double threshold = prune_smallest(bytes, DType::kFloat32, k);
    const auto after = from_bytes<float>(bytes);
    std::vector<double> mags(values.begin(), values.end());
    for (double& m : mags) m = std::fabs(m);
    const auto removed = reference_removed(mags, k);
    double largest_removed = 0;
    for (std::size_t i = 0; i < values.size(); ++i) {
      if (removed[i]) {
        EXPECT_EQ(std::bit_cast<std::uint32_t>(after[i]), 0u) << "k=" << k << " i=" << i;
        largest_removed = std::max(largest_removed, mags[i]);
      } else {
        EXPECT_EQ(after[i], values[i]) << "k=" << k << " i=" << i;
      }
    }
    EXPECT_EQ(threshold, largest_removed);
    EXPECT_EQ(count_nonzero(bytes, DType::kFloat32), 1000 - std::min<std::uint64_t>(k, 1000));
  }
}

TEST(PruneKernels, TiesAreBrokenByIndex) {
  const std::vector<float> values{1, -1, 2, 1, -1, 0.5f, 1, 3};
  auto bytes = to_bytes(values);
  prune_smallest(bytes, DType::kFloat32, 3);  // 0.5, then the first two of the five ±1
  EXPECT_EQ(from_bytes<float>(bytes), (std::vector<float>{0, 0, 2, 1, -1, 0, 1, 3}));
}

TEST(PruneKernels, AlreadyZeroWeightsStayZeroAndBecomePositiveZero) {
  // Five zeros (two negative) and k = 3: the zeros are the smallest, all stay, nothing else goes.
  const std::vector<float> values{0.f, -0.f, 1.f, 0.f, -0.f, 2.f, 0.f, 3.f};
  auto bytes = to_bytes(values);
  prune_smallest(bytes, DType::kFloat32, 3);
  const auto after = from_bytes<float>(bytes);
  for (std::size_t i : {0, 1, 3, 4, 6}) EXPECT_EQ(std::bit_cast<std::uint32_t>(after[i]), 0u);
  EXPECT_EQ(count_nonzero(bytes, DType::kFloat32), 3u);
  // k above the zero count: the zeros plus the smallest nonzero.
  bytes = to_bytes(values);
  prune_smallest(bytes, DType::kFloat32, 6);
  EXPECT_EQ(from_bytes<float>(bytes), (std::vector<float>{0, 0, 0, 0, 0, 2, 0, 3}));
}

TEST(PruneKernels, NanIsLargest) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  auto bytes = to_bytes(std::vector<float>{nan, -inf, 1e-3f, -5.f});
  prune_smallest(bytes, DType::kFloat32, 3);
  const auto after = from_bytes<float>(bytes);
  EXPECT_TRUE(std::isnan(after[0]));
  EXPECT_EQ(count_nonzero(bytes, DType::kFloat32), 1u);
  prune_up_to(bytes, DType::kFloat32, 1e30);
  EXPECT_TRUE(std::isnan(from_bytes<float>(bytes)[0]));
}

TEST(PruneKernels, UpToIsInclusiveAndKeepsLargerValues) {
  const std::vector<double> values{0.5, -0.25, 0.2500001, -0.1, 0.0, 1.0};
  auto bytes = to_bytes(values);
  prune_up_to(bytes, DType::kFloat64, 0.25);
  EXPECT_EQ(from_bytes<double>(bytes), (std::vector<double>{0.5, 0, 0.2500001, 0, 0, 1.0}));
}

TEST(PruneKernels, StdMatchesTheDefinition) {
  const std::vector<float> values{1, 2, 3, 4, std::numeric_limits<float>::infinity()};
  EXPECT_DOUBLE_EQ(weight_std(to_bytes(values), DType::kFloat32), std::sqrt(1.25));
  EXPECT_EQ(weight_std({}, DType::kFloat32), 0.0);
}

// float16 / bfloat16 bit patterns of small integers and halves.
std::uint16_t half_of(double v) {
  for (std::uint32_t b = 0; b < 0x10000; ++b) {
    if (half_to_double(static_cast<std::uint16_t>(b)) == v) return static_cast<std::uint16_t>(b);
  }
  ADD_FAILURE() << v << " is not a float16";
  return 0;
}

TEST(PruneKernels, HalfAndBFloat16DecodeExactly) {
  EXPECT_EQ(half_to_double(0x3c00), 1.0);
  EXPECT_EQ(half_to_double(0xc000), -2.0);
  EXPECT_EQ(half_to_double(0x0001), std::ldexp(1.0, -24));
  EXPECT_EQ(half_to_double(0x7bff), 65504.0);
  EXPECT_TRUE(std::isinf(half_to_double(0x7c00)));
  EXPECT_TRUE(std::isnan(half_to_double(0x7e00)));
  EXPECT_EQ(bfloat16_to_double(0x3f80), 1.0);
  EXPECT_EQ(bfloat16_to_double(0xbfc0), -1.5);
}

TEST(PruneKernels, Float16AndBFloat16ArePrunedInTheirOwnType) {
  for (DType dtype : {DType::kFloat16, DType::kBFloat16}) {
    const bool half = dtype == DType::kFloat16;
    auto enc = [&](double v) {
      return half ? half_of(v) : static_cast<std::uint16_t>(std::bit_cast<std::uint32_t>(static_cast<float>(v)) >> 16);
    };
    const std::vector<double> values{0.5, -0.25, 4, -3, 0.125, -0.5, 2, 1};
    std::vector<std::uint16_t> bits;
    for (double v : values) bits.push_back(enc(v));
    auto bytes = to_bytes(bits);
    const double t = prune_smallest(bytes, dtype, 4);  // 0.125, -0.25, 0.5, -0.5
    EXPECT_EQ(t, 0.5);
    const auto after = from_bytes<std::uint16_t>(bytes);
    const std::vector<std::uint16_t> expected{0, 0, enc(4), enc(-3), 0, 0, enc(2), enc(1)};
    EXPECT_EQ(after, expected) << dtype_name(dtype);
    bytes = to_bytes(bits);
    prune_up_to(bytes, dtype, 2.0);
    EXPECT_EQ(count_nonzero(bytes, dtype), 2u);
    EXPECT_DOUBLE_EQ(weight_std(to_bytes(bits), dtype), 1.8941083613075045);  // numpy std
  }
}

TEST(PruneKernels, GlobalCutMatchesAFullSortOverAllLayersWithTiesByLayerThenIndex) {
  // Three layers of mixed dtypes with many ties (values on a coarse grid).
  std::mt19937 rng(3);
  std::uniform_int_distribution<int> grid(-8, 8);
  std::vector<float> a(3000);
  std::vector<double> b(2500);
  std::vector<float> c(4000);
  for (float& x : a) x = grid(rng) * 0.25f;
  for (double& x : b) x = grid(rng) * 0.25;
  for (float& x : c) x = grid(rng) * 0.25f;
  const std::vector<double> scales{1.0, 1.0, 0.5};
  std::vector<double> mags;  // global order: layer, then index
  for (float x : a) mags.push_back(std::fabs(x) * scales[0]);
  for (double x : b) mags.push_back(std::fabs(x) * scales[1]);
  for (float x : c) mags.push_back(std::fabs(x) * scales[2]);

  for (std::uint64_t k : {0u, 1u, 4000u, 6001u, 9500u, 20000u}) {
    std::vector<std::vector<std::uint8_t>> results;
    for (unsigned threads : {1u, 2u, 5u}) {
      std::vector<std::vector<std::uint8_t>> bytes{to_bytes(a), to_bytes(b), to_bytes(c)};
      const std::vector<DType> dtypes{DType::kFloat32, DType::kFloat64, DType::kFloat32};
      std::vector<GlobalLayer> layers;
      for (std::size_t l = 0; l < 3; ++l) layers.push_back({bytes[l], dtypes[l], scales[l]});
      const GlobalCut cut = find_global_cut(layers, k, threads);
      for (std::size_t l = 0; l < 3; ++l) prune_with_cut(bytes[l], dtypes[l], scales[l], cut, l);

      const auto removed = reference_removed(mags, k);
      // Zeros are always removed too; the reference's first k include them when they are the
      // smallest, which they are here.
      std::vector<double> after;
      for (float x : from_bytes<float>(bytes[0])) after.push_back(x);
      for (double x : from_bytes<double>(bytes[1])) after.push_back(x);
      for (float x : from_bytes<float>(bytes[2])) after.push_back(x);
      std::uint64_t zeros = 0;
      for (std::size_t i = 0; i < mags.size(); ++i) {
        const bool expect_zero = removed[i] || mags[i] == 0;
        EXPECT_EQ(after[i] == 0, expect_zero) << "k=" << k << " i=" << i;
        zeros += after[i] == 0;
      }
      std::uint64_t initial_zeros = std::count(mags.begin(), mags.end(), 0.0);
      EXPECT_EQ(zeros, std::max<std::uint64_t>(std::min<std::uint64_t>(k, mags.size()), initial_zeros));
      std::vector<std::uint8_t> all;
      for (auto& v : bytes) all.insert(all.end(), v.begin(), v.end());
      results.push_back(all);
    }
    EXPECT_EQ(results[0], results[1]);
    EXPECT_EQ(results[0], results[2]);
  }
}

TEST(PruneKernels, GlobalCutOnLargeRandomLayersIsExact) {
  // Enough elements for several chunks per layer and every radix pass.
  auto a = random_floats(3'000'000, 11);
  auto b = random_floats(500'000, 12);
  std::vector<std::vector<std::uint8_t>> bytes{to_bytes(a), to_bytes(b)};
  std::vector<GlobalLayer> layers{{bytes[0], DType::kFloat32, 1.0}, {bytes[1], DType::kFloat32, 3.0}};
  const std::uint64_t k = removal_count(0.8, 3'500'000);
  const GlobalCut cut = find_global_cut(layers, k, 2);
  for (std::size_t l = 0; l < 2; ++l) prune_with_cut(bytes[l], DType::kFloat32, layers[l].scale, cut, l);
  const std::uint64_t zeros = 3'500'000 - count_nonzero(bytes[0], DType::kFloat32) -
                              count_nonzero(bytes[1], DType::kFloat32);
  EXPECT_EQ(zeros, k);
  // Every survivor's scaled magnitude is >= the cut, every removed one <= it.
  for (std::size_t l = 0; l < 2; ++l) {
    const auto before = l == 0 ? a : b;
    const auto after = from_bytes<float>(bytes[l]);
    for (std::size_t i = 0; i < after.size(); i += 97) {
      const double m = std::fabs(static_cast<double>(before[i])) * layers[l].scale;
      if (after[i] == 0) EXPECT_LE(m, cut.threshold);
      else EXPECT_GE(m, cut.threshold);
    }
  }
}

TEST(PruneKernels, RelativeIndexEntriesCountFillers) {
  // 3-bit indices: a run of z zeros before a nonzero costs floor(z / 8) fillers.
  std::vector<float> v(40, 0.f);
  v[0] = 1;   // run 0
  v[8] = 1;   // run 7
  v[17] = 1;  // run 8 → 1 filler
  v[35] = 1;  // run 17 → 2 fillers
  EXPECT_EQ(relative_index_entries(to_bytes(v), DType::kFloat32, 3), 4u + 0 + 0 + 1 + 2);
  EXPECT_EQ(relative_index_entries(to_bytes(v), DType::kFloat32, 5), 4u);
  EXPECT_EQ(relative_index_entries(to_bytes(std::vector<float>(10, 0.f)), DType::kFloat32, 3), 0u);
}

}  // namespace
}  // namespace dcz::prune
