// Tensor enumeration: the one order in which the container lists a model's tensors.
//
// Tensor order (format/SPEC.md, "Tensor order"). For a GraphProto G, recursively:
//   (a) G.initializer in order;
//   (b) G.sparse_initializer in order: values, then indices;
//   (c) G.node in order, for each node each attribute in order:
//         TENSOR → t; TENSORS → each of tensors; SPARSE_TENSOR → values then indices;
//         SPARSE_TENSORS → each (values then indices); GRAPH → recurse into g (graph_path
//         "<node name>/<attr name>"); GRAPHS → recurse into each ("<node name>/<attr name>[i]").
// Whole model: the main graph (graph_path ""), then for each model.training_info[i] its
// .initialization then its .algorithm ("training_info[i]/initialization", ".../algorithm"), then
// each model.functions[i]'s nodes (attributes as in (c), graph_path "function:<name>").
// Nested graph paths join with '/'.
//
// Names: initializers keep their name; sparse values take values.name, their indices
// "<values name>/indices"; a Constant node's tensor takes the node's output name; any other
// attribute tensor is "<node name>/<attr name>", or "<node name>/<attr name>[i]" in a list.
#include <algorithm>
#include <limits>
#include <string_view>
#include <unordered_set>
#include <utility>

#include "onnx/onnx_model_impl.h"

namespace dcz::onnx_internal {
namespace {

// A use is recorded as (node, input slot) under a view of the input name, both pointing into the
// model, and becomes a TensorUse (two string copies) only for the names of tensors: most inputs
// are activations, and copying theirs dominated parsing a skeleton.
struct UseRef {
  const onnx::NodeProto* node;
  int input;
};
// Every use in node order, then stably sorted by name: one allocation for the whole graph, where
// a hash map of vectors made two per distinct input name.
using UseMap = std::vector<std::pair<std::string_view, UseRef>>;
using NameSet = std::unordered_set<std::string_view>;

// Names a subgraph defines itself; they shadow the same names of enclosing graphs.
void add_defined_names(const onnx::GraphProto& g, NameSet& names) {
  for (const auto& v : g.input()) names.insert(v.name());
  for (const auto& t : g.initializer()) names.insert(t.name());
  for (const auto& s : g.sparse_initializer()) names.insert(s.values().name());
  for (const auto& n : g.node()) {
    for (const auto& o : n.output()) names.insert(o);
  }
}

// Records every input of `node` (not shadowed) as a use, then the outer-scope references of the
// node's subgraphs, which consume names of the graph `uses` belongs to.
void add_node_uses(const onnx::NodeProto& node, const NameSet* shadowed, UseMap& uses) {
  for (int j = 0; j < node.input_size(); ++j) {
    const std::string& in = node.input(j);
    if (in.empty() || (shadowed && shadowed->contains(in))) continue;
    uses.emplace_back(in, UseRef{&node, j});
  }
  auto visit_subgraph = [&](const onnx::GraphProto& g) {
    NameSet inner = shadowed ? *shadowed : NameSet{};
    add_defined_names(g, inner);
    for (const auto& n : g.node()) add_node_uses(n, &inner, uses);
  };
  for (const auto& a : node.attribute()) {
    if (a.has_g()) visit_subgraph(a.g());
    for (const auto& g : a.graphs()) visit_subgraph(g);
  }
}

template <class Nodes>
UseMap collect_uses(const Nodes& nodes) {
  UseMap uses;
  for (const auto& n : nodes) add_node_uses(n, nullptr, uses);
  std::stable_sort(uses.begin(), uses.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  return uses;
}

std::vector<TensorUse> uses_of(const UseMap& uses, const std::string& name) {
  const std::string_view key = name;
  auto first = std::lower_bound(uses.begin(), uses.end(), key,
                                [](const auto& u, std::string_view k) { return u.first < k; });
  std::vector<TensorUse> out;
  for (auto it = first; it != uses.end() && it->first == key; ++it) {
    out.push_back(TensorUse{it->second.node->op_type(), it->second.node->name(), it->second.input});
  }
  return out;
}

std::string join_path(const std::string& parent, const std::string& child) {
  return parent.empty() ? child : parent + "/" + child;
}

bool is_constant_node(const onnx::NodeProto& n) {
  return n.op_type() == "Constant" && (n.domain().empty() || n.domain() == "ai.onnx");
}

class Enumerator {
 public:
  explicit Enumerator(OnnxModel::Impl& impl) : impl_(impl) {}

  Status model() {
    auto& m = impl_.model;
    DCZ_TRY(graph(*m.mutable_graph(), ""));
    for (int i = 0; i < m.training_info_size(); ++i) {
      auto* ti = m.mutable_training_info(i);
      std::string base = "training_info[" + std::to_string(i) + "]";
      if (ti->has_initialization()) {
        DCZ_TRY(graph(*ti->mutable_initialization(), base + "/initialization"));
      }
      if (ti->has_algorithm()) DCZ_TRY(graph(*ti->mutable_algorithm(), base + "/algorithm"));
    }
    for (auto& f : *m.mutable_functions()) {
      UseMap uses = collect_uses(f.node());
      for (auto& n : *f.mutable_node()) DCZ_TRY(node(n, "function:" + f.name(), uses));
    }
    return Status::ok();
  }

 private:
  Status graph(onnx::GraphProto& g, const std::string& path) {
    UseMap uses = collect_uses(g.node());
    for (auto& t : *g.mutable_initializer()) {
      DCZ_TRY(add(t, t.name(), TensorSite::kInitializer, path, uses_of(uses, t.name())));
    }
    for (auto& s : *g.mutable_sparse_initializer()) {
      const std::string name = s.values().name();
      DCZ_TRY(add(*s.mutable_values(), name, TensorSite::kSparseValues, path,
                  uses_of(uses, name), true));
      DCZ_TRY(add(*s.mutable_indices(), name + "/indices", TensorSite::kSparseIndices, path, {},
                  true));
    }
    for (auto& n : *g.mutable_node()) DCZ_TRY(node(n, path, uses));
    return Status::ok();
  }

  Status node(onnx::NodeProto& n, const std::string& path, const UseMap& uses) {
    const bool constant = is_constant_node(n) && n.output_size() > 0 && !n.output(0).empty();
    for (auto& a : *n.mutable_attribute()) {
      // Most attributes (kernel shapes, strides, ...) hold no tensor and no graph: skip them
      // before building any name.
      if (!a.has_t() && a.tensors_size() == 0 && !a.has_sparse_tensor() &&
          a.sparse_tensors_size() == 0 && !a.has_g() && a.graphs_size() == 0) {
        continue;
      }
      const std::string attr_path = n.name() + "/" + a.name();
      // A Constant's tensor is named after its output and used by that output's consumers.
      const std::string name = constant ? n.output(0) : attr_path;
      const std::vector<TensorUse> tensor_uses = constant ? uses_of(uses, name)
                                                          : std::vector<TensorUse>{};
      if (a.has_t()) {
        DCZ_TRY(add(*a.mutable_t(), name, TensorSite::kNodeAttribute, path, tensor_uses));
      }
      for (int i = 0; i < a.tensors_size(); ++i) {
        DCZ_TRY(add(*a.mutable_tensors(i), indexed(name, i), TensorSite::kNodeAttribute, path,
                    tensor_uses));
      }
      if (a.has_sparse_tensor()) {
        DCZ_TRY(sparse_attribute(*a.mutable_sparse_tensor(), name, path, tensor_uses));
      }
      for (int i = 0; i < a.sparse_tensors_size(); ++i) {
        DCZ_TRY(sparse_attribute(*a.mutable_sparse_tensors(i), indexed(name, i), path,
                                 tensor_uses));
      }
      if (a.has_g()) DCZ_TRY(graph(*a.mutable_g(), join_path(path, attr_path)));
      for (int i = 0; i < a.graphs_size(); ++i) {
        DCZ_TRY(graph(*a.mutable_graphs(i), join_path(path, indexed(attr_path, i))));
      }
    }
    return Status::ok();
  }

  Status sparse_attribute(onnx::SparseTensorProto& s, const std::string& name,
                          const std::string& path, const std::vector<TensorUse>& tensor_uses) {
    DCZ_TRY(add(*s.mutable_values(), name, TensorSite::kNodeAttribute, path, tensor_uses, true));
    return add(*s.mutable_indices(), name + "/indices", TensorSite::kNodeAttribute, path, {},
               true);
  }

  static std::string indexed(const std::string& name, int i) {
    return name + "[" + std::to_string(i) + "]";
  }

  Status add(onnx::TensorProto& t, std::string name, TensorSite site, const std::string& path,
             std::vector<TensorUse> tensor_uses, bool sparse_part = false) {
    TensorInfo info;
    info.name = std::move(name);
    info.site = site;
    info.graph_path = path;
    info.uses = std::move(tensor_uses);
    DCZ_TRY(describe_dtype_and_dims(t, info));
    impl_.tensors.push_back(&t);
    impl_.infos.push_back(std::move(info));
    impl_.sparse_part.push_back(sparse_part);
    return Status::ok();
  }

  // TensorProto.data_type, .dims and .segment.
  static Status describe_dtype_and_dims(const onnx::TensorProto& t, TensorInfo& info) {
    if (t.has_segment()) {
      return make_error(ErrorCode::kUnsupported,
                        describe_tensor(info) + ": segmented tensors (TensorProto.segment)");
    }
    if (t.data_type() == onnx::TensorProto::UNDEFINED) {
      return make_error(ErrorCode::kBadOnnx, describe_tensor(info) + ": data_type is UNDEFINED");
    }
    auto dtype = t.data_type() > 0 ? dtype_from_int(static_cast<std::uint32_t>(t.data_type()))
                                   : std::nullopt;
    if (!dtype) {
      return make_error(ErrorCode::kUnsupported, describe_tensor(info) + ": data_type " +
                                                     std::to_string(t.data_type()) +
                                                     " is not supported");
    }
    info.dtype = *dtype;
    info.dims.assign(t.dims().begin(), t.dims().end());
    for (std::size_t d = 0; d < info.dims.size(); ++d) {
      if (info.dims[d] < 0) {
        return make_error(ErrorCode::kBadOnnx, describe_tensor(info) + ": dims[" +
                                                   std::to_string(d) + "] is negative (" +
                                                   std::to_string(info.dims[d]) + ")");
      }
    }
    auto size = expected_byte_size(info);
    return size.status();
  }

  OnnxModel::Impl& impl_;
};

}  // namespace

std::string describe_tensor(const TensorInfo& info) {
  std::string s = "tensor '" + info.name + "'";
  if (!info.graph_path.empty()) s += " (graph '" + info.graph_path + "')";
  return s;
}

Result<std::uint64_t> expected_byte_size(const TensorInfo& info) {
  // 2^62 bounds every size so that later additions (offsets, padding) cannot overflow.
  constexpr std::uint64_t kLimit = std::uint64_t{1} << 62;
  std::uint64_t count = 1;
  for (std::int64_t d : info.dims) {
    const auto ud = static_cast<std::uint64_t>(d);
    if (d < 0 || (ud != 0 && count > kLimit / ud)) {
      return make_error(ErrorCode::kBadOnnx,
                        describe_tensor(info) + ": element count overflows (dims too large)");
    }
    count *= ud;
  }
  const std::uint64_t elem = dtype_size(info.dtype);
  if (elem != 0 && count > kLimit / elem) {
    return make_error(ErrorCode::kBadOnnx,
                      describe_tensor(info) + ": byte size overflows (dims too large)");
  }
  return count * elem;
}

Status enumerate_tensors(OnnxModel::Impl& impl) {
  impl.tensors.clear();
  impl.infos.clear();
  impl.sparse_part.clear();
  if (!impl.model.has_graph()) {
    return make_error(ErrorCode::kBadOnnx, "ModelProto has no graph");
  }
  return Enumerator(impl).model();
}

}  // namespace dcz::onnx_internal
