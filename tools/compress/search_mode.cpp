// dcz-compress --max-drop: the smallest .dcz file within a top-1 budget, found by
// search_tradeoff (dcz/tradeoff_search.h) over the rate-aware or the classic family.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <memory>

#include "common/cli_app.h"
#include "compress/args.h"
#include "compress/io.h"
#include "dcz/container.h"
#include "dcz/dataset.h"
#include "dcz/file_io.h"
#include "dcz/inspect.h"
#include "dcz/rate_quantize.h"
#include "dcz/tradeoff_search.h"

namespace dcz::compress {

namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

std::string points(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

Status check_search_args(const Args& a) {
  const SearchArgs& s = a.search;
  if (!(*s.max_drop > 0 && *s.max_drop <= 100)) {
    return make_error(ErrorCode::kInvalidArgument,
                      "--max-drop must be in (0, 100] points of top-1, not " + points(*s.max_drop));
  }
  if (a.quality || a.sparsity || a.global_sparsity || !a.recipe.empty() || a.no_prune || a.no_quantize) {
    return make_error(ErrorCode::kInvalidArgument,
                      "--max-drop searches the compression itself: drop --quality, --sparsity, "
                      "--global-sparsity, --recipe, --no-prune and --no-quantize");
  }
  if (!searches_rate(a) && !s.calibration_data.empty()) {
    return make_error(ErrorCode::kInvalidArgument, "--calibration-data is for --method rate");
  }
  if (!searches_rate(a) && s.refine_evaluations) {
    return make_error(ErrorCode::kInvalidArgument,
                      "--refine-evaluations is for --method rate (the classic path has one parameter)");
  }
  if (a.normalize && searches_rate(a)) {
    return make_error(ErrorCode::kInvalidArgument, "--normalize is for the classic path (--method lloyd|optimal)");
  }
  return Status::ok();
}

Result<Dataset> load_data(const std::string& spec_text, std::uint64_t limit) {
  DCZ_ASSIGN_OR_RETURN(DatasetSpec spec, parse_dataset_spec(spec_text));
  DatasetLoadOptions load;
  load.limit = limit;
  return load_dataset(spec, load);
}

Result<TradeoffFamily> classic_family(const Args& a, const OnnxModel& model) {
  ClassicFamilyOptions f;
  f.selection = a.selection;
  f.normalize = a.normalize;
  f.quantize.bits = a.bits;
  f.quantize.conv_bits = a.conv_bits;
  f.quantize.fc_bits = a.fc_bits;
  f.quantize.conv_index_bits = a.encode.conv_gap_bits;
  f.quantize.fc_index_bits = a.encode.fc_gap_bits;
  DCZ_ASSIGN_OR_RETURN(f.quantize.kmeans.method, parse_kmeans_method(a.method == "classic" ? "lloyd" : a.method));
  DCZ_ASSIGN_OR_RETURN(f.quantize.kmeans.init, parse_kmeans_init(a.init));
  f.encode = a.encode;
  f.threads = a.threads;
  return classic_tradeoff_family(model, f);
}

// The rate family, with the sensitivity statistics measured once on the calibration data (kept
// alive in `stats` for as long as the family is used).
Result<TradeoffFamily> rate_family(const Args& a, const OnnxModel& model, const Dataset& search_data,
                                   const EvalOptions& eval, std::unique_ptr<SensitivityStats>& stats) {
  RateFamilyOptions f;
  f.selection = a.selection;
  f.encode = a.encode;
  f.threads = a.threads;
  if (a.search.calibration == 0) return rate_tradeoff_family(model, f);  // unweighted squared error
  std::optional<Dataset> own;
  if (!a.search.calibration_data.empty()) {
    DCZ_ASSIGN_OR_RETURN(own, load_data(a.search.calibration_data, 0));
  }
  const Dataset& calibration = own ? *own : search_data;
  DCZ_ASSIGN_OR_RETURN(SensitivityStats measured,
                       measure_sensitivity(model, a.selection, calibration, eval, a.search.calibration));
  stats = std::make_unique<SensitivityStats>(std::move(measured));
  f.sensitivity = stats.get();
  return rate_tradeoff_family(model, f);
}

void print_live(const TradeoffEvaluation& e, std::size_t i, const std::string& parameter) {
  std::fprintf(stderr, "  #%zu %s %.6g%s: %llu bytes, %llu correct, %s\n", i, parameter.c_str(), e.t,
               e.scales.empty() ? "" : " with per-layer multipliers", static_cast<unsigned long long>(e.bytes),
               static_cast<unsigned long long>(e.correct), e.feasible ? "within budget" : "over budget");
}

Status search_and_write(const char* tool, const Args& a, const std::filesystem::path& out) {
  const auto t0 = Clock::now();
  DCZ_ASSIGN_OR_RETURN(OnnxModel model, load_input_model(a.input));
  DCZ_ASSIGN_OR_RETURN(Dataset data, load_data(a.search.data, a.search.limit));
  TradeoffSearchOptions o;
  o.max_drop = *a.search.max_drop;
  o.max_evaluations = a.search.max_evaluations;
  o.tolerance = a.search.tolerance;
  if (a.search.refine_evaluations) o.refine_evaluations = *a.search.refine_evaluations;
  o.eval.preprocess = {a.search.scale, a.search.mean, a.search.std};
  o.eval.batch_size = a.search.batch;
  o.eval.threads = a.threads;
  std::unique_ptr<SensitivityStats> stats;
  const auto t_calibrate = Clock::now();
  auto family = searches_rate(a) ? rate_family(a, model, data, o.eval, stats) : classic_family(a, model);
  if (!family) return family.status();
  const double seconds_calibrate = since(t_calibrate);
  if (!a.quiet && isatty(STDERR_FILENO)) {
    std::size_t count = 0;
    o.on_evaluation = [&count, p = family->parameter](const TradeoffEvaluation& e) { print_live(e, ++count, p); };
  }
  DCZ_ASSIGN_OR_RETURN(TradeoffSearchResult result, search_tradeoff(model, data, *family, o));
  const std::string log = format_tradeoff_text(result.report);
  if (!result.best) {
    if (!a.quiet) std::fputs(log.c_str(), stderr);
    return make_error(ErrorCode::kNothingToDo, "no " + family->parameter + " setting of " + a.input +
                                                   " stays within " + points(*a.search.max_drop) +
                                                   " points of top-1 on " + data.name + "; nothing written");
  }
  const std::vector<std::uint8_t>& bytes = result.best->encoded;
  // Read back before writing: the per-stage table, and nothing written if it fails.
  DCZ_ASSIGN_OR_RETURN(Container c, read_container(bytes, out.string()));
  DCZ_ASSIGN_OR_RETURN(InspectReport report, inspect_container(c));
  OutputFile::Options fo;
  fo.inputs = {a.input};
  DCZ_ASSIGN_OR_RETURN(OutputFile file, OutputFile::create(out, fo));
  DCZ_TRY(file.write(bytes));
  DCZ_TRY(file.commit());
  report.original_bytes = input_file_size(a.input);
  if (!a.json.empty()) {
    DCZ_TRY(write_text_file(a.json, "{\n\"search\": " + format_tradeoff_json(result.report) +
                                        ",\n\"file\": " + format_inspect_json(report) + "}\n", a.input));
  }
  if (!a.quiet) {
    std::fputs(format_inspect_table(report).c_str(), stderr);
    std::fputs(("\n" + log).c_str(), stderr);
    std::fprintf(stderr, "\n%s: %s -> %s in %.2f s (%s%.2f s, %zu evaluations)\n", tool, a.input.c_str(),
                 out.c_str(), since(t0), searches_rate(a) ? "sensitivity " : "setup ",
                 seconds_calibrate, result.report.evaluations.size());
  }
  return Status::ok();
}

}  // namespace

int run_search(const char* tool, const Args& a) {
  if (auto s = check_search_args(a); !s) return cli::report(tool, s);
  const std::filesystem::path out =
      a.output.empty() ? cli::default_output(a.input, ".dcz") : std::filesystem::path(a.output);
  if (auto s = cli::check_output(out, a.force, a.input); !s) return cli::report(tool, s);
  Status s = search_and_write(tool, a, out);
  return s ? cli::kExitOk : cli::report(tool, s);
}

}  // namespace dcz::compress
