#include "quantize/radix_sort.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <utility>

#include "quantize/parallel.h"

namespace dcz::quantize {
namespace {

template <class T>
using KeyOf = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;

// IEEE-754 bits mapped so that unsigned order equals numeric order: flip all bits of negatives,
// set the sign bit of positives.
template <class T>
KeyOf<T> order_key(T value) {
  using K = KeyOf<T>;
  constexpr K kSign = K{1} << (sizeof(K) * 8 - 1);
  const K bits = std::bit_cast<K>(value);
  return (bits & kSign) ? ~bits : (bits | kSign);
}

template <class T>
unsigned digit(T value, unsigned shift) {
  return static_cast<unsigned>((order_key(value) >> shift) & 0xFF);
}

template <class T>
void insertion_sort(std::span<T> v) {
  for (std::size_t i = 1; i < v.size(); ++i) {
    const T x = v[i];
    const auto key = order_key(x);
    std::size_t j = i;
    for (; j > 0 && order_key(v[j - 1]) > key; --j) v[j] = v[j - 1];
    v[j] = x;
  }
}

using Bounds = std::array<std::size_t, 257>;

// One American-flag pass on digit `shift`: afterwards bucket b is v[bounds[b], bounds[b+1]).
template <class T>
Bounds partition_by_digit(std::span<T> v, unsigned shift) {
  std::array<std::size_t, 256> count{};
  for (const T x : v) ++count[digit(x, shift)];
  Bounds bounds{};
  for (unsigned b = 0; b < 256; ++b) bounds[b + 1] = bounds[b] + count[b];
  std::array<std::size_t, 256> head{};
  for (unsigned b = 0; b < 256; ++b) head[b] = bounds[b];
  for (unsigned b = 0; b < 256; ++b) {
    while (head[b] < bounds[b + 1]) {
      T x = v[head[b]];
      unsigned d = digit(x, shift);
      while (d != b) {  // follow the cycle until an element for bucket b comes back
        std::swap(x, v[head[d]++]);
        d = digit(x, shift);
      }
      v[head[b]++] = x;
    }
  }
  return bounds;
}

constexpr std::size_t kInsertionLimit = 48;

template <class T>
void msd_sort(std::span<T> v, int shift) {
  if (v.size() <= kInsertionLimit) {
    insertion_sort(v);
    return;
  }
  const Bounds bounds = partition_by_digit(v, static_cast<unsigned>(shift));
  if (shift == 0) return;
  for (unsigned b = 0; b < 256; ++b) {
    const std::size_t n = bounds[b + 1] - bounds[b];
    if (n > 1) msd_sort(v.subspan(bounds[b], n), shift - 8);
  }
}

template <class T>
void radix_sort_impl(std::span<T> v, unsigned threads) {
  constexpr int kTopShift = static_cast<int>(sizeof(T) * 8 - 8);
  if (v.size() <= kInsertionLimit) {
    insertion_sort(v);
    return;
  }
  const Bounds bounds = partition_by_digit(v, kTopShift);
  // Largest buckets first so the threads finish together.
  std::array<unsigned, 256> order{};
  for (unsigned b = 0; b < 256; ++b) order[b] = b;
  std::stable_sort(order.begin(), order.end(), [&](unsigned a, unsigned b) {
    return bounds[a + 1] - bounds[a] > bounds[b + 1] - bounds[b];
  });
  parallel_for(256, threads, [&](std::size_t i) {
    const unsigned b = order[i];
    const std::size_t n = bounds[b + 1] - bounds[b];
    if (n > 1) msd_sort(v.subspan(bounds[b], n), kTopShift - 8);
  });
}

}  // namespace

void radix_sort(std::span<float> values, unsigned threads) { radix_sort_impl(values, threads); }
void radix_sort(std::span<double> values, unsigned threads) { radix_sort_impl(values, threads); }

}  // namespace dcz::quantize
