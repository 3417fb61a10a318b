// dcz-compress: the whole Deep Compression pipeline in one process — prune, quantize (weight
// sharing), encode — with the paper's defaults, then the per-stage table of the file it wrote.
// Each stage is also its own tool (dcz-prune, dcz-quantize, dcz-encode) for fine-tuning between.
// With --max-drop it searches the smallest file within an accuracy budget (search_mode.cpp).
#include <chrono>
#include <cstdio>
#include <optional>

#include "common/cli_app.h"
#include "common/encode_options.h"
#include "common/selection_options.h"
#include "compress/args.h"
#include "compress/io.h"
#include "dcz/codec.h"
#include "dcz/container.h"
#include "dcz/dead_units.h"
#include "dcz/file_io.h"
#include "dcz/inspect.h"
#include "dcz/onnx_model.h"
#include "dcz/prune.h"
#include "dcz/quantize.h"
#include "dcz/recipe.h"

namespace {

constexpr const char* kTool = "dcz-compress";
using Clock = std::chrono::steady_clock;
using dcz::compress::Args;

double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

dcz::Result<dcz::PrunePolicy> prune_policy(const Args& a, const std::optional<dcz::Recipe>& recipe) {
  using Kind = dcz::PrunePolicy::Kind;
  dcz::PrunePolicy p;
  p.threads = a.threads;
  p.conv_index_bits = a.encode.conv_gap_bits;
  p.fc_index_bits = a.encode.fc_gap_bits;
  const int given = a.quality.has_value() + a.sparsity.has_value() + a.global_sparsity.has_value() +
                    recipe.has_value();
  if (given > 1) {
    return dcz::make_error(dcz::ErrorCode::kInvalidArgument,
                           "give at most one policy: --quality, --sparsity, --global-sparsity or --recipe");
  }
  if (a.normalize && !a.global_sparsity) {
    return dcz::make_error(dcz::ErrorCode::kInvalidArgument, "--normalize needs --global-sparsity");
  }
  p.kind = Kind::kSparsity;
  p.value = 0.9;  // default: the paper keeps 8-11 % of the weights of LeNet, AlexNet and VGG-16
  if (a.quality) p.kind = Kind::kQuality, p.value = *a.quality;
  if (a.sparsity) p.kind = Kind::kSparsity, p.value = *a.sparsity;
  if (a.global_sparsity) p.kind = Kind::kGlobalSparsity, p.value = *a.global_sparsity;
  p.normalize = a.normalize;
  if (recipe) p.kind = Kind::kRecipe, p.recipe = *recipe;
  return p;
}

int run(const Args& a) {
  const auto t0 = Clock::now();
  const std::filesystem::path out =
      a.output.empty() ? dcz::cli::default_output(a.input, ".dcz") : std::filesystem::path(a.output);
  if (auto s = dcz::cli::check_output(out, a.force, a.input); !s) return dcz::cli::report(kTool, s);
  std::optional<dcz::Recipe> recipe;
  if (!a.recipe.empty()) {
    auto r = dcz::load_recipe(a.recipe);
    if (!r) return dcz::cli::report(kTool, r.status());
    recipe = std::move(r).value();
  }
  auto policy = prune_policy(a, recipe);
  if (!policy) return dcz::cli::report(kTool, policy.status());

  auto model = dcz::compress::load_input_model(a.input);
  if (!model) return dcz::cli::report(kTool, model.status());
  const double t_load = since(t0);

  auto t = Clock::now();
  auto selected = dcz::select_weights(*model, a.selection);
  if (!selected) return dcz::cli::report(kTool, selected.status());
  std::optional<dcz::PruneReport> pruned;
  if (!a.no_prune) {
    auto r = dcz::prune_model(*model, *selected, *policy);
    if (!r) return dcz::cli::report(kTool, r.status());
    pruned = std::move(r).value();
  }
  const double t_prune = since(t);

  t = Clock::now();
  std::optional<dcz::QuantizeReport> quantized;
  if (!a.no_quantize) {
    dcz::QuantizeOptions q;
    q.selection = a.selection;
    q.bits = a.bits;
    q.conv_bits = a.conv_bits;
    q.fc_bits = a.fc_bits;
    q.recipe = recipe;
    q.conv_index_bits = a.encode.conv_gap_bits;
    q.fc_index_bits = a.encode.fc_gap_bits;
    q.kmeans.threads = a.threads;
    if (a.method == "rate") {
      return dcz::cli::report(kTool, dcz::make_error(dcz::ErrorCode::kInvalidArgument,
                                                     "--method rate needs --max-drop and --data (the search "
                                                     "picks lambda); dcz-quantize --method rate takes a fixed --lambda"));
    }
    auto m = dcz::parse_kmeans_method(a.method == "classic" ? "lloyd" : a.method);
    auto i = dcz::parse_kmeans_init(a.init);
    if (!m) return dcz::cli::report(kTool, m.status());
    if (!i) return dcz::cli::report(kTool, i.status());
    q.kmeans.method = *m;
    q.kmeans.init = *i;
    auto r = dcz::quantize_model(*model, q);
    if (!r) return dcz::cli::report(kTool, r.status());
    quantized = std::move(r).value();
  }
  // Last of the lossy stages, so the file computes exactly what the model as quantized does (a
  // zero needs no codebook entry): the bytes it saves are free. Counted in the quantize time.
  std::optional<dcz::DeadUnitReport> dead;
  if (!a.no_prune && !a.no_dead_units) {
    auto r = dcz::eliminate_dead_units(*model, a.selection);
    if (!r) return dcz::cli::report(kTool, r.status());
    dead = std::move(r).value();
  }
  const double t_quantize = since(t);

  t = Clock::now();
  dcz::EncodeOptions eo = a.encode;
  eo.threads = a.threads;
  // Encode, then read back what was written: that verifies it and gives the per-stage table.
  std::vector<std::uint8_t> written;
  std::optional<dcz::InputFile> file;
  if (out == "-") {
    auto bytes = dcz::encode_model(*model, eo);
    if (!bytes) return dcz::cli::report(kTool, bytes.status());
    written = std::move(bytes).value();
    auto so = dcz::OutputFile::create(out, {});
    if (!so) return dcz::cli::report(kTool, so.status());
    if (auto s = so->write(written); !s) return dcz::cli::report(kTool, s);
    if (auto s = so->commit(); !s) return dcz::cli::report(kTool, s);
  } else {
    if (auto s = dcz::encode_model_to_file(*model, out, eo); !s) return dcz::cli::report(kTool, s);
    auto f = dcz::InputFile::open(out);
    if (!f) return dcz::cli::report(kTool, f.status());
    file = std::move(f).value();
  }
  const double t_encode = since(t);
  auto c = dcz::read_container(file ? file->bytes() : std::span<const std::uint8_t>(written), out.string());
  if (!c) return dcz::cli::report(kTool, c.status());
  auto inspected = dcz::inspect_container(*c);
  if (!inspected) return dcz::cli::report(kTool, inspected.status());
  std::optional<dcz::InspectReport> report = std::move(inspected).value();
  report->original_bytes = dcz::compress::input_file_size(a.input);
  if (!a.json.empty() && report) {
    std::string j = "{\n\"prune\": " + (pruned ? dcz::prune_report_json(*pruned) : "null\n") +
                    ",\n\"dead_units\": " + (dead ? dcz::dead_unit_report_json(*dead) : "null\n") +
                    ",\n\"quantize\": " + (quantized ? dcz::quantize_report_json(*quantized) : "null\n") +
                    ",\n\"file\": " + dcz::format_inspect_json(*report) + "}\n";
    if (auto s = dcz::compress::write_text_file(a.json, j, a.input); !s) return dcz::cli::report(kTool, s);
  }
  if (!a.quiet) {
    if (a.verbose && pruned) std::fputs(dcz::format_prune_report(*pruned).c_str(), stderr);
    if (a.verbose && quantized) std::fputs(dcz::format_quantize_report(*quantized).c_str(), stderr);
    if (a.verbose && dead) std::fputs(dcz::format_dead_unit_report(*dead).c_str(), stderr);
    if (report) std::fputs(dcz::format_inspect_table(*report).c_str(), stderr);
    std::fprintf(stderr, "\n%s: %s -> %s in %.2f s (load %.2f, prune %.2f, quantize %.2f, encode %.2f)\n", kTool,
                 a.input.c_str(), out.c_str(), since(t0), t_load, t_prune, t_quantize, t_encode);
  }
  return dcz::cli::kExitOk;
}

// Search mode: the smallest file within --max-drop points of top-1 on --data (dcz_eval, OpenCV).
void add_search_options(CLI::App& app, dcz::compress::SearchArgs& s) {
  auto* g = app.add_option_group("accuracy budget (search the smallest file instead of the settings above)");
  auto* max_drop = g->add_option("--max-drop", s.max_drop,
                                 "Top-1 points the file may lose on --data; writes the smallest file within it");
  auto* data = g->add_option("--data", s.data, "Search data: idx:IMAGES,LABELS | cifar:FILE | npy:INPUTS,LABELS");
  max_drop->needs(data);
  data->needs(max_drop);
  g->add_option("--limit", s.limit, "Search on N samples spread over the data (0: all)")->needs(max_drop);
  g->add_option("--scale", s.scale, "Preprocessing as dcz-eval: x = (pixel * scale - mean) / std")->needs(max_drop);
  g->add_option("--mean", s.mean, "Mean, one value or one per channel")->delimiter(',')->needs(max_drop);
  g->add_option("--std", s.std, "Standard deviation, one value or one per channel")->delimiter(',')->needs(max_drop);
  g->add_option("--batch", s.batch, "Samples per forward pass")->check(CLI::PositiveNumber)->needs(max_drop);
  g->add_option("--calibration-data", s.calibration_data, "rate: sensitivity data (default: the search data)")
      ->needs(max_drop);
  g->add_option("--calibration", s.calibration, "rate: calibration samples (0: no weighting, plain squared error)")
      ->check(CLI::NonNegativeNumber)->needs(max_drop)->capture_default_str();
  g->add_option("--max-evaluations", s.max_evaluations, "Candidates to build and evaluate at most")
      ->check(CLI::PositiveNumber)->needs(max_drop)->capture_default_str();
  g->add_option("--tolerance", s.tolerance, "Stop bisecting when t_high / t_low <= 1 + tolerance")
      ->check(CLI::PositiveNumber)->needs(max_drop)->capture_default_str();
  g->add_option("--refine-evaluations", s.refine_evaluations,
                "rate: then up to N candidates with per-layer multipliers of lambda, each kept only when "
                "within budget and smaller (default 16; 0: one lambda for every layer)")
      ->check(CLI::NonNegativeNumber)->needs(max_drop);
}

int search([[maybe_unused]] const Args& a) {
#ifdef DCZ_COMPRESS_SEARCH
  return dcz::compress::run_search(kTool, a);
#else
  return dcz::cli::report(kTool, dcz::make_error(dcz::ErrorCode::kUnsupported,
                                                 "--max-drop needs dcz_eval (OpenCV); this build has DCZ_BUILD_EVAL=OFF"));
#endif
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Compress an ONNX model with Deep Compression: prune, share weights (k-means),\n"
               "entropy-code, in one run, and show what each stage bought. Defaults follow the\n"
               "paper: 90 % of each layer's weights pruned, 8-bit codebooks for conv and 5-bit for\n"
               "fully connected layers, 8/5-bit relative indices. No retraining happens: measure\n"
               "accuracy with dcz-eval, or run the stages one by one and fine-tune in between.\n"
               "With --max-drop P --data SPEC it searches instead: the smallest file whose top-1\n"
               "accuracy on the data is at most P points below the input's (rate-aware quantizer\n"
               "by default, or --method classic), with the log of every candidate evaluated.",
               kTool};
  Args a;
  app.add_option("input", a.input, "ONNX model, or - for stdin")->required();
  app.add_option("-o,--output", a.output, "output .dcz file, or - for stdout (default: INPUT.dcz)");
  app.add_flag("-f,--force", a.force, "replace an existing output file");
  dcz::cli::add_selection_options(app, a.selection);
  auto* g = app.add_option_group("pruning (stage 1; default --sparsity 0.9)");
  g->add_option("--quality", a.quality, "per layer, remove |w| <= S x std(layer) (Han et al. 2015)")
      ->check(CLI::NonNegativeNumber);
  g->add_option("--sparsity", a.sparsity, "remove this fraction of every layer, in [0, 1)");
  g->add_option("--global-sparsity", a.global_sparsity, "one magnitude threshold over all layers");
  g->add_flag("--normalize", a.normalize, "with --global-sparsity: rank |w| / std(layer)");
  g->add_option("--recipe", a.recipe, "per-layer sparsity/quality and bits from a JSON recipe");
  g->add_flag("--no-prune", a.no_prune, "skip pruning (keep the model's zeros as they are)");
  g->add_flag("--no-dead-units", a.no_dead_units,
              "keep the units no output sees (by default their weights are zeroed, exactly, after the lossy stages)");
  auto* q = app.add_option_group("weight sharing (stage 2)");
  q->add_option("--bits", a.bits, "codebook bits for every layer, 1..16")->check(CLI::Range(1, 16));
  q->add_option("--conv-bits", a.conv_bits, "bits for conv layers")->check(CLI::Range(1, 16))->capture_default_str();
  q->add_option("--fc-bits", a.fc_bits, "bits for other layers")->check(CLI::Range(1, 16))->capture_default_str();
  q->add_option("--method", a.method,
                "k-means: lloyd or optimal; with --max-drop: rate (the default there: the rate-aware "
                "quantizer, lambda searched) or classic (global pruning searched, then k-means: "
                "lloyd, optimal or classic = lloyd)")
      ->capture_default_str();
  q->add_option("--init", a.init, "Lloyd init: linear, density, random, kmeans++")->capture_default_str();
  q->add_flag("--no-quantize", a.no_quantize, "skip weight sharing");
  dcz::cli::add_encode_options(*app.add_option_group("encoding (stage 3)"), a.encode);
  add_search_options(app, a.search);
  app.add_option("--json", a.json, "write the prune, quantize and file reports as JSON to FILE (- = stdout)");
  app.add_option("--threads", a.threads, "worker threads (0 = all cores); output is identical")->capture_default_str();
  app.add_flag("-v,--verbose", a.verbose, "also print the prune and quantize reports");
  app.add_flag("-q,--quiet", a.quiet, "no report on stderr");
  app.footer("Exit codes: 0 ok, 1 usage, 2 invalid input, 3 I/O error, 4 cannot process.");
  dcz::cli::add_version_flag(app);
  if (auto code = dcz::cli::parse(app, argc, argv)) return *code;
  a.method_given = app.count("--method") > 0;
  return dcz::cli::run(kTool, [&] { return a.search.max_drop ? search(a) : run(a); });
}
