// One row per way a sparse + codebook tensor can be malformed; each must fail with its exact
// ErrorCode and never crash.
#include <gtest/gtest.h>

#include <functional>
#include <random>
#include <string>

#include "entropy/sparse_codebook.h"
#include "entropy/zstd_symbols.h"
#include "test_tensors.h"

namespace dcz {
namespace {

using Entropy = SparseCodebookOptions::Entropy;
using Positions = SparseCodebookOptions::Positions;

// 200 elements; nonzeros 1.0, 2.0, 3.0 at 5, 6, 40, 120, 199 (K = 3, 5 nonzeros).
test::OwnedTensor base_tensor() {
  std::vector<std::uint64_t> v(200, 0);
  v[5] = test::float_bits(1.f);
  v[6] = test::float_bits(2.f);
  v[40] = test::float_bits(3.f);
  v[120] = test::float_bits(1.f);
  v[199] = test::float_bits(2.f);
  return test::tensor_from_bits(DType::kFloat32, {200}, v);
}

EncodedTensor encode(Entropy entropy, Positions positions, unsigned gap_bits = 5) {
  SparseCodebookOptions o;
  o.entropy = entropy;
  o.positions = positions;
  o.gap_bits = gap_bits;
  auto r = encode_sparse_codebook(base_tensor().view(), o);
  EXPECT_TRUE(r.is_ok() && r->has_value());
  return **r;
}

std::vector<std::uint8_t> huffman_bytes(std::uint8_t max_length, std::uint8_t lengths_2bit) {
  // 3 code lengths of bit_width(max_length) = 2 bits (max 2 or 3), one lane of one zero byte.
  return {max_length, 1, 3, 0, 0, 0, lengths_2bit, 0};
}

struct Row {
  std::string name;
  std::function<void(EncodedTensor&)> mutate;
  ErrorCode expect;
  Entropy entropy = Entropy::kFixed;
  Positions positions = Positions::kEscapeGaps;
  std::uint64_t elements = 200;
};

std::vector<Row> rows() {
  return {
      {"valid escape/fixed", [](EncodedTensor&) {}, ErrorCode::kOk},
      {"valid paper/huffman", [](EncodedTensor&) {}, ErrorCode::kOk, Entropy::kHuffman,
       Positions::kPaperGaps},
      {"valid bitmap/zstd", [](EncodedTensor&) {}, ErrorCode::kOk, Entropy::kZstd, Positions::kBitmap},
      // Huffman tables.
      {"huffman over-subscribed", [](EncodedTensor& e) {
         e.streams[1].coding = StreamCoding::kHuffman;
         e.streams[1].param = 0;
         e.streams[1].bytes = huffman_bytes(2, 0x15);  // lengths 1,1,1
       }, ErrorCode::kBadHuffmanTable},
      {"huffman incomplete", [](EncodedTensor& e) {
         e.streams[1].coding = StreamCoding::kHuffman;
         e.streams[1].param = 0;
         e.streams[1].bytes = huffman_bytes(2, 0x09);  // lengths 1,2,0
       }, ErrorCode::kBadHuffmanTable},
      {"huffman length over the limit", [](EncodedTensor& e) {
         e.streams[1].coding = StreamCoding::kHuffman;
         e.streams[1].param = 0;
         e.streams[1].bytes = huffman_bytes(17, 0x29);
       }, ErrorCode::kBadHuffmanTable},
      {"huffman lane truncated", [](EncodedTensor& e) { e.streams[1].bytes.pop_back(); },
       ErrorCode::kStreamEndedEarly, Entropy::kHuffman},
      {"huffman fewer than 2 code lengths", [](EncodedTensor& e) {
         e.streams[1].coding = StreamCoding::kHuffman;
         e.streams[1].param = 0;
         e.streams[1].bytes = {2, 1, 1, 0, 0, 0, 0x02, 0};
       }, ErrorCode::kBadHuffmanTable},
      {"huffman length padding bits set", [](EncodedTensor& e) {
         e.streams[1].coding = StreamCoding::kHuffman;
         e.streams[1].param = 0;
         e.streams[1].bytes = huffman_bytes(2, 0x29 | 0x40);  // lengths 1,2,2 then a 1 bit
       }, ErrorCode::kBadHuffmanTable},
      {"zstd symbol width 3", [](EncodedTensor& e) { e.streams[1].param = 3; }, ErrorCode::kBadSize,
       Entropy::kZstd},
      // Positions.
      {"paper filler as the last entry", [](EncodedTensor& e) {
         e.streams[2].bytes[5] |= 0xE0;  // last gap (bits 45..49) -> 31
         e.streams[2].bytes[6] |= 0x03;
         e.streams[1].bytes[2] |= 0x0C;  // last index (bits 18..19) -> 3 = K, the filler
       }, ErrorCode::kBadPositions, Entropy::kFixed, Positions::kPaperGaps, 300},
      {"paper value entries differ from nonzeros", [](EncodedTensor& e) { e.params[8] = 4; },
       ErrorCode::kBadPositions, Entropy::kFixed, Positions::kPaperGaps},
      {"bitmap length differs from elements", [](EncodedTensor& e) { e.streams[2].decoded_size = 199; },
       ErrorCode::kBadSize, Entropy::kFixed, Positions::kBitmap},
      {"escape gap runs past the tensor", [](EncodedTensor&) {}, ErrorCode::kBadPositions,
       Entropy::kFixed, Positions::kEscapeGaps, 199},
      {"paper gap runs past the tensor", [](EncodedTensor& e) {
         e.streams[2].bytes[6] |= 0x02;  // bit 49: the last gap (bits 45..49) 14 -> 30
       },
       ErrorCode::kBadPositions, Entropy::kFixed, Positions::kPaperGaps},
      {"paper filler below the maximum gap", [](EncodedTensor& e) {
         e.streams[2].bytes[0] ^= 0x1F;  // first gap 5 -> 26; entry 0 is a real index
         e.streams[1].bytes[0] = std::uint8_t((e.streams[1].bytes[0] & ~3u) | 3u);  // make it a filler
       }, ErrorCode::kBadPositions, Entropy::kFixed, Positions::kPaperGaps},
      {"bitmap marks too many", [](EncodedTensor& e) { e.streams[2].bytes[0] |= 1; },
       ErrorCode::kBadPositions, Entropy::kFixed, Positions::kBitmap},
      {"bitmap marks too few", [](EncodedTensor& e) { e.streams[2].bytes[0] &= ~0x20; },
       ErrorCode::kBadPositions, Entropy::kFixed, Positions::kBitmap},
      {"position-extra truncated", [](EncodedTensor& e) {
         e.streams[3].bytes.pop_back();
         e.streams[3].decoded_size = e.streams[3].bytes.size();
       }, ErrorCode::kStreamEndedEarly},
      {"position-extra trailing byte", [](EncodedTensor& e) {
         e.streams[3].bytes.push_back(0);
         e.streams[3].decoded_size = e.streams[3].bytes.size();
       }, ErrorCode::kStreamTrailingData},
      {"nonzeros above elements", [](EncodedTensor& e) { e.params[8] = 201; },
       ErrorCode::kBadPositions},
      // Symbols and stream lengths.
      {"index past the codebook", [](EncodedTensor& e) { e.streams[1].bytes[0] |= 3; },
       ErrorCode::kBadSymbol},
      {"indices stream ends early", [](EncodedTensor& e) { e.streams[1].bytes.pop_back(); },
       ErrorCode::kStreamEndedEarly},
      {"indices stream has a byte left over", [](EncodedTensor& e) { e.streams[1].bytes.push_back(0); },
       ErrorCode::kStreamTrailingData},
      {"index count disagrees with nonzeros", [](EncodedTensor& e) { e.streams[1].decoded_size = 4; },
       ErrorCode::kBadSize},
      {"zstd frame decodes to the wrong size", [](EncodedTensor& e) {
         std::vector<std::uint8_t> three = {0, 1, 2};
         e.streams[1].bytes = *entropy::zstd_bytes_encode(three, 3);
       }, ErrorCode::kBadCompressedData, Entropy::kZstd},
      {"zstd frame corrupt", [](EncodedTensor& e) { e.streams[2].bytes.resize(5); },
       ErrorCode::kBadCompressedData, Entropy::kZstd},
      {"zstd frame with trailing bytes", [](EncodedTensor& e) { e.streams[2].bytes.push_back(7); },
       ErrorCode::kStreamTrailingData, Entropy::kZstd},
      // Codebook.
      {"codebook duplicate entry", [](EncodedTensor& e) {
         std::copy(e.streams[0].bytes.begin(), e.streams[0].bytes.begin() + 4, e.streams[0].bytes.begin() + 4);
       }, ErrorCode::kBadCodebook},
      {"codebook zero entry", [](EncodedTensor& e) {
         std::fill(e.streams[0].bytes.begin(), e.streams[0].bytes.begin() + 4, 0);
       }, ErrorCode::kBadCodebook},
      {"codebook out of order", [](EncodedTensor& e) {
         std::swap_ranges(e.streams[0].bytes.begin(), e.streams[0].bytes.begin() + 4, e.streams[0].bytes.begin() + 8);
       }, ErrorCode::kBadCodebook},
      {"codebook wrong size", [](EncodedTensor& e) { e.streams[0].bytes.pop_back(); },
       ErrorCode::kBadCodebook},
      {"codebook decoded size wrong", [](EncodedTensor& e) { e.streams[0].decoded_size = 16; },
       ErrorCode::kBadCodebook},
      {"codebook size above nonzeros", [](EncodedTensor& e) { e.params[4] = 6; },
       ErrorCode::kBadCodebook},
      {"codebook size above 65536", [](EncodedTensor& e) { e.params[6] = 1; e.params[4] = 1; },
       ErrorCode::kBadCodebook},
      {"codebook empty with nonzeros", [](EncodedTensor& e) { e.params[4] = 0; },
       ErrorCode::kBadCodebook},
      {"zstd codebook decodes short", [](EncodedTensor& e) {
         std::vector<std::uint8_t> eight(8, 1);
         e.streams[0].bytes = *entropy::zstd_bytes_encode(eight, 3);
       }, ErrorCode::kBadCompressedData, Entropy::kZstd},
      // Parameter block and stream list.
      {"params reserved byte set", [](EncodedTensor& e) { e.params[2] = 1; }, ErrorCode::kReservedBitSet},
      {"params unknown scheme", [](EncodedTensor& e) { e.params[0] = 3; }, ErrorCode::kBadTensorEntry},
      {"params gap width 0", [](EncodedTensor& e) { e.params[1] = 0; }, ErrorCode::kBadTensorEntry},
      {"params short", [](EncodedTensor& e) { e.params.pop_back(); }, ErrorCode::kBadTensorEntry},
      {"escape scheme without extra stream", [](EncodedTensor& e) { e.streams.pop_back(); },
       ErrorCode::kBadTensorEntry},
      {"streams out of order", [](EncodedTensor& e) { std::swap(e.streams[1], e.streams[2]); },
       ErrorCode::kBadTensorEntry},
      {"codebook stream with a symbol coding", [](EncodedTensor& e) {
         e.streams[0].coding = StreamCoding::kHuffman;
       }, ErrorCode::kBadTensorEntry},
      {"wrong representation", [](EncodedTensor& e) { e.representation = Representation::kDense; },
       ErrorCode::kBadTensorEntry},
  };
}

TEST(SparseMalformed, EveryRowFailsWithItsCode) {
  const test::OwnedTensor t = base_tensor();
  for (const Row& row : rows()) {
    EncodedTensor e = encode(row.entropy, row.positions);
    row.mutate(e);
    std::vector<std::uint8_t> out(row.elements * 4);
    Status s = decode_sparse_codebook(test::view_of(e), DType::kFloat32, row.elements, out);
    EXPECT_EQ(s.code(), row.expect) << row.name << ": " << s.to_string();
    if (row.expect == ErrorCode::kOk) {
      EXPECT_EQ(out, t.bytes) << row.name;
    }
    auto a = account_sparse_codebook(test::view_of(e), DType::kFloat32, row.elements);
    EXPECT_EQ(a.status().code(), row.expect) << row.name << " (accounting)";
  }
}

TEST(SparseMalformed, MessagesNameTheStreamAndAbsoluteOffset) {
  EncodedTensor e = encode(Entropy::kFixed, Positions::kEscapeGaps);
  e.streams[1].bytes.push_back(0);
  std::vector<std::uint8_t> out(800);
  // view_of lays streams out from byte 1000: codebook 12 bytes, so indices start at 1012.
  Status s = decode_sparse_codebook(test::view_of(e), DType::kFloat32, 200, out);
  EXPECT_NE(s.message().find("indices stream at byte 1014"), std::string::npos) << s.message();
}

TEST(SparseMalformed, OutputSizeAndDtypeAreChecked) {
  EncodedTensor e = encode(Entropy::kFixed, Positions::kEscapeGaps);
  std::vector<std::uint8_t> out(799);
  EXPECT_EQ(decode_sparse_codebook(test::view_of(e), DType::kFloat32, 200, out).code(),
            ErrorCode::kInvalidArgument);
  std::vector<std::uint8_t> strings(800);
  EXPECT_EQ(decode_sparse_codebook(test::view_of(e), DType::kString, 200, strings).code(),
            ErrorCode::kInvalidArgument);
  std::vector<std::uint8_t> complex(1600);
  EXPECT_EQ(decode_sparse_codebook(test::view_of(e), DType::kComplex64, 200, complex).code(),
            ErrorCode::kBadTensorEntry);
}

// Flipped bytes, truncations and edited descriptors of valid encodings: each must decode to some
// tensor or fail with a code, never crash (run under DCZ_SANITIZE for memory errors).
TEST(SparseMalformed, RandomCorruptionIsRejectedOrDecodes) {
  std::mt19937_64 rng(77);
  int rejected = 0;
  int mutations = 0;
  for (Entropy entropy : {Entropy::kFixed, Entropy::kHuffman, Entropy::kZstd}) {
    for (Positions positions : {Positions::kPaperGaps, Positions::kEscapeGaps, Positions::kBitmap}) {
      const EncodedTensor valid = encode(entropy, positions, 3);
      for (int m = 0; m < 400; ++m, ++mutations) {
        EncodedTensor e = valid;
        EncodedStream& s = e.streams[rng() % e.streams.size()];
        switch (rng() % 5) {
          case 0: case 1:
            if (!s.bytes.empty()) s.bytes[rng() % s.bytes.size()] ^= std::uint8_t(1 + rng() % 255);
            break;
          case 2: s.bytes.resize(rng() % (s.bytes.size() + 1)); break;
          case 3: s.decoded_size = rng() % 512; break;
          default: e.params[rng() % e.params.size()] ^= std::uint8_t(1 + rng() % 255); break;
        }
        std::vector<std::uint8_t> out(800);
        Status st = decode_sparse_codebook(test::view_of(e), DType::kFloat32, 200, out);
        if (!st.is_ok()) {
          ++rejected;
          EXPECT_GE(int(st.code()), 200) << st.to_string();
          EXPECT_LT(int(st.code()), 400) << st.to_string();
        }
        auto a = account_sparse_codebook(test::view_of(e), DType::kFloat32, 200);
        EXPECT_EQ(a.status().code(), st.code()) << st.to_string();
      }
    }
  }
  EXPECT_GT(rejected, mutations / 2);
}

}  // namespace
}  // namespace dcz
