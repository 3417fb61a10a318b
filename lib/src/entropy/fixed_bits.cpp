#include "entropy/fixed_bits.h"

#include <cassert>
#include <string>

#include "entropy/bit_io.h"
#include "entropy/stream_error.h"

namespace dcz::entropy {

std::vector<std::uint8_t> fixed_bits_encode(std::span<const std::uint16_t> symbols,
                                            unsigned bits) {
  assert(bits >= 1 && bits <= kFixedBitsMax);
  const std::uint64_t total_bits = std::uint64_t(symbols.size()) * bits;
  std::vector<std::uint8_t> out(std::size_t((total_bits + 7) / 8) + 8, 0);
  std::uint8_t* p = out.data();
  std::uint64_t acc = 0;
  unsigned count = 0;
  for (std::uint16_t s : symbols) {
    assert((std::uint32_t(s) >> bits) == 0);
    acc |= std::uint64_t(s) << count;
    count += bits;
    if (count >= 32) {  // at most 31 + 16 = 47 bits pending: one 64-bit store suffices
      store_le64(p, acc);
      p += 4;
      acc >>= 32;
      count -= 32;
    }
  }
  store_le64(p, acc);
  out.resize(std::size_t((total_bits + 7) / 8));
  return out;
}

namespace {

// The symbol at index i; reads 8 bytes, so the caller guarantees (i*bits)/8 + 8 <= size.
inline std::uint16_t fixed_symbol_fast(const std::uint8_t* data, std::uint64_t i, unsigned bits,
                                       std::uint32_t mask) {
  std::uint64_t bit = i * bits;
  return std::uint16_t((load_le64(data + (bit >> 3)) >> (bit & 7)) & mask);
}

}  // namespace

Status fixed_bits_check_layout(const StreamView& stream, std::uint64_t n) {
  const unsigned bits = stream.param;
  if (bits < 1 || bits > kFixedBitsMax) {
    return stream_error(ErrorCode::kBadSize, stream, 0,
                        "fixed-bits width " + std::to_string(bits) + " is outside 1..16");
  }
  const std::uint64_t total_bits = n * bits;  // n <= 2^61 is guaranteed by the caller's bounds
  const std::uint64_t need = (total_bits + 7) / 8;
  const std::span<const std::uint8_t> in = stream.bytes;
  if (in.size() < need) {
    return stream_error(ErrorCode::kStreamEndedEarly, stream, in.size(),
                        std::to_string(n) + " symbols of " + std::to_string(bits) + " bits need " +
                            std::to_string(need) + " bytes, stream has " +
                            std::to_string(in.size()));
  }
  if (in.size() > need) {
    return stream_error(ErrorCode::kStreamTrailingData, stream, need,
                        std::to_string(in.size() - need) + " bytes after the last symbol");
  }
  if (total_bits % 8 != 0 && (in[need - 1] >> (total_bits % 8)) != 0) {
    return stream_error(ErrorCode::kStreamTrailingData, stream, need - 1,
                        "padding bits after the last symbol are not zero");
  }
  return Status::ok();
}

Status fixed_bits_decode(const StreamView& stream, std::uint32_t alphabet_size,
                         std::span<std::uint16_t> out) {
  DCZ_TRY(fixed_bits_check_layout(stream, out.size()));
  const unsigned bits = stream.param;
  const std::uint64_t n = out.size();
  const std::span<const std::uint8_t> in = stream.bytes;
  const std::uint32_t mask = (1u << bits) - 1;
  // Symbols whose 8-byte load stays inside the buffer take the fast path.
  std::uint64_t fast = in.size() >= 8 ? ((in.size() - 8) * 8) / bits + 1 : 0;
  if (fast > n) fast = n;
  std::uint32_t max_symbol = 0;
  for (std::uint64_t i = 0; i < fast; ++i) {
    std::uint16_t s = fixed_symbol_fast(in.data(), i, bits, mask);
    out[i] = s;
    max_symbol = s > max_symbol ? s : max_symbol;
  }
  for (std::uint64_t i = fast; i < n; ++i) {  // the last few symbols, bit by bit
    std::uint64_t bit = i * bits;
    std::uint64_t v = 0;
    for (unsigned b = 0; b < bits; ++b) {
      std::uint64_t at = bit + b;
      v |= std::uint64_t((in[at >> 3] >> (at & 7)) & 1) << b;
    }
    out[i] = std::uint16_t(v);
    max_symbol = v > max_symbol ? std::uint32_t(v) : max_symbol;
  }
  if (n > 0 && max_symbol >= alphabet_size) {
    for (std::uint64_t i = 0; i < n; ++i) {
      if (out[i] >= alphabet_size) {
        return stream_error(ErrorCode::kBadSymbol, stream, (i * bits) / 8,
                            "symbol " + std::to_string(i) + " is " + std::to_string(out[i]) +
                                ", alphabet has " + std::to_string(alphabet_size));
      }
    }
  }
  return Status::ok();
}

}  // namespace dcz::entropy
