// Sensitivity analysis (Han et al. 2015, Fig. 6): prune or quantize one layer at a time, the
// others intact, evaluate each setting, and derive a per-layer recipe within an accuracy budget.
//
// Recipe rule (docs/eval.md):
//   1. Per layer, the chosen setting is the most aggressive one such that it and every less
//      aggressive setting of the sweep lose at most `max_drop` points of top-1 alone. A pruned
//      layer with no such setting is left out of the recipe (not pruned); a quantized one gets 16
//      bits (so dcz-quantize does not apply its 8/5-bit defaults to it).
//   2. Single-layer drops do not add up, so the combined recipe is applied exactly as dcz-prune /
//      dcz-quantize --recipe would and evaluated. While its drop exceeds the budget, the most
//      aggressive layer (highest sparsity / fewest bits; ties: the larger single-layer drop, then
//      the earlier layer) steps back to the next less aggressive setting (or out of the recipe),
//      and the recipe is evaluated again. This ends: with every layer stepped out the model is
//      the original.
// Drops are counted in samples (baseline correct − correct ≤ floor(max_drop% × N)), so the
// decision is exact and deterministic; evaluations run in parallel but never change a number.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "dcz/dataset.h"
#include "dcz/eval.h"
#include "dcz/quantize.h"
#include "dcz/recipe.h"
#include "dcz/selection.h"
#include "dcz/status.h"

namespace dcz {

class OnnxModel;

enum class SensitivityStage : std::uint8_t { kPrune, kQuantize };

struct SensitivityOptions {
  SensitivityStage stage = SensitivityStage::kPrune;
  // Sparsities in [0, 1) or bit widths in 1..16, in any order (sorted least aggressive first).
  // Empty: 0.3 … 0.95 (prune) or 8 … 2 bits (quantize).
  std::vector<double> settings;
  WeightSelection selection;
  double max_drop = 0.5;  // points of top-1 accuracy
  EvalOptions eval;       // preprocessing and batch size; eval.threads = parallel evaluations
  KMeansOptions kmeans;   // for quantize
  // Called after each evaluation with (done, total so far) for a progress bar.
  std::function<void(std::size_t, std::size_t)> progress;
};

struct SensitivityPoint {
  double setting = 0;
  std::uint64_t correct = 0;
};

struct LayerSensitivity {
  std::string name;  // SelectedWeight::name, the recipe key
  std::string op_type;
  std::vector<SensitivityPoint> points;  // one per setting, least aggressive first
  std::optional<std::size_t> chosen;     // index into points after step 1
};

struct SensitivityStep {
  std::string description;  // "initial" or "layer fc1.weight: 0.9 -> 0.8"
  std::uint64_t correct = 0;
};

struct SensitivityReport {
  SensitivityStage stage = SensitivityStage::kPrune;
  std::uint64_t samples = 0;
  std::uint64_t baseline_correct = 0;
  double max_drop = 0;
  std::vector<double> settings;
  std::vector<LayerSensitivity> layers;
  std::vector<SensitivityStep> steps;  // the combined verifications, in order
  Recipe recipe;                       // the final, verified recipe
  std::uint64_t combined_correct = 0;  // of `recipe` applied

  double percent(std::uint64_t correct) const { return samples ? 100.0 * correct / samples : 0; }
};

// Runs the analysis on `model` (unchanged). Errors: those of select_weights, evaluate_models,
// prune_model and quantize_model; kInvalidArgument for a setting out of range.
Result<SensitivityReport> analyze_sensitivity(const OnnxModel& model, const Dataset& dataset,
                                              const SensitivityOptions& options);

// Applies a recipe to a model the way dcz-prune / dcz-quantize --recipe do.
Status apply_recipe(OnnxModel& model, SensitivityStage stage, const Recipe& recipe,
                    const WeightSelection& selection, const KMeansOptions& kmeans);

std::string format_sensitivity_text(const SensitivityReport& report);
std::string format_sensitivity_json(const SensitivityReport& report);
// An SVG plot: top-1 accuracy against the setting, one curve per layer, the baseline and the
// budget as horizontal lines.
std::string sensitivity_svg(const SensitivityReport& report);

}  // namespace dcz
