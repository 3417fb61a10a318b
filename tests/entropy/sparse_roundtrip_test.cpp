#include <gtest/gtest.h>

#include <random>
#include <string>

#include "entropy/sparse_codebook.h"
#include "test_tensors.h"

namespace dcz {
namespace {

using test::OwnedTensor;
using test::tensor_from_bits;
using Entropy = SparseCodebookOptions::Entropy;
using Positions = SparseCodebookOptions::Positions;

constexpr Entropy kEntropies[] = {Entropy::kAuto, Entropy::kHuffman, Entropy::kFixed, Entropy::kZstd};
constexpr Positions kPositions[] = {Positions::kAuto, Positions::kPaperGaps, Positions::kEscapeGaps,
                                    Positions::kBitmap};

struct Case {
  std::string name;
  OwnedTensor tensor;
  unsigned gap_bits = 0;
};

std::optional<EncodedTensor> encode(const OwnedTensor& t, const SparseCodebookOptions& o) {
  auto r = encode_sparse_codebook(t.view(), o);
  EXPECT_TRUE(r.is_ok()) << r.status().to_string();
  return r.is_ok() ? *r : std::nullopt;
}

std::vector<std::uint8_t> decode(const EncodedTensor& e, const OwnedTensor& t) {
  std::vector<std::uint8_t> out(t.bytes.size(), 0xCD);
  Status s = decode_sparse_codebook(test::view_of(e), t.dtype, t.elements(), out);
  EXPECT_TRUE(s.is_ok()) << s.to_string();
  return out;
}

// Checks that the options were obeyed: scheme in params byte 0, coding of the symbol streams.
void expect_choices(const EncodedTensor& e, Entropy entropy, Positions positions) {
  ASSERT_EQ(e.representation, Representation::kSparseCodebook);
  if (positions != Positions::kAuto) {
    EXPECT_EQ(e.params[0], int(positions) - 1);
  }
  StreamCoding want = entropy == Entropy::kHuffman ? StreamCoding::kHuffman
                      : entropy == Entropy::kFixed ? StreamCoding::kFixedBits
                                                   : StreamCoding::kZstdSymbols;
  if (entropy == Entropy::kAuto) return;
  EXPECT_EQ(e.streams[1].coding, want);
  EXPECT_EQ(e.streams[2].coding, want);
  if (entropy == Entropy::kZstd && !e.streams[0].bytes.empty()) {
    EXPECT_EQ(e.streams[0].coding, StreamCoding::kZstd);
  }
}

void round_trip_all_combinations(const Case& c) {
  for (Entropy entropy : kEntropies) {
    for (Positions positions : kPositions) {
      SCOPED_TRACE(c.name + " entropy=" + std::to_string(int(entropy)) +
                   " positions=" + std::to_string(int(positions)));
      SparseCodebookOptions o;
      o.entropy = entropy;
      o.positions = positions;
      o.gap_bits = c.gap_bits;
      o.zstd_level = 3;
      std::optional<EncodedTensor> e = encode(c.tensor, o);
      ASSERT_TRUE(e.has_value());
      expect_choices(*e, entropy, positions);
      EXPECT_EQ(decode(*e, c.tensor), c.tensor.bytes);
      o.threads = 3;  // the output must not depend on the thread count
      std::optional<EncodedTensor> again = encode(c.tensor, o);
      ASSERT_TRUE(again.has_value());
      EXPECT_EQ(again->params, e->params);
      ASSERT_EQ(again->streams.size(), e->streams.size());
      for (std::size_t i = 0; i < e->streams.size(); ++i) {
        EXPECT_EQ(again->streams[i].bytes, e->streams[i].bytes) << "stream " << i;
      }
    }
  }
}

std::vector<std::uint64_t> sparse_values(std::mt19937_64& rng, std::size_t n, double density,
                                         std::uint32_t distinct, std::uint64_t value_mask) {
  std::vector<std::uint64_t> palette(distinct);
  for (auto& p : palette) {
    do p = rng() & value_mask; while (p == 0);
  }
  std::vector<std::uint64_t> v(n, 0);
  std::bernoulli_distribution keep(density);
  for (auto& x : v) {
    if (keep(rng)) x = palette[rng() % distinct];
  }
  return v;
}

TEST(SparseRoundTrip, ExtremeStatistics) {
  std::vector<Case> cases;
  cases.push_back({"one symbol, dense", tensor_from_bits(DType::kFloat32, {20, 50},
                                                         std::vector<std::uint64_t>(1000, test::float_bits(0.5f)))});
  {
    std::vector<std::uint64_t> v(4096, 0);
    for (std::size_t i = 0; i < v.size(); i += 2) v[i] = test::float_bits(float((i / 2) % 256) + 1);
    cases.push_back({"256 equally likely", tensor_from_bits(DType::kFloat32, {64, 64}, v)});
  }
  {
    std::vector<std::uint64_t> v(65536 + 1000);
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = 0x3C000000u + std::uint32_t((i * 7919) % 65536);
    cases.push_back({"2^16 symbols", tensor_from_bits(DType::kFloat32, {int64_t(v.size())}, v)});
  }
  {
    std::vector<std::uint64_t> v(10000, 0);
    for (std::size_t p : {0u, 31u, 63u, 96u, 130u, 5000u, 9999u}) v[p] = test::float_bits(float(p) + 1);
    cases.push_back({"gaps around and far over 2^5", tensor_from_bits(DType::kFloat32, {100, 100}, v), 5});
  }
  {
    std::vector<std::uint64_t> v(3000, 0);
    for (std::size_t p : {255u, 511u, 768u, 1800u}) v[p] = test::float_bits(-1.f);
    cases.push_back({"gaps over 2^8, conv", tensor_from_bits(DType::kFloat32, {3, 10, 10, 10}, v)});
  }
  {
    std::vector<std::uint64_t> v(1u << 21, 0);
    v.back() = test::float_bits(2.f);
    cases.push_back({"single nonzero at the end of 2^21", tensor_from_bits(DType::kFloat32, {1 << 21}, v)});
  }
  {
    std::vector<std::uint64_t> v(777, 0);
    v[0] = 1;
    cases.push_back({"single nonzero first", tensor_from_bits(DType::kFloat32, {777}, v)});
  }
  cases.push_back({"all zero", tensor_from_bits(DType::kFloat32, {33, 3}, std::vector<std::uint64_t>(99, 0))});
  cases.push_back({"empty tensor", tensor_from_bits(DType::kFloat32, {0, 3}, {})});
  {
    std::vector<std::uint64_t> v = {0x00000000, 0x80000000, 0x7FC00000, 0xFFC00000, 0x7F800001,
                                    0x7F800000, 0xFF800000, 0x80000000, 0x00000001, 0x80000001,
                                    0x7FC00000, 0, 0, 0x3F800000};
    cases.push_back({"-0.0, NaNs, infinities, denormals", tensor_from_bits(DType::kFloat32, {14}, v)});
  }
  for (const Case& c : cases) round_trip_all_combinations(c);
}

TEST(SparseRoundTrip, EveryNumericDtype) {
  std::mt19937_64 rng(99);
  const DType dtypes[] = {DType::kFloat16, DType::kBFloat16, DType::kFloat64, DType::kInt8,
                          DType::kUInt8, DType::kInt16, DType::kUInt16, DType::kInt32,
                          DType::kUInt32, DType::kInt64, DType::kUInt64, DType::kBool};
  for (DType d : dtypes) {
    const std::size_t size = dtype_size(d);
    const std::uint64_t mask = d == DType::kBool ? 1 : size == 8 ? ~0ull : (1ull << (8 * size)) - 1;
    auto v = sparse_values(rng, 3000, 0.3, d == DType::kBool ? 1 : 40, mask);
    if (size == 2) v[5] = 0x8000;  // -0.0 in float16 and bfloat16
    if (d == DType::kFloat16) v[6] = 0x7E01;  // a NaN with a payload
    if (d == DType::kFloat64) v[7] = 0x8000000000000000ull;
    round_trip_all_combinations({std::string(dtype_name(d)), tensor_from_bits(d, {30, 100}, v)});
  }
}

TEST(SparseRoundTrip, RandomTensorsOfRandomSparsity) {
  std::mt19937_64 rng(2024);
  for (int trial = 0; trial < 12; ++trial) {
    const std::size_t n = 1 + rng() % 20000;
    const double density = std::uniform_real_distribution<double>(0.0, 1.0)(rng);
    const std::uint32_t distinct = 1 + std::uint32_t(rng() % 300);
    auto v = sparse_values(rng, n, density, distinct, 0xFFFFFFFF);
    Case c{"random " + std::to_string(trial), tensor_from_bits(DType::kFloat32, {std::int64_t(n)}, v),
           unsigned(1 + rng() % 10)};
    round_trip_all_combinations(c);
  }
}

TEST(SparseRoundTrip, UnsupportedTensorsAreDeclined) {
  std::vector<std::uint64_t> v(65537);
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = i + 1;
  OwnedTensor many = tensor_from_bits(DType::kInt32, {65537}, v);
  auto r = encode_sparse_codebook(many.view(), {});
  ASSERT_TRUE(r.is_ok());
  EXPECT_FALSE(r->has_value());
  v.pop_back();
  OwnedTensor limit = tensor_from_bits(DType::kInt32, {65536}, v);
  auto ok = encode_sparse_codebook(limit.view(), {});
  ASSERT_TRUE(ok.is_ok());
  EXPECT_TRUE(ok->has_value());
  OwnedTensor complex = tensor_from_bits(DType::kComplex64, {2}, {1, 2});
  auto c = encode_sparse_codebook(complex.view(), {});
  ASSERT_TRUE(c.is_ok());
  EXPECT_FALSE(c->has_value());
}

TEST(SparseRoundTrip, OptionErrors) {
  OwnedTensor t = tensor_from_bits(DType::kFloat32, {4}, {1, 2, 3, 0});
  SparseCodebookOptions o;
  o.gap_bits = 17;
  EXPECT_EQ(encode_sparse_codebook(t.view(), o).status().code(), ErrorCode::kInvalidArgument);
  o = {};
  o.index_bits = 1;  // 3 codebook entries need 2 bits
  EXPECT_EQ(encode_sparse_codebook(t.view(), o).status().code(), ErrorCode::kInvalidArgument);
  OwnedTensor short_bytes = t;
  short_bytes.bytes.pop_back();
  EXPECT_EQ(encode_sparse_codebook(short_bytes.view(), {}).status().code(),
            ErrorCode::kInvalidArgument);
  // 65536 distinct values and a gap over 2^5: the paper scheme has no free filler index.
  std::vector<std::uint64_t> v(65536 + 40, 0);
  for (std::size_t i = 0; i < 65536; ++i) v[i + 40] = i + 1;
  OwnedTensor full = tensor_from_bits(DType::kInt32, {std::int64_t(v.size())}, v);
  o = {};
  o.positions = Positions::kPaperGaps;
  o.zstd_level = 1;
  EXPECT_EQ(encode_sparse_codebook(full.view(), o).status().code(), ErrorCode::kInvalidArgument);
  o.positions = Positions::kAuto;
  auto a = encode_sparse_codebook(full.view(), o);
  ASSERT_TRUE(a.is_ok() && a->has_value());
  EXPECT_NE((*a)->params[0], 0);
  EXPECT_EQ(decode(**a, full), full.bytes);
}

TEST(SparseRoundTrip, IndexBitsOptionWidensFixedIndices) {
  OwnedTensor t = tensor_from_bits(DType::kFloat32, {6}, {1, 0, 2, 3, 0, 1});
  SparseCodebookOptions o;
  o.entropy = Entropy::kFixed;
  o.index_bits = 8;
  auto e = encode(t, o);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->streams[1].param, 8);
  EXPECT_EQ(e->streams[1].bytes.size(), 4u);
  EXPECT_EQ(decode(*e, t), t.bytes);
}

TEST(SparseRoundTrip, CodebookIsSortedByTotalOrder) {
  // -NaN < -inf < -1 < -0 < denormal < 1 < inf < NaN
  std::vector<std::uint64_t> v = {0x7FC00000, 0x3F800000, 0xFF800000, 0x80000000, 0x00000001,
                                  0xBF800000, 0x7F800000, 0xFFC00000};
  OwnedTensor t = tensor_from_bits(DType::kFloat32, {8}, v);
  auto e = encode(t, {});
  ASSERT_TRUE(e.has_value());
  ASSERT_EQ(e->streams[0].coding, StreamCoding::kRaw);
  std::vector<std::uint64_t> expect = {0xFFC00000, 0xFF800000, 0xBF800000, 0x80000000,
                                       0x00000001, 0x3F800000, 0x7F800000, 0x7FC00000};
  EXPECT_EQ(e->streams[0].bytes, tensor_from_bits(DType::kFloat32, {8}, expect).bytes);
}

}  // namespace
}  // namespace dcz
