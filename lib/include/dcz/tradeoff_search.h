// Smallest file within an accuracy budget (issue #7): search the trade-off parameter t of a family
// of compressed candidates — larger t, smaller file, usually lower accuracy — measuring each
// candidate's top-1 accuracy on real data with dcz-eval's engine and its real encoded size.
//
// The search (search_tradeoff):
//   1. The reference model is evaluated once: its correct count is the baseline. A candidate is
//      feasible when baseline − correct ≤ floor(max_drop % × N) samples (N = dataset size), the
//      exact, deterministic rule of dcz/sensitivity.h.
//   2. Bracket on a log scale: from t_start, multiply t while feasible (up to t_max), or divide it
//      while infeasible (down to t_min), until one feasible and one infeasible t enclose the
//      boundary. The factor starts at bracket_factor and is squared after each step (galloping),
//      so a range of many decades is bracketed in a few evaluations.
//   3. Bisect at the geometric mean of the bracket until t_high / t_low ≤ 1 + tolerance.
//   4. Refine per layer (families with layers, i.e. the rate path; refine_evaluations > 0): one t
//      cannot balance the layers exactly (the rate path's gains are measured, not exact), so from
//      the smallest feasible candidate, greedy moves on per-layer multipliers of t — one layer
//      coarser, or one layer coarser and another finer — over the 2-3 layers holding most of the
//      candidate's bytes, in a fixed order (single steps smallest layer first, then trades). A
//      step is ×f, ×√f for the largest layer (it carries most of the error); a move is kept only
//      when its candidate is feasible and smaller, and repeated while it gains; f starts at 2 and
//      drops to √2 after a pass over every move without a gain.
//   Accuracy and size are not exactly monotone in t, so the result is the smallest file among ALL
//   feasible candidates evaluated (ties: the earlier evaluation), never an infeasible one; at most
//   max_evaluations + refine_evaluations candidates are built and evaluated, and every evaluation
//   is reported.
// Deterministic: same model, data, family and options → same evaluations and the same file.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "dcz/codec.h"
#include "dcz/dataset.h"
#include "dcz/eval.h"
#include "dcz/onnx_model.h"
#include "dcz/quantize.h"
#include "dcz/selection.h"
#include "dcz/status.h"

namespace dcz {

struct SensitivityStats;

// One member of a family: its .dcz file and the model evaluated for it (the families below
// decode the file, so the accuracy measured is the file's).
struct TradeoffCandidate {
  OnnxModel model;
  std::vector<std::uint8_t> encoded;
  // Families with layers: the bytes each layer (weight and bias) holds in `encoded`, in the
  // order of TradeoffFamily::layers (what the refinement ranks layers by). Empty otherwise.
  std::vector<std::uint64_t> layer_bytes;
};

// A monotone family of candidates. `build(t)` must be deterministic and accept any t in
// [t_min, t_max] (0 < t_min ≤ t_start ≤ t_max).
struct TradeoffFamily {
  std::string parameter;  // the name of t in reports, e.g. "lambda"
  double t_min = 0, t_start = 0, t_max = 0;
  std::function<Result<TradeoffCandidate>(double t)> build;
  // Optional per-layer refinement (step 4). `layers` names the layers whose multiplier of t can
  // move; build_scaled(t, scales) builds layer i at t × scales[i] (scales.size() ==
  // layers.size(); all 1 gives build(t)'s candidate) and fills layer_bytes. Empty / null: no
  // refinement (the classic family).
  std::vector<std::string> layers;
  std::function<Result<TradeoffCandidate>(double t, const std::vector<double>& scales)> build_scaled;
};

struct TradeoffEvaluation {
  double t = 0;
  std::vector<double> scales;  // per TradeoffSearchReport::layers; empty: every layer at t (steps 1-3)
  std::uint64_t bytes = 0;    // the encoded file
  std::uint64_t correct = 0;  // top-1 correct on the search data
  bool feasible = false;
  double seconds_build = 0;   // build(t): the lossy stages and encoding
  double seconds_eval = 0;
};

struct TradeoffSearchOptions {
  double max_drop = 0.5;        // points of top-1 accuracy, in (0, 100]
  double bracket_factor = 4;    // > 1
  double tolerance = 0.05;      // > 0: bisection stops when t_high / t_low ≤ 1 + tolerance
  unsigned max_evaluations = 12;  // ≥ 1; the baseline evaluation is not counted
  // Step 4's candidates at most, after the bracket and bisection's; 0 turns refinement off (the
  // search is then exactly steps 1-3). Ignored for families without layers. 16: on the LeNets
  // (bench/eval/rate_aware_table.sh, 8 searches) the moves ran out by themselves after 9-13
  // candidates in 7 of 8, and 16 found a smaller file than 8 in 3 of 8 (never a larger one).
  unsigned refine_evaluations = 16;
  // Preprocessing and batch size. eval.threads > 1 splits the data into that many contiguous
  // shards evaluated at once, each by its own single-threaded engine (the ResNets run one image
  // at a time, so OpenCV's own threads cannot help); correct counts are sums, so the result does
  // not depend on it. 0: hardware concurrency.
  EvalOptions eval;
  // Called after each evaluation (for a live log).
  std::function<void(const TradeoffEvaluation&)> on_evaluation;
};

struct TradeoffSearchReport {
  std::string parameter;
  std::vector<std::string> layers;    // TradeoffFamily::layers (what evaluations' scales refer to)
  std::uint64_t samples = 0;
  std::uint64_t baseline_correct = 0;
  std::uint64_t allowed_drop = 0;     // samples: floor(max_drop % × samples)
  double max_drop = 0;
  std::uint64_t reference_bytes = 0;  // every tensor of the reference model, dense
  std::vector<TradeoffEvaluation> evaluations;  // in the order run
  std::optional<std::size_t> best;    // index of the smallest feasible evaluation

  double percent(std::uint64_t correct) const { return samples ? 100.0 * correct / samples : 0; }
  // Points of top-1 lost against the baseline (negative: the candidate is better).
  double drop(std::uint64_t correct) const {
    return samples ? 100.0 * (static_cast<double>(baseline_correct) - static_cast<double>(correct)) / samples : 0;
  }
  double ratio(std::uint64_t bytes) const { return bytes ? static_cast<double>(reference_bytes) / bytes : 0; }
};

struct TradeoffSearchResult {
  TradeoffSearchReport report;
  std::optional<TradeoffCandidate> best;  // the candidate of report.best
};

// Runs the search. Errors: kInvalidArgument for a budget outside (0, 100], a bad range, factor,
// tolerance or evaluation bound; kBadDataset for an empty dataset; those of evaluate_models
// (kShapeMismatch when the data does not fit the model) and of the family. No feasible candidate
// is not an error: `best` is then empty (the caller decides what to say).
Result<TradeoffSearchResult> search_tradeoff(const OnnxModel& reference, const Dataset& data,
                                             const TradeoffFamily& family, const TradeoffSearchOptions& options);

// The dense bytes of every tensor of a model (the "dense float32 bytes" of a float32 model): the
// numerator of the compression ratios in reports.
std::uint64_t dense_tensor_bytes(const OnnxModel& model);

// Top-1 correct of one model on `data` with the sharded evaluation of TradeoffSearchOptions::eval.
Result<std::uint64_t> count_top1_correct(const OnnxModel& model, const Dataset& data, const EvalOptions& eval);

// ---------------------------------------------------------------------------------------------
// Families.

// Classic Deep Compression without retraining: one global magnitude threshold prunes the
// selected weights (PrunePolicy kGlobalSparsity), then k-means weight sharing (the paper's 8 bits
// conv, 5 bits fully connected by default), then encode_model. t = 1 / (1 − sparsity), the factor
// by which pruning divides the number of weights: t = 1 prunes nothing, t = 10 is the paper's
// 90 %; range [1, 1000], start 10.
struct ClassicFamilyOptions {
  WeightSelection selection;
  bool normalize = false;   // rank |w| / std(layer) instead of |w|
  QuantizeOptions quantize; // bits and k-means (quantize.selection is replaced by `selection`)
  EncodeOptions encode;
  unsigned threads = 0;     // pruning, k-means and encoding; never changes the result
};
TradeoffFamily classic_tradeoff_family(const OnnxModel& model, const ClassicFamilyOptions& options);

// The rate-aware path (dcz/rate_quantize.h): t = λ, the weight of the rate in the quantizer's
// distortion + λ·rate objective; range [1e-10, 100], start 1e-4. `sensitivity` (may be null) must
// outlive the family. Its layers are the selected weights (RateQuantizeOptions::lambda_scale).
struct RateFamilyOptions {
  WeightSelection selection;
  const SensitivityStats* sensitivity = nullptr;
  EncodeOptions encode;
  unsigned threads = 0;
};
TradeoffFamily rate_tradeoff_family(const OnnxModel& model, const RateFamilyOptions& options);

// The search log: one line per evaluation (t, bytes, ratio, top-1, drop, feasible, seconds, the
// per-layer multipliers that are not 1) and the choice; and the same as a JSON object (keys in a fixed order; final newline).
std::string format_tradeoff_text(const TradeoffSearchReport& report);
std::string format_tradeoff_json(const TradeoffSearchReport& report);

}  // namespace dcz
