// Which tensors of a model are weights that pruning and quantization work on. Shared by
// dcz-prune and dcz-quantize (and their CLI flags in tools/common/selection_options.h).
//
// Default candidates: the weight inputs of Conv / ConvTranspose (input 1), Gemm and MatMul (the
// constant operand, input 0 or 1), LSTM / GRU / RNN (W = input 1, R = input 2), wherever the
// tensor lives (initializer, Constant node, subgraph), of rank >= 2. Biases, normalisation
// parameters, shapes and other constants are never candidates. Only float32 / float16 / bfloat16
// / float64 tensors are selected; other dtypes are skipped unless a name pattern selects them
// explicitly, which is an error.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dcz/status.h"

namespace dcz {

class OnnxModel;
struct TensorInfo;

struct WeightSelection {
  // Glob patterns ('*', '?', '[set]'; fnmatch without flags, so '*' also matches '/') matched
  // against the weight's qualified name (SelectedWeight::name), its plain tensor name and the
  // names of the nodes that use it. Non-empty `include` narrows the candidates to those matching
  // any pattern; `exclude` then removes those matching any pattern.
  std::vector<std::string> include;
  std::vector<std::string> exclude;
  // Op types to keep ("Conv", "MatMul", ...; each must be one of the weight ops above). Empty:
  // all of them.
  std::vector<std::string> op_types;
  // Tensors with fewer elements are skipped (not an error).
  std::uint64_t min_elements = 0;
};

struct SelectedWeight {
  enum class LayerKind : std::uint8_t { kConv, kFullyConnected, kRecurrent };

  std::size_t tensor_index = 0;  // OnnxModel::tensor(i)
  // The tensor name, prefixed by "<graph_path>/" for tensors in subgraphs, so that it identifies
  // the tensor in recipes and reports.
  std::string name;
  std::string op_type;  // the op of the first node that uses it as a weight
  LayerKind kind = LayerKind::kFullyConnected;
};

// "conv", "fc", "recurrent".
std::string_view layer_kind_name(SelectedWeight::LayerKind kind);

// The selected weights in tensor order. Errors:
//   kInvalidArgument  an op type that has no weight input, an empty pattern
//   kNothingToDo      an include/exclude pattern or op type that matches no candidate weight,
//                     or nothing selected at all
//   kUnsupported      an include pattern that matches a non-float weight (the message names it)
Result<std::vector<SelectedWeight>> select_weights(const OnnxModel& model,
                                                   const WeightSelection& selection);

// Checks a selection against the model before a stage modifies it: indices in range and not
// repeated (kInvalidArgument), float dtypes (kUnsupported), byte sizes matching dtype × dims
// (kBadOnnx). `stage` ("pruned", "quantized") completes the dtype message.
Status check_selected_weights(const OnnxModel& model, std::span<const SelectedWeight> selected,
                              std::string_view stage);

// The same over a plain tensor list (index i = tensor i), so selection is testable without ONNX.
Result<std::vector<SelectedWeight>> select_weights(std::span<const TensorInfo> tensors,
                                                   const WeightSelection& selection);

}  // namespace dcz
