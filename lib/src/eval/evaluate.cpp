// evaluate_models: every model on every batch, accuracy and agreement with the first model.
#include <algorithm>
#include <cmath>

#include "dcz/eval.h"

namespace dcz {

namespace {

// Position of `label` in the outputs sorted best first; ties go to the lower index, as argmax does.
std::size_t rank_of(const float* out, std::size_t classes, std::size_t label) {
  float v = out[label];
  std::size_t rank = 0;
  for (std::size_t j = 0; j < classes; ++j) {
    if (out[j] > v || (j < label && out[j] == v)) ++rank;
  }
  return rank;
}

std::size_t argmax(const float* out, std::size_t classes) {
  return static_cast<std::size_t>(std::max_element(out, out + classes) - out);
}

Status check_labels(const Dataset& dataset, const std::string& model, std::size_t classes) {
  for (std::size_t i = 0; i < dataset.labels.size(); ++i) {
    if (dataset.labels[i] < 0 || static_cast<std::uint64_t>(dataset.labels[i]) >= classes) {
      return make_error(ErrorCode::kBadDataset,
                        dataset.name + ": label " + std::to_string(dataset.labels[i]) + " of sample " +
                            std::to_string(i) + " is out of range for model " + model + " with " +
                            std::to_string(classes) + " outputs");
    }
  }
  return Status::ok();
}

// Accuracy of one batch's outputs, and their distance to the reference model's outputs.
void score_batch(const std::vector<float>& out, const std::vector<float>& reference, std::size_t classes,
                 const std::int64_t* labels, std::size_t n, ModelAccuracy& acc, double& abs_sum) {
  std::size_t top_k = std::min<std::size_t>(5, classes);
  for (std::size_t s = 0; s < n; ++s) {
    const float* o = out.data() + s * classes;
    const float* r = reference.data() + s * classes;
    std::size_t rank = rank_of(o, classes, static_cast<std::size_t>(labels[s]));
    acc.top1_correct += rank == 0;
    acc.top5_correct += rank < top_k;
    acc.top1_agree += argmax(o, classes) == argmax(r, classes);
    for (std::size_t j = 0; j < classes; ++j) {
      double d = std::fabs(static_cast<double>(o[j]) - static_cast<double>(r[j]));
      if (!(d <= acc.max_abs_diff)) acc.max_abs_diff = d;  // NaN sticks
      abs_sum += d;
    }
  }
  acc.samples += n;
}

}  // namespace

Result<EvalReport> evaluate_models(const std::vector<EvalModel>& models, const Dataset& dataset,
                                   const EvalOptions& options) {
  if (models.empty()) return make_error(ErrorCode::kInvalidArgument, "no model to evaluate");
  if (dataset.size() == 0) return make_error(ErrorCode::kBadDataset, dataset.name + ": the dataset is empty");
  if (options.batch_size == 0) return make_error(ErrorCode::kInvalidArgument, "batch size must be > 0");
  DCZ_TRY(validate_preprocess(options.preprocess, dataset.sample_shape.empty() ? 1 : dataset.sample_shape[0]));
  set_engine_threads(options.threads);

  std::vector<Engine> engines;
  for (const EvalModel& m : models) {
    DCZ_ASSIGN_OR_RETURN(Engine e, Engine::create(m));
    DCZ_TRY(e.check_sample_shape(dataset.sample_shape));
    engines.push_back(std::move(e));
  }
  EvalReport report;
  report.dataset = dataset.name;
  report.samples = dataset.size();
  report.models.resize(models.size());
  std::vector<double> abs_sums(models.size(), 0.0);
  for (std::size_t m = 0; m < models.size(); ++m) report.models[m].name = models[m].name;

  std::size_t elements = dataset.sample_elements();
  std::vector<float> batch;
  std::vector<std::vector<float>> outs(models.size());
  for (std::size_t first = 0; first < dataset.size(); first += options.batch_size) {
    std::size_t n = std::min(options.batch_size, dataset.size() - first);
    batch.resize(n * elements);
    fill_batch(dataset, first, n, options.preprocess, batch.data());
    for (std::size_t m = 0; m < engines.size(); ++m) {
      std::size_t classes = 0;
      DCZ_TRY(engines[m].run(batch.data(), n, dataset.sample_shape, outs[m], classes));
      if (report.classes == 0) {
        report.classes = classes;
        DCZ_TRY(check_labels(dataset, models[m].name, classes));
      } else if (classes != report.classes) {
        return make_error(ErrorCode::kShapeMismatch, models[m].name + " has " + std::to_string(classes) +
                                                         " outputs per sample, " + models[0].name + " has " +
                                                         std::to_string(report.classes));
      }
      score_batch(outs[m], outs[0], classes, dataset.labels.data() + first, n, report.models[m], abs_sums[m]);
      if (options.keep_outputs) {
        auto& kept = report.models[m].outputs;
        kept.insert(kept.end(), outs[m].begin(), outs[m].end());
      }
    }
    if (options.progress) options.progress(first + n, dataset.size());
  }
  for (std::size_t m = 0; m < models.size(); ++m) {
    double values = static_cast<double>(report.samples) * static_cast<double>(report.classes);
    report.models[m].mean_abs_diff = values > 0 ? abs_sums[m] / values : 0;
  }
  return report;
}

}  // namespace dcz
