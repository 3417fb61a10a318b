// Rate-aware quantization with error feedback (Optimal Brain Surgeon / GPTQ style) for a weight
// matrix whose layer input has a known second-moment matrix H = E[x xᵀ]. The diagonal model
// (rate_levels.h) treats each element's error as independent, but inputs are correlated (the
// pixels of an image, the channels of a feature map), so errors that go the same way add up in
// the output. Here the input columns are quantized one after another and each column's error is
// pushed onto the columns not yet quantized through the Cholesky factor of H⁻¹, which keeps the
// layer output close to the original; the level of each element is chosen on the uniform grid
// by distortion + λ·bits as in the diagonal path. With an output-side matrix G (K-FAC: the
// Hessian of the output error is G ⊗ H) the rows are quantized in order as well, and each
// finished row's error is pushed onto the rows after it through the Cholesky factor of G⁻¹: the
// inverse factor of G ⊗ H is the Kronecker product of the two factors, so this is the same
// Optimal Brain Surgeon update over the whole matrix. No dtype, no ONNX.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "quantize/rate_levels.h"

namespace dcz::quantize::rate {

struct FeedbackProblem {
  std::span<const double> w;  // the tensor's elements in storage order
  std::size_t outputs = 0;    // M
  std::size_t inputs = 0;     // K; w has M × K elements
  bool input_axis_last = true;  // storage [M, K] (Conv-like / Gemm transB); else [K, M]
  std::span<const double> gram;  // K × K, E[x xᵀ] of the layer input
  // M × M output-side factor G of the Hessian G ⊗ E[x xᵀ] (empty: rows independent, G = I).
  std::span<const double> output_gram;
  double gain = 1.0;
  double lambda = 0.0;
  unsigned dtype_bits = 32;
  double min_step = 0.0;  // the smallest step the search may use
  unsigned threads = 1;
};

struct FeedbackResult {
  double step = 0.0;
  LevelTable table;
  std::vector<std::int32_t> levels;  // storage order
  LevelCounts counts;
  double distortion = 0.0;  // gain · ‖(W − Ŵ) X‖² / samples, accumulated column by column
  double bits = 0.0;        // context bits of the levels
  std::uint32_t used = 0;
  double cost = 0.0;
};

// False when H is not positive definite even after damping (then use the diagonal path).
bool feedback_quantize(const FeedbackProblem& problem, FeedbackResult& result);

}  // namespace dcz::quantize::rate
