#include "quantize/test_data.h"

#include <algorithm>
#include <cmath>
#include <random>

namespace dcz::test {

std::string distribution_name(Distribution d) {
  switch (d) {
    case Distribution::kUniform:
      return "uniform";
    case Distribution::kNormal:
      return "normal";
    case Distribution::kLaplace:
      return "laplace";
    case Distribution::kBimodal:
      return "bimodal";
  }
  return "?";
}

std::vector<double> sample(Distribution d, std::size_t n, std::uint64_t seed) {
  // mt19937_64's raw output is specified by the standard; the transforms below are ours, so the
  // data is the same with every standard library.
  std::mt19937_64 gen(seed);
  auto u01 = [&] { return (static_cast<double>(gen() >> 11) + 0.5) * 0x1.0p-53; };
  std::vector<double> v(n);
  for (auto& x : v) {
    switch (d) {
      case Distribution::kUniform:
        x = u01();
        break;
      case Distribution::kNormal:
        x = 0.05 * std::sqrt(-2.0 * std::log(u01())) * std::cos(2.0 * M_PI * u01());
        break;
      case Distribution::kLaplace: {
        const double u = u01() - 0.5;
        x = -0.02 * (u < 0 ? -1.0 : 1.0) * std::log(1.0 - 2.0 * std::abs(u));
        break;
      }
      case Distribution::kBimodal:
        x = (gen() & 1 ? 0.1 : -0.1) +
            0.02 * std::sqrt(-2.0 * std::log(u01())) * std::cos(2.0 * M_PI * u01());
        break;
    }
  }
  return v;
}

std::vector<float> sorted_floats(Distribution d, std::size_t n, std::uint64_t seed) {
  const auto v = sample(d, n, seed);
  std::vector<float> f(v.begin(), v.end());
  std::erase(f, 0.0f);
  std::sort(f.begin(), f.end());
  return f;
}

std::vector<double> sorted_doubles(Distribution d, std::size_t n, std::uint64_t seed) {
  auto v = sample(d, n, seed);
  std::erase(v, 0.0);
  std::sort(v.begin(), v.end());
  return v;
}

}  // namespace dcz::test
