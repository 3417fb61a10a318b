// quantize_tensor: extract the nonzero weights, sort them once, cluster, round the centroids to
// the tensor's type and write every nonzero weight back as its nearest stored centroid.
// Work on big tensors is split into fixed chunks whose partial results are combined in chunk
// order, so statistics and output do not depend on the thread count.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

#include "dcz/quantize.h"
#include "quantize/float_codec.h"
#include "quantize/kmeans_internal.h"
#include "quantize/parallel.h"
#include "quantize/radix_sort.h"

namespace dcz {

double TensorQuantizeStats::sqnr_db() const {
  if (sse <= 0.0) return std::numeric_limits<double>::infinity();
  return 10.0 * std::log10(signal / sse);
}

namespace {

using quantize::parallel_for;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

constexpr std::uint64_t kChunk = 1 << 20;  // elements per task; fixed, not per thread

std::uint64_t chunk_count(std::uint64_t n) { return (n + kChunk - 1) / kChunk; }

struct ChunkScan {
  std::uint64_t nonzeros = 0;
  std::uint64_t first_bad = std::numeric_limits<std::uint64_t>::max();
};

// Nonzero values in element order, or kUnsupported naming the first NaN / Inf.
template <class Codec>
Result<std::vector<typename Codec::Work>> extract_nonzeros(std::span<const std::uint8_t> bytes,
                                                           std::uint64_t n, unsigned threads,
                                                           std::string_view name) {
  constexpr std::size_t kSize = sizeof(typename Codec::Bits);
  std::vector<ChunkScan> scans(chunk_count(n));
  parallel_for(scans.size(), threads, [&](std::size_t c) {
    const std::uint64_t end = std::min(n, (c + 1) * kChunk);
    for (std::uint64_t i = c * kChunk; i < end; ++i) {
      const auto b = quantize::load_bits<Codec>(bytes.data() + i * kSize);
      if (!Codec::is_finite(b)) {
        scans[c].first_bad = i;
        return;
      }
      scans[c].nonzeros += !Codec::is_zero(b);
    }
  });
  std::vector<std::uint64_t> offsets(scans.size() + 1, 0);
  for (std::size_t c = 0; c < scans.size(); ++c) {
    if (scans[c].first_bad != std::numeric_limits<std::uint64_t>::max()) {
      const auto i = scans[c].first_bad;
      const double v = Codec::decode(quantize::load_bits<Codec>(bytes.data() + i * kSize));
      return make_error(ErrorCode::kUnsupported, "tensor '" + std::string(name) + "': element " +
                                                     std::to_string(i) + " is " +
                                                     (std::isnan(v) ? "NaN" : "infinite") +
                                                     "; refusing to cluster non-finite weights");
    }
    offsets[c + 1] = offsets[c] + scans[c].nonzeros;
  }
  std::vector<typename Codec::Work> values(offsets.back());
  parallel_for(scans.size(), threads, [&](std::size_t c) {
    const std::uint64_t end = std::min(n, (c + 1) * kChunk);
    std::uint64_t out = offsets[c];
    for (std::uint64_t i = c * kChunk; i < end; ++i) {
      const auto b = quantize::load_bits<Codec>(bytes.data() + i * kSize);
      if (!Codec::is_zero(b)) values[out++] = Codec::decode(b);
    }
  });
  return values;
}

template <class Codec>
struct StoredCodebook {
  std::vector<double> values;  // ascending, distinct, nonzero
  std::vector<typename Codec::Bits> bits;
  std::vector<double> boundaries;  // midpoints between neighbours
  std::uint32_t zero_centroids_moved = 0;
};

// Centroids rounded to the tensor's type; a centroid that rounds to zero becomes the smallest
// subnormal of its sign (header: quantize_tensor).
template <class Codec>
StoredCodebook<Codec> round_codebook(std::span<const double> centroids) {
  StoredCodebook<Codec> book;
  std::vector<std::pair<double, typename Codec::Bits>> entries;
  for (const double c : centroids) {
    auto b = Codec::nearest(c);
    if (Codec::is_zero(b)) {
      b = Codec::smallest_subnormal(c < 0.0);
      ++book.zero_centroids_moved;
    }
    entries.emplace_back(static_cast<double>(Codec::decode(b)), b);
  }
  std::sort(entries.begin(), entries.end());
  entries.erase(std::unique(entries.begin(), entries.end()), entries.end());
  for (const auto& [v, b] : entries) {
    if (!book.values.empty()) book.boundaries.push_back(0.5 * book.values.back() + 0.5 * v);
    book.values.push_back(v);
    book.bits.push_back(b);
  }
  return book;
}

// std::lower_bound without data-dependent branches: weights arrive in random order, so a
// branching search mispredicts about half its steps.
std::size_t branchless_lower_bound(std::span<const double> sorted, double x) {
  if (sorted.empty()) return 0;
  const double* base = sorted.data();
  for (std::size_t n = sorted.size(); n > 1;) {
    const std::size_t half = n / 2;
    base = base[half] < x ? base + half : base;
    n -= half;
  }
  return static_cast<std::size_t>(base - sorted.data()) + (*base < x);
}

struct ChunkError {
  double sse = 0.0, signal = 0.0, max_abs = 0.0;
  std::vector<std::uint8_t> used;
};

// Every nonzero weight becomes its nearest stored value (ties to the lower one).
template <class Codec>
void assign_nearest(std::span<std::uint8_t> bytes, std::uint64_t n,
                    const StoredCodebook<Codec>& book, unsigned threads,
                    TensorQuantizeStats& stats) {
  constexpr std::size_t kSize = sizeof(typename Codec::Bits);
  std::vector<ChunkError> chunks(chunk_count(n));
  parallel_for(chunks.size(), threads, [&](std::size_t c) {
    ChunkError& e = chunks[c];
    e.used.assign(book.values.size(), 0);
    const std::uint64_t end = std::min(n, (c + 1) * kChunk);
    for (std::uint64_t i = c * kChunk; i < end; ++i) {
      std::uint8_t* p = bytes.data() + i * kSize;
      const auto b = quantize::load_bits<Codec>(p);
      if (Codec::is_zero(b)) continue;
      const double x = Codec::decode(b);
      const std::size_t j = branchless_lower_bound(book.boundaries, x);
      quantize::store_bits<Codec>(p, book.bits[j]);
      const double d = x - book.values[j];
      e.sse += d * d;
      e.signal += x * x;
      e.max_abs = std::max(e.max_abs, std::abs(d));
      e.used[j] = 1;
    }
  });
  std::vector<std::uint8_t> used(book.values.size(), 0);
  for (const ChunkError& e : chunks) {
    stats.sse += e.sse;
    stats.signal += e.signal;
    stats.max_abs_error = std::max(stats.max_abs_error, e.max_abs);
    for (std::size_t j = 0; j < used.size(); ++j) used[j] |= e.used[j];
  }
  stats.codebook_size = static_cast<std::uint32_t>(std::count(used.begin(), used.end(), 1));
}

template <class Codec>
Result<TensorQuantizeStats> quantize_typed(std::span<std::uint8_t> bytes, std::uint64_t n,
                                           unsigned bits, const KMeansOptions& options,
                                           std::string_view name) {
  const unsigned threads = quantize::resolve_threads(options.threads);
  TensorQuantizeStats stats;
  stats.elements = n;
  auto start = Clock::now();
  DCZ_ASSIGN_OR_RETURN(auto values, extract_nonzeros<Codec>(bytes, n, threads, name));
  quantize::radix_sort(std::span(values), threads);
  stats.nonzeros = values.size();
  stats.distinct_before = quantize::count_distinct(std::span<const typename Codec::Work>(values));
  stats.seconds_sort = seconds_since(start);
  const std::uint32_t k = 1u << bits;
  if (stats.distinct_before <= k) {  // already quantized: leave every bit as it is
    stats.unchanged = true;
    stats.codebook_size = static_cast<std::uint32_t>(stats.distinct_before);
    for (const auto x : values) stats.signal += static_cast<double>(x) * x;
    return stats;
  }
  start = Clock::now();
  KMeansOptions kernel_options = options;
  kernel_options.threads = threads;
  DCZ_ASSIGN_OR_RETURN(
      KMeansResult clusters,
      kmeans_sorted(std::span<const typename Codec::Work>(values), k, kernel_options));
  stats.iterations = clusters.iterations;
  stats.converged = clusters.converged;
  std::vector<typename Codec::Work>().swap(values);  // free the sorted copy before writing
  stats.seconds_cluster = seconds_since(start);
  start = Clock::now();
  const StoredCodebook<Codec> book = round_codebook<Codec>(clusters.centroids);
  stats.zero_centroids_moved = book.zero_centroids_moved;
  assign_nearest<Codec>(bytes, n, book, threads, stats);
  stats.seconds_assign = seconds_since(start);
  return stats;
}

}  // namespace

Result<TensorQuantizeStats> quantize_tensor(DType dtype, std::span<std::uint8_t> bytes,
                                            unsigned bits, const KMeansOptions& options,
                                            std::string_view name) {
  if (bits < 1 || bits > 16) {
    return make_error(
        ErrorCode::kInvalidArgument,
        "tensor '" + std::string(name) + "': " + std::to_string(bits) + " bits is outside 1..16");
  }
  if (!dtype_is_float(dtype)) {
    return make_error(ErrorCode::kUnsupported, "tensor '" + std::string(name) + "' is " +
                                                   std::string(dtype_name(dtype)) +
                                                   "; only floating-point tensors are quantized");
  }
  const std::size_t size = dtype_size(dtype);
  if (bytes.size() % size != 0) {
    return make_error(ErrorCode::kInvalidArgument,
                      "tensor '" + std::string(name) + "': " + std::to_string(bytes.size()) +
                          " bytes is not a whole number of " + std::string(dtype_name(dtype)) +
                          " elements");
  }
  const std::uint64_t n = bytes.size() / size;
  switch (dtype) {
    case DType::kFloat32:
      return quantize_typed<quantize::Float32Codec>(bytes, n, bits, options, name);
    case DType::kFloat16:
      return quantize_typed<quantize::Float16Codec>(bytes, n, bits, options, name);
    case DType::kBFloat16:
      return quantize_typed<quantize::BFloat16Codec>(bytes, n, bits, options, name);
    default:
      return quantize_typed<quantize::Float64Codec>(bytes, n, bits, options, name);
  }
}

}  // namespace dcz
