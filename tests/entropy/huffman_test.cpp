#include "entropy/huffman.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <random>

#include "test_tensors.h"

namespace dcz::entropy {
namespace {

std::uint64_t total_cost(std::span<const std::uint64_t> freqs, std::span<const std::uint8_t> lengths) {
  std::uint64_t c = 0;
  for (std::size_t i = 0; i < freqs.size(); ++i) c += freqs[i] * lengths[i];
  return c;
}

// Kraft sum of the lengths, in units of 2^-16.
std::uint64_t kraft_units(std::span<const std::uint8_t> lengths) {
  std::uint64_t k = 0;
  for (std::uint8_t l : lengths) {
    if (l > 0) k += std::uint64_t{1} << (16 - l);
  }
  return k;
}

// The cheapest prefix code with lengths <= limit by exhaustive search.
std::uint64_t brute_force_cost(const std::vector<std::uint64_t>& freqs, unsigned limit) {
  std::vector<std::uint8_t> lengths(freqs.size(), 1);
  std::uint64_t best = ~std::uint64_t{0};
  std::function<void(std::size_t)> rec = [&](std::size_t i) {
    if (i == freqs.size()) {
      if (kraft_units(lengths) <= (1u << 16)) best = std::min(best, total_cost(freqs, lengths));
      return;
    }
    for (unsigned l = 1; l <= limit; ++l) {
      lengths[i] = std::uint8_t(l);
      rec(i + 1);
    }
  };
  rec(0);
  return best;
}

TEST(HuffmanLengths, PackageMergeIsOptimalAgainstBruteForce) {
  std::mt19937_64 rng(7);
  int cases = 0;
  for (unsigned n = 2; n <= 6; ++n) {
    for (unsigned limit = unsigned(std::ceil(std::log2(n))); limit <= 5; ++limit) {
      for (int trial = 0; trial < 12; ++trial) {
        std::vector<std::uint64_t> freqs(n);
        for (auto& f : freqs) f = 1 + rng() % (trial % 2 ? 1000 : 7);
        if (trial == 0) {  // Fibonacci weights: the unlimited tree is as deep as possible
          for (unsigned i = 0; i < n; ++i) freqs[i] = i < 2 ? 1 : freqs[i - 1] + freqs[i - 2];
        }
        std::vector<std::uint8_t> lengths = huffman_code_lengths(freqs, limit);
        EXPECT_EQ(total_cost(freqs, lengths), brute_force_cost(freqs, limit))
            << "n=" << n << " limit=" << limit << " trial=" << trial;
        EXPECT_LE(*std::max_element(lengths.begin(), lengths.end()), limit);
        ++cases;
      }
    }
  }
  EXPECT_GT(cases, 100);
}

TEST(HuffmanLengths, RespectLimitAndKraftSumIsExactlyOne) {
  std::mt19937_64 rng(11);
  for (unsigned n : {2u, 3u, 17u, 40u, 256u, 4096u, 65536u}) {
    for (unsigned limit : {11u, 12u, 16u}) {
      if (n > (1u << limit)) continue;
      std::vector<std::uint64_t> freqs(n);
      // Exponentially skewed weights push an unlimited Huffman tree far past the limit.
      for (unsigned i = 0; i < n; ++i) freqs[i] = (std::uint64_t{1} << (i % 40)) + rng() % 3;
      std::vector<std::uint8_t> lengths = huffman_code_lengths(freqs, limit);
      EXPECT_LE(*std::max_element(lengths.begin(), lengths.end()), limit);
      EXPECT_EQ(kraft_units(lengths), 1u << 16) << "n=" << n << " limit=" << limit;
      for (std::uint8_t l : lengths) EXPECT_GE(l, 1);
    }
  }
}

TEST(HuffmanLengths, UnusedSymbolsGetNoCodeAndSingleSymbolGetsOneBit) {
  std::vector<std::uint64_t> freqs = {0, 5, 0, 0, 9, 1, 0};
  std::vector<std::uint8_t> lengths = huffman_code_lengths(freqs, 11);
  EXPECT_EQ(lengths[0], 0);
  EXPECT_EQ(lengths[2], 0);
  EXPECT_EQ(lengths[6], 0);
  EXPECT_EQ(kraft_units(lengths), 1u << 16);
  std::vector<std::uint64_t> one = {0, 0, 3};
  EXPECT_EQ(huffman_code_lengths(one, 11), (std::vector<std::uint8_t>{0, 0, 1}));
}

TEST(HuffmanCodes, CanonicalCodesArePrefixFree) {
  std::vector<std::uint8_t> lengths = {3, 3, 3, 3, 3, 2, 4, 4};  // Deflate RFC 1951 example
  std::vector<std::uint16_t> rev = huffman_canonical_codes_reversed(lengths);
  auto reverse = [](std::uint16_t code, unsigned l) {
    std::uint16_t r = 0;
    for (unsigned b = 0; b < l; ++b) r |= ((code >> b) & 1) << (l - 1 - b);
    return r;
  };
  // RFC 1951 3.2.2: F=00, A=010, B=011, C=100, D=101, E=110, G=1110, H=1111.
  std::vector<std::uint16_t> expect = {2, 3, 4, 5, 6, 0, 14, 15};
  for (std::size_t s = 0; s < lengths.size(); ++s) {
    EXPECT_EQ(reverse(rev[s], lengths[s]), expect[s]) << s;
  }
}

std::vector<std::uint16_t> decode_all(const std::vector<std::uint8_t>& bytes, std::size_t n,
                                      std::uint32_t alphabet) {
  std::vector<std::uint16_t> out(n, 0xFFFF);
  StreamView v{StreamRole::kIndices, StreamCoding::kHuffman, 0, n, 0, bytes};
  Status s = huffman_decode(v, alphabet, out);
  EXPECT_TRUE(s.is_ok()) << s.to_string();
  return out;
}

TEST(HuffmanCodec, RoundTripsAcrossSizesAndLaneSplits) {
  std::mt19937_64 rng(3);
  for (std::size_t n : {1u, 2u, 3u, 5u, 63u, 4095u, 4096u, 4097u, 4099u, 100003u}) {
    for (std::uint32_t alphabet : {2u, 5u, 32u, 256u, 65536u}) {
      std::vector<std::uint16_t> symbols(n);
      std::geometric_distribution<unsigned> geo(0.2);
      for (auto& s : symbols) s = std::uint16_t(std::min<unsigned>(geo(rng), alphabet - 1));
      auto bytes = huffman_encode(symbols, alphabet);
      ASSERT_TRUE(bytes.is_ok());
      EXPECT_EQ(decode_all(*bytes, n, alphabet), symbols) << "n=" << n << " A=" << alphabet;
    }
  }
}

TEST(HuffmanCodec, SingleSymbolAlphabetIsAThreeByteStream) {
  std::vector<std::uint16_t> symbols(1000, 41);
  auto bytes = huffman_encode(symbols, 42);
  ASSERT_TRUE(bytes.is_ok());
  EXPECT_EQ(*bytes, (std::vector<std::uint8_t>{0, 41, 0}));
  EXPECT_EQ(decode_all(*bytes, 1000, 42), symbols);
}

TEST(HuffmanCodec, AllSymbolsEquallyLikelyAndFullSixteenBitAlphabet) {
  std::vector<std::uint16_t> symbols(65536 * 3);
  for (std::size_t i = 0; i < symbols.size(); ++i) symbols[i] = std::uint16_t((i * 40503u) & 0xFFFF);
  auto bytes = huffman_encode(symbols, 65536);
  ASSERT_TRUE(bytes.is_ok());
  EXPECT_EQ(decode_all(*bytes, symbols.size(), 65536), symbols);
  // 16 bits per symbol plus the length table (65536 x 5 bits) and the jump table.
  EXPECT_LE(bytes->size(), symbols.size() * 2 + 65536 * 5 / 8 + 32);
}

TEST(HuffmanCodec, SizeIsWithinTwoPercentOfOrderZeroEntropyOnSkewedData) {
  std::mt19937_64 rng(5);
  for (std::uint32_t alphabet : {32u, 256u}) {
    std::vector<std::uint16_t> symbols(1u << 20);
    // Two-sided geometric around the middle, like quantized weights around zero.
    std::geometric_distribution<int> geo(alphabet == 32 ? 0.3 : 0.05);
    for (auto& s : symbols) {
      int d = geo(rng) * ((rng() & 1) ? 1 : -1);
      s = std::uint16_t(std::clamp<int>(int(alphabet / 2) + d, 0, int(alphabet) - 1));
    }
    std::vector<double> count(alphabet, 0);
    for (auto s : symbols) count[s] += 1;
    double entropy_bits = 0;
    for (double c : count) {
      if (c > 0) entropy_bits -= c * std::log2(c / double(symbols.size()));
    }
    auto bytes = huffman_encode(symbols, alphabet);
    ASSERT_TRUE(bytes.is_ok());
    const double bits = double(bytes->size()) * 8;
    EXPECT_LE(bits, entropy_bits * 1.02) << "alphabet " << alphabet;
    EXPECT_GE(bits, entropy_bits);
  }
}

TEST(HuffmanCodec, SpecExampleBytes) {  // format/SPEC.md 6.3
  std::vector<std::uint16_t> symbols = {0, 1, 2, 3};
  auto bytes = huffman_encode(symbols, 4);
  ASSERT_TRUE(bytes.is_ok());
  EXPECT_EQ(*bytes, (std::vector<std::uint8_t>{0x02, 0x01, 0x04, 0x00, 0x00, 0x00, 0xAA, 0xD8}));
}

TEST(HuffmanCodec, EncodingIsDeterministic) {
  std::vector<std::uint16_t> symbols(50000);
  for (std::size_t i = 0; i < symbols.size(); ++i) symbols[i] = std::uint16_t((i * i) % 97);
  auto a = huffman_encode(symbols, 97);
  auto b = huffman_encode(symbols, 97);
  ASSERT_TRUE(a.is_ok() && b.is_ok());
  EXPECT_EQ(*a, *b);
}

}  // namespace
}  // namespace dcz::entropy
