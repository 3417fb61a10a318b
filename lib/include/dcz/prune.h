// Stage 1 of Deep Compression: magnitude pruning of an ONNX model's selected weights, in place
// (issue #3). Pruned weights become exactly +0.0; weights that are already zero stay zero.
//
// Policies (each deterministic, whatever the thread count):
//   kQuality        per layer, remove |w| <= s × std(layer) (Han et al. 2015's quality parameter)
//   kSparsity       per layer, remove exactly round(p·n) weights of smallest magnitude, ties
//                   broken by index (lower first); a layer that already has more zeros keeps them
//   kGlobalSparsity one cut over all selected layers: exactly round(p·N) smallest magnitudes
//                   (|w|, or |w| / std(layer) with `normalize`), ties broken by layer order then
//                   index; sensitive small layers therefore keep more
//   kRecipe         per layer sparsity or quality from a recipe (dcz/recipe.h); a layer the recipe
//                   gives no target is left as it is
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dcz/dtype.h"
#include "dcz/recipe.h"
#include "dcz/selection.h"
#include "dcz/status.h"

namespace dcz {

class OnnxModel;

struct PrunePolicy {
  enum class Kind : std::uint8_t { kQuality, kSparsity, kGlobalSparsity, kRecipe };
  Kind kind = Kind::kSparsity;
  double value = 0.0;      // s (kQuality, >= 0) or p (kSparsity / kGlobalSparsity, in [0, 1))
  bool normalize = false;  // kGlobalSparsity: rank |w| / std(layer) instead of |w|
  Recipe recipe;           // kRecipe
  unsigned threads = 0;    // 0: hardware concurrency
  // Relative-index widths for the stage-3 size estimate (the paper's 8 bits conv, 5 bits fc;
  // recurrent layers use fc_index_bits).
  unsigned conv_index_bits = 8;
  unsigned fc_index_bits = 5;
};

struct LayerPruneReport {
  std::string name;  // SelectedWeight::name
  std::string node;  // the node that uses it as a weight (names in torch exports are opaque)
  std::string op_type;
  SelectedWeight::LayerKind kind = SelectedWeight::LayerKind::kFullyConnected;
  DType dtype = DType::kFloat32;
  std::vector<std::int64_t> dims;
  std::uint64_t weights = 0;
  std::uint64_t nonzero_before = 0;
  std::uint64_t nonzero_after = 0;
  // What this layer was asked for (kNone: left alone). Global sparsity reports kSparsity with the
  // global p.
  PruneTarget target;
  // The magnitude threshold in the layer's own units: s × std for quality (|w| <= it removed);
  // the largest |w| removed for sparsity and global sparsity (0 when nothing nonzero was).
  double threshold = 0.0;
  double std_dev = 0.0;  // of the weights before pruning (computed for quality and normalize)
  // Stage-3 estimate (paper-style sparse storage): entries = nonzeros + fillers, each a value
  // at the dtype's width plus an index_bits relative index.
  unsigned index_bits = 0;
  std::uint64_t dense_bytes = 0;
  std::uint64_t sparse_entries = 0;
  std::uint64_t sparse_bytes_estimate = 0;

  double sparsity() const {
    return weights == 0 ? 0.0 : 1.0 - static_cast<double>(nonzero_after) / static_cast<double>(weights);
  }
};

struct PruneReport {
  PrunePolicy::Kind policy = PrunePolicy::Kind::kSparsity;
  std::string policy_description;  // "sparsity 0.9", "global sparsity 0.9 (normalized)", ...
  std::vector<LayerPruneReport> layers;  // in selection order
  std::uint64_t weights = 0;
  std::uint64_t nonzero_before = 0;
  std::uint64_t nonzero_after = 0;
  // Bytes of the selected weights dense, and estimated in stage-3 sparse storage.
  std::uint64_t weights_dense_bytes = 0;
  std::uint64_t weights_sparse_bytes_estimate = 0;
  // The whole model: every tensor dense plus the rest of the protobuf; and the same with the
  // selected weights in sparse storage (an estimate: other tensors and the graph as they are).
  std::uint64_t model_dense_bytes = 0;
  std::uint64_t model_bytes_estimate = 0;
};

// Prunes `selected` (from select_weights on the same model) in place. Errors, with nothing
// changed: kInvalidArgument for a value out of range or a recipe naming a layer that is not
// selected; kNothingToDo for an empty selection or a recipe giving no layer a target;
// kUnsupported for a non-float weight.
Result<PruneReport> prune_model(OnnxModel& model, const std::vector<SelectedWeight>& selected,
                                const PrunePolicy& policy);

// The human report (a table per layer, totals, the size estimate), for stderr.
std::string format_prune_report(const PruneReport& report);
// The same as JSON (one object; keys sorted; final newline), for --json.
std::string prune_report_json(const PruneReport& report);

// A recipe that reproduces this pruning on the same input with the same selection: every layer
// explicit — quality s for kQuality, the requested sparsity for kSparsity, the achieved sparsity
// for kGlobalSparsity, the resolved target for kRecipe (whose defaults and bits are kept).
Recipe applied_recipe(const PruneReport& report, const PrunePolicy& policy);

}  // namespace dcz
