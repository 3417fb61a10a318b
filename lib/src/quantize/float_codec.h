// The floating-point element types quantization works on, seen as bit patterns: decoding to the
// working type (float for float32 / float16 / bfloat16, double for float64) and rounding a
// double centroid to the nearest representable value (ties to even).
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace dcz::quantize {

static_assert(std::endian::native == std::endian::little,
              "tensor bytes are little-endian and read with memcpy");

inline float half_to_float(std::uint16_t h) {
  const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000) << 16;
  const std::uint32_t e = (h >> 10) & 0x1F, m = h & 0x3FF;
  if (e == 0) {  // zero or subnormal: m · 2^-24, exact in float
    const float v = std::ldexp(static_cast<float>(m), -24);
    return sign ? -v : v;
  }
  if (e == 31) return std::bit_cast<float>(sign | 0x7F800000u | (m << 13));
  return std::bit_cast<float>(sign | ((e - 15 + 127) << 23) | (m << 13));
}

// Round to nearest even; only called with finite values within float16 range.
inline std::uint16_t float_to_half(float f) {
  std::uint32_t x = std::bit_cast<std::uint32_t>(f);
  const auto sign = static_cast<std::uint16_t>((x >> 16) & 0x8000);
  x &= 0x7FFFFFFF;
  if (x >= 0x477FF000u) return sign | 0x7C00;  // rounds to infinity
  if (x < 0x38800000u) {                       // below 2^-14: subnormal half, m = |f|·2^24
    const float scaled = std::bit_cast<float>(x) * 16777216.0f;  // exact: a power of two
    return sign | static_cast<std::uint16_t>(std::nearbyint(scaled));
  }
  std::uint32_t h = ((((x >> 23) - 127 + 15)) << 10) | ((x & 0x7FFFFF) >> 13);
  const std::uint32_t rest = x & 0x1FFF;
  if (rest > 0x1000 || (rest == 0x1000 && (h & 1))) ++h;
  return static_cast<std::uint16_t>(sign | h);
}

inline float bfloat16_to_float(std::uint16_t b) {
  return std::bit_cast<float>(static_cast<std::uint32_t>(b) << 16);
}

inline std::uint16_t float_to_bfloat16(float f) {
  const std::uint32_t x = std::bit_cast<std::uint32_t>(f);
  return static_cast<std::uint16_t>((x + 0x7FFF + ((x >> 16) & 1)) >> 16);
}

// A 16-bit format: rounding double -> float -> 16 bits can round twice, so the candidate is
// checked against its two neighbours and the nearest (ties: even pattern) wins.
template <float (*kDecode)(std::uint16_t), std::uint16_t (*kEncode)(float), std::uint16_t kInf>
struct Float16Like {
  using Work = float;
  using Bits = std::uint16_t;
  static Work decode(Bits b) { return kDecode(b); }
  static bool is_zero(Bits b) { return (b & 0x7FFF) == 0; }
  static bool is_finite(Bits b) { return (b & 0x7FFF) < kInf; }
  static Bits nearest(double c) {
    const Bits start = kEncode(static_cast<float>(c));
    const Bits sign = start & 0x8000, mag = start & 0x7FFF;
    Bits best = start;
    double best_distance = std::abs(static_cast<double>(kDecode(start)) - c);
    for (const int step : {-1, 1}) {
      const int m = mag + step;
      if (m < 0 || m >= kInf) continue;
      const auto candidate = static_cast<Bits>(sign | m);
      const double d = std::abs(static_cast<double>(kDecode(candidate)) - c);
      if (d < best_distance || (d == best_distance && (candidate & 1) == 0)) {
        best = candidate;
        best_distance = d;
      }
    }
    return best;
  }
  static Bits smallest_subnormal(bool negative) { return negative ? 0x8001 : 0x0001; }
};

using Float16Codec = Float16Like<half_to_float, float_to_half, 0x7C00>;
using BFloat16Codec = Float16Like<bfloat16_to_float, float_to_bfloat16, 0x7F80>;

struct Float32Codec {
  using Work = float;
  using Bits = std::uint32_t;
  static Work decode(Bits b) { return std::bit_cast<float>(b); }
  static bool is_zero(Bits b) { return (b & 0x7FFFFFFFu) == 0; }
  static bool is_finite(Bits b) { return (b & 0x7FFFFFFFu) < 0x7F800000u; }
  static Bits nearest(double c) { return std::bit_cast<Bits>(static_cast<float>(c)); }
  static Bits smallest_subnormal(bool negative) { return negative ? 0x80000001u : 1u; }
};

struct Float64Codec {
  using Work = double;
  using Bits = std::uint64_t;
  static Work decode(Bits b) { return std::bit_cast<double>(b); }
  static bool is_zero(Bits b) { return (b << 1) == 0; }
  static bool is_finite(Bits b) { return (b & 0x7FFFFFFFFFFFFFFFull) < 0x7FF0000000000000ull; }
  static Bits nearest(double c) { return std::bit_cast<Bits>(c); }
  static Bits smallest_subnormal(bool negative) { return negative ? 0x8000000000000001ull : 1ull; }
};

template <class Codec>
typename Codec::Bits load_bits(const std::uint8_t* p) {
  typename Codec::Bits b;
  std::memcpy(&b, p, sizeof b);
  return b;
}

template <class Codec>
void store_bits(std::uint8_t* p, typename Codec::Bits b) {
  std::memcpy(p, &b, sizeof b);
}

}  // namespace dcz::quantize
