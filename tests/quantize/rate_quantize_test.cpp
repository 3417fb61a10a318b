// rate_quantize_tensor: the uniform grid before refinement, zeros, the rate/distortion trade-off
// as λ grows, the λ → 0 error bound, sensitivity weighting, determinism, dtypes and errors.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <set>

#include "dcz/rate_quantize.h"
#include "quantize/float_codec.h"
#include "quantize/test_data.h"
#include "support/onnx_synthetic.h"

namespace dcz {
namespace {

std::vector<std::uint8_t> to_bytes(const std::vector<float>& v) {
  std::vector<std::uint8_t> b(v.size() * 4);
  std::memcpy(b.data(), v.data(), b.size());
  return b;
}

std::vector<float> to_floats(const std::vector<std::uint8_t>& b) {
  std::vector<float> v(b.size() / 4);
  std::memcpy(v.data(), b.data(), b.size());
  return v;
}

std::vector<float> laplace(std::size_t n, std::uint64_t seed, double scale = 1.0) {
  std::vector<float> v;
  for (const double x : test::sample(test::Distribution::kLaplace, n, seed)) {
    v.push_back(static_cast<float>(x * scale));
  }
  return v;
}

struct Outcome {
  std::vector<float> out;
  RateTensorStats stats;
};

Outcome quantize(const std::vector<float>& w, std::vector<std::int64_t> dims,
             const RateTensorOptions& o) {
  std::vector<std::uint8_t> bytes = to_bytes(w);
  auto r = rate_quantize_tensor(DType::kFloat32, bytes, dims, o, "w");
  EXPECT_TRUE(r.is_ok()) << r.status().to_string();
  return {to_floats(bytes), r.is_ok() ? *r : RateTensorStats{}};
}

RateTensorOptions with_lambda(double lambda) {
  RateTensorOptions o;
  o.lambda = lambda;
  return o;
}

TEST(RateQuantizeTensor, LevelsAreGridMultiplesBeforeRefinement) {
  const std::vector<float> w = laplace(4000, 1);
  RateTensorOptions o = with_lambda(1e-4);
  o.refine = false;
  const Outcome r = quantize(w, {40, 100}, o);
  ASSERT_GT(r.stats.step, 0.0);
  std::set<float> values;
  for (const float v : r.out) {
    const double q = std::nearbyint(v / r.stats.step);
    EXPECT_EQ(v, static_cast<float>(q * r.stats.step)) << v;
    if (v != 0.0f) values.insert(v);
  }
  EXPECT_EQ(values.size(), r.stats.levels_used);
  EXPECT_GT(r.stats.levels_used, 2u);
}

TEST(RateQuantizeTensor, RefinementMovesValuesOffTheGridAndLowersTheCost) {
  const std::vector<float> w = laplace(4000, 2);
  RateTensorOptions o = with_lambda(1e-4);
  o.refine = false;
  const Outcome grid = quantize(w, {4000}, o);
  o.refine = true;
  const Outcome refined = quantize(w, {4000}, o);
  EXPECT_LT(refined.stats.cost, grid.stats.cost);
  std::size_t off_grid = 0;
  for (const float v : refined.out) {
    off_grid += v != static_cast<float>(std::nearbyint(v / grid.stats.step) * grid.stats.step);
  }
  EXPECT_GT(off_grid, 0u);
}

TEST(RateQuantizeTensor, InputZerosKeepTheirBitsAndNewZerosArePositive) {
  std::vector<float> w = laplace(2000, 3);
  for (std::size_t i = 0; i < w.size(); i += 7) w[i] = (i % 2) ? -0.0f : 0.0f;
  const Outcome r = quantize(w, {2000}, with_lambda(1e-3));
  std::uint64_t created = 0;
  for (std::size_t i = 0; i < w.size(); ++i) {
    if (w[i] == 0.0f) {
      EXPECT_EQ(std::bit_cast<std::uint32_t>(r.out[i]), std::bit_cast<std::uint32_t>(w[i])) << i;
    } else if (r.out[i] == 0.0f) {
      EXPECT_EQ(std::bit_cast<std::uint32_t>(r.out[i]), 0u) << i;
      ++created;
    } else {
      EXPECT_EQ(std::signbit(r.out[i]), std::signbit(w[i])) << i;  // a level keeps the sign
    }
  }
  EXPECT_GT(created, 0u);  // the dead zone
  EXPECT_EQ(r.stats.zeros_before, (w.size() + 6) / 7);
  EXPECT_EQ(r.stats.zeros_after, r.stats.zeros_before + created);
}

TEST(RateQuantizeTensor, LargerLambdaGivesFewerBitsAndMoreDistortion) {
  const std::vector<float> w = laplace(20000, 4);
  double last_bits = std::numeric_limits<double>::infinity(), last_d = -1.0;
  std::uint64_t last_zeros = 0;
  for (const double lambda : {1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2}) {
    const Outcome r = quantize(w, {20000}, with_lambda(lambda));
    const double bits = r.stats.estimated_bits + r.stats.codebook_bits;
    EXPECT_LT(bits, last_bits) << "lambda " << lambda;
    EXPECT_GT(r.stats.weighted_distortion, last_d) << "lambda " << lambda;
    EXPECT_GE(r.stats.zeros_after, last_zeros) << "lambda " << lambda;
    last_bits = bits;
    last_d = r.stats.weighted_distortion;
    last_zeros = r.stats.zeros_after;
  }
}

TEST(RateQuantizeTensor, TinyLambdaKeepsTheErrorWithinHalfAStep) {
  const std::vector<float> w = laplace(5000, 5);
  RateTensorOptions o = with_lambda(1e-20);
  o.refine = false;
  const Outcome r = quantize(w, {5000}, o);
  ASSERT_GT(r.stats.step, 0.0);
  for (std::size_t i = 0; i < w.size(); ++i) {
    // Δ/2 plus the rounding of the level's value to float32.
    EXPECT_LE(std::abs(static_cast<double>(w[i]) - r.out[i]),
              r.stats.step / 2 + std::abs(r.out[i]) * 0x1p-24 + 1e-12)
        << i;
  }
}

TEST(RateQuantizeTensor, ChannelWithLargeInputEnergyGetsSmallerErrors) {
  // [64 outputs, 8 inputs] with transB layout: axis 1 indexes input channels.
  const std::vector<float> w = laplace(64 * 8, 6);
  std::vector<float> energy(8, 1.0f);
  energy[3] = 1e4f;
  RateTensorOptions o = with_lambda(3e-3);
  o.input_energy = energy;
  o.input_axis = 1;
  const Outcome weighted = quantize(w, {64, 8}, o);
  const Outcome plain = quantize(w, {64, 8}, with_lambda(3e-3));
  double err3 = 0, err_other = 0, plain3 = 0;
  for (std::size_t i = 0; i < w.size(); ++i) {
    const double e = std::pow(static_cast<double>(w[i]) - weighted.out[i], 2);
    (i % 8 == 3 ? err3 : err_other) += e;
    if (i % 8 == 3) plain3 += std::pow(static_cast<double>(w[i]) - plain.out[i], 2);
  }
  err_other /= 7;  // per channel
  EXPECT_LT(err3 * 10, err_other);
  EXPECT_LT(err3, plain3);
}

TEST(RateQuantizeTensor, GroupedConvMapsEnergiesPerGroup) {
  // 4 output channels in 2 groups of 2 input channels each: [4, 2, 1, 1], 4 input energies.
  const std::vector<float> w = laplace(4 * 2 * 50, 7);
  std::vector<float> energy{1, 1, 1, 1};
  RateTensorOptions o = with_lambda(1e-4);
  o.input_energy = energy;
  o.groups = 2;
  std::vector<std::uint8_t> bytes = to_bytes(w);
  EXPECT_TRUE(rate_quantize_tensor(DType::kFloat32, bytes, std::vector<std::int64_t>{4, 2, 10, 5}, o, "g")
                  .is_ok());
  energy.pop_back();
  o.input_energy = energy;
  auto bad = rate_quantize_tensor(DType::kFloat32, bytes, std::vector<std::int64_t>{4, 2, 10, 5}, o, "g");
  ASSERT_FALSE(bad.is_ok());
  EXPECT_EQ(bad.status().code(), ErrorCode::kInvalidArgument);
}

TEST(RateQuantizeTensor, OutputDoesNotDependOnThreads) {
  const std::vector<float> w = laplace(30000, 8);
  std::vector<float> first;
  for (const unsigned threads : {1u, 2u, 3u, 8u}) {
    RateTensorOptions o = with_lambda(2e-4);
    o.threads = threads;
    const Outcome r = quantize(w, {300, 100}, o);
    if (first.empty()) {
      first = r.out;
    } else {
      EXPECT_EQ(std::memcmp(first.data(), r.out.data(), first.size() * 4), 0) << threads;
    }
  }
}

// The feedback path runs output rows concurrently; the context of an element whose storage
// neighbour belongs to another row (every element of a [K, M] weight) comes from the previous
// pass, never from a row another thread may be writing.
TEST(RateQuantizeTensor, ErrorFeedbackDoesNotDependOnThreads) {
  constexpr std::size_t kOut = 40, kIn = 12;
  const std::vector<float> w = laplace(kOut * kIn, 21);
  test::TestRng rng(22);
  std::vector<double> gram(kIn * kIn, 0.0);
  for (int s = 0; s < 200; ++s) {
    std::vector<double> x(kIn);
    const double common = rng.normal();
    for (double& v : x) v = common + 0.5 * rng.normal();
    for (std::size_t i = 0; i < kIn; ++i) {
      for (std::size_t j = 0; j < kIn; ++j) gram[i * kIn + j] += x[i] * x[j] / 200;
    }
  }
  for (const std::uint32_t axis : {1u, 0u}) {  // storage [M, K], then [K, M]
    SCOPED_TRACE(axis);
    const std::vector<std::int64_t> dims = axis == 1 ? std::vector<std::int64_t>{kOut, kIn}
                                                     : std::vector<std::int64_t>{kIn, kOut};
    std::vector<float> first;
    for (const unsigned threads : {1u, 2u, 5u}) {
      RateTensorOptions o = with_lambda(3e-4);
      o.input_gram = gram;
      o.input_axis = axis;
      o.threads = threads;
      const Outcome r = quantize(w, dims, o);
      if (first.empty()) first = r.out;
      EXPECT_EQ(r.out, first) << threads;
    }
  }
}

TEST(RateQuantizeTensor, Float16ValuesStayDistinctAndNonzero) {
  const std::vector<float> w = laplace(3000, 9);
  std::vector<std::uint8_t> bytes(w.size() * 2);
  for (std::size_t i = 0; i < w.size(); ++i) {
    const std::uint16_t h = quantize::float_to_half(w[i]);
    std::memcpy(bytes.data() + 2 * i, &h, 2);
  }
  auto r = rate_quantize_tensor(DType::kFloat16, bytes, std::vector<std::int64_t>{3000},
                                with_lambda(1e-9), "half");
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  std::set<std::uint16_t> patterns;
  for (std::size_t i = 0; i < w.size(); ++i) {
    std::uint16_t h;
    std::memcpy(&h, bytes.data() + 2 * i, 2);
    if ((h & 0x7FFF) != 0) patterns.insert(h);
  }
  EXPECT_EQ(patterns.size(), r->levels_used);
}

TEST(RateQuantizeTensor, BadLambdaIsRejectedAndTheTensorUnchanged) {
  const std::vector<float> w = laplace(100, 10);
  for (const double lambda : {0.0, -1.0, std::nan(""), std::numeric_limits<double>::infinity()}) {
    std::vector<std::uint8_t> bytes = to_bytes(w);
    auto r = rate_quantize_tensor(DType::kFloat32, bytes, std::vector<std::int64_t>{100},
                                  with_lambda(lambda), "w");
    ASSERT_FALSE(r.is_ok());
    EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(bytes, to_bytes(w));
  }
}

TEST(RateQuantizeTensor, NonFiniteWeightIsNamedAndTheTensorUnchanged) {
  std::vector<float> w = laplace(100, 11);
  w[42] = std::numeric_limits<float>::quiet_NaN();
  std::vector<std::uint8_t> bytes = to_bytes(w);
  const std::vector<std::uint8_t> before = bytes;
  auto r = rate_quantize_tensor(DType::kFloat32, bytes, std::vector<std::int64_t>{100},
                                with_lambda(1e-4), "fc1.weight");
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kUnsupported);
  EXPECT_NE(r.status().message().find("fc1.weight"), std::string::npos);
  EXPECT_NE(r.status().message().find("42"), std::string::npos);
  EXPECT_EQ(bytes, before);
}

TEST(RateQuantizeTensor, NonFloatTensorAndBadShapesAreRejected) {
  std::vector<std::uint8_t> ints(400, 1);
  auto r = rate_quantize_tensor(DType::kInt32, ints, std::vector<std::int64_t>{100}, with_lambda(1e-4), "i");
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kUnsupported);
  std::vector<std::uint8_t> bytes = to_bytes(laplace(100, 12));
  r = rate_quantize_tensor(DType::kFloat32, bytes, std::vector<std::int64_t>{99}, with_lambda(1e-4), "w");
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
  RateTensorOptions o = with_lambda(1e-4);
  const std::vector<float> energy(3, 1.0f);
  o.input_energy = energy;
  o.input_axis = 2;  // out of range for rank 2
  r = rate_quantize_tensor(DType::kFloat32, bytes, std::vector<std::int64_t>{25, 4}, o, "w");
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
  const std::vector<float> negative{1.0f, -1.0f, 1.0f, 1.0f};
  o.input_energy = negative;
  o.input_axis = 1;
  r = rate_quantize_tensor(DType::kFloat32, bytes, std::vector<std::int64_t>{25, 4}, o, "w");
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
}

TEST(RateQuantizeTensor, AllZeroTensorIsLeftAsIs) {
  const std::vector<float> w(64, 0.0f);
  const Outcome r = quantize(w, {64}, with_lambda(1e-4));
  EXPECT_EQ(r.out, w);
  EXPECT_EQ(r.stats.zeros_after, 64u);
  EXPECT_EQ(r.stats.levels_used, 0u);
}

// Correlated inputs: x = z0 + small noise on every feature, so errors that go the same way add
// up. The error-feedback path (input_gram) must reach a lower true output error for the bits it
// spends than the diagonal path given only the same diagonal.
TEST(RateQuantizeTensor, ErrorFeedbackBeatsTheDiagonalOnCorrelatedInputs) {
  constexpr std::size_t kOut = 32, kIn = 24, kSamples = 400;
  const std::vector<float> w = laplace(kOut * kIn, 13);
  test::TestRng rng(14);
  std::vector<double> x(kSamples * kIn);
  for (std::size_t s = 0; s < kSamples; ++s) {
    const double common = rng.normal();
    for (std::size_t j = 0; j < kIn; ++j) x[s * kIn + j] = common + 0.3 * rng.normal();
  }
  std::vector<double> gram(kIn * kIn, 0.0);
  std::vector<float> energy(kIn, 0.0f);
  for (std::size_t s = 0; s < kSamples; ++s) {
    for (std::size_t i = 0; i < kIn; ++i) {
      for (std::size_t j = 0; j < kIn; ++j) gram[i * kIn + j] += x[s * kIn + i] * x[s * kIn + j] / kSamples;
    }
  }
  for (std::size_t j = 0; j < kIn; ++j) energy[j] = static_cast<float>(gram[j * kIn + j]);
  auto output_error = [&](const std::vector<float>& q) {
    double sum = 0;
    for (std::size_t s = 0; s < kSamples; ++s) {
      for (std::size_t o = 0; o < kOut; ++o) {
        double d = 0;
        for (std::size_t j = 0; j < kIn; ++j) d += (double{w[o * kIn + j]} - q[o * kIn + j]) * x[s * kIn + j];
        sum += d * d;
      }
    }
    return sum / kSamples;
  };
  const double lambda = 1e-3;
  RateTensorOptions o = with_lambda(lambda);
  o.input_energy = energy;
  const Outcome diagonal = quantize(w, {kOut, kIn}, o);
  o.input_gram = gram;
  const Outcome feedback = quantize(w, {kOut, kIn}, o);
  const double j_diag = output_error(diagonal.out) + lambda * diagonal.stats.estimated_bits;
  const double j_feedback = output_error(feedback.out) + lambda * feedback.stats.estimated_bits;
  EXPECT_LT(j_feedback, j_diag);
  // Values stay on the grid: the feedback path does not refine.
  for (const float v : feedback.out) {
    EXPECT_EQ(v, static_cast<float>(std::nearbyint(v / feedback.stats.step) * feedback.stats.step));
  }
  // A convolution's patch (K = channels × kernel) takes the same matrix (the per-channel
  // energies, which only the diagonal path uses, would be 6 here).
  RateTensorOptions patches = o;
  patches.input_energy = {};
  const Outcome conv = quantize(w, {kOut, kIn / 4, 2, 2}, patches);
  EXPECT_EQ(conv.out, feedback.out);
  // A Gram matrix of the wrong size is rejected.
  gram.pop_back();
  o.input_gram = gram;
  std::vector<std::uint8_t> bytes = to_bytes(w);
  auto bad = rate_quantize_tensor(DType::kFloat32, bytes, std::vector<std::int64_t>{kOut, kIn}, o, "w");
  EXPECT_EQ(bad.status().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace dcz
