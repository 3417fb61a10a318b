// Model-level pruning: validates the request, then runs the kernels over the selected weights,
// threads across layers (and across chunks for the global cut).
#include <cmath>
#include <cstdio>
#include <span>
#include <string>

#include "dcz/onnx_model.h"
#include "dcz/prune.h"
#include "prune/kernels.h"
#include "prune/parallel.h"

namespace dcz {
namespace {

using Kind = PrunePolicy::Kind;

std::string format_number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

std::string describe(const PrunePolicy& p) {
  switch (p.kind) {
    case Kind::kQuality: return "quality " + format_number(p.value);
    case Kind::kSparsity: return "sparsity " + format_number(p.value);
    case Kind::kGlobalSparsity:
      return "global sparsity " + format_number(p.value) + (p.normalize ? " (normalized)" : "");
    case Kind::kRecipe: return "recipe";
  }
  return "unknown";
}

Status check_value(const PrunePolicy& p) {
  if (p.kind == Kind::kQuality && !(std::isfinite(p.value) && p.value >= 0.0)) {
    return make_error(ErrorCode::kInvalidArgument,
                      "quality " + format_number(p.value) + " is not a finite number >= 0");
  }
  if ((p.kind == Kind::kSparsity || p.kind == Kind::kGlobalSparsity) &&
      !(p.value >= 0.0 && p.value < 1.0)) {
    return make_error(ErrorCode::kInvalidArgument,
                      "sparsity " + format_number(p.value) + " is outside [0, 1)");
  }
  if (p.conv_index_bits < 1 || p.conv_index_bits > 16 || p.fc_index_bits < 1 ||
      p.fc_index_bits > 16) {
    return make_error(ErrorCode::kInvalidArgument, "relative index widths must be in [1, 16]");
  }
  return Status::ok();
}

// The target of each layer under the policy.
Result<std::vector<PruneTarget>> layer_targets(const PrunePolicy& p,
                                               const std::vector<SelectedWeight>& selected) {
  std::vector<PruneTarget> targets(selected.size());
  if (p.kind != Kind::kRecipe) {
    const auto kind = p.kind == Kind::kQuality ? PruneTarget::Kind::kQuality
                                               : PruneTarget::Kind::kSparsity;
    targets.assign(selected.size(), PruneTarget{kind, p.value});
    return targets;
  }
  DCZ_TRY(check_recipe_layers(p.recipe, selected));
  bool any = false;
  for (std::size_t i = 0; i < selected.size(); ++i) {
    targets[i] = recipe_prune_target(p.recipe, selected[i].name);
    any = any || targets[i].kind != PruneTarget::Kind::kNone;
  }
  if (!any) {
    return make_error(ErrorCode::kNothingToDo,
                      "the recipe gives no selected layer a sparsity or quality");
  }
  return targets;
}

// Fills the static part of each report row (the selection is checked already).
void describe_layers(const OnnxModel& model, const std::vector<SelectedWeight>& selected,
                     const PrunePolicy& policy, std::vector<LayerPruneReport>& rows) {
  for (std::size_t l = 0; l < selected.size(); ++l) {
    const SelectedWeight& w = selected[l];
    const TensorInfo& info = model.tensor(w.tensor_index);
    LayerPruneReport& row = rows[l];
    row.name = w.name;
    for (const TensorUse& use : info.uses) {
      if (use.op_type == w.op_type) {
        row.node = use.node_name;
        break;
      }
    }
    row.op_type = w.op_type;
    row.kind = w.kind;
    row.dtype = info.dtype;
    row.dims = info.dims;
    row.weights = info.element_count();
    row.dense_bytes = model.tensor_bytes(w.tensor_index).size();
    row.index_bits = w.kind == SelectedWeight::LayerKind::kConv ? policy.conv_index_bits
                                                               : policy.fc_index_bits;
  }
}

void prune_layer(std::span<std::uint8_t> bytes, LayerPruneReport& row) {
  if (row.target.kind == PruneTarget::Kind::kQuality) {
    row.std_dev = prune::weight_std(bytes, row.dtype);
    row.threshold = row.target.value * row.std_dev;
    prune::prune_up_to(bytes, row.dtype, row.threshold);
  } else if (row.target.kind == PruneTarget::Kind::kSparsity) {
    row.threshold = prune::prune_smallest(bytes, row.dtype,
                                          prune::removal_count(row.target.value, row.weights));
  }
}

void prune_globally(const std::vector<std::span<std::uint8_t>>& spans, const PrunePolicy& policy,
                    std::vector<LayerPruneReport>& rows) {
  std::vector<prune::GlobalLayer> layers(spans.size());
  prune::parallel_for(spans.size(), policy.threads, [&](std::size_t l, unsigned) {
    double scale = 1.0;
    if (policy.normalize) {
      rows[l].std_dev = prune::weight_std(spans[l], rows[l].dtype);
      // A constant layer has no spread to normalise by; rank its plain magnitudes.
      if (rows[l].std_dev > 0.0 && std::isfinite(1.0 / rows[l].std_dev)) scale = 1.0 / rows[l].std_dev;
    }
    layers[l] = {spans[l], rows[l].dtype, scale};
  });
  std::uint64_t total = 0;
  for (const LayerPruneReport& row : rows) total += row.weights;
  const prune::GlobalCut cut =
      prune::find_global_cut(layers, prune::removal_count(policy.value, total), policy.threads);
  prune::parallel_for(spans.size(), policy.threads, [&](std::size_t l, unsigned) {
    prune::prune_with_cut(spans[l], rows[l].dtype, layers[l].scale, cut, l);
    rows[l].threshold = cut.threshold / layers[l].scale;
  });
}

Result<std::uint64_t> model_dense_bytes(const OnnxModel& model) {
  DCZ_ASSIGN_OR_RETURN(std::string skeleton, model.serialize_skeleton());
  std::uint64_t total = skeleton.size();
  for (std::size_t i = 0; i < model.tensor_count(); ++i) total += model.tensor_bytes(i).size();
  return total;
}

void add_totals(PruneReport& report) {
  for (const LayerPruneReport& row : report.layers) {
    report.weights += row.weights;
    report.nonzero_before += row.nonzero_before;
    report.nonzero_after += row.nonzero_after;
    report.weights_dense_bytes += row.dense_bytes;
    report.weights_sparse_bytes_estimate += row.sparse_bytes_estimate;
  }
  report.model_bytes_estimate =
      report.model_dense_bytes - report.weights_dense_bytes + report.weights_sparse_bytes_estimate;
}

}  // namespace

Result<PruneReport> prune_model(OnnxModel& model, const std::vector<SelectedWeight>& selected,
                                const PrunePolicy& policy) {
  if (selected.empty()) return make_error(ErrorCode::kNothingToDo, "no weight selected to prune");
  DCZ_TRY(check_value(policy));
  DCZ_ASSIGN_OR_RETURN(std::vector<PruneTarget> targets, layer_targets(policy, selected));
  PruneReport report;
  report.policy = policy.kind;
  report.policy_description = describe(policy);
  report.layers.resize(selected.size());
  DCZ_TRY(check_selected_weights(model, selected, "pruned"));
  describe_layers(model, selected, policy, report.layers);
  DCZ_ASSIGN_OR_RETURN(report.model_dense_bytes, model_dense_bytes(model));
  for (std::size_t l = 0; l < selected.size(); ++l) report.layers[l].target = targets[l];

  // Writable views are taken up front on this thread; the workers only touch their bytes.
  std::vector<std::span<std::uint8_t>> spans;
  for (const SelectedWeight& w : selected) spans.push_back(model.mutable_tensor_bytes(w.tensor_index));
  auto& rows = report.layers;
  prune::parallel_for(spans.size(), policy.threads, [&](std::size_t l, unsigned) {
    rows[l].nonzero_before = prune::count_nonzero(spans[l], rows[l].dtype);
    if (policy.kind != Kind::kGlobalSparsity) prune_layer(spans[l], rows[l]);
  });
  if (policy.kind == Kind::kGlobalSparsity) prune_globally(spans, policy, rows);
  prune::parallel_for(spans.size(), policy.threads, [&](std::size_t l, unsigned) {
    LayerPruneReport& row = rows[l];
    row.nonzero_after = prune::count_nonzero(spans[l], row.dtype);
    row.sparse_entries = prune::relative_index_entries(spans[l], row.dtype, row.index_bits);
    const std::uint64_t bits = row.sparse_entries * (dtype_size(row.dtype) * 8 + row.index_bits);
    row.sparse_bytes_estimate = (bits + 7) / 8;
  });
  add_totals(report);
  return report;
}

Recipe applied_recipe(const PruneReport& report, const PrunePolicy& policy) {
  Recipe recipe;
  if (policy.kind == Kind::kRecipe) recipe = policy.recipe;
  for (const LayerPruneReport& row : report.layers) {
    PruneTarget target = row.target;
    if (policy.kind == Kind::kGlobalSparsity) {
      target = {PruneTarget::Kind::kSparsity, row.sparsity()};
    }
    if (target.kind == PruneTarget::Kind::kNone) continue;
    recipe.layers[row.name].target = target;
  }
  return recipe;
}

}  // namespace dcz
