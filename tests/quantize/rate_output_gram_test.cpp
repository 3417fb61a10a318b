// rate_quantize_tensor with an output-side matrix G (K-FAC, RateTensorOptions::output_gram): G = I
// changes nothing, a G the next layer makes far from I lowers the true error tr(ΔW H ΔWᵀ G) plus
// λ·bits, the result does not depend on threads, and bad matrices are rejected.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "dcz/rate_quantize.h"
#include "quantize/test_data.h"
#include "support/onnx_synthetic.h"

namespace dcz {
namespace {

constexpr std::size_t kOut = 24, kIn = 16, kSamples = 300;

struct Problem {
  std::vector<float> w;       // [kOut, kIn]
  std::vector<double> gram;   // H = E[x xᵀ], kIn × kIn
  std::vector<double> outer;  // G, kOut × kOut
};

// Correlated inputs, and a "next layer" of 3 outputs reading the kOut outputs: G = VᵀV is
// nearly rank 3, as when fully connected layer of 500 outputs feeds 10 logits.
Problem make_problem() {
  Problem p;
  for (const double x : test::sample(test::Distribution::kLaplace, kOut * kIn, 41)) {
    p.w.push_back(static_cast<float>(x));
  }
  test::TestRng rng(42);
  p.gram.assign(kIn * kIn, 0.0);
  for (std::size_t s = 0; s < kSamples; ++s) {
    std::vector<double> x(kIn);
    const double common = rng.normal();
    for (double& v : x) v = common + 0.5 * rng.normal();
    for (std::size_t i = 0; i < kIn; ++i) {
      for (std::size_t j = 0; j < kIn; ++j) p.gram[i * kIn + j] += x[i] * x[j] / kSamples;
    }
  }
  std::vector<double> next(3 * kOut);
  for (double& v : next) v = rng.normal();
  p.outer.assign(kOut * kOut, 0.0);
  for (std::size_t a = 0; a < kOut; ++a) {
    for (std::size_t b = 0; b < kOut; ++b) {
      for (std::size_t o = 0; o < 3; ++o) p.outer[a * kOut + b] += next[o * kOut + a] * next[o * kOut + b];
    }
  }
  return p;
}

struct Outcome {
  std::vector<float> out;
  RateTensorStats stats;
};

Outcome quantize(const std::vector<float>& w, const RateTensorOptions& o) {
  std::vector<std::uint8_t> bytes(w.size() * 4);
  std::memcpy(bytes.data(), w.data(), bytes.size());
  auto r = rate_quantize_tensor(DType::kFloat32, bytes, std::vector<std::int64_t>{kOut, kIn}, o, "fc.weight");
  EXPECT_TRUE(r.is_ok()) << r.status().to_string();
  Outcome result{std::vector<float>(w.size()), r.is_ok() ? *r : RateTensorStats{}};
  std::memcpy(result.out.data(), bytes.data(), bytes.size());
  return result;
}

// tr(ΔW H ΔWᵀ G) with G scaled to a mean diagonal of 1, as the quantizer sees it.
double true_error(const Problem& p, const std::vector<float>& q) {
  double mean = 0.0;
  for (std::size_t a = 0; a < kOut; ++a) mean += p.outer[a * kOut + a] / kOut;
  std::vector<double> d(kOut * kIn), dh(kOut * kIn, 0.0);
  for (std::size_t i = 0; i < d.size(); ++i) d[i] = double{p.w[i]} - q[i];
  for (std::size_t a = 0; a < kOut; ++a) {
    for (std::size_t j = 0; j < kIn; ++j) {
      for (std::size_t k = 0; k < kIn; ++k) dh[a * kIn + j] += d[a * kIn + k] * p.gram[k * kIn + j];
    }
  }
  double sum = 0.0;
  for (std::size_t a = 0; a < kOut; ++a) {
    for (std::size_t b = 0; b < kOut; ++b) {
      double inner = 0.0;
      for (std::size_t j = 0; j < kIn; ++j) inner += dh[a * kIn + j] * d[b * kIn + j];
      sum += inner * p.outer[a * kOut + b] / mean;
    }
  }
  return sum;
}

TEST(RateOutputGram, IdentityChangesNothing) {
  const Problem p = make_problem();
  RateTensorOptions o;
  o.lambda = 1e-3;
  o.input_gram = p.gram;
  const Outcome plain = quantize(p.w, o);
  std::vector<double> identity(kOut * kOut, 0.0);
  for (std::size_t a = 0; a < kOut; ++a) identity[a * kOut + a] = 1.0;
  o.output_gram = identity;
  const Outcome coupled = quantize(p.w, o);
  EXPECT_EQ(coupled.out, plain.out);
  EXPECT_EQ(coupled.stats.estimated_bits, plain.stats.estimated_bits);
  EXPECT_EQ(coupled.stats.step, plain.stats.step);
}

TEST(RateOutputGram, CoupledRowsLowerTheTrueCost) {
  const Problem p = make_problem();
  for (const double lambda : {3e-4, 1e-3, 3e-3}) {
    SCOPED_TRACE(lambda);
    RateTensorOptions o;
    o.lambda = lambda;
    o.input_gram = p.gram;
    const Outcome plain = quantize(p.w, o);
    o.output_gram = p.outer;
    const Outcome coupled = quantize(p.w, o);
    const double j_plain = true_error(p, plain.out) + lambda * plain.stats.estimated_bits;
    const double j_coupled = true_error(p, coupled.out) + lambda * coupled.stats.estimated_bits;
    EXPECT_LT(j_coupled, 0.8 * j_plain) << "plain " << j_plain << " coupled " << j_coupled;
    // Still on the uniform grid.
    for (const float v : coupled.out) {
      EXPECT_EQ(v, static_cast<float>(std::nearbyint(v / coupled.stats.step) * coupled.stats.step));
    }
  }
}

TEST(RateOutputGram, ResultDoesNotDependOnThreadsOrLayout) {
  const Problem p = make_problem();
  std::vector<float> first;
  for (const unsigned threads : {1u, 2u, 5u}) {
    RateTensorOptions o;
    o.lambda = 1e-3;
    o.input_gram = p.gram;
    o.output_gram = p.outer;
    o.threads = threads;
    const Outcome r = quantize(p.w, o);
    if (first.empty()) first = r.out;
    EXPECT_EQ(r.out, first) << threads;
  }
  // The same weights stored [K, M] (MatMul): the same values, transposed.
  std::vector<float> transposed(p.w.size());
  for (std::size_t a = 0; a < kOut; ++a) {
    for (std::size_t j = 0; j < kIn; ++j) transposed[j * kOut + a] = p.w[a * kIn + j];
  }
  RateTensorOptions o;
  o.lambda = 1e-3;
  o.input_gram = p.gram;
  o.output_gram = p.outer;
  o.input_axis = 0;
  std::vector<std::uint8_t> bytes(transposed.size() * 4);
  std::memcpy(bytes.data(), transposed.data(), bytes.size());
  auto r = rate_quantize_tensor(DType::kFloat32, bytes, std::vector<std::int64_t>{kIn, kOut}, o, "m");
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_GT(r->zeros_after, 0u);
  EXPECT_LT(r->zeros_after, transposed.size());
}

TEST(RateOutputGram, BadMatricesAreRejectedNamingTheTensor) {
  const Problem p = make_problem();
  auto attempt = [&](const RateTensorOptions& o) {
    std::vector<std::uint8_t> bytes(p.w.size() * 4);
    std::memcpy(bytes.data(), p.w.data(), bytes.size());
    const std::vector<std::uint8_t> before = bytes;
    auto r = rate_quantize_tensor(DType::kFloat32, bytes, std::vector<std::int64_t>{kOut, kIn}, o, "fc.weight");
    if (!r.is_ok()) {
      EXPECT_EQ(bytes, before);  // an error leaves the tensor unchanged
    }
    return r.status();
  };
  RateTensorOptions o;
  o.lambda = 1e-3;
  o.input_gram = p.gram;
  std::vector<double> wrong = p.outer;
  wrong.pop_back();
  o.output_gram = wrong;
  Status s = attempt(o);
  EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(s.message().find("fc.weight"), std::string::npos) << s.message();
  std::vector<double> nan = p.outer;
  nan[5] = std::nan("");
  o.output_gram = nan;
  EXPECT_EQ(attempt(o).code(), ErrorCode::kInvalidArgument);
  // Without the input side there is no Kronecker product to use.
  o.input_gram = {};
  o.output_gram = p.outer;
  EXPECT_EQ(attempt(o).code(), ErrorCode::kInvalidArgument);
  // Not positive definite (all zero): the rows stay independent, no error.
  std::vector<double> zero(kOut * kOut, 0.0);
  o.input_gram = p.gram;
  o.output_gram = zero;
  EXPECT_TRUE(attempt(o).is_ok());
}

}  // namespace
}  // namespace dcz
