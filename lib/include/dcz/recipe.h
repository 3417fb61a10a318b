// Per-layer compression recipes: what dcz-prune applied (--write-recipe) and what dcz-prune and
// dcz-quantize read (--recipe). A recipe is JSON:
//
//   {
//     "dcz_recipe": 1,
//     "defaults": {"sparsity": 0.9, "bits": 5, "conv_bits": 8, "fc_bits": 5},
//     "layers": {
//       "fc1.weight": {"sparsity": 0.92, "bits": 6},
//       "conv1.weight": {"quality": 1.5}
//     }
//   }
//
// - "dcz_recipe" (required) is the format version; only 1 exists.
// - "defaults" and "layers" are optional. Keys of "layers" are SelectedWeight::name.
// - Pruning target: at most one of "sparsity" (a fraction in [0, 1): exactly round(p·n) weights
//   of smallest magnitude removed) or "quality" (threshold = quality × std of the layer's
//   weights, >= 0) per object. A layer without its own target uses the default target; a layer
//   with neither is not pruned.
// - Bit widths (integers 1..16) are for dcz-quantize; dcz-prune ignores them. For a layer:
//   its "bits", else defaults "conv_bits" (conv layers) / "fc_bits" (fully connected and
//   recurrent layers), else defaults "bits".
// - Unknown keys, duplicate keys, values of the wrong type or out of range are errors
//   (kInvalidArgument, naming the key and the value).
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "dcz/selection.h"
#include "dcz/status.h"

namespace dcz {

struct PruneTarget {
  enum class Kind : std::uint8_t { kNone, kSparsity, kQuality };
  Kind kind = Kind::kNone;
  double value = 0.0;  // the sparsity p or the quality s
  friend bool operator==(const PruneTarget&, const PruneTarget&) = default;
};

struct RecipeRule {
  PruneTarget target;        // kNone: not given here
  std::optional<int> bits;
  friend bool operator==(const RecipeRule&, const RecipeRule&) = default;
};

struct RecipeDefaults {
  PruneTarget target;
  std::optional<int> bits;
  std::optional<int> conv_bits;
  std::optional<int> fc_bits;
  friend bool operator==(const RecipeDefaults&, const RecipeDefaults&) = default;
};

struct Recipe {
  static constexpr int kVersion = 1;
  RecipeDefaults defaults;
  std::map<std::string, RecipeRule, std::less<>> layers;  // sorted, so writing is deterministic
  friend bool operator==(const Recipe&, const Recipe&) = default;
};

// Parses recipe JSON. `source_name` (a file name) prefixes error messages.
Result<Recipe> parse_recipe(std::string_view json_text, std::string_view source_name);
// Reads and parses a recipe file.
Result<Recipe> load_recipe(const std::filesystem::path& path);
// Pretty-printed JSON with sorted keys and a final newline; parse_recipe(write_recipe(r)) == r
// (doubles are written with round-trip precision).
std::string write_recipe(const Recipe& recipe);

// The pruning target of a layer: its own, else the default, else kNone.
PruneTarget recipe_prune_target(const Recipe& recipe, std::string_view layer_name);
// The bit width of a layer (rule order in the header comment), or nullopt when none applies.
std::optional<int> recipe_bits(const Recipe& recipe, std::string_view layer_name,
                               SelectedWeight::LayerKind kind);

// kInvalidArgument naming the first layer of the recipe that is not among `selected`.
Status check_recipe_layers(const Recipe& recipe, std::span<const SelectedWeight> selected);

}  // namespace dcz
