// The per-element importance of the rate-aware quantizer, shared with the sensitivity
// measurement (lib/src/eval) so that the noise it injects is weighted exactly as the quantizer
// weights errors.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "dcz/rate_quantize.h"

namespace dcz::quantize::rate {

// a_i = gain · (input_energy[input channel of i] + ε) for the n elements of a tensor of shape
// `dims` (ε = 1e-6 × the mean energy, or 1 when every energy is 0); gain alone for an empty
// energy. The options must have passed rate_quantize_tensor's checks.
// K of the error-feedback path: dims[input_axis] of a rank-2 weight, else the product of dims[1..]
// with input_axis 1 (a convolution's patch); 0 when it does not apply.
std::uint64_t feedback_inputs(std::span<const std::int64_t> dims, std::uint32_t input_axis);

std::vector<double> element_importance(const RateTensorOptions& options,
                                       std::span<const std::int64_t> dims, std::size_t n);

}  // namespace dcz::quantize::rate
