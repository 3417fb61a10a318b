#include "entropy/symbol_stream.h"

#include <gtest/gtest.h>

#include <bit>
#include <random>

#include "entropy/fixed_bits.h"
#include "test_tensors.h"

namespace dcz::entropy {
namespace {

constexpr StreamCoding kCodings[] = {StreamCoding::kFixedBits, StreamCoding::kHuffman,
                                     StreamCoding::kZstdSymbols};

EncodedStream encode(std::span<const std::uint16_t> symbols, std::uint32_t alphabet,
                     StreamCoding coding, unsigned bits) {
  SymbolStreamEncoding e;
  e.candidates = std::span(&coding, 1);
  e.fixed_bits = bits;
  e.zstd_level = 3;
  auto s = encode_symbol_stream(StreamRole::kIndices, symbols, alphabet, e);
  EXPECT_TRUE(s.is_ok());
  return std::move(s).value();
}

TEST(SymbolStream, EveryCodingRoundTripsEveryWidth) {
  std::mt19937_64 rng(1);
  for (unsigned bits = 1; bits <= 16; ++bits) {
    const std::uint32_t alphabet = 1u << bits;
    for (std::size_t n : {0u, 1u, 7u, 8u, 9u, 1000u, 5001u}) {
      std::vector<std::uint16_t> symbols(n);
      for (auto& s : symbols) s = std::uint16_t(rng() % alphabet);
      for (StreamCoding c : kCodings) {
        EncodedStream s = encode(symbols, alphabet, c, bits);
        EXPECT_EQ(s.coding, c);
        EXPECT_EQ(s.decoded_size, n);
        if (n == 0) {
          EXPECT_TRUE(s.bytes.empty());
        }
        std::vector<std::uint16_t> out(n);
        Status st = decode_symbol_stream(test::view_of(s), alphabet, out);
        ASSERT_TRUE(st.is_ok()) << st.to_string();
        EXPECT_EQ(out, symbols) << "bits=" << bits << " n=" << n << " coding=" << int(c);
      }
    }
  }
}

TEST(SymbolStream, FixedBitsIsThePaperPackingLsbFirst) {
  std::vector<std::uint16_t> symbols = {1, 2, 3, 4, 5};  // 3 bits each
  EXPECT_EQ(fixed_bits_encode(symbols, 3),
            (std::vector<std::uint8_t>{0b11010001, 0b01011000}));
}

TEST(SymbolStream, AutoPicksTheSmallestAndPrefersFixedOnTies) {
  std::vector<std::uint16_t> skewed(10000, 0);
  for (std::size_t i = 0; i < skewed.size(); i += 17) skewed[i] = std::uint16_t(i % 31);
  SymbolStreamEncoding e;
  e.candidates = kCodings;
  e.fixed_bits = 5;
  e.zstd_level = 3;
  auto best = encode_symbol_stream(StreamRole::kIndices, skewed, 32, e);
  ASSERT_TRUE(best.is_ok());
  for (StreamCoding c : kCodings) EXPECT_LE(best->bytes.size(), encode(skewed, 32, c, 5).bytes.size());
  std::vector<std::uint16_t> empty;
  auto tie = encode_symbol_stream(StreamRole::kIndices, empty, 32, e);
  ASSERT_TRUE(tie.is_ok());
  EXPECT_EQ(tie->coding, StreamCoding::kFixedBits);
}

TEST(SymbolStream, FixedBitsRejectsMalformedStreams) {
  std::vector<std::uint16_t> symbols = {1, 2, 3, 4, 5};
  EncodedStream s = encode(symbols, 8, StreamCoding::kFixedBits, 3);
  std::vector<std::uint16_t> out(5);
  auto decode = [&](const EncodedStream& e, std::uint32_t alphabet) {
    return decode_symbol_stream(test::view_of(e), alphabet, out).code();
  };
  EXPECT_EQ(decode(s, 5), ErrorCode::kBadSymbol);  // symbol 5 outside 0..4
  EncodedStream shorter = s;
  shorter.bytes.pop_back();
  EXPECT_EQ(decode(shorter, 8), ErrorCode::kStreamEndedEarly);
  EncodedStream longer = s;
  longer.bytes.push_back(0);
  EXPECT_EQ(decode(longer, 8), ErrorCode::kStreamTrailingData);
  EncodedStream padding = s;
  padding.bytes.back() |= 0x80;  // bit 15 is after the 15 bits of five symbols
  EXPECT_EQ(decode(padding, 8), ErrorCode::kStreamTrailingData);
  EncodedStream width = s;
  width.param = 17;
  EXPECT_EQ(decode(width, 8), ErrorCode::kBadSize);
  EncodedStream not_symbols = s;
  not_symbols.coding = StreamCoding::kShuffleZstd;
  EXPECT_EQ(decode(not_symbols, 8), ErrorCode::kBadTensorEntry);
}

TEST(SymbolStream, ZstdSymbolsRejectsWrongSizeTrailingBytesAndCorruption) {
  std::vector<std::uint16_t> symbols(300);
  for (std::size_t i = 0; i < symbols.size(); ++i) symbols[i] = std::uint16_t(i % 300);
  EncodedStream s = encode(symbols, 300, StreamCoding::kZstdSymbols, 9);
  ASSERT_EQ(s.param, 2);
  std::vector<std::uint16_t> out(300);
  EXPECT_TRUE(decode_symbol_stream(test::view_of(s), 300, out).is_ok());
  std::vector<std::uint16_t> fewer(299);
  EXPECT_EQ(decode_symbol_stream(test::view_of(s), 300, fewer).code(), ErrorCode::kBadCompressedData);
  std::vector<std::uint16_t> more(301);
  EXPECT_EQ(decode_symbol_stream(test::view_of(s), 300, more).code(), ErrorCode::kBadCompressedData);
  EXPECT_EQ(decode_symbol_stream(test::view_of(s), 299, out).code(), ErrorCode::kBadSymbol);
  EncodedStream trailing = s;
  trailing.bytes.push_back(0);
  EXPECT_EQ(decode_symbol_stream(test::view_of(trailing), 300, out).code(),
            ErrorCode::kStreamTrailingData);
  EncodedStream corrupt = s;
  corrupt.bytes[0] ^= 0xFF;  // frame magic; content corruption is the container checksum's job
  EXPECT_EQ(decode_symbol_stream(test::view_of(corrupt), 300, out).code(),
            ErrorCode::kBadCompressedData);
  EncodedStream truncated = s;
  truncated.bytes.resize(truncated.bytes.size() - 3);
  EXPECT_EQ(decode_symbol_stream(test::view_of(truncated), 300, out).code(),
            ErrorCode::kBadCompressedData);
}

TEST(SymbolStream, EmptySymbolStreamMustHaveNoBytes) {
  EncodedStream s;
  s.role = StreamRole::kPositions;
  s.coding = StreamCoding::kHuffman;
  s.bytes = {0, 1, 0};
  std::vector<std::uint16_t> out;
  EXPECT_EQ(decode_symbol_stream(test::view_of(s), 4, out).code(), ErrorCode::kStreamTrailingData);
}

// Hand-made Huffman headers: mode, lanes, N (u32), lengths at 2 bits each, then one lane.
EncodedStream huffman_stream(std::uint8_t max_length, std::uint8_t lengths_byte,
                             std::vector<std::uint8_t> lane) {
  EncodedStream s;
  s.role = StreamRole::kIndices;
  s.coding = StreamCoding::kHuffman;
  s.bytes = {max_length, 1, 4, 0, 0, 0, lengths_byte};
  for (std::uint8_t b : lane) s.bytes.push_back(b);
  return s;
}

TEST(SymbolStream, HuffmanRejectsMalformedTables) {
  std::vector<std::uint16_t> out(4);
  auto decode = [&](const EncodedStream& e, std::uint32_t alphabet = 4) {
    return decode_symbol_stream(test::view_of(e), alphabet, out).code();
  };
  // Lengths 2,2,2,2 (0xAA) code symbols 0..3 as 00,01,10,11; lane: 0,1,2,3 = bits 00 10 01 11.
  EncodedStream good = huffman_stream(2, 0xAA, {0b11011000});
  ASSERT_EQ(decode(good), ErrorCode::kOk);
  EXPECT_EQ(out, (std::vector<std::uint16_t>{0, 1, 2, 3}));
  EXPECT_EQ(decode(huffman_stream(2, 0x69, {0})), ErrorCode::kBadHuffmanTable);  // 1,2,2,1: > 1
  EXPECT_EQ(decode(huffman_stream(2, 0x2A, {0})), ErrorCode::kBadHuffmanTable);  // 2,2,2,0: < 1
  EXPECT_EQ(decode(huffman_stream(2, 0xAB, {0})), ErrorCode::kBadHuffmanTable);  // 3 > max 2
  EXPECT_EQ(decode(huffman_stream(17, 0xAA, {0})), ErrorCode::kBadHuffmanTable);  // over 16
  EXPECT_EQ(decode(huffman_stream(3, 0xAA, {0})), ErrorCode::kBadHuffmanTable);  // max not used
  EXPECT_EQ(decode(good, 3), ErrorCode::kBadSymbol);  // 4 lengths for an alphabet of 3
  EncodedStream lanes = good;
  lanes.bytes[1] = 2;
  EXPECT_EQ(decode(lanes), ErrorCode::kBadHuffmanTable);
  EncodedStream trailing = good;
  trailing.bytes.push_back(0);
  EXPECT_EQ(decode(trailing), ErrorCode::kStreamTrailingData);
  EncodedStream early = good;
  early.bytes.pop_back();
  EXPECT_EQ(decode(early), ErrorCode::kStreamEndedEarly);
  EncodedStream header_cut = good;
  header_cut.bytes.resize(4);
  EXPECT_EQ(decode(header_cut), ErrorCode::kStreamEndedEarly);
  std::vector<std::uint16_t> five(5);
  EXPECT_EQ(decode_symbol_stream(test::view_of(good), 4, five).code(), ErrorCode::kStreamEndedEarly);
  std::vector<std::uint16_t> three(3);
  EXPECT_EQ(decode_symbol_stream(test::view_of(good), 4, three).code(),
            ErrorCode::kStreamTrailingData);  // the fourth code's bits are padding, not zero
  EncodedStream single = good;
  single.bytes = {0, 9, 0};
  EXPECT_EQ(decode(single, 9), ErrorCode::kBadSymbol);
  single.bytes.push_back(0);
  EXPECT_EQ(decode(single, 10), ErrorCode::kStreamTrailingData);
  EncodedStream reserved = good;
  reserved.param = 1;
  EXPECT_EQ(decode(reserved), ErrorCode::kReservedBitSet);
}

TEST(SymbolStream, HuffmanFourLaneJumpTableIsBounded) {
  std::vector<std::uint16_t> symbols(5000);
  for (std::size_t i = 0; i < symbols.size(); ++i) symbols[i] = std::uint16_t(i % 7 == 0 ? i % 13 : 0);
  EncodedStream s = encode(symbols, 13, StreamCoding::kHuffman, 4);
  std::vector<std::uint16_t> out(symbols.size());
  ASSERT_TRUE(decode_symbol_stream(test::view_of(s), 13, out).is_ok());
  // The jump table follows the 6-byte header and 13 lengths of bit_width(max length) bits.
  ASSERT_EQ(s.bytes[1], 4);
  const std::size_t jump = 6 + (13 * std::bit_width(unsigned(s.bytes[0])) + 7) / 8;
  EncodedStream bad = s;
  bad.bytes[jump] = 0xFF;
  bad.bytes[jump + 1] = 0xFF;
  bad.bytes[jump + 2] = 0xFF;
  EXPECT_EQ(decode_symbol_stream(test::view_of(bad), 13, out).code(), ErrorCode::kStreamEndedEarly);
  EncodedStream cut = s;
  cut.bytes.resize(jump + 10);
  EXPECT_EQ(decode_symbol_stream(test::view_of(cut), 13, out).code(), ErrorCode::kStreamEndedEarly);
}

}  // namespace
}  // namespace dcz::entropy
