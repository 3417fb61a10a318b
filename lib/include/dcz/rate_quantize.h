// Rate-aware (entropy-constrained) scalar quantization with sensitivity weighting (issue #7).
//
// Once quantization indices are entropy-coded, the best quantizer minimises distortion plus rate
// (ECSQ; Choi et al. 2017, "Towards the Limit of Network Quantization"), not distortion at a fixed
// cluster count. Per layer l, every element i gets a signed integer level q_i on a uniform grid of
// step Δ_l (level 0 = exactly zero), chosen to minimise the Lagrangian cost
//
//     J_l = D_l + λ·R_l,   D_l = g_l · Σ_i h_i (w_i − ŵ_i)²,
//
// where h_i is the importance of element i (the input energy E[x_j²] of its input channel j: the
// diagonal of XᵀX, Optimal Brain Damage's Hessian proxy), g_l the measured gain from that weighted
// error to the model's output logits, and R_l the bits of the levels under a context model like
// the coder's (a significance flag conditioned on whether the previous element is zero, then the
// signed level order-0). One global λ trades bits for output error across all layers, so bits go
// where they cost the least accuracy; pruning falls out of the same trade-off (levels of 0).
//
// The level choice is a 2-state Viterbi search (the context makes one choice depend on the
// previous one), with candidates {0, the two grid levels around w}; the level statistics are
// re-estimated and the search repeated. Δ_l is searched per layer to minimise J_l. Then each
// level's reconstruction value becomes the h-weighted mean of its weights (a Lloyd-ECSQ step),
// rounded to the tensor's dtype, and levels are re-chosen against those values.
//
// With the second moments of a layer's inputs (E[x xᵀ] of a fully connected layer's features or
// a convolution's patches, measured on calibration data), the levels are chosen input column by
// input column instead and each column's error is fed forward onto the columns not yet quantized
// (Optimal Brain Surgeon / GPTQ), on the same uniform grid and the same D + λ·R cost. The diagonal
// model cannot see that correlated inputs add up errors that go the same way; measured on the
// LeNet-300-100 sample, feedback doubles the ratio at the same top-1 loss.
//
// With the output side of a fully connected layer as well (G = E[JᵀJ] of the logits' Jacobian
// with respect to its outputs, K-FAC's other factor), the rows are quantized in order too and
// each row's error is pushed onto the later rows through G's inverse factor: errors move into the
// directions the next layers do not see (500 outputs of LeNet-5's fc1 reach 10 logits). Measured
// on the LeNet-5 sample by the same λ search: ≤ 1.0 point of top-1 loss went from 32,320 to
// 25,856 bytes.
//
// Every result is deterministic for the same input and options, whatever the thread count.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dcz/dtype.h"
#include "dcz/selection.h"
#include "dcz/status.h"

namespace dcz {

class OnnxModel;
struct Dataset;
struct EvalOptions;

// ---------------------------------------------------------------------------------------------
// Sensitivity statistics.

// Per selected weight tensor: importance of each element's error (diagonal Hessian proxy).
struct WeightSensitivity {
  std::string name;                 // SelectedWeight::name
  std::vector<float> input_energy;  // per input channel/feature: E[x_j^2] of the layer input (empty: all 1)
  std::uint32_t input_axis = 1;     // which weight axis indexes input channels (Conv: 1; Gemm transB: 1; MatMul: 0)
  // Convolution groups: weight axis 1 then indexes the channels of one group, and output channel
  // o reads input channel (o / (out_channels / groups)) · (in_channels / groups) + c.
  std::uint32_t groups = 1;
  double layer_gain = 1.0;          // output-loss sensitivity of this layer (measured, see below)
  // K × K row-major E[x xᵀ] of the layer's K inputs per output: a fully connected layer's
  // features, or a 2-D convolution's input patches (K = channels × kernel height × width, in the
  // weight's storage order). Empty when unknown or K > kMaxGramInputs. With it the quantizer feeds
  // each input column's error forward onto the columns not yet quantized (Optimal Brain Surgeon
  // / GPTQ), which the diagonal cannot do.
  std::vector<double> input_gram;
  // R × R row-major E[J_rᵀ J_r'] for the R outputs of a fully connected layer, J_r the change of
  // the logits per unit change of output r (measured by shifting the bias of output r: forward
  // passes only). The output-side factor of a Kronecker-factored Hessian G ⊗ E[x xᵀ] (K-FAC):
  // with it the quantizer also feeds each output row's error onto the rows not yet quantized,
  // into directions the logits do not see (the next layer reads 500 outputs through 10 logits).
  // Empty when unknown: not a Gemm, weight or bias not float32, no input_gram,
  // R > kMaxGramOutputs, or the layer does not fit the measurement's work budget.
  std::vector<double> output_gram;
};

// The largest input width whose second-moment matrix is measured (memory K² doubles, time K³).
inline constexpr std::size_t kMaxGramInputs = 4096;
// The most outputs whose output-side matrix is measured: one forward pass per output.
inline constexpr std::size_t kMaxGramOutputs = 1024;
// Calibration samples the output-side matrix is measured on (evenly spread over the batch).
inline constexpr std::size_t kOutputGramSamples = 1000;

struct SensitivityStats {
  std::vector<WeightSensitivity> weights;
  std::uint64_t samples = 0;
};

// In dcz_eval (needs OpenCV): runs `samples` calibration images (spread evenly over the dataset)
// through the model and measures, per selected weight:
// - input_energy: E[x_j²] of the layer's input per input channel (Conv: averaged over batch and
//   positions; Gemm / MatMul: per feature), from the layer's input blob in OpenCV dnn;
// - layer_gain: Gaussian noise n_i = σ·z_i/√h_i is injected into the weights alone and the mean
//   (over samples) squared change of the output logits is divided by the weighted noise energy
//   Σ h_i n_i². So g_l·Σ h_i e_i² predicts the logits' mean squared change for an error e: D is in
//   the same units for every layer, which makes one λ meaningful across layers;
// - output_gram (fully connected layers with a float32 bias and at most kMaxGramOutputs outputs):
//   the bias of each output in turn is shifted by 1 % of that output's RMS and the logits' change
//   per unit is read on kOutputGramSamples samples: G = E[J_rᵀ J_r'], one pass per output
//   (layers in order while outputs × samples × model bytes stays within a fixed budget).
// Errors: those of select_weights and of the engine (kEngineFailed, kShapeMismatch), kBadDataset
// for an empty dataset, kInvalidArgument for samples == 0.
Result<SensitivityStats> measure_sensitivity(const OnnxModel& model,
                                             const WeightSelection& selection,
                                             const Dataset& calibration, const EvalOptions& eval,
                                             std::size_t samples);

// ---------------------------------------------------------------------------------------------
// One tensor.

struct RateTensorOptions {
  double lambda = 1e-4;  // > 0 and finite
  // Importance of element i's error is gain · h_i, with h_i = input_energy[channel of i] + ε (ε: 1e-6 ×
  // the mean energy, so a channel that never fires still costs a little). Empty energy: h_i = 1.
  std::span<const float> input_energy;
  std::uint32_t input_axis = 1;
  std::uint32_t groups = 1;
  double gain = 1.0;
  // K × K E[x xᵀ] of the inputs of one output: K = dims[input_axis] for a rank-2 weight, or
  // the product of dims[1..] with input_axis 1 (a convolution's patch): selects the
  // error-feedback path (values stay on the uniform grid; `refine` does not apply). Falls back to
  // the diagonal path when the matrix is not positive definite.
  std::span<const double> input_gram;
  // R × R output-side matrix (WeightSensitivity::output_gram), R = the weight's outputs (dims[0]
  // with input_axis 1, dims[1] with input_axis 0): only with input_gram. Rows are then quantized
  // one after another and each row's error is fed onto the later rows through G's inverse
  // factor (Kronecker-factored Optimal Brain Surgeon); G is normalised to a mean diagonal of 1,
  // so the layer gain keeps its meaning. G = I gives exactly the result without it.
  std::span<const double> output_gram;
  // False stops after the uniform grid: every value is exactly level · Δ rounded to the dtype.
  bool refine = true;
  unsigned threads = 1;  // Δ candidates are searched concurrently; never changes the result
};

struct RateTensorStats {
  std::uint64_t elements = 0;
  std::uint64_t zeros_before = 0;  // exact zeros in the input (kept bit for bit)
  std::uint64_t zeros_after = 0;
  double step = 0.0;               // Δ
  std::uint32_t levels_used = 0;   // distinct nonzero levels
  std::int64_t min_level = 0;
  std::int64_t max_level = 0;
  double estimated_bits = 0.0;     // Σ −log2 p(level | context) under the final statistics
  double order0_bits = 0.0;        // the same levels' order-0 entropy × elements
  double codebook_bits = 0.0;      // levels_used × dtype bits (the reconstruction values)
  double weighted_distortion = 0.0;  // D = gain · Σ h_i (w_i − ŵ_i)²
  double cost = 0.0;               // D + λ·(estimated_bits + codebook_bits)
  double sse = 0.0;                // Σ (w − ŵ)²
  double signal = 0.0;             // Σ w²
  double max_abs_error = 0.0;
  double sqnr_db() const;          // 10·log10(signal / sse); +infinity when exact
};

// Quantizes one raw little-endian float tensor (float32 / float16 / bfloat16 / float64) of shape
// `dims` in place. Input zeros keep their bit pattern; every other element becomes the
// reconstruction value of its level (level 0: +0). Errors (the tensor is then unchanged):
// kInvalidArgument for λ ≤ 0 or not finite, a byte count that is not dims × dtype size, an
// input_energy whose size does not match dims[input_axis] × groups, an axis out of range, a
// negative or non-finite energy or gain, an input_gram that is not K × K finite values; kUnsupported for a non-float dtype or a NaN / Inf element
// (the message names `name` and the element index).
Result<RateTensorStats> rate_quantize_tensor(DType dtype, std::span<std::uint8_t> bytes,
                                             std::span<const std::int64_t> dims,
                                             const RateTensorOptions& options,
                                             std::string_view name);

// ---------------------------------------------------------------------------------------------
// A model.

// A selected weight's layer as the quantizer and the sensitivity measurement see it: the weight,
// its layer's runtime input and its bias. From the first node that uses the weight.
struct WeightLayer {
  SelectedWeight weight;
  std::string input;              // the node input the weight multiplies ("" when not known)
  // The node producing `input` as its first output, when there is one ("" for a graph input or
  // an unnamed node): runtimes such as OpenCV dnn name their layers after it.
  std::string input_node;
  std::uint32_t input_axis = 1;   // as in WeightSensitivity
  std::uint32_t groups = 1;
  bool has_bias = false;
  std::size_t bias_tensor = 0;    // OnnxModel::tensor index of the bias (Conv / Gemm input 2)
  // A 2-D Conv with explicit padding (no auto_pad): its strides, pads (top, left, bottom,
  // right) and dilations, so its input patches can be formed. Empty otherwise.
  std::vector<std::int64_t> strides, pads, dilations;
};

// The selected weights' layers, in selection order. Errors: those of select_weights.
Result<std::vector<WeightLayer>> describe_weight_layers(const OnnxModel& model,
                                                        const WeightSelection& selection);

struct RateQuantizeOptions {
  double lambda = 1e-4;             // the one global trade-off (larger: smaller file, more error)
  // Per-layer multipliers of λ, by selected weight name: that layer (and its bias) is quantized
  // at λ × multiplier, every other layer at λ. The gains are measured, not exact, so a search
  // can correct one layer's balance against the others (dcz/tradeoff_search.h). Each must be
  // finite and > 0 and name a selected weight (kInvalidArgument otherwise, naming the tensor).
  std::map<std::string, double> lambda_scale;
  WeightSelection selection;        // which tensors (same rules as dcz-prune / dcz-quantize)
  const SensitivityStats* sensitivity = nullptr;  // null: unweighted MSE
  // Also quantize each selected layer's bias (a float initializer used only as the bias of
  // Conv / Gemm) with the same λ: a bias is a weight on a constant input of energy 1, so its
  // importance is the layer gain. Stored float32 it would cost 32 bits per value.
  bool biases = true;
  unsigned threads = 0;             // 0: hardware concurrency
  // Sequential calibration (GPTQ's order): called before each weight layer, with the model whose
  // earlier layers are already quantized, to re-measure that layer's input statistics
  // (input_energy, input_gram) so that it compensates the errors before it. Null: the given
  // statistics are used as they are. See sequential_refresh.
  std::function<Status(const OnnxModel&, const WeightLayer&, WeightSensitivity&)> refresh;
};

// In dcz_eval: a refresh that re-measures one layer's input statistics on `samples` calibration
// images (as measure_sensitivity does; the gain is kept). The dataset and options must outlive
// the returned function.
std::function<Status(const OnnxModel&, const WeightLayer&, WeightSensitivity&)> sequential_refresh(
    const Dataset& calibration, const EvalOptions& eval, std::size_t samples);

struct RateLayerReport {
  std::string name;
  std::string op_type;
  DType dtype = DType::kFloat32;
  bool is_bias = false;
  double gain = 1.0;
  RateTensorStats stats;
};

struct RateQuantizeReport {
  double lambda = 0.0;
  bool weighted = false;                 // sensitivity statistics were given
  std::uint64_t calibration_samples = 0;
  std::vector<RateLayerReport> layers;   // weights (and biases after their weight)
  // Totals over the layers.
  std::uint64_t elements = 0;
  std::uint64_t zeros = 0;
  double estimated_bits = 0.0;           // levels, context model
  double order0_bits = 0.0;
  double codebook_bits = 0.0;
  double weighted_distortion = 0.0;
  double sse = 0.0;
  double signal = 0.0;
  // Dense bytes of every tensor, and the estimate with the quantized tensors at
  // (estimated_bits + codebook_bits) / 8 and every other tensor dense.
  std::uint64_t model_bytes = 0;
  double estimated_model_bytes = 0.0;
  double seconds = 0.0;
};

// Quantizes the selected weights (and their biases) of `model` in place. Sensitivity entries are
// matched by name; a selected weight without one is unweighted (gain 1, h = 1). On error the model
// may be partly quantized: callers write nothing. Errors: those of describe_weight_layers and
// rate_quantize_tensor; kInvalidArgument for λ ≤ 0 or not finite, or a bad lambda_scale entry.
Result<RateQuantizeReport> rate_quantize_model(OnnxModel& model, const RateQuantizeOptions& options);

// One line per layer plus totals, for stderr; and the same as pretty-printed JSON.
std::string format_rate_report_text(const RateQuantizeReport& report);
std::string format_rate_report_json(const RateQuantizeReport& report);

}  // namespace dcz
