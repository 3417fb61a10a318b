// find_links: walks the main graph once from every selected Conv / Gemm / MatMul weight along the
// single reader of each value to the next weight layer, through the channel-preserving ops that
// dcz/dead_units.h lists. Everything is looked up in hash maps built in one pass: linear time.
#include "prune/dead_units_graph.h"

#include <cstring>
#include <string_view>
#include <unordered_map>

#include "dcz/onnx_model.h"
#include "onnx/node_attributes.h"
#include "onnx/onnx_model_impl.h"

namespace dcz::dead_units {
namespace {

using Names = std::unordered_map<std::string_view, std::size_t>;

bool default_domain(const onnx::NodeProto& n) { return n.domain().empty() || n.domain() == "ai.onnx"; }

// Reads of every value name: inputs of the main graph's nodes and of every subgraph (a subgraph may
// read an outer value; a name it defines itself only makes the count larger, i.e. the pass more
// careful), plus one per graph output.
void count_reads(const onnx::GraphProto& g, Names& reads) {
  for (const onnx::NodeProto& n : g.node()) {
    for (const std::string& in : n.input()) {
      if (!in.empty()) ++reads[in];
    }
    for (const onnx::AttributeProto& a : n.attribute()) {
      if (a.has_g()) count_reads(a.g(), reads);
      for (const onnx::GraphProto& sub : a.graphs()) count_reads(sub, reads);
    }
  }
  for (const onnx::ValueInfoProto& o : g.output()) ++reads[o.name()];
}

struct Context {
  const OnnxModel& model;
  const onnx::GraphProto& graph;
  Names reads;    // value name → number of readers
  Names reader;   // value name → a main-graph node reading it (the only one when reads = 1)
  Names tensors;  // main-graph initializer or Constant output → tensor index
  std::unordered_map<std::string_view, const onnx::ValueInfoProto*> shapes;
  std::vector<std::optional<std::size_t>> layer_at;  // node index → Graph::layers index
  std::vector<std::size_t> node_of;                  // Graph::layers index → node index

  std::size_t reads_of(std::string_view v) const {
    auto it = reads.find(v);
    return it == reads.end() ? 0 : it->second;
  }
  const TensorInfo* tensor(std::string_view name, std::size_t* index = nullptr) const {
    auto it = tensors.find(name);
    if (it == tensors.end()) return nullptr;
    if (index) *index = it->second;
    return &model.tensor(it->second);
  }
};

Context make_context(const OnnxModel& model) {
  Context cx{model, model.impl().model.graph(), {}, {}, {}, {}, {}, {}};
  count_reads(cx.graph, cx.reads);
  for (int i = 0; i < cx.graph.node_size(); ++i) {
    for (const std::string& in : cx.graph.node(i).input()) cx.reader[in] = static_cast<std::size_t>(i);
  }
  for (std::size_t i = 0; i < model.tensor_count(); ++i) {
    const TensorInfo& t = model.tensor(i);
    if (t.graph_path.empty() && (t.site == TensorSite::kInitializer || t.site == TensorSite::kNodeAttribute)) {
      cx.tensors.emplace(t.name, i);
    }
  }
  for (const auto* list : {&cx.graph.value_info(), &cx.graph.input(), &cx.graph.output()}) {
    for (const onnx::ValueInfoProto& v : *list) cx.shapes.emplace(v.name(), &v);
  }
  cx.layer_at.resize(static_cast<std::size_t>(cx.graph.node_size()));
  return cx;
}

// The float value of a scalar float32 tensor.
std::optional<float> scalar_value(const Context& cx, const std::string& name) {
  std::size_t i = 0;
  const TensorInfo* t = cx.tensor(name, &i);
  if (!t || t->dtype != DType::kFloat32 || t->element_count() != 1) return {};
  const auto bytes = cx.model.tensor_bytes(i);
  if (bytes.size() != sizeof(float)) return {};
  float v;
  std::memcpy(&v, bytes.data(), sizeof v);
  return v;
}

// Clip(0) = 0 when min <= 0 <= max (attributes before opset 11, optional inputs after).
bool clip_keeps_zero(const Context& cx, const onnx::NodeProto& n) {
  for (int k = 1; k <= 2; ++k) {
    const char* name = k == 1 ? "min" : "max";
    std::optional<float> bound;
    if (const onnx::AttributeProto* a = onnx_attributes::find(n, name)) {
      if (a->type() != onnx::AttributeProto::FLOAT) return false;
      bound = a->f();
    } else if (n.input_size() > k && !n.input(k).empty()) {
      bound = scalar_value(cx, n.input(k));
      if (!bound) return false;
    }
    if (bound && (k == 1 ? !(*bound <= 0.0f) : !(*bound >= 0.0f))) return false;
  }
  return true;
}

bool is_elementwise(const std::string& op) {
  return op == "Relu" || op == "LeakyRelu" || op == "Clip" || op == "Sigmoid" || op == "Tanh" ||
         op == "Dropout" || op == "Identity" || op == "BatchNormalization";
}

bool is_pool(const std::string& op) {
  return op == "MaxPool" || op == "AveragePool" || op == "GlobalAveragePool" || op == "GlobalMaxPool";
}

bool maps_zero_to_zero(const Context& cx, const onnx::NodeProto& n) {
  const std::string& op = n.op_type();
  if (op == "Sigmoid" || op == "BatchNormalization") return false;
  if (op == "Clip") return clip_keeps_zero(cx, n);
  return true;
}

// Outputs after the first (MaxPool indices, Dropout mask, BatchNormalization running statistics)
// must be absent or unread: they carry values across channels or would see the change.
bool extra_outputs_unread(const Context& cx, const onnx::NodeProto& n) {
  for (int i = 1; i < n.output_size(); ++i) {
    if (!n.output(i).empty() && cx.reads_of(n.output(i)) != 0) return false;
  }
  return n.output_size() >= 1 && !n.output(0).empty();
}

// The per-channel bias of a layer, when no one else reads it and its shape is [outputs] (or [1,
// outputs] for Gemm, which broadcasts it over rows).
std::optional<std::size_t> channel_bias(const Context& cx, const std::string& name, const Layer& l) {
  std::size_t i = 0;
  const TensorInfo* t = cx.tensor(name, &i);
  if (!t || t->site != TensorSite::kInitializer || !dtype_is_float(t->dtype) || t->uses.size() != 1 ||
      cx.reads_of(name) != 1) {
    return {};
  }
  const bool row = t->dims.size() == 1 || (t->dims.size() == 2 && t->dims[0] == 1 && l.op_type == "Gemm");
  if (!row || t->element_count() != l.outputs) return {};
  if (cx.model.tensor_bytes(i).size() != l.outputs * dtype_size(t->dtype)) return {};
  return i;
}

std::optional<Layer> describe_layer(const Context& cx, const onnx::NodeProto& node, std::size_t tensor) {
  const TensorInfo& w = cx.model.tensor(tensor);
  if (!default_domain(node) || node.input_size() < 2 || node.input(1) != w.name || node.input(0) == w.name) {
    return {};
  }
  for (std::int64_t d : w.dims) {
    if (d <= 0) return {};
  }
  const auto& d = w.dims;
  Layer l;
  l.weight = tensor;
  l.node = node.name();
  l.op_type = node.op_type();
  if (l.op_type == "Conv") {
    if (d.size() < 3 || onnx_attributes::get_int(node, "group", 1) != 1) return {};
    l.outputs = static_cast<std::uint64_t>(d[0]);
    l.inputs = static_cast<std::uint64_t>(d[1]);
    for (std::size_t k = 2; k < d.size(); ++k) l.inner *= static_cast<std::uint64_t>(d[k]);
  } else if ((l.op_type == "Gemm" || l.op_type == "MatMul") && d.size() == 2) {
    l.out_major = l.op_type == "Gemm" && onnx_attributes::get_int(node, "transB", 0) != 0;
    l.outputs = static_cast<std::uint64_t>(d[l.out_major ? 0 : 1]);
    l.inputs = static_cast<std::uint64_t>(d[l.out_major ? 1 : 0]);
    // Gemm with transA reads its input's columns along axis 0: not a channel consumer.
    l.can_consume = onnx_attributes::get_int(node, "transA", 0) == 0;
  } else {
    return {};
  }
  if (l.op_type != "MatMul" && node.input_size() > 2 && !node.input(2).empty()) {
    l.bias = channel_bias(cx, node.input(2), l);
    l.bias_opaque = !l.bias;
  }
  return l;
}

// How a Reshape before a Gemm/MatMul maps channels to columns. rows_are_batch: shape [0, x]
// copies the batch dimension, so each row is one sample and span = K / channels. Otherwise the
// span is the spatial size from value_info (dims[1] = channels); none when it is not known.
struct ReshapeMap {
  bool rows_are_batch = false;
  std::uint64_t span = 0;
  std::int64_t columns = -1;  // shape[1]: -1 or the consumer's K
};

std::optional<ReshapeMap> reshape_map(const Context& cx, const onnx::NodeProto& n, const Layer& producer) {
  std::size_t i = 0;
  const TensorInfo* t = n.input_size() > 1 ? cx.tensor(n.input(1), &i) : nullptr;
  if (!t || t->dtype != DType::kInt64 || t->element_count() != 2) return {};
  const auto bytes = cx.model.tensor_bytes(i);
  if (bytes.size() != 2 * sizeof(std::int64_t)) return {};
  std::int64_t shape[2];
  std::memcpy(shape, bytes.data(), sizeof shape);
  ReshapeMap m;
  m.columns = shape[1];
  if (shape[1] == 0 || shape[1] < -1) return {};
  if (shape[0] == 0) {
    if (onnx_attributes::get_int(n, "allowzero", 0) != 0) return {};
    m.rows_are_batch = true;
    return m;
  }
  auto it = cx.shapes.find(n.input(0));
  if (it == cx.shapes.end() || !it->second->type().has_tensor_type()) return {};
  const auto& dims = it->second->type().tensor_type().shape().dim();
  if (dims.size() < 2 || !dims[1].has_dim_value() ||
      static_cast<std::uint64_t>(dims[1].dim_value()) != producer.outputs) {
    return {};
  }
  m.span = 1;
  for (int k = 2; k < dims.size(); ++k) {
    if (!dims[k].has_dim_value() || dims[k].dim_value() <= 0) return {};
    const auto d = static_cast<std::uint64_t>(dims[k].dim_value());
    if (m.span > (std::uint64_t{1} << 62) / d) return {};
    m.span *= d;
  }
  return m;
}

enum class Flat : std::uint8_t { kNo, kFlatten, kReshape };

// The link from producer p to the layer its channels reach, if the chain allows one.
std::optional<Link> follow(const Context& cx, const Graph& g, std::size_t p) {
  const Layer& producer = g.layers[p];
  const bool conv = producer.op_type == "Conv";
  const onnx::NodeProto& start = cx.graph.node(static_cast<int>(cx.node_of[p]));
  if (start.output_size() != 1) return {};
  std::string_view v = start.output(0);
  Link link;
  link.producer = p;
  Flat flat = Flat::kNo;
  ReshapeMap reshape;
  for (int step = 0; step <= cx.graph.node_size(); ++step) {
    if (cx.reads_of(v) != 1) return {};
    auto r = cx.reader.find(v);
    if (r == cx.reader.end()) return {};
    const onnx::NodeProto& n = cx.graph.node(static_cast<int>(r->second));
    if (!default_domain(n) || n.input_size() == 0 || n.input(0) != v) return {};
    if (const auto c = cx.layer_at[r->second]) {
      const Layer& consumer = g.layers[*c];
      if (!consumer.can_consume || (consumer.op_type == "Conv") != (conv && flat == Flat::kNo)) return {};
      const std::uint64_t k = consumer.inputs;
      if (flat == Flat::kNo) {
        link.span = 1;
      } else if (flat == Flat::kFlatten || reshape.rows_are_batch) {
        if (k % producer.outputs != 0) return {};
        link.span = k / producer.outputs;
      } else {
        link.span = reshape.span;
      }
      // Division, not a product: a span from value_info must not wrap around to a match.
      if (link.span == 0 || k % link.span != 0 || k / link.span != producer.outputs) return {};
      if (flat == Flat::kReshape && reshape.columns != -1 && static_cast<std::uint64_t>(reshape.columns) != k) {
        return {};
      }
      link.consumer = *c;
      return link;
    }
    if (!extra_outputs_unread(cx, n)) return {};
    const std::string& op = n.op_type();
    if (is_elementwise(op)) {
      link.keeps_zero = link.keeps_zero && maps_zero_to_zero(cx, n);
    } else if (is_pool(op)) {
      if (!conv || flat != Flat::kNo) return {};
    } else if (op == "Flatten" || op == "Reshape") {
      // A MatMul's channels are on the last axis of an input of unknown rank: not flattened.
      if (flat != Flat::kNo || producer.op_type == "MatMul") return {};
      if (op == "Flatten" && onnx_attributes::get_int(n, "axis", 1) != 1) return {};
      if (op == "Reshape") {
        auto m = reshape_map(cx, n, producer);
        if (!m) return {};
        reshape = *m;
      }
      flat = op == "Flatten" ? Flat::kFlatten : Flat::kReshape;
    } else {
      return {};
    }
    v = n.output(0);
  }
  return {};
}

}  // namespace

Graph find_links(const OnnxModel& model, const std::vector<SelectedWeight>& selected) {
  Context cx = make_context(model);
  Names weight_reader;  // weight name → the main-graph node reading it as input 1
  for (int i = 0; i < cx.graph.node_size(); ++i) {
    const onnx::NodeProto& n = cx.graph.node(i);
    if (n.input_size() > 1) weight_reader.emplace(n.input(1), static_cast<std::size_t>(i));
  }
  Graph g;
  for (std::size_t s = 0; s < selected.size(); ++s) {
    const TensorInfo& info = model.tensor(selected[s].tensor_index);
    // Read by one node and not a graph output: changing it changes nothing else.
    if (!info.graph_path.empty() || info.site != TensorSite::kInitializer || info.uses.size() != 1 ||
        cx.reads_of(info.name) != 1) {
      continue;
    }
    auto it = weight_reader.find(info.name);
    if (it == weight_reader.end() || cx.layer_at[it->second]) continue;
    std::optional<Layer> l = describe_layer(cx, cx.graph.node(static_cast<int>(it->second)), selected[s].tensor_index);
    if (!l) continue;
    l->selected = s;
    cx.layer_at[it->second] = g.layers.size();
    cx.node_of.push_back(it->second);
    g.layers.push_back(std::move(*l));
  }
  for (std::size_t i = 0; i < cx.layer_at.size(); ++i) {
    if (!cx.layer_at[i]) continue;
    if (std::optional<Link> link = follow(cx, g, *cx.layer_at[i])) g.links.push_back(*link);
  }
  return g;
}

}  // namespace dcz::dead_units
