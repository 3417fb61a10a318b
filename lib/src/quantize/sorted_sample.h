// Sorted values with block prefix sums: the sum, sum of squares and count of any rank range in
// O(kBlock) time with n/kBlock extra doubles, so a Lloyd iteration costs O(k·(log n + kBlock))
// whatever n is, and the memory beside the sorted values stays 1/32 of them.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace dcz::quantize {

struct RangeSums {
  double count = 0.0;
  double sum = 0.0;
  double sum_sq = 0.0;
  // Σ (x - c)² over the range.
  double sq_dist(double c) const { return sum_sq - 2.0 * c * sum + c * c * count; }
  // Σ (x - mean)²; clamped at 0 against rounding.
  double sse() const { return count > 0 ? std::max(0.0, sum_sq - sum * sum / count) : 0.0; }
};

template <class T>
class SortedSample {
 public:
  static constexpr std::size_t kBlock = 64;

  explicit SortedSample(std::span<const T> sorted) : v_(sorted) {
    const std::size_t blocks = sorted.size() / kBlock;
    prefix_sum_.assign(blocks + 1, 0.0);
    prefix_sq_.assign(blocks + 1, 0.0);
    double s = 0.0, q = 0.0;
    for (std::size_t b = 0; b < blocks; ++b) {
      for (std::size_t i = b * kBlock; i < (b + 1) * kBlock; ++i) {
        const double x = sorted[i];
        s += x;
        q += x * x;
      }
      prefix_sum_[b + 1] = s;
      prefix_sq_[b + 1] = q;
    }
  }

  std::size_t size() const { return v_.size(); }
  double value(std::size_t rank) const { return v_[rank]; }
  std::span<const T> values() const { return v_; }

  // First rank whose value is >= x (size() if none).
  std::size_t lower_bound(double x) const {
    return static_cast<std::size_t>(
        std::lower_bound(v_.begin(), v_.end(), x, [](T a, double b) { return a < b; }) -
        v_.begin());
  }

  RangeSums range(std::size_t lo, std::size_t hi) const {
    RangeSums r;
    if (hi <= lo) return r;
    r.count = static_cast<double>(hi - lo);
    const std::size_t b_lo = (lo + kBlock - 1) / kBlock, b_hi = hi / kBlock;
    if (b_lo >= b_hi) {  // inside one block or two partial ones: sum directly
      add_direct(lo, hi, r);
      return r;
    }
    r.sum = prefix_sum_[b_hi] - prefix_sum_[b_lo];
    r.sum_sq = prefix_sq_[b_hi] - prefix_sq_[b_lo];
    add_direct(lo, b_lo * kBlock, r);
    add_direct(b_hi * kBlock, hi, r);
    return r;
  }

 private:
  void add_direct(std::size_t lo, std::size_t hi, RangeSums& r) const {
    for (std::size_t i = lo; i < hi; ++i) {
      const double x = v_[i];
      r.sum += x;
      r.sum_sq += x * x;
    }
  }

  std::span<const T> v_;
  std::vector<double> prefix_sum_;
  std::vector<double> prefix_sq_;
};

}  // namespace dcz::quantize
