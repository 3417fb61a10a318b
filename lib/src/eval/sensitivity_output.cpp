// measure_output_grams: the output side of a fully connected layer's Hessian (K-FAC), from
// forward passes only (OpenCV dnn has no gradients). Shifting output r's bias by ε moves the
// logits by J_r·ε to first order, so one pass per output gives every sample's J_r, and
// G = E[J_rᵀ J_r'] follows. The quantizer normalises G to a mean diagonal of 1 (the measured layer
// gain keeps the scale), so a Gemm's beta or a common error in ε cancels.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "eval/sensitivity_stats.h"

namespace dcz::eval {
namespace {

// ε_r relative to the RMS of output r: far above float32 rounding of the logits, small enough
// that few ReLUs downstream switch.
constexpr double kProbe = 0.01;

// Outputs of a rank-2 weight: dims[0] of [M, K] (input_axis 1), dims[1] of [K, M].
std::size_t output_count(const OnnxModel& onnx, const WeightLayer& layer) {
  const TensorInfo& w = onnx.tensor(layer.weight.tensor_index);
  return static_cast<std::size_t>(w.dims[layer.input_axis == 1 ? 0 : 1]);
}

bool measurable(const OnnxModel& onnx, const WeightLayer& layer, const WeightSensitivity& s) {
  if (layer.weight.op_type != "Gemm" || !layer.has_bias || s.input_gram.empty()) return false;
  const TensorInfo& w = onnx.tensor(layer.weight.tensor_index);
  const TensorInfo& b = onnx.tensor(layer.bias_tensor);
  // Both read as float32 here (the quantizer's input gram exists for any float weight).
  if (w.dims.size() != 2 || w.dtype != DType::kFloat32 || b.dtype != DType::kFloat32 ||
      layer.input_axis > 1) {
    return false;
  }
  const std::size_t outputs = output_count(onnx, layer);
  const auto inputs = static_cast<std::size_t>(w.dims[layer.input_axis]);
  return outputs > 0 && outputs <= kMaxGramOutputs && b.element_count() == outputs &&
         s.input_gram.size() == inputs * inputs;
}

// kOutputGramSamples samples spread evenly over the batch (all of it when smaller).
CalibrationBatch subset(const CalibrationBatch& batch) {
  if (batch.count <= kOutputGramSamples) return batch;
  CalibrationBatch s;
  s.count = kOutputGramSamples;
  s.sample_shape = batch.sample_shape;
  s.batch_size = batch.batch_size;
  const std::size_t elements = batch.inputs.size() / batch.count;
  s.inputs.resize(s.count * elements);
  for (std::size_t i = 0; i < s.count; ++i) {
    const std::size_t from = i * batch.count / s.count;
    std::memcpy(s.inputs.data() + i * elements, batch.inputs.data() + from * elements,
                elements * sizeof(float));
  }
  return s;
}

// RMS of each output's pre-bias value, √(w_rᵀ E[x xᵀ] w_r), from the weights and the input gram.
std::vector<double> output_rms(const OnnxModel& onnx, const WeightLayer& layer, const WeightSensitivity& s) {
  const TensorInfo& info = onnx.tensor(layer.weight.tensor_index);
  const std::span<const std::uint8_t> bytes = onnx.tensor_bytes(layer.weight.tensor_index);
  const std::size_t m = output_count(onnx, layer);
  const auto k = static_cast<std::size_t>(info.dims[layer.input_axis]);
  std::vector<double> rms(m), w(k);
  for (std::size_t o = 0; o < m; ++o) {
    for (std::size_t j = 0; j < k; ++j) {
      const std::size_t at = layer.input_axis == 1 ? o * k + j : j * m + o;
      float v;
      std::memcpy(&v, bytes.data() + at * sizeof(float), sizeof v);
      w[j] = v;
    }
    double e = 0.0;
    for (std::size_t i = 0; i < k; ++i) {
      double row = 0.0;
      for (std::size_t j = 0; j < k; ++j) row += s.input_gram[i * k + j] * w[j];
      e += w[i] * row;
    }
    rms[o] = std::sqrt(std::max(e, 0.0));
  }
  return rms;
}

// G[r][r'] = mean over samples of Σ_classes J_r J_r' from the per-output columns (count ×
// classes floats each).
std::vector<double> gram_of(const std::vector<std::vector<float>>& columns, std::size_t samples) {
  const std::size_t m = columns.size();
  std::vector<double> g(m * m, 0.0);
  for (std::size_t r = 0; r < m; ++r) {
    for (std::size_t c = r; c < m; ++c) {
      double sum = 0.0;
      const std::vector<float>& a = columns[r];
      const std::vector<float>& b = columns[c];
      for (std::size_t i = 0; i < a.size(); ++i) sum += static_cast<double>(a[i]) * b[i];
      g[r * m + c] = g[c * m + r] = sum / static_cast<double>(samples);
    }
  }
  return g;
}

}  // namespace

std::vector<bool> plan_output_grams(const std::vector<std::uint64_t>& outputs, std::uint64_t samples,
                                    std::uint64_t model_bytes) {
  std::vector<bool> plan(outputs.size(), false);
  const double per_pass = static_cast<double>(samples) * static_cast<double>(model_bytes);
  double used = 0.0;
  for (std::size_t l = 0; l < outputs.size(); ++l) {
    const double cost = static_cast<double>(outputs[l]) * per_pass;
    if (outputs[l] == 0 || used + cost > kOutputGramWork) continue;
    plan[l] = true;
    used += cost;
  }
  return plan;
}

Status measure_output_grams(const OnnxModel& onnx, const std::string& name,
                            const std::vector<WeightLayer>& layers, const CalibrationBatch& batch,
                            std::vector<WeightSensitivity>& sensitivity) {
  const CalibrationBatch probe = subset(batch);
  std::uint64_t model_bytes = 0;
  for (std::size_t t = 0; t < onnx.tensor_count(); ++t) model_bytes += onnx.tensor_bytes(t).size();
  std::vector<std::uint64_t> outputs(layers.size(), 0);
  for (std::size_t l = 0; l < layers.size(); ++l) {
    if (measurable(onnx, layers[l], sensitivity[l])) outputs[l] = output_count(onnx, layers[l]);
  }
  const std::vector<bool> plan = plan_output_grams(outputs, probe.count, model_bytes);
  if (std::find(plan.begin(), plan.end(), true) == plan.end()) return Status::ok();
  DCZ_ASSIGN_OR_RETURN(OnnxModel work, working_copy(onnx, name));
  DCZ_ASSIGN_OR_RETURN(std::vector<float> reference, run_calibration(work, name, probe));
  for (std::size_t l = 0; l < layers.size(); ++l) {
    if (!plan[l]) continue;
    const std::vector<double> rms = output_rms(onnx, layers[l], sensitivity[l]);
    std::span<std::uint8_t> bias = work.mutable_tensor_bytes(layers[l].bias_tensor);
    // J_r per sample and class; an output whose shift is below float32 resolution keeps zeros.
    std::vector<std::vector<float>> columns(rms.size(), std::vector<float>(reference.size(), 0.0f));
    for (std::size_t r = 0; r < rms.size(); ++r) {
      float original;
      std::memcpy(&original, bias.data() + r * sizeof(float), sizeof original);
      const double want = kProbe * (rms[r] > 0.0 ? rms[r] : 1.0) + 1e-3 * std::abs(original);
      const float shifted = static_cast<float>(original + want);
      const double epsilon = static_cast<double>(shifted) - original;
      if (!(epsilon > 0.0)) continue;
      std::memcpy(bias.data() + r * sizeof(float), &shifted, sizeof shifted);
      auto moved = run_calibration(work, name, probe);
      std::memcpy(bias.data() + r * sizeof(float), &original, sizeof original);
      if (!moved) return moved.status();
      std::vector<float>& column = columns[r];
      for (std::size_t i = 0; i < column.size() && i < moved->size(); ++i) {
        column[i] = static_cast<float>((static_cast<double>((*moved)[i]) - reference[i]) / epsilon);
      }
    }
    sensitivity[l].output_gram = gram_of(columns, probe.count);
  }
  return Status::ok();
}

}  // namespace dcz::eval
