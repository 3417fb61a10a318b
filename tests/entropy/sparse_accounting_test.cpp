#include <gtest/gtest.h>

#include <cmath>

#include "entropy/sparse_codebook.h"
#include "test_tensors.h"

namespace dcz {
namespace {

// 20 elements, nonzeros 2.0 @1, 1.0 @2, 2.0 @12, 3.0 @19; the paper's scheme at b = 3 bits.
// Zero runs 1, 0, 9, 6: the run of 9 > 7 needs one filler (gap 7, then a zero entry) and a gap
// of 1. Entries: (1, 2.0) (0, 1.0) (7, filler) (1, 2.0) (6, 3.0).
test::OwnedTensor paper_example() {
  std::vector<std::uint64_t> v(20, 0);
  v[1] = test::float_bits(2.f);
  v[2] = test::float_bits(1.f);
  v[12] = test::float_bits(2.f);
  v[19] = test::float_bits(3.f);
  return test::tensor_from_bits(DType::kFloat32, {4, 5}, v);
}

EncodedTensor encode_paper_fixed(const test::OwnedTensor& t) {
  SparseCodebookOptions o;
  o.entropy = SparseCodebookOptions::Entropy::kFixed;
  o.positions = SparseCodebookOptions::Positions::kPaperGaps;
  o.gap_bits = 3;
  auto r = encode_sparse_codebook(t.view(), o);
  EXPECT_TRUE(r.is_ok() && r->has_value());
  return **r;
}

TEST(SparseAccounting, PaperExampleStreamsByHand) {
  EncodedTensor e = encode_paper_fixed(paper_example());
  // params: scheme 0, b = 3, reserved, K = 3, 4 nonzeros.
  EXPECT_EQ(e.params, (std::vector<std::uint8_t>{0, 3, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0}));
  ASSERT_EQ(e.streams.size(), 3u);
  // Codebook 1.0, 2.0, 3.0 raw little-endian.
  EXPECT_EQ(e.streams[0].bytes, test::tensor_from_bits(DType::kFloat32, {3},
                                    {0x3F800000, 0x40000000, 0x40400000}).bytes);
  // Indices 1, 0, 3 (filler = K), 1, 2 in 2 bits each, LSB first: 0b01'11'00'01, 0b10.
  EXPECT_EQ(e.streams[1].param, 2);
  EXPECT_EQ(e.streams[1].decoded_size, 5u);
  EXPECT_EQ(e.streams[1].bytes, (std::vector<std::uint8_t>{0x71, 0x02}));
  // Gaps 1, 0, 7, 1, 6 in 3 bits each: 0x63C1.
  EXPECT_EQ(e.streams[2].param, 3);
  EXPECT_EQ(e.streams[2].bytes, (std::vector<std::uint8_t>{0xC1, 0x63}));
}

TEST(SparseAccounting, PaperExampleNumbersByHand) {
  test::OwnedTensor t = paper_example();
  EncodedTensor e = encode_paper_fixed(t);
  auto a = account_sparse_codebook(test::view_of(e), DType::kFloat32, 20);
  ASSERT_TRUE(a.is_ok()) << a.status().to_string();
  EXPECT_EQ(a->weights, 20u);
  EXPECT_EQ(a->nonzeros, 4u);
  EXPECT_EQ(a->codebook_size, 3u);
  EXPECT_EQ(a->codebook_bytes, 12u);
  EXPECT_EQ(a->position_scheme, 0);
  EXPECT_EQ(a->gap_bits, 3u);
  EXPECT_EQ(a->paper_fillers, 1u);
  EXPECT_EQ(a->paper_entries, 5u);
  EXPECT_EQ(a->index_bits, 2u);          // ceil(log2 3)
  EXPECT_EQ(a->paper_index_bits, 15u);   // 5 entries x 3 bits
  EXPECT_EQ(a->paper_weight_bits, 10u);  // 5 entries x 2 bits
  EXPECT_EQ(a->stored_codebook_bytes, 12u);
  EXPECT_EQ(a->stored_index_bytes, 2u);
  EXPECT_EQ(a->stored_position_bytes, 2u);
  EXPECT_EQ(a->stored_extra_bytes, 0u);
  // Indices 1,0,1,2: H = 1.5 bits x 4. Gaps 1,0,7,1,6: 2 log2(5/2) + 3 log2(5).
  EXPECT_NEAR(a->index_entropy_bits, 6.0, 1e-9);
  EXPECT_NEAR(a->paper_gap_entropy_bits, 2 * std::log2(2.5) + 3 * std::log2(5.0), 1e-9);
}

TEST(SparseAccounting, PaperNumbersDoNotDependOnTheStoredScheme) {
  test::OwnedTensor t = paper_example();
  for (auto p : {SparseCodebookOptions::Positions::kEscapeGaps,
                 SparseCodebookOptions::Positions::kBitmap}) {
    SparseCodebookOptions o;
    o.positions = p;
    o.gap_bits = 3;
    auto r = encode_sparse_codebook(t.view(), o);
    ASSERT_TRUE(r.is_ok() && r->has_value());
    auto a = account_sparse_codebook(test::view_of(**r), DType::kFloat32, 20);
    ASSERT_TRUE(a.is_ok()) << a.status().to_string();
    EXPECT_EQ(a->paper_entries, 5u);
    EXPECT_EQ(a->paper_index_bits, 15u);
    EXPECT_EQ(a->paper_weight_bits, 10u);
    EXPECT_EQ(a->position_scheme, int(p) - 1);
  }
}

// K = 4 = 2^2 with fillers: the paper counts fillers at the weights' 2 bits; the stored scheme-0
// index stream needs 3 bits for its alphabet K + 1 = 5.
TEST(SparseAccounting, PowerOfTwoCodebookWithFillers) {
  std::vector<std::uint64_t> v(12, 0);
  v[0] = test::float_bits(1.f);
  v[1] = test::float_bits(2.f);
  v[2] = test::float_bits(3.f);
  v[11] = test::float_bits(4.f);
  test::OwnedTensor t = test::tensor_from_bits(DType::kFloat32, {12}, v);
  SparseCodebookOptions o;
  o.entropy = SparseCodebookOptions::Entropy::kFixed;
  o.positions = SparseCodebookOptions::Positions::kPaperGaps;
  o.gap_bits = 2;
  auto r = encode_sparse_codebook(t.view(), o);
  ASSERT_TRUE(r.is_ok() && r->has_value());
  EXPECT_EQ((*r)->streams[1].param, 3);
  EXPECT_EQ((*r)->streams[1].bytes.size(), 3u);  // 6 entries x 3 bits
  auto a = account_sparse_codebook(test::view_of(**r), DType::kFloat32, 12);
  ASSERT_TRUE(a.is_ok()) << a.status().to_string();
  EXPECT_EQ(a->paper_fillers, 2u);       // run of 8 zeros at b = 2: 8 / 4
  EXPECT_EQ(a->paper_entries, 6u);
  EXPECT_EQ(a->index_bits, 2u);
  EXPECT_EQ(a->paper_index_bits, 12u);   // 6 x 2
  EXPECT_EQ(a->paper_weight_bits, 12u);  // 6 x 2
}

TEST(SparseAccounting, AllZeroTensor) {
  test::OwnedTensor t = test::tensor_from_bits(DType::kFloat32, {50}, std::vector<std::uint64_t>(50, 0));
  auto r = encode_sparse_codebook(t.view(), {});
  ASSERT_TRUE(r.is_ok() && r->has_value());
  auto a = account_sparse_codebook(test::view_of(**r), DType::kFloat32, 50);
  ASSERT_TRUE(a.is_ok()) << a.status().to_string();
  EXPECT_EQ(a->nonzeros, 0u);
  EXPECT_EQ(a->paper_entries, 0u);
  EXPECT_EQ(a->codebook_bytes, 0u);
  EXPECT_EQ(a->index_entropy_bits, 0.0);
}

}  // namespace
}  // namespace dcz
