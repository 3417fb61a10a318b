// The levels representation (format/SPEC.md 6.10) through the container: which representation
// encode_tensor picks for each --entropy value, a bit-exact file round trip, and dcz-inspect's
// accounting of a levels tensor.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

#include "container/encode_tensor.h"
#include "dcz/container.h"
#include "dcz/inspect.h"

namespace dcz {
namespace {

using Entropy = EncodeOptions::Entropy;

// A conv-shaped [16, 8, 3, 3] float32 tensor on a uniform grid: 60 % zeros, Laplacian levels.
struct GridTensor {
  std::vector<std::int64_t> dims = {16, 8, 3, 3};
  std::vector<std::uint8_t> bytes;
  GridTensor() {
    std::mt19937_64 rng(3);
    std::geometric_distribution<int> magnitude(0.5);
    std::bernoulli_distribution zero(0.6), negative(0.5);
    for (int i = 0; i < 16 * 8 * 9; ++i) {
      float v = 0;
      if (!zero(rng)) v = (negative(rng) ? -0.01f : 0.01f) * float(1 + magnitude(rng));
      std::uint8_t b[4];
      std::memcpy(b, &v, 4);
      bytes.insert(bytes.end(), b, b + 4);
    }
  }
  TensorView view() const { return {DType::kFloat32, dims, bytes}; }
};

EncodedTensor encode(const GridTensor& t, Entropy entropy,
                     EncodeOptions::Positions positions = EncodeOptions::Positions::kAuto) {
  EncodeOptions o;
  o.entropy = entropy;
  o.positions = positions;
  auto r = encode_tensor(t.view(), 8, o);
  EXPECT_TRUE(r.is_ok()) << r.status().to_string();
  return std::move(r).value();
}

TEST(LevelsEncodeTensor, AutoPicksTheSmallerRepresentation) {
  const GridTensor t;
  const EncodedTensor automatic = encode(t, Entropy::kAuto);
  const EncodedTensor adaptive = encode(t, Entropy::kAdaptive);
  const EncodedTensor huffman = encode(t, Entropy::kHuffman);
  EXPECT_EQ(adaptive.representation, Representation::kLevels);
  EXPECT_EQ(huffman.representation, Representation::kSparseCodebook);
  // A grid of Laplacian levels is where context modelling wins; auto must see it.
  ASSERT_LT(encoded_cost(adaptive), encoded_cost(huffman));
  EXPECT_EQ(automatic.representation, Representation::kLevels);
  EXPECT_EQ(encoded_cost(automatic), encoded_cost(adaptive));
}

TEST(LevelsEncodeTensor, OtherOptionsNeverPickLevels) {
  const GridTensor t;
  for (Entropy e : {Entropy::kHuffman, Entropy::kFixed, Entropy::kZstd}) {
    EXPECT_NE(encode(t, e).representation, Representation::kLevels);
  }
  // A forced position scheme names a representation-1 layout.
  EXPECT_EQ(encode(t, Entropy::kAuto, EncodeOptions::Positions::kBitmap).representation,
            Representation::kSparseCodebook);
  // Dense stays when it is smaller, even with --entropy adaptive: 64 distinct bytes.
  std::vector<std::uint8_t> noise(64);
  for (std::size_t i = 0; i < noise.size(); ++i) noise[i] = std::uint8_t(i * 37 + 11);
  const std::vector<std::int64_t> dims = {64};
  EncodeOptions o;
  o.entropy = Entropy::kAdaptive;
  auto r = encode_tensor({DType::kUInt8, dims, noise}, 5, o);
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(r->representation, Representation::kDense);
}

TEST(LevelsContainer, FileRoundTripAndInspectAccounting) {
  const GridTensor t;
  VectorSink sink;
  ContainerWriter w(sink);
  ASSERT_TRUE(w.begin({}, 1).is_ok());
  ASSERT_TRUE(w.add_tensor({"conv.weight", DType::kFloat32, t.dims, 0, t.bytes.size()},
                           encode(t, Entropy::kAdaptive)).is_ok());
  ASSERT_TRUE(w.finish().is_ok());
  auto c = read_container(sink.bytes(), "levels.dcz");
  ASSERT_TRUE(c.is_ok()) << c.status().to_string();
  ASSERT_EQ(c->tensors[0].representation, Representation::kLevels);
  std::vector<std::uint8_t> out(t.bytes.size());
  ASSERT_TRUE(decode_tensor(*c, 0, out).is_ok());
  EXPECT_EQ(out, t.bytes);

  auto report = inspect_container(*c);
  ASSERT_TRUE(report.is_ok()) << report.status().to_string();
  const InspectReport& r = *report;
  EXPECT_EQ(r.header_bytes + r.graph_bytes + r.streams_bytes + r.table_bytes + r.padding_bytes +
                r.other_bytes,
            r.file_size);
  const TensorReport& tr = r.tensors[0];
  EXPECT_EQ(tr.representation, "levels");
  ASSERT_TRUE(tr.has_stages);
  EXPECT_EQ(tr.stages.position_scheme, "levels");
  std::uint64_t nonzeros = 0;
  for (std::size_t i = 0; i < t.bytes.size(); i += 4) nonzeros += std::memcmp(&t.bytes[i], "\0\0\0\0", 4) != 0;
  EXPECT_EQ(tr.stages.nonzeros, nonzeros);
  EXPECT_EQ(tr.stages.gap_bits, 8u);
  // The levels stream is split between the index and position columns, nothing lost.
  const double stream_bits = 8.0 * double(tr.streams[1].stored_bytes);
  EXPECT_NEAR((tr.stages.weight_bits_pqh + tr.stages.index_bits_pqh) * double(nonzeros), stream_bits, 1e-6);
  EXPECT_GT(tr.stages.index_bits_pqh, 0.0);
  EXPECT_GT(tr.stages.weight_bits_pqh, 0.0);
  EXPECT_NE(format_inspect_table(r).find("levels/8"), std::string::npos);
}

}  // namespace
}  // namespace dcz
