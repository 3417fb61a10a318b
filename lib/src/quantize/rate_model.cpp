// rate_quantize_model: the rate-aware quantizer over a model's selected weights and their biases.
// Layers run one after another, each with every thread on its step search; each layer's result
// depends only on its bytes and options, so the output never depends on the thread count.
#include <chrono>
#include <cmath>
#include <map>

#include "dcz/onnx_model.h"
#include "dcz/rate_quantize.h"

namespace dcz {
namespace {

const WeightSensitivity* find_sensitivity(const SensitivityStats* stats, const std::string& name) {
  if (!stats) return nullptr;
  for (const WeightSensitivity& s : stats->weights) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

Status quantize_one(OnnxModel& model, std::size_t tensor, const std::string& name,
                    const std::string& op_type, bool is_bias, const RateTensorOptions& options,
                    RateQuantizeReport& report) {
  const TensorInfo& info = model.tensor(tensor);
  RateLayerReport row;
  row.name = name;
  row.op_type = op_type;
  row.dtype = info.dtype;
  row.is_bias = is_bias;
  row.gain = options.gain;
  DCZ_ASSIGN_OR_RETURN(row.stats, rate_quantize_tensor(info.dtype, model.mutable_tensor_bytes(tensor),
                                                       info.dims, options, name));
  report.layers.push_back(std::move(row));
  return Status::ok();
}

void add_totals(const OnnxModel& model, RateQuantizeReport& report) {
  std::uint64_t quantized_bytes = 0;
  for (const RateLayerReport& row : report.layers) {
    const RateTensorStats& s = row.stats;
    report.elements += s.elements;
    report.zeros += s.zeros_after;
    report.estimated_bits += s.estimated_bits;
    report.order0_bits += s.order0_bits;
    report.codebook_bits += s.codebook_bits;
    report.weighted_distortion += s.weighted_distortion;
    report.sse += s.sse;
    report.signal += s.signal;
    quantized_bytes += s.elements * dtype_size(row.dtype);
  }
  for (std::size_t i = 0; i < model.tensor_count(); ++i) {
    report.model_bytes += model.tensor_bytes(i).size();
  }
  report.estimated_model_bytes = static_cast<double>(report.model_bytes - quantized_bytes) +
                                 (report.estimated_bits + report.codebook_bits) / 8.0;
}

// Every multiplier finite, > 0 and naming one of the selected weights.
Status check_lambda_scale(const std::map<std::string, double>& scale, const std::vector<WeightLayer>& layers) {
  for (const auto& [name, value] : scale) {
    if (!(value > 0.0) || !std::isfinite(value)) {
      return make_error(ErrorCode::kInvalidArgument, "lambda multiplier of " + name +
                                                         " must be a finite number > 0, not " + std::to_string(value));
    }
    bool known = false;
    for (const WeightLayer& l : layers) known |= l.weight.name == name;
    if (!known) {
      return make_error(ErrorCode::kInvalidArgument,
                        "lambda multiplier for " + name + ": no selected weight tensor has that name");
    }
  }
  return Status::ok();
}

double lambda_of(const RateQuantizeOptions& options, const std::string& weight) {
  const auto it = options.lambda_scale.find(weight);
  return it == options.lambda_scale.end() ? options.lambda : options.lambda * it->second;
}

}  // namespace

Result<RateQuantizeReport> rate_quantize_model(OnnxModel& model, const RateQuantizeOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  if (!(options.lambda > 0.0) || !std::isfinite(options.lambda)) {
    return make_error(ErrorCode::kInvalidArgument,
                      "lambda must be a finite number > 0, not " + std::to_string(options.lambda));
  }
  DCZ_ASSIGN_OR_RETURN(std::vector<WeightLayer> layers,
                       describe_weight_layers(model, options.selection));
  std::vector<SelectedWeight> selected;
  for (const WeightLayer& l : layers) selected.push_back(l.weight);
  DCZ_TRY(check_selected_weights(model, selected, "quantized"));
  DCZ_TRY(check_lambda_scale(options.lambda_scale, layers));
  RateQuantizeReport report;
  report.lambda = options.lambda;
  report.weighted = options.sensitivity != nullptr;
  if (options.sensitivity) report.calibration_samples = options.sensitivity->samples;
  for (const WeightLayer& layer : layers) {
    RateTensorOptions o;
    // The bias below follows its weight; a product out of range is refused by rate_quantize_tensor.
    o.lambda = lambda_of(options, layer.weight.name);
    o.threads = options.threads;
    const WeightSensitivity* s = find_sensitivity(options.sensitivity, layer.weight.name);
    WeightSensitivity refreshed;
    if (s && options.refresh) {
      refreshed = *s;
      DCZ_TRY(options.refresh(model, layer, refreshed));
      s = &refreshed;
    }
    if (s) {
      o.input_energy = s->input_energy;
      o.input_axis = s->input_axis;
      o.groups = s->groups;
      o.gain = s->layer_gain;
      o.input_gram = s->input_gram;
      o.output_gram = s->output_gram;
    }
    DCZ_TRY(quantize_one(model, layer.weight.tensor_index, layer.weight.name, layer.weight.op_type,
                         false, o, report));
    if (options.biases && layer.has_bias) {
      // A bias is a weight on a constant input of energy 1, with the layer's gain.
      RateTensorOptions b = o;
      b.input_energy = {};
      b.input_gram = {};
      b.output_gram = {};
      DCZ_TRY(quantize_one(model, layer.bias_tensor, model.tensor(layer.bias_tensor).name,
                           layer.weight.op_type, true, b, report));
    }
  }
  add_totals(model, report);
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

}  // namespace dcz
