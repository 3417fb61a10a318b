// Stage 2 of Deep Compression: per-layer weight sharing by 1-D k-means (issue #4).
//
// Three levels, each usable alone:
//   1. kmeans_sorted    — clusters sorted values (the kernel; no dtype, no ONNX).
//   2. quantize_tensor  — quantizes the nonzero elements of one raw little-endian float tensor in
//                         place (float32 / float16 / bfloat16 / float64); zeros are left alone.
//   3. quantize_model   — selects the weights of an ONNX model (dcz/selection.h), picks each
//                         layer's bit width (options, recipe) and quantizes them; returns a report.
//
// Every result is deterministic for the same input and options, whatever the thread count.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dcz/dtype.h"
#include "dcz/recipe.h"
#include "dcz/selection.h"
#include "dcz/status.h"

namespace dcz {

class OnnxModel;

// ---------------------------------------------------------------------------------------------
// 1. The k-means kernel.

enum class KMeansMethod : std::uint8_t {
  kLloyd,    // initialisation + Lloyd iterations (the paper)
  kOptimal,  // exact 1-D k-means (price search, else SMAWK DP; Grønlund et al. 2017)
};

enum class KMeansInit : std::uint8_t {
  kLinear,          // k values evenly spaced over [min, max] (the paper's best)
  kDensity,         // the values at ranks (j + 1/2)·n/k: evenly spaced on the CDF
  kRandom,          // Forgy: k distinct elements drawn uniformly (by rank) with the seed
  kKMeansPlusPlus,  // Arthur & Vassilvitskii D² sampling with the seed
};

struct KMeansOptions {
  KMeansMethod method = KMeansMethod::kLloyd;
  KMeansInit init = KMeansInit::kLinear;
  std::uint64_t seed = 0;  // for kRandom and kKMeansPlusPlus; our own generator, so portable
  // Lloyd stops at a fixed point (the partition did not change), after `max_iterations`, or when
  // an iteration lowered the sum of squared errors by less than `tolerance` × the previous sum.
  unsigned max_iterations = 300;
  double tolerance = 1e-9;
  // Worker threads for one call (0: hardware concurrency). Never changes the result.
  unsigned threads = 1;
};

// Parses "lloyd"/"optimal" and "linear"/"density"/"random"/"kmeans++"; kInvalidArgument otherwise.
Result<KMeansMethod> parse_kmeans_method(std::string_view name);
Result<KMeansInit> parse_kmeans_init(std::string_view name);
std::string_view kmeans_method_name(KMeansMethod method);
std::string_view kmeans_init_name(KMeansInit init);

struct KMeansResult {
  // Ascending and distinct; one per nonempty cluster, so size() <= k. Each centroid is the mean
  // (in double) of its cluster.
  std::vector<double> centroids;
  // cluster_ends[j] is the rank (exclusive) in the sorted input where cluster j ends; clusters
  // are contiguous runs of the sorted input and equal values always share a cluster.
  std::vector<std::uint64_t> cluster_ends;
  double sse = 0.0;         // sum of squared distances to the centroids, in double
  unsigned iterations = 0;  // Lloyd iterations run (0 for kOptimal)
  bool converged = true;    // false when Lloyd stopped at max_iterations
};

// Clusters `sorted` (ascending, finite; duplicates allowed) into at most k clusters. When there
// are at most k distinct values each gets its own cluster (SSE 0). Lloyd moves a cluster that
// goes empty to the value farthest from its centroid in the cluster of largest error (linear init
// on a pruned layer otherwise leaves centroids stranded in the gap around zero), so the codebook
// keeps k entries (the paper does not say what it does with empty clusters). For kOptimal the
// SSE is the global minimum over all partitions into at most k clusters (up to double rounding),
// so never above Lloyd's. Time: Lloyd O(n/64 + iterations·k·(log n + 64)) beside the input;
// kOptimal first searches the price λ of a cluster for which min cost + λ·clusters has exactly
// k clusters: O(d log d) per price for d distinct values, a few prices, independent of k (one
// thread). When ties leave no such price it runs the layered DP, O(k·d) (about twice a plain
// DP, see below). Memory: Lloyd O(n/64 + k); kOptimal O(d): the price search 16 bytes per
// distinct value (ranks, sums, back pointers); the DP recovers the partition Hirschberg-style
// instead of keeping a k×d table of argmins: prefix sums (24 bytes) plus, per direction, two DP
// rows, SMAWK's argmins, minima and column stacks (about 56 bytes; measured about 120 bytes per
// distinct value with threads >= 2, both directions at once, about 80 with one thread).
// Errors: kInvalidArgument for k == 0, an empty input, or (kOptimal) more than 2^32-2 distinct
// values.
Result<KMeansResult> kmeans_sorted(std::span<const float> sorted, std::uint32_t k,
                                   const KMeansOptions& options);
Result<KMeansResult> kmeans_sorted(std::span<const double> sorted, std::uint32_t k,
                                   const KMeansOptions& options);

// ---------------------------------------------------------------------------------------------
// 2. One tensor.

struct TensorQuantizeStats {
  std::uint64_t elements = 0;
  std::uint64_t nonzeros = 0;         // the weights clustered
  std::uint64_t distinct_before = 0;  // distinct nonzero values in the input
  std::uint32_t codebook_size = 0;    // distinct nonzero values after (<= 2^bits)
  bool unchanged = false;             // already had <= 2^bits distinct nonzero values
  unsigned iterations = 0;
  bool converged = true;
  double sse = 0.0;     // Σ (w - q)² over the nonzeros, in double
  double signal = 0.0;  // Σ w² over the nonzeros
  double max_abs_error = 0.0;
  std::uint32_t zero_centroids_moved = 0;  // see quantize_tensor
  double seconds_sort = 0.0;               // extraction + sort
  double seconds_cluster = 0.0;
  double seconds_assign = 0.0;  // rounding + writing back + error statistics
  double mse() const { return nonzeros ? sse / static_cast<double>(nonzeros) : 0.0; }
  // 10·log10(signal / noise) in dB; +infinity when the error is 0.
  double sqnr_db() const;
};

// Quantizes the nonzero elements of `bytes` (the raw little-endian values of a tensor of type
// `dtype`) to at most 2^bits distinct values, in place:
// - zeros (+0 and -0) are the pruned positions and keep their exact bit pattern;
// - centroids are computed in double and rounded to the nearest value of `dtype` (ties to even);
//   then every nonzero weight becomes the stored value nearest to it (ties to the lower one), so
//   rounding can merge centroids but never adds one;
// - a centroid that rounds to zero (a cluster of tiny values whose mean underflows, or whose
//   positive and negative values cancel) becomes the smallest subnormal of `dtype` with the
//   centroid's sign (+ for an exact 0), so no nonzero weight ever becomes 0. Counted in
//   `zero_centroids_moved`.
// A tensor with at most 2^bits distinct nonzero values is left bit-for-bit unchanged.
// Errors (the tensor is then unchanged): kInvalidArgument for bits outside 1..16 or a byte count
// that is not elements × dtype size; kUnsupported for a non-float dtype or a NaN / Inf element
// (the message names `name` and the element index).
Result<TensorQuantizeStats> quantize_tensor(DType dtype, std::span<std::uint8_t> bytes,
                                            unsigned bits, const KMeansOptions& options,
                                            std::string_view name);

// ---------------------------------------------------------------------------------------------
// 3. A model.

struct QuantizeOptions {
  WeightSelection selection;
  // Bit widths: `bits` for every layer when set; else per layer the recipe (dcz/recipe.h rules),
  // else conv_bits for Conv layers and fc_bits for the others (the paper's 8 and 5).
  std::optional<unsigned> bits;
  unsigned conv_bits = 8;
  unsigned fc_bits = 5;
  std::optional<Recipe> recipe;
  KMeansOptions kmeans;  // kmeans.threads = threads for the whole model
  // Relative-index widths of the paper's storage formula, for the P+Q size estimate.
  unsigned conv_index_bits = 8;
  unsigned fc_index_bits = 5;
};

struct LayerQuantizeReport {
  std::string name;
  std::string op_type;
  SelectedWeight::LayerKind kind = SelectedWeight::LayerKind::kFullyConnected;
  DType dtype = DType::kFloat32;
  unsigned bits = 0;
  TensorQuantizeStats stats;
  // The paper's storage for this layer after pruning + quantization (Han et al. 2016, Sec. 2-3):
  // per stored entry `bits` of codebook index + `index_bits` of relative position, a filler entry
  // for every gap longer than 2^index_bits, plus the codebook at the dtype's width. An estimate.
  unsigned index_bits = 0;
  std::uint64_t filler_entries = 0;
  std::uint64_t paper_pq_bits = 0;
  std::uint64_t original_bytes = 0;
};

struct QuantizeReport {
  std::vector<LayerQuantizeReport> layers;
  KMeansMethod method = KMeansMethod::kLloyd;
  KMeansInit init = KMeansInit::kLinear;
  std::uint64_t seed = 0;
  // Totals over the selected layers.
  std::uint64_t weights = 0;
  std::uint64_t nonzeros = 0;
  double sse = 0.0;
  double signal = 0.0;
  double max_abs_error = 0.0;
  // Bytes of every tensor of the model as stored dense, and the paper-formula estimate of the
  // model after P+Q: selected layers at paper_pq_bits, every other tensor at its dense size.
  std::uint64_t model_bytes = 0;
  std::uint64_t paper_pq_estimate_bytes = 0;
  // Wall-clock seconds per stage (set by whoever runs them; quantize_model fills select/quantize).
  double seconds_load = 0.0;
  double seconds_select = 0.0;
  double seconds_quantize = 0.0;
  double seconds_save = 0.0;
};

// Quantizes the selected weights of `model` in place. On error the model may be partly
// quantized: callers write nothing. Errors: those of select_weights and check_recipe_layers,
// kInvalidArgument for a bit width outside 1..16, and those of quantize_tensor.
Result<QuantizeReport> quantize_model(OnnxModel& model, const QuantizeOptions& options);

// Human-readable table (one line per layer, totals, estimate, timings), for stderr.
std::string format_quantize_report(const QuantizeReport& report);
// The same as pretty-printed JSON with a final newline (SQNR of an exact layer is null).
std::string quantize_report_json(const QuantizeReport& report);

}  // namespace dcz
