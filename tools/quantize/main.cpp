// dcz-quantize: stage 2 of Deep Compression. Clusters each selected weight tensor's nonzero
// values into at most 2^bits shared values (k-means), or with --method rate quantizes them
// rate-aware (dcz/rate_quantize.h), optionally weighted by statistics measured on calibration
// data; writes plain ONNX of the same types.
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>

#include "common/cli_app.h"
#include "common/selection_options.h"
#include "dcz/file_io.h"
#include "dcz/onnx_model.h"
#include "dcz/quantize.h"
#include "dcz/rate_quantize.h"
#include "dcz/dataset.h"
#include "dcz/eval.h"

namespace {

constexpr const char* kTool = "dcz-quantize";
using Clock = std::chrono::steady_clock;

// --method rate and its calibration data.
struct RateArgs {
  bool enabled = false;
  double lambda = 0.0;
  bool keep_biases = false, sequential = false;
  std::string data;
  std::size_t calibration = 1000;
  double scale = 1.0;
  std::vector<double> mean{0.0}, std{1.0};
  std::size_t batch = 100;
};

struct Args {
  std::string input, output, recipe, json, method = "lloyd";
  std::optional<unsigned> bits;
  bool force = false, quiet = false, external_data = false;
  dcz::QuantizeOptions options;
  RateArgs rate;
};

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

dcz::Result<dcz::OnnxModel> load_input(const std::string& input) {
  if (input != "-") return dcz::OnnxModel::load(input);
  DCZ_ASSIGN_OR_RETURN(dcz::InputFile in, dcz::InputFile::open("-"));
  return dcz::OnnxModel::parse(in.bytes(), {}, "<stdin>");
}

dcz::Status write_text(const std::string& path, const std::string& text) {
  dcz::OutputFile::Options o;
  o.binary = false;
  DCZ_ASSIGN_OR_RETURN(dcz::OutputFile out, dcz::OutputFile::create(path, o));
  DCZ_TRY(out.write(text));
  return out.commit();
}

// The checker runs before anything is written; "-" streams the model to stdout.
dcz::Status write_model(const dcz::OnnxModel& model, const Args& a,
                        const std::filesystem::path& out) {
  if (out != "-") {
    dcz::OnnxSaveOptions o;
    o.check = true;
    o.external_data = a.external_data;
    return model.save(out, o);
  }
  DCZ_TRY(model.check());
  DCZ_ASSIGN_OR_RETURN(std::string bytes, model.serialize());
  dcz::OutputFile::Options o;
  if (a.input != "-") o.inputs = {a.input};
  DCZ_ASSIGN_OR_RETURN(dcz::OutputFile file, dcz::OutputFile::create("-", o));
  DCZ_TRY(file.write(bytes));
  return file.commit();
}

dcz::Status check_paths(const Args& a, const std::filesystem::path& out) {
  DCZ_TRY(dcz::cli::check_output(out, a.force));
  if (out != "-" && a.input != "-" && std::filesystem::exists(out) &&
      std::filesystem::equivalent(out, a.input)) {
    return dcz::make_error(dcz::ErrorCode::kInvalidArgument, "output is the input file");
  }
  if (out == "-" && a.json == "-") {
    return dcz::make_error(dcz::ErrorCode::kInvalidArgument,
                           "the model and --json cannot both go to stdout");
  }
  return dcz::Status::ok();
}

// --data: the calibration images, their preprocessing and the statistics measured on the model
// before it is quantized.
struct Calibration {
  dcz::Dataset data;
  dcz::EvalOptions eval;
  dcz::SensitivityStats stats;
};

dcz::Status calibrate(const dcz::OnnxModel& model, const Args& a, Calibration& c) {
#ifdef DCZ_QUANTIZE_CALIBRATION
  DCZ_ASSIGN_OR_RETURN(dcz::DatasetSpec spec, dcz::parse_dataset_spec(a.rate.data));
  dcz::DatasetLoadOptions load;
  load.limit = a.rate.calibration;
  DCZ_ASSIGN_OR_RETURN(c.data, dcz::load_dataset(spec, load));
  c.eval.preprocess = {a.rate.scale, a.rate.mean, a.rate.std};
  c.eval.batch_size = a.rate.batch;
  c.eval.threads = a.options.kmeans.threads;
  DCZ_ASSIGN_OR_RETURN(c.stats, dcz::measure_sensitivity(model, a.options.selection, c.data, c.eval,
                                                         a.rate.calibration));
  return dcz::Status::ok();
#else
  (void)model, (void)a, (void)c;
  return dcz::make_error(dcz::ErrorCode::kUnsupported,
                         "--data needs dcz_eval (OpenCV dnn), which this build does not include");
#endif
}

// --method rate: check, calibrate, quantize, write.
int run_rate(const Args& a, dcz::OnnxModel& model, const std::filesystem::path& out) {
  dcz::RateQuantizeOptions o;
  o.lambda = a.rate.lambda;
  o.selection = a.options.selection;
  o.biases = !a.rate.keep_biases;
  o.threads = a.options.kmeans.threads;
  Calibration c;
  if (!a.rate.data.empty()) {
    if (auto s = calibrate(model, a, c); !s) return dcz::cli::report(kTool, s);
    o.sensitivity = &c.stats;
#ifdef DCZ_QUANTIZE_CALIBRATION
    if (a.rate.sequential) o.refresh = dcz::sequential_refresh(c.data, c.eval, a.rate.calibration);
#endif
  }
  auto report = dcz::rate_quantize_model(model, o);
  if (!report) return dcz::cli::report(kTool, report.status());
  if (auto s = write_model(model, a, out); !s) return dcz::cli::report(kTool, s);
  if (!a.quiet) std::fputs(dcz::format_rate_report_text(*report).c_str(), stderr);
  if (!a.json.empty()) {
    if (auto s = write_text(a.json, dcz::format_rate_report_json(*report)); !s) {
      return dcz::cli::report(kTool, s);
    }
  }
  return dcz::cli::kExitOk;
}

// Options of one method used with the other are usage errors.
dcz::Status check_method(const Args& a, const CLI::App& app) {
  const auto given = [&](const char* name) { return app.count(name) > 0; };
  if (!a.rate.enabled) {
    for (const char* name : {"--lambda", "--data", "--calibration", "--keep-biases", "--sequential"}) {
      if (given(name)) {
        return dcz::make_error(dcz::ErrorCode::kInvalidArgument,
                               std::string(name) + " needs --method rate");
      }
    }
    return dcz::Status::ok();
  }
  if (!given("--lambda")) {
    return dcz::make_error(dcz::ErrorCode::kInvalidArgument, "--method rate needs --lambda");
  }
  if (!(a.rate.lambda > 0.0) || !std::isfinite(a.rate.lambda)) {
    return dcz::make_error(dcz::ErrorCode::kInvalidArgument,
                           "--lambda must be a finite number > 0");
  }
  if (given("--sequential") && !given("--data")) {
    return dcz::make_error(dcz::ErrorCode::kInvalidArgument, "--sequential needs --data");
  }
  for (const char* name : {"--bits", "--conv-bits", "--fc-bits", "--recipe", "--init", "--seed",
                           "--max-iterations", "--tolerance"}) {
    if (given(name)) {
      return dcz::make_error(dcz::ErrorCode::kInvalidArgument,
                             std::string(name) + " does not apply to --method rate");
    }
  }
  return dcz::Status::ok();
}

int run(Args& a) {
  const std::filesystem::path out = a.output.empty()
                                        ? dcz::cli::default_output(a.input, ".quantized.onnx")
                                        : std::filesystem::path(a.output);
  if (auto s = check_paths(a, out); !s) return dcz::cli::report(kTool, s);
  a.options.bits = a.bits;
  if (!a.recipe.empty()) {
    auto recipe = dcz::load_recipe(a.recipe);
    if (!recipe) return dcz::cli::report(kTool, recipe.status());
    a.options.recipe = std::move(*recipe);
  }
  auto start = Clock::now();
  auto model = load_input(a.input);
  if (!model) return dcz::cli::report(kTool, model.status());
  const double load_seconds = seconds_since(start);
  if (a.rate.enabled) return run_rate(a, *model, out);
  auto report = dcz::quantize_model(*model, a.options);
  if (!report) return dcz::cli::report(kTool, report.status());
  report->seconds_load = load_seconds;
  start = Clock::now();
  if (auto s = write_model(*model, a, out); !s) return dcz::cli::report(kTool, s);
  report->seconds_save = seconds_since(start);
  if (!a.quiet) std::fputs(dcz::format_quantize_report(*report).c_str(), stderr);
  if (!a.json.empty()) {
    if (auto s = write_text(a.json, dcz::quantize_report_json(*report)); !s) {
      return dcz::cli::report(kTool, s);
    }
  }
  return dcz::cli::kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "Quantize the weights of an ONNX model by k-means weight sharing (Deep Compression\n"
      "stage 2). Each selected tensor's nonzero weights are clustered into at most\n"
      "2^bits values; zeros (pruned weights) stay exactly zero. Writes plain ONNX.",
      kTool};
  Args a;
  app.add_option("input", a.input, "ONNX model, or - for stdin")->required();
  app.add_option("-o,--output", a.output,
                 "output ONNX file, or - for stdout (default: INPUT.quantized.onnx)");
  app.add_flag("-f,--force", a.force, "replace an existing output file");
  auto* bits = app.add_option("--bits", a.bits, "bits for every layer (1..16)");
  app.add_option("--conv-bits", a.options.conv_bits, "bits for Conv layers")
      ->default_val(8)
      ->excludes(bits);
  app.add_option("--fc-bits", a.options.fc_bits, "bits for fully connected and recurrent layers")
      ->default_val(5)
      ->excludes(bits);
  app.add_option(
      "--recipe", a.recipe,
      "JSON recipe with per-layer \"bits\" (defaults \"conv_bits\"/\"fc_bits\"/\"bits\")");
  app.add_option("--method", a.method,
                 "lloyd (the paper), optimal (exact 1-D k-means, slower) or rate "
                 "(entropy-constrained: distortion + lambda × bits, see --lambda)")
      ->check(CLI::IsMember({"lloyd", "optimal", "rate"}, CLI::ignore_case))
      ->default_str("lloyd");
  app.add_option("--lambda", a.rate.lambda,
                 "rate: the trade-off, > 0 (larger: fewer bits, more error); with --data the "
                 "error is the predicted mean squared change of the logits");
  app.add_flag("--keep-biases", a.rate.keep_biases,
               "rate: leave the selected layers' biases as they are");
  app.add_option("--data", a.rate.data,
                 "rate: calibration data weighting each error by its layer's input energy and "
                 "measured gain: idx:IMAGES,LABELS | cifar:FILE | npy:INPUTS,LABELS");
  app.add_flag("--sequential", a.rate.sequential,
               "rate: re-measure each layer's inputs on the model with the layers before it "
               "already quantized, so it compensates their errors (one calibration pass per layer)");
  app.add_option("--calibration", a.rate.calibration,
                 "rate: calibration samples, spread evenly over --data")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--scale", a.rate.scale, "rate: pixel scale, as in dcz-eval")->capture_default_str();
  app.add_option("--mean", a.rate.mean, "rate: mean, one value or one per channel")->delimiter(',');
  app.add_option("--std", a.rate.std, "rate: standard deviation, one value or one per channel")
      ->delimiter(',');
  app.add_option("--batch", a.rate.batch, "rate: calibration samples per forward pass")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  const std::map<std::string, dcz::KMeansInit> inits{
      {"linear", dcz::KMeansInit::kLinear},
      {"density", dcz::KMeansInit::kDensity},
      {"random", dcz::KMeansInit::kRandom},
      {"kmeans++", dcz::KMeansInit::kKMeansPlusPlus}};
  app.add_option("--init", a.options.kmeans.init, "Lloyd's centroid initialisation")
      ->transform(CLI::CheckedTransformer(inits, CLI::ignore_case))
      ->default_str("linear");
  app.add_option("--seed", a.options.kmeans.seed, "seed of the random and kmeans++ inits")
      ->default_val(0);
  app.add_option("--max-iterations", a.options.kmeans.max_iterations, "Lloyd iteration limit")
      ->default_val(300);
  app.add_option("--tolerance", a.options.kmeans.tolerance,
                 "stop when an iteration lowers the squared error by less than this fraction")
      ->default_val(1e-9)
      ->check(CLI::NonNegativeNumber);
  app.add_option("--threads", a.options.kmeans.threads,
                 "worker threads, 0 = all cores (the output does not depend on it)")
      ->default_val(0);
  dcz::cli::add_selection_options(app, a.options.selection);
  app.add_flag("--external-data", a.external_data,
               "write tensors to OUTPUT.data beside the model (forced above 2 GiB)");
  app.add_option("--json", a.json, "also write the report as JSON to this file (- for stdout)");
  app.add_flag("-q,--quiet", a.quiet, "no report on stderr");
  dcz::cli::add_version_flag(app);
  if (auto code = dcz::cli::parse(app, argc, argv)) return *code;
  for (char& c : a.method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  a.rate.enabled = a.method == "rate";
  a.options.kmeans.method = a.method == "optimal" ? dcz::KMeansMethod::kOptimal : dcz::KMeansMethod::kLloyd;
  if (auto s = check_method(a, app); !s) return dcz::cli::report(kTool, s);
  return dcz::cli::run(kTool, [&] { return run(a); });
}
