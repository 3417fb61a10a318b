// The decoder's fast paths give exactly what the general code gives: two Huffman streams decoded
// together, escape gaps scattered without the general walk, output cleared block by block just
// ahead of the values (when the caller's buffer is not known to be zero) — for every dtype size,
// position scheme and stream coding, on tensors chosen to hit the edges of each path.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "entropy/huffman.h"
#include "entropy/sparse_codebook.h"
#include "test_tensors.h"

namespace dcz {
namespace {

using Entropy = SparseCodebookOptions::Entropy;
using Positions = SparseCodebookOptions::Positions;

struct Shape {
  std::string name;
  std::vector<std::uint64_t> values;  // bit patterns, 0 = zero
};

// Nonzero values 1..k at the given positions of an n-element tensor; the rest zero.
Shape sparse(std::string name, std::uint64_t n, const std::vector<std::uint64_t>& positions,
             std::uint64_t k = 7) {
  Shape s{std::move(name), std::vector<std::uint64_t>(n, 0)};
  for (std::size_t i = 0; i < positions.size(); ++i) s.values[positions[i]] = 1 + i % k;
  return s;
}

std::vector<Shape> shapes() {
  std::vector<Shape> out;
  out.push_back({"empty", {}});
  out.push_back(sparse("all zero", 100, {}));
  out.push_back(sparse("single nonzero first", 100, {0}));
  out.push_back(sparse("single nonzero last", 100, {99}));
  out.push_back(sparse("single nonzero middle", 70000, {40000}));
  out.push_back(sparse("all nonzero", 50, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
                                           16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28,
                                           29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41,
                                           42, 43, 44, 45, 46, 47, 48, 49}));
  // ~10 % density over several 16 KiB zeroing blocks of every element size, runs of every class.
  std::vector<std::uint64_t> random_positions;
  std::mt19937_64 rng(5);
  for (std::uint64_t i = 0; i < 60000; ++i) {
    if (rng() % 10 == 0) random_positions.push_back(i);
  }
  out.push_back(sparse("random 10 percent", 60000, random_positions, 200));
  // Runs of 16..2^17 zeros: escape classes with 3..16 extra bits; nonzeros on both sides of block
  // boundaries (16384 elements of 1 byte, 8192 of 2, 4096 of 4, 2048 of 8).
  out.push_back(sparse("long runs across blocks", 200000,
                       {16, 2047, 2048, 4095, 4096, 8191, 8192, 16383, 16384, 16400, 150000}));
  // A nonzero first, then one run to the very end: the tail is cleared after the last value.
  out.push_back(sparse("trailing run", 100000, {0}));
  return out;
}

constexpr DType kDtypes[] = {DType::kUInt8, DType::kFloat16, DType::kFloat32, DType::kFloat64};

TEST(SparseDecodePaths, EveryDtypeSizeSchemeCodingAndShape) {
  for (const Shape& shape : shapes()) {
    for (DType dtype : kDtypes) {
      const test::OwnedTensor t = test::tensor_from_bits(
          dtype, {std::int64_t(shape.values.size())}, shape.values);
      for (Positions positions : {Positions::kPaperGaps, Positions::kEscapeGaps, Positions::kBitmap}) {
        for (Entropy entropy : {Entropy::kHuffman, Entropy::kFixed, Entropy::kZstd}) {
          SCOPED_TRACE(shape.name + " " + std::string(dtype_name(dtype)) + " positions " +
                       std::to_string(int(positions)) + " entropy " + std::to_string(int(entropy)));
          SparseCodebookOptions o;
          o.entropy = entropy;
          o.positions = positions;
          o.zstd_level = 1;
          auto e = encode_sparse_codebook(t.view(), o);
          ASSERT_TRUE(e.is_ok()) << e.status().to_string();
          ASSERT_TRUE(e->has_value());
          const EncodedTensorView v = test::view_of(**e);
          // Fresh zeroed storage (only nonzeros written) and a dirty buffer (cleared by the decoder).
          std::vector<std::uint8_t> zeroed(t.bytes.size(), 0);
          Status s = decode_sparse_codebook(v, dtype, t.elements(), zeroed, /*out_is_zeroed=*/true);
          ASSERT_TRUE(s.is_ok()) << s.to_string();
          EXPECT_EQ(zeroed, t.bytes);
          std::vector<std::uint8_t> dirty(t.bytes.size(), 0xCD);
          s = decode_sparse_codebook(v, dtype, t.elements(), dirty, /*out_is_zeroed=*/false);
          ASSERT_TRUE(s.is_ok()) << s.to_string();
          EXPECT_EQ(dirty, t.bytes);
        }
      }
    }
  }
}

// Escape-gap errors found by the fast scatter are reported by the general walk, unchanged.
TEST(SparseDecodePaths, EscapeErrorsFromTheFastPathKeepTheirCodes) {
  const Shape shape = sparse("runs", 5000, {40, 1000, 4999});
  const test::OwnedTensor t =
      test::tensor_from_bits(DType::kFloat32, {std::int64_t(shape.values.size())}, shape.values);
  SparseCodebookOptions o;
  o.entropy = Entropy::kHuffman;
  o.positions = Positions::kEscapeGaps;
  auto e = encode_sparse_codebook(t.view(), o);
  ASSERT_TRUE(e.is_ok() && e->has_value());
  ASSERT_EQ((*e)->streams.size(), 4u);
  ASSERT_FALSE((*e)->streams[3].bytes.empty());
  struct Row {
    const char* what;
    void (*mutate)(EncodedTensor&);
    ErrorCode code;
  };
  const Row rows[] = {
      {"extra byte after the extra bits",
       [](EncodedTensor& x) {
         x.streams[3].bytes.push_back(0);
         x.streams[3].decoded_size += 1;
       },
       ErrorCode::kStreamTrailingData},
      {"extra bits cut short",
       [](EncodedTensor& x) {
         x.streams[3].bytes.pop_back();
         x.streams[3].decoded_size -= 1;
       },
       ErrorCode::kStreamEndedEarly},
      {"nonzero padding bit",
       [](EncodedTensor& x) { x.streams[3].bytes.back() |= 0x80; },
       ErrorCode::kStreamTrailingData},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.what);
    EncodedTensor bad = **e;
    row.mutate(bad);
    std::vector<std::uint8_t> out(t.bytes.size(), 0);
    Status s = decode_sparse_codebook(test::view_of(bad), DType::kFloat32, t.elements(), out);
    EXPECT_EQ(s.code(), row.code) << s.to_string();
  }
}

// A malformed position stream is reported the same whether the decoder writes into storage known
// to be zero or clears a dirty buffer ahead of its values: same code, same message, every scheme.
TEST(SparseDecodePaths, MalformedPositionsGiveOneErrorOnZeroedAndDirtyBuffers) {
  const Shape shape = sparse("runs", 70000, {3, 17, 40, 1000, 16384, 16400, 40000, 69999});
  struct Mutation {
    const char* what;
    void (*mutate)(EncodedTensor&);
  };
  const Mutation mutations[] = {
      {"positions truncated", [](EncodedTensor& x) { x.streams[2].bytes.resize(x.streams[2].bytes.size() / 2); }},
      {"last position byte flipped", [](EncodedTensor& x) { x.streams[2].bytes.back() ^= 0x5A; }},
      {"one position symbol fewer", [](EncodedTensor& x) { x.streams[2].decoded_size -= 1; }},
      {"params' nonzero count off by one", [](EncodedTensor& x) { x.params[8] ^= 1; }},
  };
  int errors = 0;
  for (DType dtype : kDtypes) {
    const test::OwnedTensor t =
        test::tensor_from_bits(dtype, {std::int64_t(shape.values.size())}, shape.values);
    for (Positions positions : {Positions::kPaperGaps, Positions::kEscapeGaps, Positions::kBitmap}) {
      for (Entropy entropy : {Entropy::kHuffman, Entropy::kFixed}) {
        SparseCodebookOptions o;
        o.entropy = entropy;
        o.positions = positions;
        auto e = encode_sparse_codebook(t.view(), o);
        ASSERT_TRUE(e.is_ok() && e->has_value());
        for (const Mutation& m : mutations) {
          SCOPED_TRACE(std::string(m.what) + " " + std::string(dtype_name(dtype)) + " positions " +
                       std::to_string(int(positions)) + " entropy " + std::to_string(int(entropy)));
          EncodedTensor bad = **e;
          m.mutate(bad);
          const EncodedTensorView v = test::view_of(bad);
          std::vector<std::uint8_t> zeroed(t.bytes.size(), 0), dirty(t.bytes.size(), 0xCD);
          const Status on_zeroed = decode_sparse_codebook(v, dtype, t.elements(), zeroed, true);
          const Status on_dirty = decode_sparse_codebook(v, dtype, t.elements(), dirty, false);
          EXPECT_EQ(on_zeroed.to_string(), on_dirty.to_string());
          if (on_zeroed.is_ok()) {  // a mutation the format cannot see decodes alike on both
            EXPECT_EQ(zeroed, dirty);
          }
          errors += !on_zeroed.is_ok();
        }
      }
    }
  }
  EXPECT_GE(errors, 4 * 3 * 2 * 3);  // truncation, count and symbol-count changes always fail
}

// --- Huffman streams decoded in pairs ---

std::vector<std::uint16_t> symbols(std::size_t n, std::uint32_t alphabet, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::uint16_t> out(n);
  for (auto& s : out) s = std::uint16_t(std::min<std::uint64_t>(rng() % alphabet, rng() % alphabet));
  return out;
}

EncodedStream huffman_stream(const std::vector<std::uint16_t>& syms, std::uint32_t alphabet) {
  EncodedStream s;
  s.role = StreamRole::kIndices;
  s.coding = StreamCoding::kHuffman;
  s.decoded_size = syms.size();
  auto bytes = entropy::huffman_encode(syms, alphabet);
  EXPECT_TRUE(bytes.is_ok());
  s.bytes = std::move(bytes).value();
  return s;
}

TEST(HuffmanPair, DecodesWhatTwoSingleDecodesGive) {
  struct Case {
    const char* what;
    std::size_t n_a, n_b;
    std::uint32_t alpha_a, alpha_b;
  };
  const Case cases[] = {
      {"two single-lane streams", 900, 900, 256, 136},
      {"different lengths", 100, 3000, 32, 136},
      {"single-lane and four-lane", 1000, 20000, 256, 2},
      {"two four-lane streams", 5000, 9000, 40, 136},
      {"long codes", 2000, 2000, 65536, 65536},
      {"a single-symbol stream", 700, 700, 1, 136},
      {"b single-symbol stream", 700, 700, 256, 1},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    const auto sa = symbols(c.n_a, c.alpha_a, 1);
    const auto sb = symbols(c.n_b, c.alpha_b, 2);
    const EncodedStream ea = huffman_stream(sa, c.alpha_a);
    const EncodedStream eb = huffman_stream(sb, c.alpha_b);
    std::vector<std::uint16_t> out_a(c.n_a, 0xFFFF), out_b(c.n_b, 0xFFFF);
    Status s = entropy::huffman_decode_pair(test::view_of(ea), c.alpha_a, out_a, test::view_of(eb),
                                            c.alpha_b, out_b);
    ASSERT_TRUE(s.is_ok()) << s.to_string();
    EXPECT_EQ(out_a, sa);
    EXPECT_EQ(out_b, sb);
  }
}

// Errors are those of decoding a, then b: a's first even when b's header is already bad.
TEST(HuffmanPair, ErrorsComeInStreamOrder) {
  const auto sa = symbols(800, 64, 3);
  const auto sb = symbols(800, 64, 4);
  const EncodedStream good_a = huffman_stream(sa, 64);
  const EncodedStream good_b = huffman_stream(sb, 64);
  EncodedStream trailing_a = good_a;
  trailing_a.bytes.push_back(0x01);  // a byte after the last code of the only lane
  EncodedStream bad_header_b = good_b;
  bad_header_b.bytes[1] = 3;  // lane count 3
  EncodedStream truncated_b = good_b;
  truncated_b.bytes.resize(truncated_b.bytes.size() - 3);

  auto decode_pair = [&](const EncodedStream& a, const EncodedStream& b) {
    std::vector<std::uint16_t> out_a(800), out_b(800);
    return entropy::huffman_decode_pair(test::view_of(a), 64, out_a, test::view_of(b), 64, out_b);
  };
  auto decode_one = [&](const EncodedStream& x) {
    std::vector<std::uint16_t> out(800);
    return entropy::huffman_decode(test::view_of(x), 64, out);
  };
  struct Row {
    const char* what;
    const EncodedStream& a;
    const EncodedStream& b;
    const EncodedStream& reported;
    ErrorCode code;
  };
  const Row rows[] = {
      {"a trailing, b bad header", trailing_a, bad_header_b, trailing_a,
       ErrorCode::kStreamTrailingData},
      {"a trailing, b truncated", trailing_a, truncated_b, trailing_a,
       ErrorCode::kStreamTrailingData},
      {"a good, b bad header", good_a, bad_header_b, bad_header_b, ErrorCode::kBadHuffmanTable},
      {"a good, b truncated", good_a, truncated_b, truncated_b, ErrorCode::kStreamEndedEarly},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.what);
    const Status pair = decode_pair(row.a, row.b);
    const Status single = decode_one(row.reported);
    EXPECT_EQ(pair.code(), row.code) << pair.to_string();
    EXPECT_EQ(pair.to_string(), single.to_string());
  }
}

}  // namespace
}  // namespace dcz
