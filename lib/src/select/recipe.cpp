// Recipe JSON (format in dcz/recipe.h). nlohmann::json stays inside this file.
#include "dcz/recipe.h"

#include <cmath>
#include <set>
#include <vector>

#include <nlohmann/json.hpp>

#include "dcz/file_io.h"

namespace dcz {
namespace {

using Json = nlohmann::json;

constexpr int kMinBits = 1;
constexpr int kMaxBits = 16;

// Builds errors that name the source, the key path and the offending value.
class RecipeErrors {
 public:
  explicit RecipeErrors(std::string_view source) : source_(source) {}
  Status error(const std::string& key, const Json& value, std::string_view problem,
               ErrorCode code = ErrorCode::kInvalidArgument) const {
    return make_error(code, source_ + ": " + key + ": " + value.dump() + " " + std::string(problem));
  }
  Status error(const std::string& what, ErrorCode code = ErrorCode::kInvalidArgument) const {
    return make_error(code, source_ + ": " + what);
  }

 private:
  std::string source_;
};

// Parses JSON, rejecting duplicate keys (nlohmann would silently keep the last one).
Result<Json> parse_json_strict(std::string_view text, const RecipeErrors& errors) {
  std::vector<std::set<std::string>> open_objects;
  std::string duplicate;
  auto on_event = [&](int /*depth*/, Json::parse_event_t event, Json& parsed) {
    if (event == Json::parse_event_t::object_start) open_objects.emplace_back();
    if (event == Json::parse_event_t::object_end && !open_objects.empty()) open_objects.pop_back();
    if (event == Json::parse_event_t::key && !open_objects.empty() &&
        !open_objects.back().insert(parsed.get<std::string>()).second && duplicate.empty()) {
      duplicate = parsed.get<std::string>();
    }
    return true;
  };
  try {
    Json j = Json::parse(text.begin(), text.end(), on_event);
    if (!duplicate.empty()) return errors.error("duplicate key \"" + duplicate + "\"");
    return j;
  } catch (const Json::parse_error& e) {
    return errors.error("not valid JSON at byte " + std::to_string(e.byte) + ": " + e.what());
  } catch (const Json::exception& e) {  // e.g. a number too large for a double
    return errors.error(std::string("not a valid recipe: ") + e.what());
  }
}

Result<double> read_fraction(const Json& v, const std::string& key, const RecipeErrors& errors) {
  if (!v.is_number() || !std::isfinite(v.get<double>())) {
    return errors.error(key, v, "is not a finite number");
  }
  const double p = v.get<double>();
  if (!(p >= 0.0 && p < 1.0)) return errors.error(key, v, "is outside [0, 1)");
  return p;
}

Result<double> read_quality(const Json& v, const std::string& key, const RecipeErrors& errors) {
  if (!v.is_number() || !std::isfinite(v.get<double>())) {
    return errors.error(key, v, "is not a finite number");
  }
  const double s = v.get<double>();
  if (s < 0.0) return errors.error(key, v, "is negative");
  return s;
}

Result<int> read_bits(const Json& v, const std::string& key, const RecipeErrors& errors) {
  if (!v.is_number_integer()) return errors.error(key, v, "is not an integer");
  const auto b = v.get<std::int64_t>();
  if (b < kMinBits || b > kMaxBits) return errors.error(key, v, "is outside [1, 16]");
  return static_cast<int>(b);
}

// Reads "sparsity" / "quality" of one object into `target`; at most one may be present.
Status read_target(const Json& obj, const std::string& path, const RecipeErrors& errors,
                   PruneTarget& target) {
  const bool has_s = obj.contains("sparsity");
  const bool has_q = obj.contains("quality");
  if (has_s && has_q) return errors.error(path + ": has both \"sparsity\" and \"quality\"");
  if (has_s) {
    DCZ_ASSIGN_OR_RETURN(double p, read_fraction(obj.at("sparsity"), path + ".sparsity", errors));
    target = {PruneTarget::Kind::kSparsity, p};
  }
  if (has_q) {
    DCZ_ASSIGN_OR_RETURN(double s, read_quality(obj.at("quality"), path + ".quality", errors));
    target = {PruneTarget::Kind::kQuality, s};
  }
  return Status::ok();
}

Status read_optional_bits(const Json& obj, const char* name, const std::string& path,
                          const RecipeErrors& errors, std::optional<int>& out) {
  if (!obj.contains(name)) return Status::ok();
  DCZ_ASSIGN_OR_RETURN(int b, read_bits(obj.at(name), path + "." + name, errors));
  out = b;
  return Status::ok();
}

Status check_keys(const Json& obj, const std::string& path, std::initializer_list<const char*> allowed,
                  const RecipeErrors& errors) {
  if (!obj.is_object()) return errors.error(path, obj, "is not an object");
  for (const auto& [key, value] : obj.items()) {
    bool known = false;
    for (const char* a : allowed) known = known || key == a;
    if (!known) return errors.error(path + ": unknown key \"" + key + "\"");
  }
  return Status::ok();
}

Status read_defaults(const Json& obj, const RecipeErrors& errors, RecipeDefaults& out) {
  DCZ_TRY(check_keys(obj, "defaults", {"sparsity", "quality", "bits", "conv_bits", "fc_bits"}, errors));
  DCZ_TRY(read_target(obj, "defaults", errors, out.target));
  DCZ_TRY(read_optional_bits(obj, "bits", "defaults", errors, out.bits));
  DCZ_TRY(read_optional_bits(obj, "conv_bits", "defaults", errors, out.conv_bits));
  return read_optional_bits(obj, "fc_bits", "defaults", errors, out.fc_bits);
}

Status read_layers(const Json& obj, const RecipeErrors& errors, Recipe& out) {
  if (!obj.is_object()) return errors.error("layers", obj, "is not an object");
  for (const auto& [name, rule_json] : obj.items()) {
    const std::string path = "layers." + name;
    DCZ_TRY(check_keys(rule_json, path, {"sparsity", "quality", "bits"}, errors));
    if (rule_json.empty()) return errors.error(path + ": has no \"sparsity\", \"quality\" or \"bits\"");
    RecipeRule rule;
    DCZ_TRY(read_target(rule_json, path, errors, rule.target));
    DCZ_TRY(read_optional_bits(rule_json, "bits", path, errors, rule.bits));
    out.layers.emplace(name, rule);
  }
  return Status::ok();
}

void write_target(const PruneTarget& t, Json& obj) {
  if (t.kind == PruneTarget::Kind::kSparsity) obj["sparsity"] = t.value;
  if (t.kind == PruneTarget::Kind::kQuality) obj["quality"] = t.value;
}

}  // namespace

Result<Recipe> parse_recipe(std::string_view json_text, std::string_view source_name) {
  const RecipeErrors errors(source_name);
  DCZ_ASSIGN_OR_RETURN(Json root, parse_json_strict(json_text, errors));
  DCZ_TRY(check_keys(root, "recipe", {"dcz_recipe", "defaults", "layers"}, errors));
  if (!root.contains("dcz_recipe")) return errors.error("missing \"dcz_recipe\": 1");
  const Json& version = root.at("dcz_recipe");
  if (!version.is_number_integer()) return errors.error("dcz_recipe", version, "is not an integer");
  if (version.get<std::int64_t>() != Recipe::kVersion) {
    return errors.error("dcz_recipe", version, "is not a supported version (this build reads 1)",
                        ErrorCode::kUnsupported);
  }
  Recipe recipe;
  if (root.contains("defaults")) DCZ_TRY(read_defaults(root.at("defaults"), errors, recipe.defaults));
  if (root.contains("layers")) DCZ_TRY(read_layers(root.at("layers"), errors, recipe));
  return recipe;
}

Result<Recipe> load_recipe(const std::filesystem::path& path) {
  DCZ_ASSIGN_OR_RETURN(std::string text, read_text_file(path));
  return parse_recipe(text, path.string());
}

std::string write_recipe(const Recipe& recipe) {
  Json root = Json::object();  // std::map-backed: keys come out sorted
  root["dcz_recipe"] = Recipe::kVersion;
  Json defaults = Json::object();
  write_target(recipe.defaults.target, defaults);
  if (recipe.defaults.bits) defaults["bits"] = *recipe.defaults.bits;
  if (recipe.defaults.conv_bits) defaults["conv_bits"] = *recipe.defaults.conv_bits;
  if (recipe.defaults.fc_bits) defaults["fc_bits"] = *recipe.defaults.fc_bits;
  if (!defaults.empty()) root["defaults"] = std::move(defaults);
  Json layers = Json::object();
  for (const auto& [name, rule] : recipe.layers) {
    Json r = Json::object();
    write_target(rule.target, r);
    if (rule.bits) r["bits"] = *rule.bits;
    layers[name] = std::move(r);
  }
  root["layers"] = std::move(layers);
  return root.dump(2) + "\n";
}

PruneTarget recipe_prune_target(const Recipe& recipe, std::string_view layer_name) {
  const auto it = recipe.layers.find(layer_name);
  if (it != recipe.layers.end() && it->second.target.kind != PruneTarget::Kind::kNone) {
    return it->second.target;
  }
  return recipe.defaults.target;
}

std::optional<int> recipe_bits(const Recipe& recipe, std::string_view layer_name,
                               SelectedWeight::LayerKind kind) {
  const auto it = recipe.layers.find(layer_name);
  if (it != recipe.layers.end() && it->second.bits) return it->second.bits;
  const auto& kind_bits = kind == SelectedWeight::LayerKind::kConv ? recipe.defaults.conv_bits
                                                                   : recipe.defaults.fc_bits;
  if (kind_bits) return kind_bits;
  return recipe.defaults.bits;
}

Status check_recipe_layers(const Recipe& recipe, std::span<const SelectedWeight> selected) {
  std::set<std::string_view> names;
  for (const SelectedWeight& w : selected) names.insert(w.name);
  for (const auto& [name, rule] : recipe.layers) {
    if (names.count(name) == 0) {
      return make_error(ErrorCode::kInvalidArgument,
                        "recipe names layer '" + name + "', which is not a selected weight");
    }
  }
  return Status::ok();
}

}  // namespace dcz
