// ONNX models for the pruning tests that the shared fixtures do not cover.
#pragma once

#include <cstdint>
#include <string>

namespace dcz::test {

// Weights in every place and type pruning must handle, as a valid opset-17 model:
//   initializers "w16" (float16 [16,8]), "w_bf16" (bfloat16 [16,8]), "w64" (float64 [16,8], in
//   the typed double_data field), each the constant operand of a MatMul behind Casts;
//   "lstm.W" [1,16,16], "lstm.R" [1,16,4] and "lstm.B" [1,32] of LSTM "lstm" (hidden 4);
//   a Constant node "wc" (output "wc_out", float [16,16]) feeding MatMul "mm_const";
//   an If "branch" whose then_branch holds initializer "then_w" and whose else_branch holds a
//   Constant "else_c" (output "else_w"), both [16,16] MatMul weights;
//   non-weights: "bias8" [8] (Add), "cond" (bool scalar), "lstm.B".
// Values ~ N(0, 0.25) from `seed`, with every 7th weight exactly zero (some as -0.0).
std::string make_mixed_weights_model(std::uint64_t seed);

}  // namespace dcz::test
