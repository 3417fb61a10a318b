// ONNX models for the dead-unit tests (dcz/dead_units.h), valid for onnx::checker and runnable by
// dcz_eval's OpenCV engine.
#pragma once

#include <cstdint>
#include <string>

namespace dcz::test {

// A LeNet-5-shaped chain, weights ~ N(0, 0.3) from `seed`, every bias nonzero:
//   input [1,1,14,14] → Conv "conv1" (conv1.weight [4,1,3,3], conv1.bias [4]) → act1 →
//   MaxPool 2×2 → Conv "conv2" (conv2.weight [6,4,3,3], conv2.bias [6]) → MaxPool 2×2 ("pool2",
//   [1,6,2,2]) → flatten ("flat", [1,24]) → Gemm "fc1" (fc1.weight [5,24], transB=1; [24,5] with
//   !fc1_trans_b; fc1.bias [5]) → Relu → Gemm "fc2" (fc2.weight [3,5], fc2.bias [3]) → "logits".
// fc1's columns of conv2 channels 1 and 4 (columns 4..7 and 16..19) are zero.
struct DeadUnitModelOptions {
  std::uint64_t seed = 1;
  std::string act1 = "Relu";        // Relu | Sigmoid | BatchNormalization | Clip (clip_min..6)
  float clip_min = 0.0f;
  std::string flatten = "Flatten";  // Flatten | Reshape0 ([0,-1]) | Reshape ([-1,24])
  bool pool2_value_info = false;    // declare pool2's shape [1,6,side,side] (value_info)
  std::int64_t pool2_side = 2;      // (a wrong side: a malformed file's claim)
  bool residual_add = false;        // pool2 + a constant (Add "res") before the flatten
  bool pool2_second_reader = false; // Identity "peek" of pool2 as a second graph output
  bool pool2_graph_output = false;  // pool2 is also a graph output
  bool conv2_grouped = false;       // conv2 with group 2 (conv2.weight [6,2,3,3])
  bool conv2_weight_shared = false; // Identity "copy" of conv2.weight as a second graph output
  bool conv2_weight_output = false; // conv2.weight is also a graph output
  bool fc1_trans_b = true;
  bool dead_columns_negative = false;  // fc1's zero columns as -0.0
  // conv2 reads conv1's channel 2 only in filters 1 and 4: dead once they are.
  bool conv1_channel2_via_dead_filters = false;
  bool conv1_channel3_zero = false;  // conv1's filter 3 and bias 3 are +0.0
};
std::string make_dead_unit_model(const DeadUnitModelOptions& options = {});

// input [2,8] → MatMul "mm1" (w1 [8,6]) → Relu → MatMul "mm2" (w2 [6,4]) → "out".
// w2's row 2 is zero (w1's column 2 is dead); w1's column 5 is zero (w2's row 5 reads zero).
// `half`: every tensor float16.
std::string make_matmul_chain_model(std::uint64_t seed, bool half = false);

}  // namespace dcz::test
