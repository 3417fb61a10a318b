// Dead-unit elimination (issue #7): zero the weights that no output of the model can see, and the
// weights that only ever multiply a constant zero. Exact: for finite inputs every output of the
// model keeps its bits (0 · x = 0), so it is free size after pruning or rate-aware quantization.
//
// A link joins a producer layer P (Conv with group 1, Gemm, or MatMul with a constant right
// operand) to a consumer layer C of the same kinds, through a chain of nodes that keep channels
// apart, each value in it read by exactly one node and by no graph output:
//   Relu, LeakyRelu, Clip, Sigmoid, Tanh, Dropout, Identity, BatchNormalization (any producer);
//   MaxPool, AveragePool, GlobalAveragePool, GlobalMaxPool (Conv producers, before flattening);
//   one Flatten (axis 1) or Reshape to rows = batch (Conv or Gemm producers) before a Gemm/MatMul.
// Channel c of P then feeds exactly C's input columns c·S … c·S+S−1. S comes from the consumer's
// width after Flatten or Reshape [0, -1] (K = channels × S for any model that runs), or from the
// model's value_info for other Reshapes; when it is not known the link is not made.
//   dead channel:  C's columns of c are all zero → P's weights of output c and its bias entry
//                  become +0.0 (the bias only when it is an initializer of P alone; weights
//                  that are zero already, -0.0 included, keep their bits);
//   zero channel:  P's weights and bias of c are all zero and every node of the chain maps 0 to 0
//                  (not Sigmoid, not BatchNormalization, Clip only around 0) → C's columns of c
//                  become +0.0.
// Both repeat to a fixpoint (a dead filter of conv2 can leave a conv1 channel unread). Anything
// else ends a chain and changes nothing: Add, Concat, a value with two readers, a graph output,
// grouped convolutions, Gemm with transA, weights shared by two nodes, weights in subgraphs or
// Constant nodes, weights that are also graph outputs, weights outside the selection.
// Normalisation parameters are never changed. Initializers listed as graph inputs are taken as the
// weights, as pruning and quantization take them.
// Time and memory are linear in the model size; the result does not depend on threads.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dcz/selection.h"
#include "dcz/status.h"

namespace dcz {

class OnnxModel;

struct DeadUnitLayer {
  std::string name;     // SelectedWeight::name
  std::string node;     // the node that uses it
  std::string op_type;
  std::uint64_t channels = 0;  // output channels (rows of Conv / Gemm transB=1, columns otherwise)
  std::uint64_t inputs = 0;    // input channels or columns
  // Output channels zeroed because no consumer weight reads them (counted when they held a
  // nonzero weight or bias entry before), and input columns zeroed because their channel is
  // constant zero (counted when they held a nonzero weight).
  std::uint64_t dead_channels = 0;
  std::uint64_t zero_inputs = 0;
  std::uint64_t weights = 0;
  std::uint64_t nonzero_before = 0;
  std::uint64_t nonzero_after = 0;
  std::uint64_t bias_zeroed = 0;  // nonzero bias entries made +0.0
  // The weights (SelectedWeight::name) this layer feeds and is fed by through a link ("" if none).
  std::string consumer;
  std::string producer;
};

struct DeadUnitReport {
  std::vector<DeadUnitLayer> layers;  // every selected layer in a link, in selection order
  std::uint64_t links = 0;
  std::uint64_t rounds = 0;            // sweeps until nothing changed (the last changes nothing)
  std::uint64_t weights_zeroed = 0;    // nonzero weights made +0.0, all layers
  std::uint64_t bias_zeroed = 0;
};

// Zeroes dead and constant-zero units of the selected weights in place (see above). Finding
// nothing is not an error (an empty or zero report). Errors, with nothing changed: those of
// select_weights and check_selected_weights (kNothingToDo for an empty selection, kUnsupported,
// kBadOnnx for a weight whose bytes do not match its dims). A bias that does not match its layer
// is left alone and makes its channels never provably zero.
Result<DeadUnitReport> eliminate_dead_units(OnnxModel& model, const WeightSelection& selection);

// One line per layer that changed plus totals, for stderr.
std::string format_dead_unit_report(const DeadUnitReport& report);
// The same as JSON (one object; keys sorted; final newline), for --json.
std::string dead_unit_report_json(const DeadUnitReport& report);

}  // namespace dcz
