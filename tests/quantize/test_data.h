// Seeded test distributions for the quantization tests.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace dcz::test {

enum class Distribution { kUniform, kNormal, kLaplace, kBimodal };
std::string distribution_name(Distribution d);

// n values, deterministic for (distribution, seed).
std::vector<double> sample(Distribution d, std::size_t n, std::uint64_t seed);

// The same as sorted floats / doubles (the kernel's input).
std::vector<float> sorted_floats(Distribution d, std::size_t n, std::uint64_t seed);
std::vector<double> sorted_doubles(Distribution d, std::size_t n, std::uint64_t seed);

}  // namespace dcz::test
