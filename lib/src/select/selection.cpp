// Weight selection over a tensor list; select_model.cpp adapts an OnnxModel to it.
#include "dcz/selection.h"

#include <fnmatch.h>

#include <algorithm>
#include <array>
#include <optional>

#include "dcz/onnx_model.h"

namespace dcz {
namespace {

using LayerKind = SelectedWeight::LayerKind;

// Which inputs of an op are weights. Gemm and MatMul take the constant operand wherever it is;
// index 2 of Gemm (C) and 3 of the recurrent ops (B) are biases.
struct WeightOp {
  std::string_view op_type;
  int first_input;
  int last_input;
  LayerKind kind;
};
constexpr std::array<WeightOp, 7> kWeightOps{{
    {"Conv", 1, 1, LayerKind::kConv},
    {"ConvTranspose", 1, 1, LayerKind::kConv},
    {"Gemm", 0, 1, LayerKind::kFullyConnected},
    {"MatMul", 0, 1, LayerKind::kFullyConnected},
    {"LSTM", 1, 2, LayerKind::kRecurrent},
    {"GRU", 1, 2, LayerKind::kRecurrent},
    {"RNN", 1, 2, LayerKind::kRecurrent},
}};

const WeightOp* find_weight_op(std::string_view op_type) {
  for (const WeightOp& op : kWeightOps) {
    if (op.op_type == op_type) return &op;
  }
  return nullptr;
}

// A weight candidate before the user's filters: a tensor that some node uses as a weight.
struct Candidate {
  std::size_t index;
  std::string name;  // qualified
  const TensorInfo* info;
};

std::string qualified_name(const TensorInfo& t) {
  return t.graph_path.empty() ? t.name : t.graph_path + "/" + t.name;
}

bool is_weight_use(const TensorUse& use) {
  const WeightOp* op = find_weight_op(use.op_type);
  return op != nullptr && use.input_index >= op->first_input && use.input_index <= op->last_input;
}

std::uint64_t element_count_saturating(const TensorInfo& t) {
  std::uint64_t n = 1;
  for (std::int64_t d : t.dims) {
    if (d <= 0) return 0;
    const auto ud = static_cast<std::uint64_t>(d);
    n = n > UINT64_MAX / ud ? UINT64_MAX : n * ud;
  }
  return n;
}

std::vector<Candidate> weight_candidates(std::span<const TensorInfo> tensors) {
  std::vector<Candidate> out;
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    const TensorInfo& t = tensors[i];
    if (t.site == TensorSite::kSparseValues || t.site == TensorSite::kSparseIndices) continue;
    if (t.dims.size() < 2) continue;  // biases, scales, shapes
    if (std::none_of(t.uses.begin(), t.uses.end(), is_weight_use)) continue;
    out.push_back({i, qualified_name(t), &t});
  }
  return out;
}

bool glob_matches(const std::string& pattern, const std::string& text) {
  return fnmatch(pattern.c_str(), text.c_str(), 0) == 0;
}

bool pattern_matches(const std::string& pattern, const Candidate& c) {
  if (glob_matches(pattern, c.name) || glob_matches(pattern, c.info->name)) return true;
  return std::any_of(c.info->uses.begin(), c.info->uses.end(), [&](const TensorUse& u) {
    return !u.node_name.empty() && glob_matches(pattern, u.node_name);
  });
}

bool any_pattern_matches(const std::vector<std::string>& patterns, const Candidate& c) {
  return std::any_of(patterns.begin(), patterns.end(),
                     [&](const std::string& p) { return pattern_matches(p, c); });
}

// The first use of `c` as a weight of an allowed op, or nullptr.
const TensorUse* allowed_weight_use(const Candidate& c, const std::vector<std::string>& op_types) {
  for (const TensorUse& use : c.info->uses) {
    if (!is_weight_use(use)) continue;
    if (op_types.empty() ||
        std::find(op_types.begin(), op_types.end(), use.op_type) != op_types.end()) {
      return &use;
    }
  }
  return nullptr;
}

Status check_arguments(const WeightSelection& s) {
  for (const auto* list : {&s.include, &s.exclude}) {
    for (const std::string& p : *list) {
      if (p.empty()) return make_error(ErrorCode::kInvalidArgument, "empty name pattern");
    }
  }
  for (const std::string& op : s.op_types) {
    if (find_weight_op(op) == nullptr) {
      return make_error(ErrorCode::kInvalidArgument,
                        "op type '" + op + "' has no prunable weight input (known: Conv, "
                        "ConvTranspose, Gemm, MatMul, LSTM, GRU, RNN)");
    }
  }
  return Status::ok();
}

// Every pattern and op type must match at least one candidate: a typo must not silently select
// everything or nothing.
Status check_every_filter_matches(const WeightSelection& s, const std::vector<Candidate>& all) {
  for (const auto& [list, kind] : {std::pair{&s.include, "include"}, {&s.exclude, "exclude"}}) {
    for (const std::string& p : *list) {
      if (std::none_of(all.begin(), all.end(),
                       [&](const Candidate& c) { return pattern_matches(p, c); })) {
        return make_error(ErrorCode::kNothingToDo, std::string(kind) + " pattern '" + p +
                                                       "' matches no weight tensor");
      }
    }
  }
  for (const std::string& op : s.op_types) {
    if (std::none_of(all.begin(), all.end(), [&](const Candidate& c) {
          return allowed_weight_use(c, {op}) != nullptr;
        })) {
      return make_error(ErrorCode::kNothingToDo, "no weight tensor is used by a " + op + " node");
    }
  }
  return Status::ok();
}

}  // namespace

std::string_view layer_kind_name(SelectedWeight::LayerKind kind) {
  switch (kind) {
    case LayerKind::kConv: return "conv";
    case LayerKind::kFullyConnected: return "fc";
    case LayerKind::kRecurrent: return "recurrent";
  }
  return "unknown";
}

Result<std::vector<SelectedWeight>> select_weights(std::span<const TensorInfo> tensors,
                                                   const WeightSelection& selection) {
  DCZ_TRY(check_arguments(selection));
  const std::vector<Candidate> candidates = weight_candidates(tensors);
  DCZ_TRY(check_every_filter_matches(selection, candidates));

  std::vector<SelectedWeight> out;
  for (const Candidate& c : candidates) {
    const TensorUse* use = allowed_weight_use(c, selection.op_types);
    if (use == nullptr) continue;
    if (!selection.include.empty() && !any_pattern_matches(selection.include, c)) continue;
    if (any_pattern_matches(selection.exclude, c)) continue;
    if (element_count_saturating(*c.info) < selection.min_elements) continue;
    if (!dtype_is_float(c.info->dtype)) {
      if (selection.include.empty()) continue;  // e.g. int8 weights: not ours unless asked for
      return make_error(ErrorCode::kUnsupported,
                        "weight '" + c.name + "' selected by an include pattern has type " +
                            std::string(dtype_name(c.info->dtype)) +
                            "; only float32, float16, bfloat16 and float64 can be pruned");
    }
    out.push_back({c.index, c.name, use->op_type, find_weight_op(use->op_type)->kind});
  }
  if (out.empty()) {
    return make_error(ErrorCode::kNothingToDo,
                      "no prunable weight selected (" + std::to_string(candidates.size()) +
                          " weight tensors in the model before filtering)");
  }
  return out;
}

}  // namespace dcz
