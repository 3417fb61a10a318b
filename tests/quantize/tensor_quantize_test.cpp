// quantize_tensor on raw tensors of every float type: codebook bound, zeros preserved bit for
// bit, no new zeros, already-quantized input untouched, errors, thread independence.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <set>

#include "dcz/quantize.h"
#include "quantize/float_codec.h"
#include "quantize/test_data.h"

namespace dcz {
namespace {

using namespace quantize;
using test::Distribution;

// A tensor of `dtype` with normal weights and ~`zero_fraction` zeros (both +0 and -0).
template <class Codec>
std::vector<std::uint8_t> make_tensor(std::size_t n, double zero_fraction, std::uint64_t seed) {
  const auto values = test::sample(Distribution::kNormal, n, seed);
  std::vector<std::uint8_t> bytes(n * sizeof(typename Codec::Bits));
  for (std::size_t i = 0; i < n; ++i) {
    typename Codec::Bits b = Codec::nearest(values[i]);
    const double u = std::abs(std::fmod(values[i] * 1e6, 1.0));
    // +0 and -0 alternate, so both bit patterns must survive.
    if (u < zero_fraction) {
      b = (i & 1)
              ? 0
              : static_cast<typename Codec::Bits>(typename Codec::Bits{1} << (sizeof(b) * 8 - 1));
    }
    store_bits<Codec>(bytes.data() + i * sizeof(b), b);
  }
  return bytes;
}

template <class Codec>
std::vector<typename Codec::Bits> bits_of(std::span<const std::uint8_t> bytes) {
  std::vector<typename Codec::Bits> out(bytes.size() / sizeof(typename Codec::Bits));
  for (std::size_t i = 0; i < out.size(); ++i)
    out[i] = load_bits<Codec>(bytes.data() + i * sizeof(out[i]));
  return out;
}

template <class Codec>
void check_quantized(DType dtype, unsigned bits, KMeansMethod method) {
  SCOPED_TRACE(std::string(dtype_name(dtype)) + " " + std::to_string(bits) + " bits " +
               std::string(kmeans_method_name(method)));
  auto bytes = make_tensor<Codec>(40000, 0.3, bits);
  const auto before = bits_of<Codec>(bytes);
  KMeansOptions o;
  o.method = method;
  auto stats = quantize_tensor(dtype, bytes, bits, o, "w");
  ASSERT_TRUE(stats.is_ok()) << stats.status().to_string();
  const auto after = bits_of<Codec>(bytes);
  std::set<typename Codec::Bits> distinct;
  double sse = 0.0, max_abs = 0.0;
  std::uint64_t nonzeros = 0;
  for (std::size_t i = 0; i < before.size(); ++i) {
    if (Codec::is_zero(before[i])) {
      ASSERT_EQ(after[i], before[i]) << "zero at " << i << " changed";
      continue;
    }
    ASSERT_FALSE(Codec::is_zero(after[i])) << "weight " << i << " became zero";
    distinct.insert(after[i]);
    const double d = static_cast<double>(Codec::decode(before[i])) - Codec::decode(after[i]);
    sse += d * d;
    max_abs = std::max(max_abs, std::abs(d));
    ++nonzeros;
  }
  EXPECT_LE(distinct.size(), std::size_t{1} << bits);
  EXPECT_EQ(distinct.size(), stats->codebook_size);
  EXPECT_EQ(stats->nonzeros, nonzeros);
  EXPECT_EQ(stats->elements, before.size());
  EXPECT_NEAR(stats->sse, sse, 1e-9 * sse);
  EXPECT_EQ(stats->max_abs_error, max_abs);
  EXPECT_FALSE(stats->unchanged);
  EXPECT_GT(stats->sqnr_db(), 0.0);
}

TEST(QuantizeTensor, EveryFloatTypeKeepsZerosAndTheCodebookBound) {
  for (const auto method : {KMeansMethod::kLloyd, KMeansMethod::kOptimal}) {
    for (const unsigned bits : {1u, 2u, 5u, 8u}) {
      check_quantized<Float32Codec>(DType::kFloat32, bits, method);
      check_quantized<Float16Codec>(DType::kFloat16, bits, method);
      check_quantized<BFloat16Codec>(DType::kBFloat16, bits, method);
      check_quantized<Float64Codec>(DType::kFloat64, bits, method);
    }
  }
}

TEST(QuantizeTensor, QuantizedTensorPassesThroughUnchanged) {
  auto bytes = make_tensor<Float32Codec>(30000, 0.2, 5);
  ASSERT_TRUE(quantize_tensor(DType::kFloat32, bytes, 4, {}, "w").is_ok());
  const auto once = bytes;
  auto again = quantize_tensor(DType::kFloat32, bytes, 4, {}, "w");
  ASSERT_TRUE(again.is_ok());
  EXPECT_TRUE(again->unchanged);
  EXPECT_EQ(bytes, once);
  // Fewer distinct values than 2^bits: also unchanged at a larger width.
  auto wider = quantize_tensor(DType::kFloat32, bytes, 6, {}, "w");
  ASSERT_TRUE(wider.is_ok());
  EXPECT_TRUE(wider->unchanged);
  EXPECT_EQ(wider->sse, 0.0);
  EXPECT_EQ(bytes, once);
}

TEST(QuantizeTensor, AllZeroTensorIsUnchanged) {
  std::vector<std::uint8_t> bytes(4000, 0);
  auto stats = quantize_tensor(DType::kFloat32, bytes, 3, {}, "zeros");
  ASSERT_TRUE(stats.is_ok());
  EXPECT_TRUE(stats->unchanged);
  EXPECT_EQ(stats->nonzeros, 0u);
  EXPECT_EQ(bytes, std::vector<std::uint8_t>(4000, 0));
}

// A cluster of float16 values ±(smallest subnormal) has mean 0; it must not store zero.
TEST(QuantizeTensor, CentroidRoundingToZeroBecomesSmallestSubnormal) {
  std::vector<std::uint16_t> h;
  for (int i = 0; i < 50; ++i) {
    h.push_back(0x0001);
    h.push_back(0x8001);
  }
  for (int i = 0; i < 100; ++i) h.push_back(float_to_half(1.0f + i / 64.0f));
  std::vector<std::uint8_t> bytes(h.size() * 2);
  std::memcpy(bytes.data(), h.data(), bytes.size());
  KMeansOptions o;
  o.method = KMeansMethod::kOptimal;
  auto stats = quantize_tensor(DType::kFloat16, bytes, 1, o, "tiny");
  ASSERT_TRUE(stats.is_ok()) << stats.status().to_string();
  EXPECT_EQ(stats->zero_centroids_moved, 1u);
  std::memcpy(h.data(), bytes.data(), bytes.size());
  for (std::size_t i = 0; i < 100; ++i) EXPECT_EQ(h[i], 0x0001) << i;
  EXPECT_LE(std::set<std::uint16_t>(h.begin(), h.end()).size(), 2u);
}

TEST(QuantizeTensor, ThreadCountDoesNotChangeTheBytes) {
  // Over 2^20 elements, so work is split in several chunks.
  const auto original = make_tensor<Float32Codec>(3'000'000, 0.5, 77);
  for (const auto method : {KMeansMethod::kLloyd, KMeansMethod::kOptimal}) {
    auto a = original, b = original;
    KMeansOptions o;
    o.method = method;
    o.threads = 1;
    // The exact method at 2 bits only: it costs O(k·n).
    const unsigned bits = method == KMeansMethod::kOptimal ? 2 : 5;
    auto sa = quantize_tensor(DType::kFloat32, a, bits, o, "w");
    o.threads = 3;
    auto sb = quantize_tensor(DType::kFloat32, b, bits, o, "w");
    ASSERT_TRUE(sa.is_ok() && sb.is_ok());
    EXPECT_EQ(a, b);
    EXPECT_EQ(sa->sse, sb->sse);
    EXPECT_EQ(sa->signal, sb->signal);
  }
}

TEST(QuantizeTensor, RejectsBadBitWidthsTypesAndSizes) {
  auto bytes = make_tensor<Float32Codec>(100, 0.0, 1);
  const auto copy = bytes;
  EXPECT_EQ(quantize_tensor(DType::kFloat32, bytes, 0, {}, "w").status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(quantize_tensor(DType::kFloat32, bytes, 17, {}, "w").status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(quantize_tensor(DType::kInt32, bytes, 4, {}, "w").status().code(),
            ErrorCode::kUnsupported);
  EXPECT_EQ(
      quantize_tensor(DType::kFloat64, std::span(bytes).first(396), 4, {}, "w").status().code(),
      ErrorCode::kInvalidArgument);
  EXPECT_EQ(bytes, copy);
}

TEST(QuantizeTensor, RejectsNonFiniteWeightsByName) {
  for (const float bad : {std::nanf(""), INFINITY, -INFINITY}) {
    auto bytes = make_tensor<Float32Codec>(2'500'000, 0.1, 3);
    store_bits<Float32Codec>(bytes.data() + 4 * 2'000'123, std::bit_cast<std::uint32_t>(bad));
    const auto copy = bytes;
    auto r = quantize_tensor(DType::kFloat32, bytes, 4, {}, "fc1.weight");
    ASSERT_EQ(r.status().code(), ErrorCode::kUnsupported);
    EXPECT_NE(r.status().message().find("fc1.weight"), std::string::npos) << r.status().message();
    EXPECT_NE(r.status().message().find("2000123"), std::string::npos) << r.status().message();
    EXPECT_EQ(bytes, copy);
  }
  std::vector<std::uint8_t> h = {0x00, 0x7E, 0x00, 0x3C};  // float16 NaN, 1.0
  EXPECT_EQ(quantize_tensor(DType::kFloat16, h, 1, {}, "h").status().code(),
            ErrorCode::kUnsupported);
}

TEST(FloatCodec, HalfRoundTripsEveryFinitePattern) {
  for (std::uint32_t h = 0; h < 0x10000; ++h) {
    if ((h & 0x7FFF) >= 0x7C00) continue;
    EXPECT_EQ(float_to_half(half_to_float(static_cast<std::uint16_t>(h))), h) << std::hex << h;
    EXPECT_EQ(Float16Codec::nearest(half_to_float(static_cast<std::uint16_t>(h))), h)
        << std::hex << h;
    EXPECT_EQ(BFloat16Codec::nearest(bfloat16_to_float(static_cast<std::uint16_t>(h))), h)
        << std::hex << h;
  }
}

TEST(FloatCodec, NearestAvoidsDoubleRounding) {
  // 1 + 2^-8 + 2^-30: float rounding gives 1 + 2^-8 exactly, a bfloat16 tie that rounds to even
  // (1.0); the true nearest bfloat16 is 1 + 2^-7.
  const double c = 1.0 + std::ldexp(1.0, -8) + std::ldexp(1.0, -30);
  EXPECT_EQ(BFloat16Codec::nearest(c), float_to_bfloat16(1.0f + 1.0f / 128));
  // Same for float16 (10 mantissa bits): 1 + 2^-11 + 2^-40.
  const double c16 = 1.0 + std::ldexp(1.0, -11) + std::ldexp(1.0, -40);
  EXPECT_EQ(Float16Codec::nearest(c16), float_to_half(1.0f + 1.0f / 1024));
}

}  // namespace
}  // namespace dcz
