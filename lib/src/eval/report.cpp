// Text and JSON forms of an EvalReport, and the --dump-outputs files.
#include <nlohmann/json.hpp>

#include <cstdio>

#include "dcz/eval.h"
#include "dcz/file_io.h"
#include "eval/npy.h"

namespace dcz {

std::string format_report_text(const EvalReport& report) {
  std::string out = "dataset " + report.dataset + ": " + std::to_string(report.samples) + " samples, " +
                    std::to_string(report.classes) + " classes\n";
  char line[512];
  std::snprintf(line, sizeof line, "%-8s %-8s %-9s %-10s %-12s %s\n", "top-1 %", "top-5 %", "correct",
                "agree %", "max |diff|", "mean |diff|  model");
  out += line;
  for (const ModelAccuracy& m : report.models) {
    std::snprintf(line, sizeof line, "%-8.2f %-8.2f %-9llu %-10.2f %-12.3g %-12.3g %s\n", m.top1(), m.top5(),
                  static_cast<unsigned long long>(m.top1_correct), m.agreement(), m.max_abs_diff,
                  m.mean_abs_diff, m.name.c_str());
    out += line;
  }
  return out;
}

std::string format_report_json(const EvalReport& report) {
  nlohmann::ordered_json j;
  j["dataset"] = report.dataset;
  j["samples"] = report.samples;
  j["classes"] = report.classes;
  j["models"] = nlohmann::ordered_json::array();
  for (const ModelAccuracy& m : report.models) {
    nlohmann::ordered_json e;
    e["model"] = m.name;
    e["top1_correct"] = m.top1_correct;
    e["top5_correct"] = m.top5_correct;
    e["top1_percent"] = m.top1();
    e["top5_percent"] = m.top5();
    e["top1_agreement_percent"] = m.agreement();
    e["max_abs_diff"] = m.max_abs_diff;
    e["mean_abs_diff"] = m.mean_abs_diff;
    j["models"].push_back(std::move(e));
  }
  return j.dump(2) + "\n";
}

namespace {

Status write_file(const std::filesystem::path& path, std::string_view bytes) {
  DCZ_ASSIGN_OR_RETURN(OutputFile out, OutputFile::create(path, {}));
  DCZ_TRY(out.write(bytes));
  return out.commit();
}

}  // namespace

Status dump_outputs(const std::filesystem::path& dir, const std::vector<EvalModel>& models,
                    const Dataset& dataset, const EvalOptions& options, const EvalReport& report) {
  if (report.models.size() != models.size() || report.samples != dataset.size()) {
    return make_error(ErrorCode::kInvalidArgument, "dump_outputs: the report is not of these models and data");
  }
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return make_error(ErrorCode::kIo, dir.string() + ": cannot create folder: " + ec.message());
  std::vector<float> inputs(dataset.size() * dataset.sample_elements());
  fill_batch(dataset, 0, dataset.size(), options.preprocess, inputs.data());
  std::vector<std::int64_t> shape{static_cast<std::int64_t>(dataset.size())};
  shape.insert(shape.end(), dataset.sample_shape.begin(), dataset.sample_shape.end());
  DCZ_TRY(write_file(dir / "inputs.npy", eval::npy_float32(inputs, shape)));
  DCZ_TRY(write_file(dir / "labels.npy", eval::npy_int64(dataset.labels, {static_cast<std::int64_t>(dataset.size())})));
  for (std::size_t i = 0; i < models.size(); ++i) {
    const auto& outputs = report.models[i].outputs;
    if (outputs.size() != report.samples * report.classes) {
      return make_error(ErrorCode::kInvalidArgument, "dump_outputs: evaluate_models ran without keep_outputs");
    }
    DCZ_TRY(write_file(dir / ("model_" + std::to_string(i) + ".onnx"), models[i].onnx));
    DCZ_TRY(write_file(dir / ("opencv_" + std::to_string(i) + ".npy"),
                       eval::npy_float32(outputs, {static_cast<std::int64_t>(report.samples),
                                                   static_cast<std::int64_t>(report.classes)})));
  }
  return Status::ok();
}

}  // namespace dcz
