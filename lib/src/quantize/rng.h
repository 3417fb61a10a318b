// The seeded generator behind the `random` and `kmeans++` initialisations. Our own code (not
// std:: distributions, whose output differs between standard libraries), so a seed gives the
// same centroids on every platform.
#pragma once

#include <cstdint>

namespace dcz::quantize {

// SplitMix64 (Steele, Lea & Flood 2014): tiny, full period 2^64, good enough for sampling ranks.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}

  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }

  // Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

  // Uniform in [0, bound) without modulo bias: draws below the largest multiple of bound are
  // rejected. bound > 0.
  std::uint64_t below(std::uint64_t bound) {
    const std::uint64_t threshold = (0 - bound) % bound;  // 2^64 mod bound
    for (;;) {
      const std::uint64_t r = next();
      if (r >= threshold) return r % bound;
    }
  }

 private:
  std::uint64_t state_;
};

}  // namespace dcz::quantize
