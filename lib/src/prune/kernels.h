// Magnitude-pruning kernels over one float tensor's raw little-endian bytes (float16, bfloat16,
// float32, float64, each pruned in its own type). No ONNX here: prune_model.cpp applies these to
// the selected weights of a model.
//
// Common rules:
// - A pruned element becomes exactly +0.0. Elements that are already zero (+0.0 or -0.0) stay
//   zero and are written as +0.0, so an iteratively pruned model keeps its mask.
// - Magnitudes are compared exactly (see float_bits.h); NaN orders above +inf.
// - Every function is linear in the element count (nth_element, never a full sort).
// Passing a non-float dtype is a programmer error (callers select float tensors).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "dcz/dtype.h"

namespace dcz::prune {

// round(p · n), halves rounded up: the number of elements a sparsity p removes from n.
std::uint64_t removal_count(double sparsity, std::uint64_t n);

// Elements whose value is not ±0.0 (NaN counts as nonzero).
std::uint64_t count_nonzero(std::span<const std::uint8_t> bytes, DType dtype);

// Population standard deviation of the finite elements, accumulated in double; 0 when empty.
double weight_std(std::span<const std::uint8_t> bytes, DType dtype);

// Removes exactly the min(k, n) elements of smallest magnitude; among equal magnitudes the lower
// index is removed first. Zeros count towards k (a tensor with more than k zeros keeps them all
// and loses nothing else). Returns the largest magnitude removed (0 when nothing nonzero was).
// Memory: one key per element (2, 4 or 8 bytes) for the nth_element.
double prune_smallest(std::span<std::uint8_t> bytes, DType dtype, std::uint64_t k);

// Removes every element with |x| <= threshold (Han et al.'s quality threshold). NaN stays.
void prune_up_to(std::span<std::uint8_t> bytes, DType dtype, double threshold);

// --- One threshold over many tensors (global sparsity) ------------------------------------------
// Each element's global magnitude is |x| · scale in double (scale = 1 for plain magnitudes, 1/std
// of the layer for normalised ones). The cut removes exactly min(k, total) elements of smallest
// global magnitude; ties are broken by layer order, then by index. It is found by a 4-pass radix
// select over 64-bit keys with per-thread histograms (no copy of the weights) and does not depend
// on the thread count.

struct GlobalLayer {
  std::span<const std::uint8_t> bytes;
  DType dtype = DType::kFloat32;
  double scale = 1.0;
};

struct GlobalCut {
  std::uint64_t key = 0;           // the k-th smallest key (0: only zeros are removed)
  double threshold = 0.0;          // its global magnitude
  std::vector<std::uint64_t> tie_quota;  // per layer: how many elements with key == `key` go
};

GlobalCut find_global_cut(std::span<const GlobalLayer> layers, std::uint64_t k, unsigned threads);

// Applies the cut to layer `layer_index` (the same bytes, dtype and scale as given to
// find_global_cut).
void prune_with_cut(std::span<std::uint8_t> bytes, DType dtype, double scale, const GlobalCut& cut,
                    std::size_t layer_index);

// --- Size estimate ------------------------------------------------------------------------------
// Entries the paper's relative-index storage needs for this tensor: one per nonzero plus one
// filler per 2^index_bits zeros in the run before a nonzero (floor(run / 2^b), the count the
// container's paper-gap scheme uses). Trailing zeros need no entry.
std::uint64_t relative_index_entries(std::span<const std::uint8_t> bytes, DType dtype,
                                     unsigned index_bits);

}  // namespace dcz::prune
