// The two measurements behind measure_sensitivity (dcz/rate_quantize.h): input energies of the
// weight layers and their output gains, on a calibration batch already preprocessed.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dcz/eval.h"
#include "dcz/onnx_model.h"
#include "dcz/rate_quantize.h"

namespace dcz::eval {

// Calibration samples, preprocessed: count × elements floats.
struct CalibrationBatch {
  std::vector<float> inputs;
  std::vector<std::int64_t> sample_shape;
  std::size_t count = 0;
  std::size_t batch_size = 100;
};

// Adds x xᵀ (upper triangle of the K × K `gram`) of one flat sample of K features; returns 1.
std::uint64_t add_gram(const float* x, std::size_t k, std::vector<double>& gram);

// Adds p pᵀ for input patches p of a 2-D Conv (layer.strides / pads / dilations, a kernel_h ×
// kernel_w kernel) over one sample [C, H, W]: K = C·kernel_h·kernel_w in the weight's order
// (channel, row, column), zero outside the image. At most kPatchesPerSample output positions,
// spread evenly, keep the cost bounded. Returns the number of patches added.
inline constexpr std::size_t kPatchesPerSample = 64;
std::uint64_t add_patch_gram(const float* x, const std::vector<int>& dims, const WeightLayer& layer,
                             std::int64_t kernel_h, std::int64_t kernel_w, std::vector<double>& gram);

// Per layer: E[x_j²] of its input per input channel (layer.input: the graph input, or a node
// output read back from OpenCV dnn), and for a fully connected layer with at most
// kMaxGramInputs features the whole E[x xᵀ]. An entry stays empty when the input cannot be read
// or its shape does not match the weight; the quantizer then weights that layer's elements
// equally.
struct InputStats {
  std::vector<float> energy;
  std::vector<double> gram;  // K × K row-major, or empty
};
Result<std::vector<InputStats>> measure_input_energies(const EvalModel& model, const OnnxModel& onnx,
                                                       const std::vector<WeightLayer>& layers,
                                                       const CalibrationBatch& batch);

// A private copy of `onnx` whose tensors the measurements below may change (and restore).
Result<OnnxModel> working_copy(const OnnxModel& onnx, const std::string& name);

// The model's outputs (logits) on every sample of the batch, count × classes floats.
Result<std::vector<float>> run_calibration(const OnnxModel& model, const std::string& name,
                                           const CalibrationBatch& batch);

// The gain of each layer: mean squared change of the logits per unit of weighted noise energy
// Σ h_i n_i², for Gaussian noise n_i = σ z_i / √h_i in that layer's weights alone.
// `sensitivity[l]` gives h (input_energy, axis, groups); its layer_gain is filled.
Status measure_layer_gains(const OnnxModel& onnx, const std::string& name,
                           const std::vector<WeightLayer>& layers, const CalibrationBatch& batch,
                           std::vector<WeightSensitivity>& sensitivity);

// The output-side matrix of each fully connected layer with a float32 bias, at most
// kMaxGramOutputs outputs and a measured input_gram (WeightSensitivity::output_gram): output r's
// bias is shifted by a small ε_r and the logits' change per unit, J_r, is read on
// kOutputGramSamples of the batch; G = E[J_rᵀ J_r'] (one forward pass per output). Layers are
// measured in order while the work stays within kOutputGramWork (plan_output_grams).
// The forward passes of the whole model cost about samples × its tensor bytes each: layers (by
// their output counts, 0 = not measurable) are taken in order while Σ outputs × samples × bytes
// stays within kOutputGramWork, so a large classifier (VGG-16's 1000 outputs over 553 MB) is
// skipped instead of taking hours, and the choice never depends on the machine's speed.
inline constexpr double kOutputGramWork = 2.0e12;  // LeNet-5: 510 passes × 1000 × 1.7 MB = 0.9e12
std::vector<bool> plan_output_grams(const std::vector<std::uint64_t>& outputs, std::uint64_t samples,
                                    std::uint64_t model_bytes);

Status measure_output_grams(const OnnxModel& onnx, const std::string& name,
                            const std::vector<WeightLayer>& layers, const CalibrationBatch& batch,
                            std::vector<WeightSensitivity>& sensitivity);

}  // namespace dcz::eval
