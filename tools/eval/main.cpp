// dcz-eval: accuracy of ONNX / .dcz models on a labelled dataset with OpenCV dnn (issue #6).
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "common/cli_app.h"
#include "dcz/dataset.h"
#include "dcz/eval.h"
#include "dcz/file_io.h"
#include "dcz/onnx_model.h"
#include "dcz/sensitivity.h"

namespace {

constexpr const char* kTool = "dcz-eval";

struct Args {
  std::vector<std::string> models;
  std::string data;
  double scale = 1.0;
  std::vector<double> mean{0.0}, std{1.0};
  std::uint64_t limit = 0;
  std::size_t batch = 100;
  unsigned threads = 0;
  bool json = false, quiet = false;
  std::string dump_dir;
  // --sensitivity
  std::string sensitivity;
  std::vector<double> settings;
  double max_drop = 0.5;
  std::vector<std::string> include, exclude;
  std::string recipe_out, plot_out;
};

// "[#########           ] 4500/10000" redrawn in place; only when stderr is a terminal.
void draw_progress(std::size_t done, std::size_t total, const std::string& what) {
  constexpr int kWidth = 30;
  int filled = total ? static_cast<int>(kWidth * done / total) : kWidth;
  std::fprintf(stderr, "\r%s [%.*s%*s] %zu/%zu", what.c_str(), filled, "##############################",
               kWidth - filled, "", done, total);
  if (done == total) std::fprintf(stderr, "\r%*s\r", kWidth + 40 + static_cast<int>(what.size()), "");
  std::fflush(stderr);
}

dcz::Status write_text(const std::string& path, const std::string& text) {
  DCZ_ASSIGN_OR_RETURN(dcz::OutputFile out, dcz::OutputFile::create(path, {.binary = false}));
  DCZ_TRY(out.write(text));
  return out.commit();
}

dcz::EvalOptions eval_options(const Args& a) {
  dcz::EvalOptions options;
  options.preprocess = {a.scale, a.mean, a.std};
  options.batch_size = a.batch;
  options.threads = a.threads;
  return options;
}

dcz::Status run_sensitivity(const Args& a, const dcz::Dataset& dataset) {
  if (a.models.size() != 1) {
    return dcz::make_error(dcz::ErrorCode::kInvalidArgument, "--sensitivity takes exactly one model");
  }
  DCZ_ASSIGN_OR_RETURN(dcz::EvalModel source, dcz::load_eval_model(a.models[0]));
  std::span<const std::uint8_t> bytes(reinterpret_cast<const std::uint8_t*>(source.onnx.data()), source.onnx.size());
  DCZ_ASSIGN_OR_RETURN(dcz::OnnxModel model, dcz::OnnxModel::parse(bytes, {}, source.name));
  dcz::SensitivityOptions options;
  options.stage = a.sensitivity == "prune" ? dcz::SensitivityStage::kPrune : dcz::SensitivityStage::kQuantize;
  options.settings = a.settings;
  options.max_drop = a.max_drop;
  options.selection.include = a.include;
  options.selection.exclude = a.exclude;
  options.eval = eval_options(a);
  if (!a.quiet && isatty(STDERR_FILENO)) {
    options.progress = [](std::size_t done, std::size_t total) { draw_progress(done, total, "sensitivity"); };
  }
  DCZ_ASSIGN_OR_RETURN(dcz::SensitivityReport report, dcz::analyze_sensitivity(model, dataset, options));
  if (!a.recipe_out.empty()) DCZ_TRY(write_text(a.recipe_out, dcz::write_recipe(report.recipe)));
  if (!a.plot_out.empty()) DCZ_TRY(write_text(a.plot_out, dcz::sensitivity_svg(report)));
  std::string text = a.json ? dcz::format_sensitivity_json(report) : dcz::format_sensitivity_text(report);
  std::fwrite(text.data(), 1, text.size(), stdout);
  return dcz::Status::ok();
}

dcz::Status run_eval(const Args& a) {
  DCZ_ASSIGN_OR_RETURN(dcz::DatasetSpec spec, dcz::parse_dataset_spec(a.data));
  dcz::DatasetLoadOptions load;
  load.limit = a.limit;
  DCZ_ASSIGN_OR_RETURN(dcz::Dataset dataset, dcz::load_dataset(spec, load));
  if (!a.sensitivity.empty()) return run_sensitivity(a, dataset);
  std::vector<dcz::EvalModel> models;
  for (const std::string& path : a.models) {
    DCZ_ASSIGN_OR_RETURN(dcz::EvalModel m, dcz::load_eval_model(path));
    models.push_back(std::move(m));
  }
  dcz::EvalOptions options = eval_options(a);
  options.keep_outputs = !a.dump_dir.empty();
  if (!a.quiet && isatty(STDERR_FILENO)) {
    options.progress = [](std::size_t done, std::size_t total) { draw_progress(done, total, "evaluating"); };
  }
  DCZ_ASSIGN_OR_RETURN(dcz::EvalReport report, dcz::evaluate_models(models, dataset, options));
  if (!a.dump_dir.empty()) DCZ_TRY(dcz::dump_outputs(a.dump_dir, models, dataset, options, report));
  std::string text = a.json ? dcz::format_report_json(report) : dcz::format_report_text(report);
  std::fwrite(text.data(), 1, text.size(), stdout);
  return dcz::Status::ok();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"dcz-eval: top-1/top-5 accuracy of ONNX or .dcz models on a labelled dataset, run by "
               "OpenCV dnn; later models are compared with the first (top-1 agreement, output "
               "differences). Preprocessing: x = (pixel * scale - mean[c]) / std[c]. See docs/eval.md.",
               kTool};
  dcz::cli::add_version_flag(app);
  Args a;
  app.add_option("models", a.models, "Models (.onnx or .dcz); the first is the reference")->required();
  app.add_option("--data", a.data, "idx:IMAGES,LABELS | cifar:FILE | npy:INPUTS,LABELS")->required();
  app.add_option("--scale", a.scale, "Pixel scale, e.g. 0.00392156862745098 for 1/255")->capture_default_str();
  app.add_option("--mean", a.mean, "Mean, one value or one per channel (comma-separated)")->delimiter(',');
  app.add_option("--std", a.std, "Standard deviation, one value or one per channel")->delimiter(',');
  app.add_option("--limit", a.limit, "Use N samples spread evenly over the file (0: all)")->capture_default_str();
  app.add_option("--batch", a.batch, "Samples per forward pass")->check(CLI::PositiveNumber)->capture_default_str();
  app.add_option("--threads", a.threads, "OpenCV threads (0: all cores); results do not depend on it");
  app.add_flag("--json", a.json, "Print the report as JSON");
  app.add_flag("-q,--quiet", a.quiet, "No progress bar");
  app.add_option("--dump-outputs", a.dump_dir,
                 "Write inputs.npy, labels.npy, model_<i>.onnx and opencv_<i>.npy to this folder "
                 "(for the ONNX Runtime check)");
  auto* sens = app.add_option("--sensitivity", a.sensitivity,
                               "Prune (or quantize) one layer at a time over --settings and derive a "
                               "recipe within --max-drop (docs/eval.md)")
                   ->check(CLI::IsMember({"prune", "quantize"}));
  app.add_option("--settings", a.settings,
                 "Sparsities in [0,1) or bit widths (default 0.3..0.95 / 8..2), comma-separated")
      ->delimiter(',')->needs(sens);
  app.add_option("--max-drop", a.max_drop, "Accuracy budget in top-1 points")->needs(sens)->capture_default_str();
  app.add_option("--include", a.include, "Only weights matching these globs")->needs(sens);
  app.add_option("--exclude", a.exclude, "Skip weights matching these globs")->needs(sens);
  app.add_option("--recipe-out", a.recipe_out, "Write the verified recipe JSON (dcz-prune/quantize --recipe)")
      ->needs(sens);
  app.add_option("--plot", a.plot_out, "Write an SVG plot of accuracy per layer per setting")->needs(sens);
  if (auto code = dcz::cli::parse(app, argc, argv)) return *code;
  if (!a.sensitivity.empty() && !a.dump_dir.empty()) {
    return dcz::cli::report(kTool, dcz::make_error(dcz::ErrorCode::kInvalidArgument,
                                                   "--dump-outputs does not combine with --sensitivity"));
  }
  return dcz::cli::run(kTool, [&] {
    dcz::Status s = run_eval(a);
    return s ? dcz::cli::kExitOk : dcz::cli::report(kTool, s);
  });
}
