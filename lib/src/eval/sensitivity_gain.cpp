// measure_layer_gains: per layer, Gaussian noise shaped by the quantizer's importance h is added
// to the weights alone and the logits' mean squared change is measured (forward passes only:
// OpenCV dnn has no gradients). For noise n_i = σ z_i / √h_i the expected change is
// σ² Σ_i (JᵀJ)_ii / h_i, so the gain is the output Hessian's diagonal (Gauss-Newton) relative to
// the input-energy proxy, averaged over the layer.
#include <bit>
#include <cmath>
#include <cstring>

#include "eval/sensitivity_stats.h"
#include "quantize/rate_importance.h"
#include "quantize/rng.h"

namespace dcz::eval {
namespace {

// Noise RMS relative to the weights, in the h-weighted norm: small enough that the network
// responds about linearly, large enough to stay far above float32 rounding of the logits.
constexpr double kNoiseLevel = 0.03;

double gaussian(quantize::Rng& rng) {
  // Box-Muller with our own generator, so the noise is the same on every platform.
  const double u1 = 1.0 - rng.uniform(), u2 = rng.uniform();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
}

// Adds the noise to a float32 tensor; returns Σ h_i n_i² (0 when the tensor is all zero).
double add_noise(std::span<std::uint8_t> bytes, std::span<const std::int64_t> dims,
                 const WeightSensitivity& s, std::uint64_t seed) {
  const std::size_t n = bytes.size() / sizeof(float);
  RateTensorOptions o;
  o.input_energy = s.input_energy;
  o.input_axis = s.input_axis;
  o.groups = s.groups;
  const std::vector<double> h = quantize::rate::element_importance(o, dims, n);
  std::vector<float> w(n);
  std::memcpy(w.data(), bytes.data(), n * sizeof(float));
  double weighted_signal = 0.0;
  for (std::size_t i = 0; i < n; ++i) weighted_signal += h[i] * w[i] * w[i];
  const double sigma = kNoiseLevel * std::sqrt(weighted_signal / static_cast<double>(n));
  quantize::Rng rng(seed);
  double energy = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    const float noisy = static_cast<float>(w[i] + sigma * gaussian(rng) / std::sqrt(h[i]));
    const double e = static_cast<double>(noisy) - w[i];
    energy += h[i] * e * e;
    w[i] = noisy;
  }
  std::memcpy(bytes.data(), w.data(), n * sizeof(float));
  return energy;
}

double mean_squared_change(const std::vector<float>& a, const std::vector<float>& b,
                           std::size_t samples) {
  double sum = 0.0;
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) {
    const double d = static_cast<double>(a[i]) - b[i];
    sum += d * d;
  }
  return sum / static_cast<double>(samples);
}

}  // namespace

Result<OnnxModel> working_copy(const OnnxModel& onnx, const std::string& name) {
  DCZ_ASSIGN_OR_RETURN(std::string serialized, onnx.serialize());
  std::span<const std::uint8_t> bytes(reinterpret_cast<const std::uint8_t*>(serialized.data()),
                                      serialized.size());
  return OnnxModel::parse(bytes, {}, name);
}

Result<std::vector<float>> run_calibration(const OnnxModel& model, const std::string& name,
                                           const CalibrationBatch& batch) {
  DCZ_ASSIGN_OR_RETURN(std::string bytes, model.serialize());
  DCZ_ASSIGN_OR_RETURN(Engine engine, Engine::create(EvalModel{name, std::move(bytes)}));
  std::vector<float> outputs, chunk;
  for (std::size_t first = 0; first < batch.count; first += batch.batch_size) {
    const std::size_t n = std::min(batch.batch_size, batch.count - first);
    const std::size_t elements = batch.inputs.size() / batch.count;
    std::size_t classes = 0;
    DCZ_TRY(engine.run(batch.inputs.data() + first * elements, n, batch.sample_shape, chunk, classes));
    outputs.insert(outputs.end(), chunk.begin(), chunk.end());
  }
  return outputs;
}

Status measure_layer_gains(const OnnxModel& onnx, const std::string& name,
                           const std::vector<WeightLayer>& layers, const CalibrationBatch& batch,
                           std::vector<WeightSensitivity>& sensitivity) {
  DCZ_ASSIGN_OR_RETURN(OnnxModel work, working_copy(onnx, name));
  DCZ_ASSIGN_OR_RETURN(std::vector<float> reference, run_calibration(work, name, batch));
  for (std::size_t l = 0; l < layers.size(); ++l) {
    const std::size_t t = layers[l].weight.tensor_index;
    const TensorInfo& info = work.tensor(t);
    if (info.dtype != DType::kFloat32) continue;  // noise is injected in float32 only; gain 1
    std::span<std::uint8_t> weights = work.mutable_tensor_bytes(t);
    const std::vector<std::uint8_t> original(weights.begin(), weights.end());
    const double energy = add_noise(weights, info.dims, sensitivity[l], 0x5EED0000u + l);
    if (energy > 0.0) {
      DCZ_ASSIGN_OR_RETURN(std::vector<float> noisy, run_calibration(work, name, batch));
      sensitivity[l].layer_gain = mean_squared_change(noisy, reference, batch.count) / energy;
    }
    std::memcpy(work.mutable_tensor_bytes(t).data(), original.data(), original.size());
  }
  return Status::ok();
}

}  // namespace dcz::eval
