// Round trips of the levels representation (format/SPEC.md 6.10): every numeric dtype, chunked and
// threaded decoding, extreme codebooks, the level mapping and the range coder on its own.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <random>

#include "entropy/levels.h"
#include "entropy/levels_params.h"
#include "entropy/range_coder.h"
#include "test_tensors.h"

namespace dcz {
namespace {

EncodedTensor encode(const test::OwnedTensor& t, LevelsOptions o = {}) {
  auto r = encode_levels(t.view(), o);
  EXPECT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_TRUE(r->has_value());
  return **r;
}

using Set = LevelsOptions::ContextSet;

void expect_round_trip_with(const test::OwnedTensor& t, const LevelsOptions& o, unsigned threads) {
  const EncodedTensor e = encode(t, o);
  EXPECT_EQ(e.representation, Representation::kLevels);
  std::vector<std::uint8_t> out(t.bytes.size(), 0xAB);
  Status s = decode_levels(test::view_of(e), t.dtype, t.dims, out, false, threads);
  ASSERT_TRUE(s.is_ok()) << s.to_string();
  EXPECT_EQ(out, t.bytes);
  // Fresh zeroed storage: only the nonzeros are written.
  std::vector<std::uint8_t> zeroed(t.bytes.size(), 0);
  ASSERT_TRUE(decode_levels(test::view_of(e), t.dtype, t.dims, zeroed, true, threads).is_ok());
  EXPECT_EQ(zeroed, t.bytes);
  // Deterministic: the same tensor encodes to the same bytes.
  const EncodedTensor again = encode(t, o);
  EXPECT_EQ(again.params, e.params);
  EXPECT_EQ(again.streams[1].bytes, e.streams[1].bytes);
}

// Round trips with each context set forced and with the writer's choice, which must be the set
// whose levels stream is smaller (set 0 on a tie).
void expect_round_trip(const test::OwnedTensor& t, LevelsOptions o = {}, unsigned threads = 1) {
  std::size_t size[2] = {};
  for (Set set : {Set::kNeighbours, Set::kColumnActivity}) {
    SCOPED_TRACE(set == Set::kNeighbours ? "context set 0" : "context set 1");
    o.context_set = set;
    expect_round_trip_with(t, o, threads);
    const EncodedTensor e = encode(t, o);
    EXPECT_EQ(e.params[1], set == Set::kNeighbours ? 0 : 1);
    size[e.params[1]] = e.streams[1].bytes.size();
  }
  o.context_set = Set::kSmaller;
  expect_round_trip_with(t, o, threads);
  const EncodedTensor best = encode(t, o);
  EXPECT_EQ(best.params[1], size[1] < size[0] ? 1 : 0);
  EXPECT_EQ(best.streams[1].bytes.size(), std::min(size[0], size[1]));
}

// A rows x cols tensor of `dtype` drawn from `values` (bit patterns; 0 = zero) with P(nonzero) = p.
test::OwnedTensor random_tensor(DType dtype, std::int64_t rows, std::int64_t cols,
                                const std::vector<std::uint64_t>& values, double p, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::bernoulli_distribution nonzero(p);
  std::uniform_int_distribution<std::size_t> pick(0, values.size() - 1);
  std::vector<std::uint64_t> v(std::size_t(rows * cols), 0);
  for (std::uint64_t& x : v) x = nonzero(rng) ? values[pick(rng)] : 0;
  return test::tensor_from_bits(dtype, {rows, cols}, v);
}

// Laplacian-like levels on a uniform grid value = level x step, as a rate-aware quantizer makes.
test::OwnedTensor grid_tensor(std::int64_t rows, std::int64_t cols, float step, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::geometric_distribution<int> magnitude(0.45);
  std::bernoulli_distribution zero(0.6), negative(0.5);
  std::vector<std::uint64_t> v(std::size_t(rows * cols), 0);
  for (std::uint64_t& x : v) {
    if (zero(rng)) continue;
    const int m = 1 + magnitude(rng);
    x = test::float_bits((negative(rng) ? -1.f : 1.f) * float(m) * step);
  }
  return test::tensor_from_bits(DType::kFloat32, {rows, cols}, v);
}

TEST(LevelsRoundTrip, EveryNumericDtype) {
  const DType dtypes[] = {DType::kFloat32, DType::kFloat16, DType::kBFloat16, DType::kFloat64,
                          DType::kInt8,    DType::kUInt8,   DType::kInt16,    DType::kUInt16,
                          DType::kInt32,   DType::kUInt32,  DType::kInt64,    DType::kUInt64,
                          DType::kBool};
  unsigned seed = 1;
  for (DType d : dtypes) {
    SCOPED_TRACE(std::string(dtype_name(d)));
    std::vector<std::uint64_t> values;
    const std::uint64_t mask = dtype_size(d) == 8 ? ~0ull : (1ull << (8 * dtype_size(d))) - 1;
    std::mt19937_64 rng(seed++);
    for (int i = 0; i < (d == DType::kBool ? 1 : 40); ++i) values.push_back(d == DType::kBool ? 1 : (rng() & mask) | 1);
    expect_round_trip(random_tensor(d, 37, 29, values, 0.3, seed));
  }
}

TEST(LevelsRoundTrip, GridLevelsChunkedAndThreaded) {
  const test::OwnedTensor t = grid_tensor(101, 77, 0.01f, 7);
  for (std::uint64_t chunk : {std::uint64_t{1} << 18, std::uint64_t{1000}, std::uint64_t{1}}) {
    SCOPED_TRACE(chunk);
    LevelsOptions o;
    o.chunk_elements = chunk;
    for (unsigned threads : {1u, 2u, 3u}) expect_round_trip(t, o, threads);
  }
  LevelsOptions one_row;
  one_row.chunk_elements = 1;  // capped at 64 chunks of whole rows
  const EncodedTensor e = encode(t, one_row);
  EXPECT_EQ(e.params.size(), entropy::kLevelsParamsFixedSize + 8 * 63);
}

TEST(LevelsRoundTrip, ExtremeCodebooks) {
  // All zero: K = 0, every level 0.
  expect_round_trip(test::tensor_from_bits(DType::kFloat32, {3, 5}, std::vector<std::uint64_t>(15, 0)));
  // One element, rank 0 and rank 1.
  expect_round_trip(test::tensor_from_bits(DType::kFloat32, {}, {test::float_bits(-2.f)}));
  expect_round_trip(test::tensor_from_bits(DType::kInt8, {1}, {0x80}));
  // Only negatives (no sign bins), only positives, ternary, -0.0 as a negative value.
  expect_round_trip(random_tensor(DType::kFloat32, 20, 20, {test::float_bits(-1.f), test::float_bits(-3.f)}, 0.5, 3));
  expect_round_trip(random_tensor(DType::kUInt8, 20, 20, {1, 2, 3, 200}, 0.5, 4));
  expect_round_trip(random_tensor(DType::kFloat32, 20, 20, {test::float_bits(-0.5f), test::float_bits(0.5f)}, 0.2, 5));
  expect_round_trip(random_tensor(DType::kFloat32, 20, 20, {0x80000000u, test::float_bits(1.f)}, 0.7, 6));
  // 65536 distinct values: levels up to +-32768, long Exp-Golomb suffixes coded equiprobably.
  std::vector<std::uint64_t> all(65536 * 2, 0);
  for (std::uint64_t i = 0; i < 65536; ++i) all[2 * i + (i & 1)] = i + 1;
  std::shuffle(all.begin(), all.end(), std::mt19937_64(9));
  expect_round_trip(test::tensor_from_bits(DType::kInt32, {256, 512}, all));
  // NaN payloads and infinities are values like any other.
  expect_round_trip(random_tensor(DType::kFloat32, 9, 9, {0x7FC00001u, 0xFF800000u, 0x7F800000u}, 0.9, 8));
}

TEST(LevelsRoundTrip, DeclinesWhatItCannotCode) {
  std::vector<std::uint64_t> many(65537);
  for (std::uint64_t i = 0; i < many.size(); ++i) many[i] = i + 1;
  const test::OwnedTensor too_many = test::tensor_from_bits(DType::kInt32, {65537}, many);
  const test::OwnedTensor empty = test::tensor_from_bits(DType::kFloat32, {0, 4}, {});
  const test::OwnedTensor complex = test::tensor_from_bits(DType::kComplex64, {1}, {1});
  for (const test::OwnedTensor* t : {&too_many, &empty, &complex}) {
    auto r = encode_levels(t->view(), {});
    ASSERT_TRUE(r.is_ok());
    EXPECT_FALSE(r->has_value());
  }
  LevelsOptions bad;
  bad.gap_bits = 17;
  EXPECT_EQ(encode_levels(grid_tensor(2, 2, 1.f, 1).view(), bad).status().code(), ErrorCode::kInvalidArgument);
}

TEST(LevelsMapping, NearestValuesToZeroAreLevelsPlusMinusOne) {
  const std::vector<std::uint64_t> codebook = {test::float_bits(-2.f), test::float_bits(-1.f), 0x80000000u,
                                               test::float_bits(0.5f), test::float_bits(4.f)};
  const std::uint32_t n = entropy::codebook_negatives(codebook, DType::kFloat32);
  EXPECT_EQ(n, 3u);  // -0.0 sorts below +0
  const std::int32_t expect[] = {-3, -2, -1, 1, 2};
  for (std::uint32_t i = 0; i < codebook.size(); ++i) {
    EXPECT_EQ(entropy::index_to_level(i, n), expect[i]);
    EXPECT_EQ(entropy::level_to_index(expect[i], n), i);
  }
  EXPECT_EQ(entropy::codebook_negatives(std::vector<std::uint64_t>{0xFF, 0x01}, DType::kInt8), 1u);
  EXPECT_EQ(entropy::codebook_negatives(std::vector<std::uint64_t>{0x01, 0xFF}, DType::kUInt8), 0u);
}

TEST(LevelsGeometry, RowsAndChunks) {
  const std::int64_t conv[] = {16, 8, 3, 3};
  EXPECT_EQ(entropy::levels_geometry(conv).rows, 16u);
  EXPECT_EQ(entropy::levels_geometry(conv).row_length, 72u);
  const std::int64_t vec[] = {10};
  EXPECT_EQ(entropy::levels_geometry(vec).rows, 1u);
  EXPECT_EQ(entropy::levels_geometry(vec).row_length, 10u);
  // 5 rows in 4 chunks: 1, 1, 1, 2 rows, none empty.
  const std::uint64_t firsts[] = {0, 1, 2, 3, 5};
  for (std::uint32_t k = 0; k <= 4; ++k) EXPECT_EQ(entropy::levels_chunk_first_row(5, 4, k), firsts[k]);
}

// SPEC 6.10.6: h = 0 before the chunk's first row ends, 1 for a column without nonzeros, then
// 2 ... 6 as 16, 8, 4, 2 x count first exceeds the rows seen.
TEST(LevelsColumnActivity, ClassBoundaries) {
  entropy::LevelColumns<entropy::LevelContextSet::kColumnActivity> columns(10);
  for (std::size_t col = 1; col < 10; ++col) {
    for (std::size_t k = 0; k < std::size_t(1) << (col - 1) && k < 16; ++k) columns.add_nonzero(col);
  }
  EXPECT_EQ(columns.column_class(0), 0u);  // no row seen yet
  for (int r = 0; r < 16; ++r) columns.end_row();
  // Counts 0, 1, 2, 4, 8, 16, 16, ... over 16 rows seen.
  const unsigned expect[] = {1, 2, 3, 4, 5, 6, 6};
  for (std::size_t col = 0; col < 7; ++col) EXPECT_EQ(columns.column_class(col), expect[col]) << col;
  columns.end_row();  // 17 rows: 16 x 1 <= 17, 8 x 2 <= 17, 4 x 4 <= 17, 2 x 8 <= 17
  for (std::size_t col = 0; col < 7; ++col) EXPECT_EQ(columns.column_class(col), expect[col]) << col;
  columns.add_nonzero(2);  // 3 of 17: 8 x 3 > 17 >= 4 x 3
  EXPECT_EQ(columns.column_class(2), 4u);
  entropy::LevelColumns<entropy::LevelContextSet::kNeighbours> none(10);
  none.add_nonzero(3);
  none.end_row();
  EXPECT_EQ(none.column_class(3), 0u);
}

// Zeros organised by column, as in the fully connected layers of rate-quantized models: whole
// input units pruned, the others kept at their own density. Set 1 learns the columns; the writer
// must pick it, and a tensor of one row per chunk (no column history) must stay on set 0.
TEST(LevelsColumnActivity, WriterPicksSetOneForColumnSparsity) {
  std::mt19937_64 rng(21);
  const std::int64_t rows = 120, cols = 200;
  std::vector<double> density(cols);
  for (double& d : density) d = rng() % 3 == 0 ? 0.0 : 0.02 + 0.4 * double(rng() % 1000) / 1000;
  std::vector<std::uint64_t> v(std::size_t(rows * cols), 0);
  for (std::int64_t r = 0; r < rows; ++r) {
    for (std::int64_t c = 0; c < cols; ++c) {
      if (double(rng() % 100000) / 100000 < density[std::size_t(c)]) {
        v[std::size_t(r * cols + c)] = test::float_bits(float(int(rng() % 4) + 1) * (rng() % 2 ? 0.5f : -0.5f));
      }
    }
  }
  const test::OwnedTensor t = test::tensor_from_bits(DType::kFloat32, {rows, cols}, v);
  expect_round_trip(t);
  LevelsOptions o;
  o.context_set = Set::kNeighbours;
  const std::size_t set0 = encode(t, o).streams[1].bytes.size();
  const EncodedTensor best = encode(t, {});
  EXPECT_EQ(best.params[1], 1);
  EXPECT_LT(best.streams[1].bytes.size(), set0 * 95 / 100) << "set 0: " << set0;
  LevelsOptions one_row_chunks;
  one_row_chunks.chunk_elements = 1;
  const test::OwnedTensor few_rows = test::tensor_from_bits(DType::kFloat32, {8, cols},
                                                            {v.begin(), v.begin() + 8 * cols});
  EXPECT_EQ(encode(few_rows, one_row_chunks).params[1], 0);
}

// The example at the end of format/SPEC.md 6.10.5, byte for byte in both directions.
TEST(LevelsSpecExample, EncodesAndDecodesTheSpecBytes) {
  std::vector<std::uint64_t> v(20, 0);
  v[1] = test::float_bits(2.f);
  v[2] = test::float_bits(1.f);
  v[12] = test::float_bits(2.f);
  v[19] = test::float_bits(3.f);
  const test::OwnedTensor t = test::tensor_from_bits(DType::kFloat32, {20}, v);
  LevelsOptions o;
  o.gap_bits = 3;
  const EncodedTensor e = encode(t, o);
  EXPECT_EQ(e.params, (std::vector<std::uint8_t>{3, 0, 1, 0, 3, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0}));
  ASSERT_EQ(e.streams.size(), 2u);
  EXPECT_EQ(e.streams[0].bytes, (std::vector<std::uint8_t>{0, 0, 0x80, 0x3f, 0, 0, 0, 0x40, 0, 0, 0x40, 0x40}));
  const std::vector<std::uint8_t> spec_levels = {0x71, 0x6f, 0x71, 0x90, 0xf9, 0x47, 0x00};
  EXPECT_EQ(e.streams[1].bytes, spec_levels);
  EncodedTensor from_spec = e;
  from_spec.streams[1].bytes = spec_levels;
  std::vector<std::uint8_t> out(80);
  ASSERT_TRUE(decode_levels(test::view_of(from_spec), DType::kFloat32, t.dims, out).is_ok());
  EXPECT_EQ(out, t.bytes);
}

// The context set 1 example of format/SPEC.md 6.10.6, byte for byte in both directions.
TEST(LevelsSpecExample, ContextSetOneBytes) {
  const float levels[12] = {1, 0, 1, 1, 0, 0, 2, 0, 1, 0, 0, 1};
  std::vector<std::uint64_t> v(12, 0);
  for (std::size_t i = 0; i < 12; ++i) v[i] = levels[i] != 0 ? test::float_bits(levels[i]) : 0;
  const test::OwnedTensor t = test::tensor_from_bits(DType::kFloat32, {4, 3}, v);
  LevelsOptions o;
  o.context_set = Set::kColumnActivity;
  const EncodedTensor e = encode(t, o);
  EXPECT_EQ(e.params, (std::vector<std::uint8_t>{5, 1, 1, 0, 2, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0}));
  const std::vector<std::uint8_t> spec_levels = {0x91, 0xfc, 0xf9, 0x3c, 0xa8, 0xcc};
  EXPECT_EQ(e.streams[1].bytes, spec_levels);
  // The bins and contexts the spec lists, coded directly: the spec's walk-through is the code's.
  struct Bin {
    char kind;  // s: sig[i], g: greater[0][0][i], p: prefix[0][i]
    unsigned index, bin;
  };
  const Bin bins[] = {{'s', 0, 1},  {'g', 0, 0},  {'s', 1, 0},  {'s', 0, 1}, {'g', 0, 0},  {'s', 18, 1}, {'g', 6, 0},
                      {'s', 4, 0},  {'s', 18, 0}, {'s', 18, 1}, {'g', 6, 1}, {'p', 0, 0},  {'s', 5, 0},  {'s', 15, 1},
                      {'g', 3, 0},  {'s', 18, 0}, {'s', 3, 0},  {'s', 18, 1}, {'g', 6, 0}};
  std::vector<std::uint8_t> direct;
  entropy::RangeEncoder enc(direct);
  entropy::LevelContexts c;
  for (const Bin& b : bins) {
    enc.encode(b.kind == 's' ? c.sig[b.index] : b.kind == 'g' ? c.greater[0][0][b.index] : c.prefix[0][b.index], b.bin);
  }
  enc.finish();
  EXPECT_EQ(direct, spec_levels);
  EncodedTensor from_spec = e;
  from_spec.streams[1].bytes = spec_levels;
  std::vector<std::uint8_t> out(48);
  ASSERT_TRUE(decode_levels(test::view_of(from_spec), DType::kFloat32, t.dims, out).is_ok());
  EXPECT_EQ(out, t.bytes);
}

TEST(RangeCoder, RandomBinsRoundTripAndEndExactly) {
  std::mt19937_64 rng(11);
  for (int trial = 0; trial < 50; ++trial) {
    const std::size_t n = std::size_t(rng() % 5000);
    std::vector<unsigned> bins(n), model_of(n);
    std::bernoulli_distribution skew(0.05 + 0.9 * double(trial) / 50);
    for (std::size_t i = 0; i < n; ++i) {
      bins[i] = skew(rng);
      model_of[i] = unsigned(rng() % 4);  // model 3: equiprobable
    }
    std::vector<std::uint8_t> bytes;
    entropy::RangeEncoder enc(bytes);
    entropy::BitModel models[3];
    for (std::size_t i = 0; i < n; ++i) {
      if (model_of[i] == 3) enc.encode_equiprobable(bins[i]);
      else enc.encode(models[model_of[i]], bins[i]);
    }
    enc.finish();
    ASSERT_GE(bytes.size(), entropy::kRangeInitBytes);
    entropy::RangeDecoder dec(bytes.data(), bytes.size());
    entropy::BitModel dmodels[3];
    for (std::size_t i = 0; i < n; ++i) {
      const unsigned b = model_of[i] == 3 ? dec.decode_equiprobable() : dec.decode(dmodels[model_of[i]]);
      ASSERT_EQ(b, bins[i]) << "bin " << i;
    }
    EXPECT_TRUE(dec.clean_end());
    EXPECT_FALSE(dec.overran());
  }
}

}  // namespace
}  // namespace dcz
