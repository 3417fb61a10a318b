// measure_sensitivity: the calibration batch, then input energies and layer gains
// (sensitivity_energy.cpp, sensitivity_gain.cpp).
#include "eval/sensitivity_stats.h"

namespace dcz {
namespace {

// `count` samples spread evenly over the dataset (sample i is floor(i × size / count); the product
// fits 64 bits for any dataset the readers accept), so a file sorted by class still gives every
// class; preprocessed.
eval::CalibrationBatch calibration_batch(const Dataset& data, const EvalOptions& eval,
                                         std::size_t count) {
  eval::CalibrationBatch b;
  b.count = count;
  b.sample_shape = data.sample_shape;
  b.batch_size = eval.batch_size;
  const std::size_t elements = data.sample_elements();
  b.inputs.resize(count * elements);
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t s = static_cast<std::size_t>(std::uint64_t{i} * data.size() / count);
    fill_batch(data, s, 1, eval.preprocess, b.inputs.data() + i * elements);
  }
  return b;
}

Status check_calibration(const Dataset& calibration, const EvalOptions& eval, std::size_t samples) {
  if (samples == 0) return make_error(ErrorCode::kInvalidArgument, "calibration needs at least one sample");
  if (eval.batch_size == 0) return make_error(ErrorCode::kInvalidArgument, "batch size must be > 0");
  if (calibration.size() == 0) {
    return make_error(ErrorCode::kBadDataset, calibration.name + ": the calibration dataset is empty");
  }
  return validate_preprocess(eval.preprocess,
                             calibration.sample_shape.empty() ? 1 : calibration.sample_shape[0]);
}

}  // namespace

std::function<Status(const OnnxModel&, const WeightLayer&, WeightSensitivity&)> sequential_refresh(
    const Dataset& calibration, const EvalOptions& eval, std::size_t samples) {
  return [&calibration, &eval, samples](const OnnxModel& model, const WeightLayer& layer,
                                        WeightSensitivity& s) -> Status {
    DCZ_TRY(check_calibration(calibration, eval, samples));
    const eval::CalibrationBatch batch =
        calibration_batch(calibration, eval, std::min(samples, calibration.size()));
    DCZ_ASSIGN_OR_RETURN(std::string onnx, model.serialize());
    const EvalModel runnable{"calibration model", std::move(onnx)};
    DCZ_ASSIGN_OR_RETURN(std::vector<eval::InputStats> inputs,
                         eval::measure_input_energies(runnable, model, {layer}, batch));
    // A layer whose input could not be read keeps its earlier statistics.
    if (!inputs[0].energy.empty()) s.input_energy = std::move(inputs[0].energy);
    if (!inputs[0].gram.empty()) s.input_gram = std::move(inputs[0].gram);
    return Status::ok();
  };
}

Result<SensitivityStats> measure_sensitivity(const OnnxModel& model,
                                             const WeightSelection& selection,
                                             const Dataset& calibration, const EvalOptions& eval,
                                             std::size_t samples) {
  DCZ_TRY(check_calibration(calibration, eval, samples));
  set_engine_threads(eval.threads);
  DCZ_ASSIGN_OR_RETURN(std::vector<WeightLayer> layers, describe_weight_layers(model, selection));
  const eval::CalibrationBatch batch =
      calibration_batch(calibration, eval, std::min(samples, calibration.size()));

  DCZ_ASSIGN_OR_RETURN(std::string onnx, model.serialize());
  const EvalModel runnable{"calibration model", std::move(onnx)};
  {
    DCZ_ASSIGN_OR_RETURN(Engine engine, Engine::create(runnable));
    DCZ_TRY(engine.check_sample_shape(batch.sample_shape));
  }
  DCZ_ASSIGN_OR_RETURN(std::vector<eval::InputStats> inputs,
                       eval::measure_input_energies(runnable, model, layers, batch));
  SensitivityStats stats;
  stats.samples = batch.count;
  for (std::size_t l = 0; l < layers.size(); ++l) {
    WeightSensitivity s;
    s.name = layers[l].weight.name;
    s.input_energy = std::move(inputs[l].energy);
    s.input_gram = std::move(inputs[l].gram);
    s.input_axis = layers[l].input_axis;
    s.groups = layers[l].groups;
    stats.weights.push_back(std::move(s));
  }
  DCZ_TRY(eval::measure_layer_gains(model, runnable.name, layers, batch, stats.weights));
  DCZ_TRY(eval::measure_output_grams(model, runnable.name, layers, batch, stats.weights));
  return stats;
}

}  // namespace dcz
