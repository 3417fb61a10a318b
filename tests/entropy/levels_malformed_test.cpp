// One row per way a levels tensor (format/SPEC.md 6.10) can be malformed; each must fail with its
// exact ErrorCode, from both the decoder and the accounting, and never crash.
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>

#include "entropy/bit_io.h"
#include "entropy/levels.h"
#include "entropy/levels_params.h"
#include "test_tensors.h"

namespace dcz {
namespace {

// 12 x 10 elements; values -1.0, 1.0, 2.0, 3.0 (K = 4, one negative) at a few places.
test::OwnedTensor base_tensor() {
  std::vector<std::uint64_t> v(120, 0);
  const float values[] = {1.f, -1.f, 2.f, 3.f, 1.f, 1.f, -1.f, 2.f};
  const std::size_t at[] = {0, 5, 13, 27, 60, 61, 90, 119};
  for (std::size_t i = 0; i < 8; ++i) v[at[i]] = test::float_bits(values[i]);
  return test::tensor_from_bits(DType::kFloat32, {12, 10}, v);
}

using Set = LevelsOptions::ContextSet;

EncodedTensor encode(std::uint64_t chunk_elements, Set set = Set::kNeighbours) {
  LevelsOptions o;
  o.chunk_elements = chunk_elements;
  o.context_set = set;
  auto r = encode_levels(base_tensor().view(), o);
  EXPECT_TRUE(r.is_ok() && r->has_value());
  return **r;
}

void set_le64(std::vector<std::uint8_t>& b, std::size_t at, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) b[at + std::size_t(i)] = std::uint8_t(v >> (8 * i));
}
void set_le32(std::vector<std::uint8_t>& b, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) b[at + std::size_t(i)] = std::uint8_t(v >> (8 * i));
}
void set_codebook(EncodedTensor& e, std::vector<float> values) {
  e.streams[0].coding = StreamCoding::kRaw;
  e.streams[0].bytes.clear();
  for (float f : values) entropy::append_le32(e.streams[0].bytes, std::uint32_t(test::float_bits(f)));
  e.streams[0].decoded_size = e.streams[0].bytes.size();
  set_le32(e.params, 4, std::uint32_t(values.size()));
}

// A one-chunk levels stream for the 12 x 10 tensor: `levels` first, then zeros, binarized with
// `range` (which may claim more codebook entries than the tensor's codebook has) and context set
// kSet.
template <entropy::LevelContextSet kSet = entropy::LevelContextSet::kNeighbours>
std::vector<std::uint8_t> code_levels(std::vector<std::int32_t> levels, entropy::LevelRange range) {
  levels.resize(120, 0);
  std::vector<std::uint8_t> out;
  entropy::RangeEncoder enc(out);
  auto c = std::make_unique<entropy::LevelContexts>();
  std::vector<std::int8_t> above(10, 0);
  entropy::LevelColumns<kSet> columns(10);
  for (std::size_t i = 0; i < 120; ++i) {
    const std::size_t col = i % 10;
    const std::int8_t left = col ? entropy::level_clamp(levels[i - 1]) : 0;
    entropy::encode_level<kSet>(enc, *c, range, levels[i], left, above[col], columns.column_class(col));
    above[col] = entropy::level_clamp(levels[i]);
    if (levels[i] != 0) columns.add_nonzero(col);
    if (col == 9) columns.end_row();
  }
  enc.finish();
  return out;
}

struct Row {
  std::string name;
  std::function<void(EncodedTensor&)> mutate;
  ErrorCode expect;
  std::uint64_t chunk_elements = 1u << 18;  // 40: three chunks of 4 rows
  std::vector<std::int64_t> dims = {12, 10};
  DType dtype = DType::kFloat32;
  Set set = Set::kNeighbours;  // the context set the writer is told to use
};

std::vector<Row> rows() {
  return {
      {"valid", [](EncodedTensor&) {}, ErrorCode::kOk},
      {"valid, three chunks", [](EncodedTensor&) {}, ErrorCode::kOk, 40},
      {"valid, context set 1", [](EncodedTensor& e) { ASSERT_EQ(e.params[1], 1); }, ErrorCode::kOk,
       1u << 18, {12, 10}, DType::kFloat32, Set::kColumnActivity},
      {"valid, context set 1, three chunks", [](EncodedTensor&) {}, ErrorCode::kOk, 40, {12, 10},
       DType::kFloat32, Set::kColumnActivity},
      // Tensor entry.
      {"string dtype", [](EncodedTensor&) {}, ErrorCode::kBadTensorEntry, 1u << 18, {12, 10}, DType::kString},
      {"no elements", [](EncodedTensor&) {}, ErrorCode::kBadTensorEntry, 1u << 18, {0, 10}},
      {"wrong representation", [](EncodedTensor& e) { e.representation = Representation::kSparseCodebook; },
       ErrorCode::kBadTensorEntry},
      // Parameter block.
      {"params too short", [](EncodedTensor& e) { e.params.resize(15); }, ErrorCode::kBadTensorEntry},
      {"params longer than the chunk count", [](EncodedTensor& e) { e.params.resize(24); },
       ErrorCode::kBadTensorEntry},
      {"gap width 0", [](EncodedTensor& e) { e.params[0] = 0; }, ErrorCode::kBadTensorEntry},
      {"gap width 17", [](EncodedTensor& e) { e.params[0] = 17; }, ErrorCode::kBadTensorEntry},
      {"context set 2", [](EncodedTensor& e) { e.params[1] = 2; }, ErrorCode::kBadTensorEntry},
      {"context set 255", [](EncodedTensor& e) { e.params[1] = 255; }, ErrorCode::kBadTensorEntry},
      {"zero chunks", [](EncodedTensor& e) { e.params[2] = 0; }, ErrorCode::kBadTensorEntry},
      {"65 chunks", [](EncodedTensor& e) { e.params[2] = 65; }, ErrorCode::kBadTensorEntry},
      {"more chunks than rows", [](EncodedTensor& e) {
         e.params[2] = 13;
         e.params.resize(16 + 8 * 12, 0);
       }, ErrorCode::kBadTensorEntry},
      {"more nonzeros than elements", [](EncodedTensor& e) { set_le64(e.params, 8, 121); },
       ErrorCode::kBadPositions},
      {"codebook larger than the nonzeros", [](EncodedTensor& e) { set_le32(e.params, 4, 9); },
       ErrorCode::kBadCodebook},
      {"codebook over 65536", [](EncodedTensor& e) {
         set_le32(e.params, 4, 65537);
         set_le64(e.params, 8, 65537);
       }, ErrorCode::kBadPositions},
      {"nonzeros without a codebook", [](EncodedTensor& e) { set_le32(e.params, 4, 0); },
       ErrorCode::kBadCodebook},
      // Stream list.
      {"one stream", [](EncodedTensor& e) { e.streams.pop_back(); }, ErrorCode::kBadTensorEntry},
      {"three streams", [](EncodedTensor& e) { e.streams.push_back(e.streams[1]); }, ErrorCode::kBadTensorEntry},
      {"streams swapped", [](EncodedTensor& e) { std::swap(e.streams[0], e.streams[1]); },
       ErrorCode::kBadTensorEntry},
      {"levels coded as Huffman", [](EncodedTensor& e) { e.streams[1].coding = StreamCoding::kHuffman; },
       ErrorCode::kBadTensorEntry},
      {"levels param set", [](EncodedTensor& e) { e.streams[1].param = 1; }, ErrorCode::kReservedBitSet},
      {"levels decoded size off", [](EncodedTensor& e) { e.streams[1].decoded_size = 119; },
       ErrorCode::kBadSize},
      // Codebook.
      {"codebook out of order", [](EncodedTensor& e) { set_codebook(e, {-1.f, 2.f, 1.f, 3.f}); },
       ErrorCode::kBadCodebook},
      {"codebook holds zero", [](EncodedTensor& e) { set_codebook(e, {-1.f, 0.f, 2.f, 3.f}); },
       ErrorCode::kBadCodebook},
      {"codebook decoded size off", [](EncodedTensor& e) { e.streams[0].decoded_size = 12; },
       ErrorCode::kBadCodebook},
      {"codebook coded as Huffman", [](EncodedTensor& e) { e.streams[0].coding = StreamCoding::kHuffman; },
       ErrorCode::kBadTensorEntry},
      // Levels.
      {"level beyond the codebook", [](EncodedTensor& e) {
         // Levels 1..5 and 7 coded as if 100 positive entries existed; the codebook has 6.
         set_codebook(e, {1.f, 2.f, 3.f, 4.f, 5.f, 6.f});
         set_le64(e.params, 8, 6);
         e.streams[1].bytes = code_levels({1, 2, 3, 4, 5, 7}, {0, 100});
       }, ErrorCode::kBadSymbol},
      {"level beyond the codebook, context set 1", [](EncodedTensor& e) {
         set_codebook(e, {1.f, 2.f, 3.f, 4.f, 5.f, 6.f});
         set_le64(e.params, 8, 6);
         e.streams[1].bytes = code_levels<entropy::LevelContextSet::kColumnActivity>(
             {1, 2, 3, 4, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7}, {0, 100});  // 7 in row 1: class 1
       }, ErrorCode::kBadSymbol, 1u << 18, {12, 10}, DType::kFloat32, Set::kColumnActivity},
      {"Exp-Golomb prefix over 16 bins", [](EncodedTensor& e) {
         set_codebook(e, {1.f, 2.f, 3.f, 4.f, 5.f, 6.f});
         set_le64(e.params, 8, 6);
         // Element 0: significant, every "> j" bin set, then 17 prefix one bins.
         e.streams[1].bytes.clear();
         entropy::RangeEncoder enc(e.streams[1].bytes);
         auto c = std::make_unique<entropy::LevelContexts>();
         enc.encode(c->sig[0], 1);
         for (unsigned j = 0; j < entropy::kLevelGreaterFlags; ++j) enc.encode(c->greater[0][j][0], 1);
         for (unsigned k = 0; k <= entropy::kLevelPrefixMax; ++k) enc.encode(c->prefix[0][k], 1);
         enc.finish();
       }, ErrorCode::kBadSymbol},
      {"significant level without a codebook", [](EncodedTensor& e) {
         set_codebook(e, {});
         set_le64(e.params, 8, 0);
         e.streams[1].bytes = code_levels({1}, {0, 0});  // a significance bin of 1, nothing more
       }, ErrorCode::kBadSymbol},
      {"nonzero count disagrees", [](EncodedTensor& e) { set_le64(e.params, 8, 9); }, ErrorCode::kBadPositions},
      {"stream truncated", [](EncodedTensor& e) { e.streams[1].bytes.pop_back(); }, ErrorCode::kStreamEndedEarly},
      {"stream empty", [](EncodedTensor& e) { e.streams[1].bytes.clear(); }, ErrorCode::kStreamEndedEarly},
      {"byte after the stream", [](EncodedTensor& e) { e.streams[1].bytes.push_back(0); },
       ErrorCode::kStreamTrailingData},
      {"last byte changed", [](EncodedTensor& e) { e.streams[1].bytes.back() ^= 0x01; },
       ErrorCode::kBadCompressedData},
      {"chunk sizes past the stream", [](EncodedTensor& e) { set_le64(e.params, 16, 1000); },
       ErrorCode::kStreamEndedEarly, 40},
      {"first chunk one byte short", [](EncodedTensor& e) {
         set_le64(e.params, 16, entropy::load_le64(e.params.data() + 16) - 1);
       }, ErrorCode::kStreamEndedEarly, 40},
      {"first chunk one byte long", [](EncodedTensor& e) {
         set_le64(e.params, 16, entropy::load_le64(e.params.data() + 16) + 1);
       }, ErrorCode::kStreamTrailingData, 40},
  };
}

TEST(LevelsMalformed, EveryRowFailsWithItsCode) {
  for (const Row& row : rows()) {
    SCOPED_TRACE(row.name);
    EncodedTensor e = encode(row.chunk_elements, row.set);
    row.mutate(e);
    const std::size_t value_size = row.dtype == DType::kString ? 1 : dtype_size(row.dtype);
    std::uint64_t elements = 1;
    for (std::int64_t d : row.dims) elements *= std::uint64_t(d);
    std::vector<std::uint8_t> out(std::size_t(elements) * value_size);
    const EncodedTensorView view = test::view_of(e);
    const Status s = decode_levels(view, row.dtype, row.dims, out);
    EXPECT_EQ(s.code(), row.expect) << s.to_string();
    const Result<SparseAccounting> a = account_levels(view, row.dtype, row.dims);
    EXPECT_EQ(a.status().code(), row.expect) << a.status().to_string();
    if (row.expect == ErrorCode::kOk) {
      EXPECT_EQ(out, base_tensor().bytes);
    }
  }
}

TEST(LevelsMalformed, ErrorsNameTheStreamAndByte) {
  EncodedTensor e = encode(1u << 18);
  e.streams[1].bytes.push_back(0);
  std::vector<std::uint8_t> out(480);
  const Status s = decode_levels(test::view_of(e, 5000), DType::kFloat32, std::vector<std::int64_t>{12, 10}, out);
  EXPECT_NE(s.message().find("levels stream at byte"), std::string::npos) << s.message();
}

TEST(LevelsMalformed, OutputSizeMismatchIsAnArgumentError) {
  const EncodedTensor e = encode(1u << 18);
  std::vector<std::uint8_t> out(479);
  EXPECT_EQ(decode_levels(test::view_of(e), DType::kFloat32, std::vector<std::int64_t>{12, 10}, out).code(),
            ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace dcz
