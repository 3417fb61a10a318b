// Encoder of kHuffman streams (format/SPEC.md 6.3): package-merge code lengths, canonical
// codes, symbols split into lanes, each lane written with 64-bit stores K codes at a time.
#include <algorithm>
#include <cassert>

#include "entropy/bit_io.h"
#include "entropy/huffman.h"
#include "entropy/huffman_layout.h"

namespace dcz::entropy {

namespace {

using namespace huffman_layout;

template <unsigned K>
std::size_t encode_lane(const std::uint16_t* symbols, std::size_t count,
                        const std::uint32_t* code_and_length, std::uint8_t* out) {
  std::uint8_t* p = out;
  std::uint64_t acc = 0;
  unsigned bits = 0;
  std::size_t i = 0;
  auto put = [&](std::uint16_t s) {
    std::uint32_t e = code_and_length[s];
    acc |= std::uint64_t(e & 0xFFFFu) << bits;
    bits += e >> 16;
  };
  auto flush = [&] {
    store_le64(p, acc);
    p += bits >> 3;
    acc = (bits & ~7u) == 64 ? 0 : acc >> (bits & ~7u);
    bits &= 7;
  };
  for (; i + K <= count; i += K) {
    for (unsigned j = 0; j < K; ++j) put(symbols[i + j]);
    flush();
  }
  for (; i < count; ++i) put(symbols[i]);
  flush();
  if (bits > 0) {
    *p = std::uint8_t(acc);
    ++p;
  }
  return std::size_t(p - out);
}

std::size_t encode_lane_dispatch(unsigned max_length, const std::uint16_t* symbols,
                                 std::size_t count, const std::uint32_t* table, std::uint8_t* out) {
  switch (codes_per_refill(max_length)) {
    case 7: return encode_lane<7>(symbols, count, table, out);
    case 5: return encode_lane<5>(symbols, count, table, out);
    case 4: return encode_lane<4>(symbols, count, table, out);
    default: return encode_lane<3>(symbols, count, table, out);
  }
}

std::vector<std::uint8_t> encode_single_symbol(std::uint16_t symbol) {
  std::vector<std::uint8_t> out;
  out.push_back(0);
  append_le16(out, symbol);
  return out;
}

}  // namespace

Result<std::vector<std::uint8_t>> huffman_encode(std::span<const std::uint16_t> symbols,
                                                 std::uint32_t alphabet_size) {
  assert(alphabet_size >= 1 && alphabet_size <= 65536);
  if (symbols.empty()) return std::vector<std::uint8_t>{};
  std::vector<std::uint64_t> freqs(alphabet_size, 0);
  for (std::uint16_t s : symbols) ++freqs[s];
  std::uint32_t used = 0;
  std::uint32_t last = 0;
  for (std::uint32_t s = 0; s < alphabet_size; ++s) {
    if (freqs[s] != 0) {
      ++used;
      last = s;
    }
  }
  if (used == 1) return encode_single_symbol(std::uint16_t(last));

  const unsigned limit = std::max(kHuffmanDefaultLimit, bits_for_alphabet(used));
  std::vector<std::uint8_t> lengths =
      huffman_code_lengths(std::span(freqs).first(last + 1), limit);
  const unsigned max_length = *std::max_element(lengths.begin(), lengths.end());
  std::vector<std::uint16_t> codes = huffman_canonical_codes_reversed(lengths);
  std::vector<std::uint32_t> code_and_length(alphabet_size, 0);
  for (std::size_t s = 0; s < lengths.size(); ++s) {
    code_and_length[s] = codes[s] | std::uint32_t(lengths[s]) << 16;
  }

  const unsigned lanes = symbols.size() >= kHuffmanFourLaneMinSymbols ? 4 : 1;
  std::vector<std::uint8_t> out;
  out.push_back(std::uint8_t(max_length));
  out.push_back(std::uint8_t(lanes));
  append_le32(out, last + 1);
  {
    BitWriter w(out);
    const unsigned field = length_field_bits(max_length);
    for (std::uint8_t l : lengths) w.put(l, field);
    w.finish();
  }
  const std::size_t jump_at = out.size();
  out.resize(out.size() + 4 * (lanes - 1));
  for (unsigned lane = 0; lane < lanes; ++lane) {
    LaneRange r = lane_range(symbols.size(), lanes, lane);
    const std::size_t count = std::size_t(r.end - r.begin);
    const std::size_t start = out.size();
    out.resize(start + (count * max_length + 7) / 8 + 8);
    std::size_t written = encode_lane_dispatch(max_length, symbols.data() + r.begin, count,
                                               code_and_length.data(), out.data() + start);
    out.resize(start + written);
    if (lane + 1 < lanes) {
      if (written > 0xFFFFFFFFu) {
        return make_error(ErrorCode::kUnsupported, "Huffman lane over 4 GiB");
      }
      for (int b = 0; b < 4; ++b) out[jump_at + 4 * lane + b] = std::uint8_t(written >> (8 * b));
    }
  }
  return out;
}


}  // namespace dcz::entropy
