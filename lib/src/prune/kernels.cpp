#include "prune/kernels.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>

#include "prune/float_bits.h"
#include "prune/parallel.h"

namespace dcz::prune {
namespace {

template <class F>
void dispatch(DType dtype, F&& f) {
  [[maybe_unused]] const bool is_float = visit_float_dtype(dtype, std::forward<F>(f));
  assert(is_float && "pruning kernels take float tensors only");
}

template <class Bits>
std::size_t elements_of(std::span<const std::uint8_t> bytes) {
  assert(bytes.size() % sizeof(Bits) == 0);
  return bytes.size() / sizeof(Bits);
}

template <class Bits>
Bits magnitude_key(Bits bits) {
  return static_cast<Bits>(bits & ~kSignBit<Bits>);
}

// The global key of one element: the bits of |x| · scale as a double, which order like the
// value. Zeros (and only zeros) map to 0, NaN to the largest key.
template <class T>
std::uint64_t global_key(typename T::Bits bits, double scale) {
  const auto mag = magnitude_key(bits);
  if (mag == 0) return 0;
  const double m = T::to_double(mag) * scale;
  if (std::isnan(m)) return std::numeric_limits<std::uint64_t>::max();
  const auto key = std::bit_cast<std::uint64_t>(m);
  return key == 0 ? 1 : key;  // a nonzero that underflowed still ranks above the zeros
}

template <class Fn>
void for_each_global_key(const GlobalLayer& layer, std::size_t begin, std::size_t end, Fn&& fn) {
  dispatch(layer.dtype, [&]<class T>() {
    using Bits = typename T::Bits;
    const std::uint8_t* p = layer.bytes.data();
    for (std::size_t i = begin; i < end; ++i) {
      fn(global_key<T>(load_bits<Bits>(p + i * sizeof(Bits)), layer.scale));
    }
  });
}

std::size_t element_count(const GlobalLayer& layer) {
  return layer.bytes.size() / dtype_size(layer.dtype);
}

// Work items of the global passes: ranges of about a million elements, so one huge layer
// (VGG-16's fc6 holds 3/4 of the weights) still spreads over every thread.
struct Chunk {
  std::size_t layer;
  std::size_t begin;
  std::size_t end;
};
constexpr std::size_t kChunkElements = std::size_t{1} << 20;

std::vector<Chunk> make_chunks(std::span<const GlobalLayer> layers) {
  std::vector<Chunk> chunks;
  for (std::size_t l = 0; l < layers.size(); ++l) {
    const std::size_t n = element_count(layers[l]);
    for (std::size_t b = 0; b < n; b += kChunkElements) {
      chunks.push_back({l, b, std::min(n, b + kChunkElements)});
    }
  }
  return chunks;
}

constexpr int kDigitBits = 16;
constexpr std::size_t kBins = std::size_t{1} << kDigitBits;

// Radix select: the k-th smallest key (1-based) over all layers, one 16-bit digit per pass.
std::uint64_t kth_smallest_key(std::span<const GlobalLayer> layers, const std::vector<Chunk>& chunks,
                               std::uint64_t k, unsigned threads) {
  const unsigned workers = resolve_threads(threads);
  std::uint64_t prefix = 0;
  std::uint64_t rank = k;
  for (int shift = 64 - kDigitBits; shift >= 0; shift -= kDigitBits) {
    const std::uint64_t high_mask =
        shift == 64 - kDigitBits ? 0 : ~((std::uint64_t{1} << (shift + kDigitBits)) - 1);
    std::vector<std::vector<std::uint64_t>> histograms(workers, std::vector<std::uint64_t>(kBins));
    parallel_for(chunks.size(), workers, [&](std::size_t c, unsigned w) {
      std::uint64_t* h = histograms[w].data();
      for_each_global_key(layers[chunks[c].layer], chunks[c].begin, chunks[c].end,
                          [&](std::uint64_t key) {
                            if ((key & high_mask) == prefix) ++h[(key >> shift) & (kBins - 1)];
                          });
    });
    std::uint64_t below = 0;
    std::size_t digit = 0;
    for (;; ++digit) {
      std::uint64_t in_bin = 0;
      for (const auto& h : histograms) in_bin += h[digit];
      if (below + in_bin >= rank) break;
      below += in_bin;
    }
    rank -= below;
    prefix |= static_cast<std::uint64_t>(digit) << shift;
  }
  return prefix;
}

}  // namespace

std::uint64_t removal_count(double sparsity, std::uint64_t n) {
  const double exact = sparsity * static_cast<double>(n);
  if (!(exact > 0.0)) return 0;
  return std::min(n, static_cast<std::uint64_t>(std::floor(exact + 0.5)));
}

std::uint64_t count_nonzero(std::span<const std::uint8_t> bytes, DType dtype) {
  std::uint64_t nonzero = 0;
  dispatch(dtype, [&]<class T>() {
    using Bits = typename T::Bits;
    const std::size_t n = elements_of<Bits>(bytes);
    for (std::size_t i = 0; i < n; ++i) {
      nonzero += magnitude_key(load_bits<Bits>(bytes.data() + i * sizeof(Bits))) != 0;
    }
  });
  return nonzero;
}

double weight_std(std::span<const std::uint8_t> bytes, DType dtype) {
  double result = 0.0;
  dispatch(dtype, [&]<class T>() {
    using Bits = typename T::Bits;
    const std::size_t n = elements_of<Bits>(bytes);
    auto value = [&](std::size_t i) { return T::to_double(load_bits<Bits>(bytes.data() + i * sizeof(Bits))); };
    double sum = 0.0;
    std::uint64_t finite = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const double v = value(i);
      if (std::isfinite(v)) sum += v, ++finite;
    }
    if (finite == 0) return;
    const double mean = sum / static_cast<double>(finite);
    double squares = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
      const double v = value(i);
      if (std::isfinite(v)) squares += (v - mean) * (v - mean);
    }
    result = std::sqrt(squares / static_cast<double>(finite));
  });
  return result;
}

double prune_smallest(std::span<std::uint8_t> bytes, DType dtype, std::uint64_t k) {
  double threshold = 0.0;
  dispatch(dtype, [&]<class T>() {
    using Bits = typename T::Bits;
    const std::size_t n = elements_of<Bits>(bytes);
    const std::size_t count = static_cast<std::size_t>(std::min<std::uint64_t>(k, n));
    Bits cut = 0;                // the count-th smallest key
    std::uint64_t tie_quota = 0;  // elements with key == cut still to remove, by index
    if (count > 0) {
      std::vector<Bits> keys(n);
      for (std::size_t i = 0; i < n; ++i) {
        keys[i] = magnitude_key(load_bits<Bits>(bytes.data() + i * sizeof(Bits)));
      }
      std::nth_element(keys.begin(), keys.begin() + static_cast<std::ptrdiff_t>(count - 1), keys.end());
      cut = keys[count - 1];
      const auto below = static_cast<std::uint64_t>(std::count_if(
          keys.begin(), keys.begin() + static_cast<std::ptrdiff_t>(count - 1),
          [cut](Bits key) { return key < cut; }));
      tie_quota = count - below;
    }
    for (std::size_t i = 0; i < n; ++i) {
      std::uint8_t* p = bytes.data() + i * sizeof(Bits);
      const Bits key = magnitude_key(load_bits<Bits>(p));
      if (key == 0 || key < cut) {
        store_zero<Bits>(p);
      } else if (key == cut && tie_quota > 0) {
        store_zero<Bits>(p);
        --tie_quota;
      }
    }
    threshold = cut == 0 ? 0.0 : T::to_double(cut);
  });
  return threshold;
}

void prune_up_to(std::span<std::uint8_t> bytes, DType dtype, double threshold) {
  dispatch(dtype, [&]<class T>() {
    using Bits = typename T::Bits;
    const std::size_t n = elements_of<Bits>(bytes);
    for (std::size_t i = 0; i < n; ++i) {
      std::uint8_t* p = bytes.data() + i * sizeof(Bits);
      const Bits key = magnitude_key(load_bits<Bits>(p));
      if (key == 0 || T::to_double(key) <= threshold) store_zero<Bits>(p);
    }
  });
}

GlobalCut find_global_cut(std::span<const GlobalLayer> layers, std::uint64_t k, unsigned threads) {
  GlobalCut cut;
  cut.tie_quota.assign(layers.size(), 0);
  std::uint64_t total = 0;
  for (const GlobalLayer& l : layers) total += element_count(l);
  k = std::min(k, total);
  if (k == 0) return cut;

  const std::vector<Chunk> chunks = make_chunks(layers);
  cut.key = kth_smallest_key(layers, chunks, k, threads);
  if (cut.key == std::numeric_limits<std::uint64_t>::max()) {
    cut.threshold = std::numeric_limits<double>::quiet_NaN();
  } else {
    cut.threshold = cut.key <= 1 ? 0.0 : std::bit_cast<double>(cut.key);
  }

  // Per chunk: keys below the cut and equal to it; summed per layer in layer order.
  std::vector<std::uint64_t> below(chunks.size());
  std::vector<std::uint64_t> equal(chunks.size());
  parallel_for(chunks.size(), threads, [&](std::size_t c, unsigned) {
    for_each_global_key(layers[chunks[c].layer], chunks[c].begin, chunks[c].end,
                        [&](std::uint64_t key) {
                          below[c] += key < cut.key;
                          equal[c] += key == cut.key;
                        });
  });
  std::uint64_t total_below = 0;
  std::vector<std::uint64_t> layer_equal(layers.size());
  for (std::size_t c = 0; c < chunks.size(); ++c) {
    total_below += below[c];
    layer_equal[chunks[c].layer] += equal[c];
  }
  std::uint64_t remaining = k - total_below;
  for (std::size_t l = 0; l < layers.size(); ++l) {
    cut.tie_quota[l] = std::min(layer_equal[l], remaining);
    remaining -= cut.tie_quota[l];
  }
  return cut;
}

void prune_with_cut(std::span<std::uint8_t> bytes, DType dtype, double scale, const GlobalCut& cut,
                    std::size_t layer_index) {
  std::uint64_t tie_quota = cut.tie_quota.at(layer_index);
  dispatch(dtype, [&]<class T>() {
    using Bits = typename T::Bits;
    const std::size_t n = elements_of<Bits>(bytes);
    for (std::size_t i = 0; i < n; ++i) {
      std::uint8_t* p = bytes.data() + i * sizeof(Bits);
      const std::uint64_t key = global_key<T>(load_bits<Bits>(p), scale);
      if (key == 0 || key < cut.key) {
        store_zero<Bits>(p);
      } else if (key == cut.key && tie_quota > 0) {
        store_zero<Bits>(p);
        --tie_quota;
      }
    }
  });
}

std::uint64_t relative_index_entries(std::span<const std::uint8_t> bytes, DType dtype,
                                     unsigned index_bits) {
  assert(index_bits >= 1 && index_bits < 64);
  std::uint64_t entries = 0;
  dispatch(dtype, [&]<class T>() {
    using Bits = typename T::Bits;
    const std::size_t n = elements_of<Bits>(bytes);
    std::uint64_t run = 0;
    for (std::size_t i = 0; i < n; ++i) {
      if (magnitude_key(load_bits<Bits>(bytes.data() + i * sizeof(Bits))) == 0) {
        ++run;
      } else {
        entries += 1 + (run >> index_bits);
        run = 0;
      }
    }
  });
  return entries;
}

}  // namespace dcz::prune
