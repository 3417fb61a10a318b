#include "prune/prune_fixtures.h"

#include <onnx/onnx_pb.h>

#include <bit>
#include <cstring>
#include <initializer_list>
#include <vector>

#include "support/onnx_synthetic.h"

namespace dcz::test {
namespace {

using onnx::TensorProto;

std::vector<double> weight_values(TestRng& rng, std::size_t n) {
  std::vector<double> v(n);
  for (std::size_t i = 0; i < n; ++i) {
    v[i] = i % 7 == 3 ? (i % 2 ? -0.0 : 0.0) : rng.normal() * 0.25;
  }
  return v;
}

void set_dims(TensorProto* t, std::initializer_list<std::int64_t> dims) {
  for (auto d : dims) t->add_dims(d);
}

void float_tensor(TensorProto* t, const std::string& name, std::initializer_list<std::int64_t> dims,
                  TestRng& rng) {
  t->set_name(name);
  t->set_data_type(TensorProto::FLOAT);
  set_dims(t, dims);
  std::size_t n = 1;
  for (auto d : dims) n *= static_cast<std::size_t>(d);
  std::string raw;
  for (double v : weight_values(rng, n)) {
    const auto f = static_cast<float>(v);
    raw.append(reinterpret_cast<const char*>(&f), sizeof f);
  }
  t->set_raw_data(raw);
}

void half_tensor(TensorProto* t, const std::string& name, int data_type, TestRng& rng) {
  t->set_name(name);
  t->set_data_type(data_type);
  set_dims(t, {16, 8});
  std::string raw;
  for (double v : weight_values(rng, 128)) {
    std::uint16_t bits;
    if (data_type == TensorProto::FLOAT16) {
      const auto h = static_cast<_Float16>(v);
      std::memcpy(&bits, &h, 2);
    } else {  // bfloat16: round to nearest even
      const auto f = std::bit_cast<std::uint32_t>(static_cast<float>(v));
      bits = static_cast<std::uint16_t>((f + 0x7fff + ((f >> 16) & 1)) >> 16);
    }
    raw.append(reinterpret_cast<const char*>(&bits), 2);
  }
  t->set_raw_data(raw);
}

void value_info(google::protobuf::RepeatedPtrField<onnx::ValueInfoProto>* list,
                const std::string& name, int elem_type, std::initializer_list<std::int64_t> dims) {
  auto* v = list->Add();
  v->set_name(name);
  auto* tt = v->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(elem_type);
  for (auto d : dims) tt->mutable_shape()->add_dim()->set_dim_value(d);
}

onnx::NodeProto* node(onnx::GraphProto* g, const std::string& op, const std::string& name,
                      std::initializer_list<std::string> in, std::initializer_list<std::string> out) {
  auto* n = g->add_node();
  n->set_op_type(op);
  n->set_name(name);
  for (const auto& s : in) n->add_input(s);
  for (const auto& s : out) n->add_output(s);
  return n;
}

void int_attribute(onnx::NodeProto* n, const std::string& name, std::int64_t v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(v);
}

void constant_node(onnx::GraphProto* g, const std::string& name, const std::string& output,
                   TestRng& rng) {
  auto* n = node(g, "Constant", name, {}, {output});
  auto* a = n->add_attribute();
  a->set_name("value");
  a->set_type(onnx::AttributeProto::TENSOR);
  float_tensor(a->mutable_t(), output, {16, 16}, rng);
}

// x → Cast(to) → MatMul(weight) → Cast(float) → output
void cast_matmul(onnx::GraphProto* g, const std::string& tag, int to, const std::string& weight,
                 const std::string& output) {
  int_attribute(node(g, "Cast", "to_" + tag, {"x"}, {"x_" + tag}), "to", to);
  node(g, "MatMul", "mm_" + tag, {"x_" + tag, weight}, {"y_" + tag});
  int_attribute(node(g, "Cast", "from_" + tag, {"y_" + tag}, {output}), "to", TensorProto::FLOAT);
}

void branch_graph(onnx::GraphProto* g, const std::string& name, bool with_initializer,
                  TestRng& rng) {
  g->set_name(name);
  const std::string w = with_initializer ? "then_w" : "else_w";
  if (with_initializer) {
    float_tensor(g->add_initializer(), w, {16, 16}, rng);
  } else {
    constant_node(g, "else_c", w, rng);
  }
  node(g, "MatMul", name + "_mm", {"h0", w}, {name + "_out"});
  value_info(g->mutable_output(), name + "_out", TensorProto::FLOAT, {1, 16});
}

}  // namespace

std::string make_mixed_weights_model(std::uint64_t seed) {
  TestRng rng(seed);
  onnx::ModelProto m;
  m.set_ir_version(8);
  m.set_producer_name("dcz-prune-test");
  auto* opset = m.add_opset_import();
  opset->set_domain("");
  opset->set_version(17);
  auto* g = m.mutable_graph();
  g->set_name("mixed");
  value_info(g->mutable_input(), "x", TensorProto::FLOAT, {1, 16});
  value_info(g->mutable_input(), "seq", TensorProto::FLOAT, {2, 1, 16});

  half_tensor(g->add_initializer(), "w16", TensorProto::FLOAT16, rng);
  half_tensor(g->add_initializer(), "w_bf16", TensorProto::BFLOAT16, rng);
  auto* w64 = g->add_initializer();
  w64->set_name("w64");
  w64->set_data_type(TensorProto::DOUBLE);
  set_dims(w64, {16, 8});
  for (double v : weight_values(rng, 128)) w64->add_double_data(v);
  auto* cond = g->add_initializer();
  cond->set_name("cond");
  cond->set_data_type(TensorProto::BOOL);
  cond->add_int32_data(1);
  float_tensor(g->add_initializer(), "lstm.W", {1, 16, 16}, rng);
  float_tensor(g->add_initializer(), "lstm.R", {1, 16, 4}, rng);
  float_tensor(g->add_initializer(), "lstm.B", {1, 32}, rng);
  float_tensor(g->add_initializer(), "bias8", {8}, rng);

  constant_node(g, "wc", "wc_out", rng);
  node(g, "MatMul", "mm_const", {"x", "wc_out"}, {"h0"});
  cast_matmul(g, "f16", TensorProto::FLOAT16, "w16", "y16f");
  node(g, "Add", "add_bias", {"y16f", "bias8"}, {"out16"});
  cast_matmul(g, "bf16", TensorProto::BFLOAT16, "w_bf16", "ybff");
  cast_matmul(g, "f64", TensorProto::DOUBLE, "w64", "y64f");

  auto* branch = node(g, "If", "branch", {"cond"}, {"branch_out"});
  for (const char* attr : {"then_branch", "else_branch"}) {
    auto* a = branch->add_attribute();
    a->set_name(attr);
    a->set_type(onnx::AttributeProto::GRAPH);
    branch_graph(a->mutable_g(), attr == std::string("then_branch") ? "then" : "else",
                 attr == std::string("then_branch"), rng);
  }
  int_attribute(node(g, "LSTM", "lstm", {"seq", "lstm.W", "lstm.R", "lstm.B"}, {"Y"}),
                "hidden_size", 4);

  value_info(g->mutable_output(), "out16", TensorProto::FLOAT, {1, 8});
  value_info(g->mutable_output(), "ybff", TensorProto::FLOAT, {1, 8});
  value_info(g->mutable_output(), "y64f", TensorProto::FLOAT, {1, 8});
  value_info(g->mutable_output(), "branch_out", TensorProto::FLOAT, {1, 16});
  value_info(g->mutable_output(), "Y", TensorProto::FLOAT, {2, 1, 1, 4});
  std::string bytes;
  m.SerializeToString(&bytes);
  return bytes;
}

}  // namespace dcz::test
