// describe_weight_layers: for each selected weight, the node that uses it, the runtime input it
// multiplies, the axis of its input channels and its bias. Reads the graph, so it lives in the
// ONNX layer.
#include <algorithm>
#include <optional>

#include "dcz/onnx_model.h"
#include "dcz/rate_quantize.h"
#include "onnx/node_attributes.h"
#include "onnx/onnx_model_impl.h"

namespace dcz {
namespace {

// Strides, pads and dilations of a 2-D Conv with explicit padding (left empty otherwise).
void describe_conv_geometry(const onnx::NodeProto& node, WeightLayer& layer) {
  const onnx::AttributeProto* auto_pad = onnx_attributes::find(node, "auto_pad");
  if (auto_pad && auto_pad->s() != "NOTSET") return;
  auto strides = onnx_attributes::get_ints(node, "strides", {1, 1});
  auto pads = onnx_attributes::get_ints(node, "pads", {0, 0, 0, 0});
  auto dilations = onnx_attributes::get_ints(node, "dilations", {1, 1});
  if (strides.size() != 2 || pads.size() != 4 || dilations.size() != 2) return;
  layer.strides = std::move(strides);
  layer.pads = std::move(pads);
  layer.dilations = std::move(dilations);
}

// The node of the main graph that uses `info` as described by its first use.
const onnx::NodeProto* weight_node(const onnx::GraphProto& graph, const TensorInfo& info) {
  if (!info.graph_path.empty() || info.uses.empty()) return nullptr;
  const TensorUse& use = info.uses.front();
  for (const onnx::NodeProto& node : graph.node()) {
    if (node.op_type() == use.op_type && node.name() == use.node_name &&
        use.input_index < node.input_size() && node.input(use.input_index) == info.name) {
      return &node;
    }
  }
  return nullptr;
}

// The main-graph float initializer named `name` that only `node` uses, holding `count` values.
std::optional<std::size_t> bias_of(const OnnxModel& model, const std::string& name,
                                   std::uint64_t count) {
  for (std::size_t i = 0; i < model.tensor_count(); ++i) {
    const TensorInfo& t = model.tensor(i);
    if (t.name != name || !t.graph_path.empty() || t.site != TensorSite::kInitializer) continue;
    if (!dtype_is_float(t.dtype) || t.uses.size() != 1 || t.element_count() != count) return {};
    return i;
  }
  return {};
}

// Fills input, axis, groups and bias from the node; leaves input empty for layouts the
// sensitivity measurement does not model (recurrent ops, a weight on the left of MatMul, ...).
void describe(const OnnxModel& model, const onnx::GraphProto& graph, const onnx::NodeProto& node,
              WeightLayer& layer) {
  const TensorInfo& info = model.tensor(layer.weight.tensor_index);
  const int at = info.uses.front().input_index;
  const std::string& op = node.op_type();
  std::uint64_t outputs = 0;
  if (op == "Conv" && at == 1) {
    layer.input_axis = 1;
    layer.groups = static_cast<std::uint32_t>(std::max<std::int64_t>(1, onnx_attributes::get_int(node, "group", 1)));
    outputs = static_cast<std::uint64_t>(info.dims[0]);
    if (info.dims.size() == 4) describe_conv_geometry(node, layer);
  } else if (op == "Gemm" && at == 1 && onnx_attributes::get_int(node, "transA", 0) == 0) {
    const bool trans_b = onnx_attributes::get_int(node, "transB", 0) != 0;
    layer.input_axis = trans_b ? 1 : 0;
    outputs = static_cast<std::uint64_t>(info.dims[trans_b ? 0 : 1]);
  } else if (op == "MatMul" && at == 1 && info.dims.size() == 2) {
    layer.input_axis = 0;
  } else {
    return;
  }
  layer.input = node.input(0);
  for (const onnx::NodeProto& producer : graph.node()) {
    if (producer.output_size() > 0 && producer.output(0) == layer.input) {
      layer.input_node = producer.name();
      break;
    }
  }
  if (outputs && node.input_size() > 2 && !node.input(2).empty()) {
    if (const auto bias = bias_of(model, node.input(2), outputs)) {
      layer.has_bias = true;
      layer.bias_tensor = *bias;
    }
  }
}

}  // namespace

Result<std::vector<WeightLayer>> describe_weight_layers(const OnnxModel& model,
                                                        const WeightSelection& selection) {
  DCZ_ASSIGN_OR_RETURN(std::vector<SelectedWeight> selected, select_weights(model, selection));
  const onnx::GraphProto& graph = model.impl().model.graph();
  std::vector<WeightLayer> layers;
  layers.reserve(selected.size());
  for (SelectedWeight& w : selected) {
    WeightLayer layer;
    layer.weight = std::move(w);
    if (const onnx::NodeProto* node = weight_node(graph, model.tensor(layer.weight.tensor_index))) {
      describe(model, graph, *node, layer);
    }
    layers.push_back(std::move(layer));
  }
  return layers;
}

}  // namespace dcz
