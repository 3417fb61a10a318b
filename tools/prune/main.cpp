// dcz-prune: stage 1 of Deep Compression. ONNX model -> ONNX model with the smallest-magnitude
// weights set to +0.0, per a policy; a report on stderr (and --json), the applied recipe on
// request (--write-recipe). --dead-units also zeroes what no output can see (dcz/dead_units.h).
#include <cstdio>
#include <optional>

#include "common/cli_app.h"
#include "common/selection_options.h"
#include "dcz/dead_units.h"
#include "dcz/file_io.h"
#include "dcz/onnx_model.h"
#include "dcz/prune.h"
#include "dcz/recipe.h"

namespace {

constexpr const char* kTool = "dcz-prune";

struct Args {
  std::string input;
  std::string output;
  std::optional<double> quality, sparsity, global_sparsity;
  std::string recipe;
  bool normalize = false;
  std::string write_recipe;
  std::string json;  // "" none, "-" stdout, else a file
  bool force = false, quiet = false, external_data = false, no_check = false, dead_units = false;
  dcz::WeightSelection selection;
  dcz::PrunePolicy policy;
  bool policy_given = false;
};

dcz::Status set_policy(Args& a) {
  using Kind = dcz::PrunePolicy::Kind;
  const int given = a.quality.has_value() + a.sparsity.has_value() +
                    a.global_sparsity.has_value() + !a.recipe.empty();
  if (given > 1 || (given == 0 && !a.dead_units)) {
    return dcz::make_error(dcz::ErrorCode::kInvalidArgument,
                           "give exactly one policy: --quality, --sparsity, --global-sparsity or --recipe "
                           "(or none with --dead-units)");
  }
  a.policy_given = given == 1;
  if (given == 0 && !a.write_recipe.empty()) {
    return dcz::make_error(dcz::ErrorCode::kInvalidArgument, "--write-recipe needs a policy");
  }
  if (a.normalize && !a.global_sparsity) {
    return dcz::make_error(dcz::ErrorCode::kInvalidArgument, "--normalize needs --global-sparsity");
  }
  if (a.quality) a.policy.kind = Kind::kQuality, a.policy.value = *a.quality;
  if (a.sparsity) a.policy.kind = Kind::kSparsity, a.policy.value = *a.sparsity;
  if (a.global_sparsity) a.policy.kind = Kind::kGlobalSparsity, a.policy.value = *a.global_sparsity;
  a.policy.normalize = a.normalize;
  if (!a.recipe.empty()) {
    DCZ_ASSIGN_OR_RETURN(a.policy.recipe, dcz::load_recipe(a.recipe));
    a.policy.kind = Kind::kRecipe;
  }
  return dcz::Status::ok();
}

dcz::Status check_paths(const Args& a) {
  DCZ_TRY(dcz::cli::check_output(a.output, a.force));
  for (const std::string& out : {a.output, a.write_recipe, a.json}) {
    if (out.empty() || out == "-" || a.input == "-") continue;
    std::error_code ec;
    if (std::filesystem::equivalent(out, a.input, ec)) {
      return dcz::make_error(dcz::ErrorCode::kInvalidArgument, out + " is the input file");
    }
  }
  if ((a.output == "-") + (a.json == "-") + (a.write_recipe == "-") > 1) {
    return dcz::make_error(dcz::ErrorCode::kInvalidArgument,
                           "only one of the model, --json and --write-recipe can go to stdout");
  }
  return dcz::Status::ok();
}

dcz::Result<dcz::OnnxModel> load_input(const std::string& input) {
  if (input != "-") return dcz::OnnxModel::load(input);
  DCZ_ASSIGN_OR_RETURN(dcz::InputFile in, dcz::InputFile::open("-"));
  return dcz::OnnxModel::parse(in.bytes(), {}, "<stdin>");
}

// The prune report alone as before; with --dead-units one object {"dead_units", "prune" (or null)}.
std::string report_json(const std::optional<dcz::PruneReport>& prune, const std::optional<dcz::DeadUnitReport>& dead) {
  if (!dead) return dcz::prune_report_json(*prune);
  return "{\n\"dead_units\": " + dcz::dead_unit_report_json(*dead) +
         ",\n\"prune\": " + (prune ? dcz::prune_report_json(*prune) : "null\n") + "}\n";
}

// A text output (recipe, JSON) staged in a temporary file, committed only after the model is
// saved, so a failed run leaves no output at all.
dcz::Result<std::optional<dcz::OutputFile>> stage_text(const std::string& path,
                                                       const std::string& text,
                                                       const std::string& input) {
  if (path.empty()) return std::optional<dcz::OutputFile>();
  dcz::OutputFile::Options o;
  o.binary = false;
  if (input != "-") o.inputs.push_back(input);
  DCZ_ASSIGN_OR_RETURN(dcz::OutputFile f, dcz::OutputFile::create(path, o));
  DCZ_TRY(f.write(text));
  return std::optional<dcz::OutputFile>(std::move(f));
}

dcz::Status run(Args& a) {
  DCZ_TRY(set_policy(a));
  DCZ_TRY(check_paths(a));
  DCZ_ASSIGN_OR_RETURN(dcz::OnnxModel model, load_input(a.input));
  std::optional<dcz::PruneReport> report;
  if (a.policy_given) {
    DCZ_ASSIGN_OR_RETURN(std::vector<dcz::SelectedWeight> selected,
                         dcz::select_weights(model, a.selection));
    DCZ_ASSIGN_OR_RETURN(report, dcz::prune_model(model, selected, a.policy));
  }
  std::optional<dcz::DeadUnitReport> dead;
  if (a.dead_units) {
    DCZ_ASSIGN_OR_RETURN(dead, dcz::eliminate_dead_units(model, a.selection));
  }

  const std::string recipe_text =
      a.write_recipe.empty() ? "" : dcz::write_recipe(dcz::applied_recipe(*report, a.policy));
  DCZ_ASSIGN_OR_RETURN(auto recipe_file, stage_text(a.write_recipe, recipe_text, a.input));
  DCZ_ASSIGN_OR_RETURN(auto json_file, stage_text(a.json, a.json.empty() ? "" : report_json(report, dead), a.input));
  dcz::OnnxSaveOptions save;
  save.check = !a.no_check;
  save.external_data = a.external_data;
  DCZ_TRY(model.save(a.output, save));
  if (recipe_file) DCZ_TRY(recipe_file->commit());
  if (json_file) DCZ_TRY(json_file->commit());
  if (!a.quiet && report) std::fputs(dcz::format_prune_report(*report).c_str(), stderr);
  if (!a.quiet && dead) std::fputs(dcz::format_dead_unit_report(*dead).c_str(), stderr);
  return dcz::Status::ok();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Prune an ONNX model's weights by magnitude (Deep Compression stage 1).\n"
               "Pruned weights become +0.0; weights already zero stay zero. The output is plain\n"
               "ONNX; dcz-quantize and dcz-encode take it from there.",
               kTool};
  Args a;
  app.add_option("input", a.input, "ONNX model, or - for stdin")->required();
  app.add_option("-o,--output", a.output, "pruned ONNX model, or - for stdout")->required();
  app.add_flag("-f,--force", a.force, "replace an existing output file");
  const char* policy = "Policy (exactly one)";
  app.add_option("--quality", a.quality, "per layer, remove |w| <= S x std(layer) (Han et al. 2015)")
      ->type_name("S")->group(policy);
  app.add_option("--sparsity", a.sparsity,
                 "per layer, remove exactly round(P x n) smallest weights, P in [0, 1)")
      ->type_name("P")->group(policy);
  app.add_option("--global-sparsity", a.global_sparsity,
                 "one magnitude threshold over all selected layers removing round(P x N) weights")
      ->type_name("P")->group(policy);
  app.add_flag("--normalize", a.normalize,
               "with --global-sparsity: rank |w| / std(layer) instead of |w|")->group(policy);
  app.add_option("--recipe", a.recipe, "per-layer sparsity or quality from a JSON recipe")
      ->type_name("FILE")->group(policy);
  dcz::cli::add_selection_options(app, a.selection);
  app.add_flag("--dead-units", a.dead_units,
               "then zero the units no output sees (every weight reading them is zero) and the\n"
               "inputs that only read a constant zero; exact. Without a policy: only this")
      ->group(policy);
  app.add_option("--write-recipe", a.write_recipe,
                 "write the recipe that reproduces this pruning (every layer explicit)")
      ->type_name("FILE");
  app.add_option("--json", a.json, "write the report as JSON to FILE, or - for stdout")
      ->type_name("FILE");
  app.add_flag("-q,--quiet", a.quiet, "no report on stderr");
  app.add_flag("--external-data", a.external_data,
               "store tensors in MODEL.data beside the output (automatic above 2 GiB)");
  app.add_flag("--no-check", a.no_check, "skip the ONNX checker on the output");
  app.add_option("--threads", a.policy.threads, "worker threads (0 = all cores); output is identical")
      ->capture_default_str();
  app.add_option("--conv-index-bits", a.policy.conv_index_bits,
                 "relative-index width of conv layers in the size estimate")
      ->check(CLI::Range(1, 16))->capture_default_str();
  app.add_option("--fc-index-bits", a.policy.fc_index_bits,
                 "relative-index width of other layers in the size estimate")
      ->check(CLI::Range(1, 16))->capture_default_str();
  app.footer("Exit codes: 0 ok, 1 usage or bad option value (sparsity outside [0, 1), malformed\n"
             "recipe, recipe naming a missing layer), 2 invalid model, 3 I/O error, 4 cannot\n"
             "process (nothing prunable, a pattern matching nothing, a non-float weight selected).");
  dcz::cli::add_version_flag(app);
  if (auto code = dcz::cli::parse(app, argc, argv)) return *code;
  return dcz::cli::run(kTool, [&] {
    const dcz::Status s = run(a);
    return s ? dcz::cli::kExitOk : dcz::cli::report(kTool, s);
  });
}
