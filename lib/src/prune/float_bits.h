// Element access for the float dtypes pruning works on, over raw little-endian bytes.
// Pruning compares magnitudes through "keys": an element's bits with the sign bit cleared. For
// IEEE binary formats the key orders magnitudes exactly like |x| (subnormals included, NaN above
// +inf), so ties and thresholds are decided without rounding.
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <span>

#include "dcz/dtype.h"

namespace dcz::prune {

static_assert(std::endian::native == std::endian::little,
              "raw tensor bytes are little-endian; a big-endian host needs byte swaps here");

inline double half_to_double(std::uint16_t h) {
  const int exponent = (h >> 10) & 0x1f;
  const int mantissa = h & 0x3ff;
  double magnitude;
  if (exponent == 0) {
    magnitude = std::ldexp(mantissa, -24);
  } else if (exponent == 31) {
    magnitude = mantissa == 0 ? HUGE_VAL : std::nan("");
  } else {
    magnitude = std::ldexp(mantissa + 1024, exponent - 25);
  }
  return (h & 0x8000) ? -magnitude : magnitude;
}

inline double bfloat16_to_double(std::uint16_t b) {
  return std::bit_cast<float>(static_cast<std::uint32_t>(b) << 16);
}

// Traits per dtype: the unsigned storage type and the conversion to double (exact for all four).
struct Float16Traits {
  using Bits = std::uint16_t;
  static double to_double(Bits b) { return half_to_double(b); }
};
struct BFloat16Traits {
  using Bits = std::uint16_t;
  static double to_double(Bits b) { return bfloat16_to_double(b); }
};
struct Float32Traits {
  using Bits = std::uint32_t;
  static double to_double(Bits b) { return std::bit_cast<float>(b); }
};
struct Float64Traits {
  using Bits = std::uint64_t;
  static double to_double(Bits b) { return std::bit_cast<double>(b); }
};

template <class Bits>
constexpr Bits kSignBit = static_cast<Bits>(Bits{1} << (sizeof(Bits) * 8 - 1));

template <class Bits>
inline Bits load_bits(const std::uint8_t* p) {
  Bits b;
  std::memcpy(&b, p, sizeof b);  // tensor bytes carry no alignment guarantee
  return b;
}

template <class Bits>
inline void store_zero(std::uint8_t* p) {
  std::memset(p, 0, sizeof(Bits));  // +0.0 in every IEEE format
}

// Calls f.template operator()<Traits>() for the dtype; returns false for a non-float dtype.
template <class F>
bool visit_float_dtype(DType dtype, F&& f) {
  switch (dtype) {
    case DType::kFloat16: f.template operator()<Float16Traits>(); return true;
    case DType::kBFloat16: f.template operator()<BFloat16Traits>(); return true;
    case DType::kFloat32: f.template operator()<Float32Traits>(); return true;
    case DType::kFloat64: f.template operator()<Float64Traits>(); return true;
    default: return false;
  }
}

}  // namespace dcz::prune
