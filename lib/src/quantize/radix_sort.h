// In-place ascending sort of finite floats by an order-preserving integer key: MSD radix sort
// with 8-bit digits (American flag sort: counts, then cycle-leader permutation, no scratch copy
// of the data), falling back to insertion sort for small buckets. Linear time, and the only extra
// memory is the buckets' counters, which matters because the largest tensors are hundreds of MB.
// The top-level buckets are sorted on up to `threads` threads; a sorted order is unique, so the
// result does not depend on the thread count.
#pragma once

#include <cstddef>
#include <span>

namespace dcz::quantize {

// Sorts finite values ascending (-0 sorts before +0; callers never pass zeros).
void radix_sort(std::span<float> values, unsigned threads);
void radix_sort(std::span<double> values, unsigned threads);

}  // namespace dcz::quantize
