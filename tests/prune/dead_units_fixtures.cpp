#include "prune/dead_units_fixtures.h"

#include <onnx/onnx_pb.h>

#include <cmath>
#include <functional>
#include <initializer_list>
#include <vector>

#include "support/onnx_synthetic.h"

namespace dcz::test {
namespace {

using onnx::TensorProto;
using Dims = std::vector<std::int64_t>;

std::int64_t count(const Dims& dims) {
  std::int64_t n = 1;
  for (auto d : dims) n *= d;
  return n;
}

class Builder {
 public:
  Builder() {
    m_.set_ir_version(8);
    m_.set_producer_name("dcz-dead-units-test");
    auto* opset = m_.add_opset_import();
    opset->set_domain("");
    opset->set_version(13);
    g_ = m_.mutable_graph();
    g_->set_name("dead_units");
  }

  void value(google::protobuf::RepeatedPtrField<onnx::ValueInfoProto>* list, const std::string& name,
             const Dims& dims) {
    auto* v = list->Add();
    v->set_name(name);
    auto* tt = v->mutable_type()->mutable_tensor_type();
    tt->set_elem_type(half_ ? TensorProto::FLOAT16 : TensorProto::FLOAT);
    for (auto d : dims) tt->mutable_shape()->add_dim()->set_dim_value(d);
  }
  void input(const std::string& name, const Dims& dims) { value(g_->mutable_input(), name, dims); }
  void output(const std::string& name, const Dims& dims) { value(g_->mutable_output(), name, dims); }
  void shape(const std::string& name, const Dims& dims) { value(g_->mutable_value_info(), name, dims); }

  // Every tensor float16 instead of float32 from here on.
  void use_half() { half_ = true; }

  // A float initializer; value(i) gives element i.
  void floats(const std::string& name, const Dims& dims, const std::function<float(std::int64_t)>& value) {
    auto* t = g_->add_initializer();
    t->set_name(name);
    t->set_data_type(half_ ? TensorProto::FLOAT16 : TensorProto::FLOAT);
    for (auto d : dims) t->add_dims(d);
    std::string raw;
    for (std::int64_t i = 0; i < count(dims); ++i) {
      const float f = value(i);
      const auto h = static_cast<_Float16>(f);
      if (half_) raw.append(reinterpret_cast<const char*>(&h), sizeof h);
      else raw.append(reinterpret_cast<const char*>(&f), sizeof f);
    }
    t->set_raw_data(raw);
  }
  void int64s(const std::string& name, const std::vector<std::int64_t>& values) {
    auto* t = g_->add_initializer();
    t->set_name(name);
    t->set_data_type(TensorProto::INT64);
    t->add_dims(static_cast<std::int64_t>(values.size()));
    t->set_raw_data(std::string(reinterpret_cast<const char*>(values.data()), values.size() * 8));
  }

  onnx::NodeProto* node(const std::string& op, const std::string& name, std::initializer_list<std::string> in,
                        std::initializer_list<std::string> out) {
    auto* n = g_->add_node();
    n->set_op_type(op);
    n->set_name(name);
    for (const auto& s : in) n->add_input(s);
    for (const auto& s : out) n->add_output(s);
    return n;
  }
  static void ints(onnx::NodeProto* n, const std::string& name, std::initializer_list<std::int64_t> v) {
    auto* a = n->add_attribute();
    a->set_name(name);
    if (v.size() == 1) {
      a->set_type(onnx::AttributeProto::INT);
      a->set_i(*v.begin());
    } else {
      a->set_type(onnx::AttributeProto::INTS);
      for (auto x : v) a->add_ints(x);
    }
  }

  std::string bytes() const {
    std::string s;
    m_.SerializeToString(&s);
    return s;
  }

 private:
  onnx::ModelProto m_;
  onnx::GraphProto* g_;
  bool half_ = false;
};

// Nonzero N(0, sd) values (an exact zero draw is nudged, so "all zero" means what the test set).
float nonzero(TestRng& rng, float sd) {
  const float v = rng.normal_float(sd);
  return v == 0.0f ? sd : v;
}

void pool(Builder& b, const std::string& name, const std::string& in, const std::string& out) {
  auto* n = b.node("MaxPool", name, {in}, {out});
  Builder::ints(n, "kernel_shape", {2, 2});
  Builder::ints(n, "strides", {2, 2});
}

void act1(Builder& b, const DeadUnitModelOptions& o, TestRng& rng) {
  if (o.act1 == "BatchNormalization") {
    for (const char* p : {"bn.scale", "bn.bias", "bn.mean"}) b.floats(p, {4}, [&](auto) { return nonzero(rng, 0.5f); });
    b.floats("bn.var", {4}, [&](auto) { return 1.0f + std::abs(nonzero(rng, 0.5f)); });
    b.node("BatchNormalization", "act1", {"c1", "bn.scale", "bn.bias", "bn.mean", "bn.var"}, {"a1"});
  } else if (o.act1 == "Clip") {
    b.floats("clip.min", {}, [&](auto) { return o.clip_min; });
    b.floats("clip.max", {}, [](auto) { return 6.0f; });
    b.node("Clip", "act1", {"c1", "clip.min", "clip.max"}, {"a1"});
  } else {
    b.node(o.act1, "act1", {"c1"}, {"a1"});
  }
}

// pool2 → (Add) → flatten or reshape → "flat"
void flatten(Builder& b, const DeadUnitModelOptions& o, TestRng& rng) {
  std::string x = "pool2";
  if (o.residual_add) {
    b.floats("res.c", {1, 6, 2, 2}, [&](auto) { return nonzero(rng, 0.1f); });
    b.node("Add", "res", {"pool2", "res.c"}, {"sum"});
    x = "sum";
  }
  if (o.flatten == "Flatten") {
    Builder::ints(b.node("Flatten", "flatten", {x}, {"flat"}), "axis", {1});
    return;
  }
  b.int64s("flat.shape", o.flatten == "Reshape0" ? std::vector<std::int64_t>{0, -1} : std::vector<std::int64_t>{-1, 24});
  b.node("Reshape", "flatten", {x, "flat.shape"}, {"flat"});
}

void conv_layers(Builder& b, const DeadUnitModelOptions& o, TestRng& rng) {
  b.floats("conv1.weight", {4, 1, 3, 3}, [&](std::int64_t i) {
    const float v = nonzero(rng, 0.3f);
    return o.conv1_channel3_zero && i / 9 == 3 ? 0.0f : v;
  });
  b.floats("conv1.bias", {4}, [&](std::int64_t i) {
    const float v = nonzero(rng, 0.1f);
    return o.conv1_channel3_zero && i == 3 ? 0.0f : v;
  });
  const std::int64_t in2 = o.conv2_grouped ? 2 : 4;
  b.floats("conv2.weight", {6, in2, 3, 3}, [&](std::int64_t i) {
    const float v = nonzero(rng, 0.3f);
    const std::int64_t filter = i / (in2 * 9), channel = i / 9 % in2;
    const bool cut = o.conv1_channel2_via_dead_filters && channel == 2 && filter != 1 && filter != 4;
    return cut ? 0.0f : v;
  });
  b.floats("conv2.bias", {6}, [&](auto) { return nonzero(rng, 0.1f); });
  Builder::ints(b.node("Conv", "conv1", {"input", "conv1.weight", "conv1.bias"}, {"c1"}), "kernel_shape", {3, 3});
  act1(b, o, rng);
  pool(b, "pool1", "a1", "p1");
  auto* conv2 = b.node("Conv", "conv2", {"p1", "conv2.weight", "conv2.bias"}, {"c2"});
  Builder::ints(conv2, "kernel_shape", {3, 3});
  if (o.conv2_grouped) Builder::ints(conv2, "group", {2});
  pool(b, "pool2", "c2", "pool2");
}

void fc_layers(Builder& b, const DeadUnitModelOptions& o, TestRng& rng) {
  const float dead = o.dead_columns_negative ? -0.0f : 0.0f;
  // Column k of fc1 (input k) holds conv2 channel k / 4; channels 1 and 4 are unread.
  auto column_of = [&](std::int64_t i) { return o.fc1_trans_b ? i % 24 : i / 5; };
  b.floats("fc1.weight", o.fc1_trans_b ? Dims{5, 24} : Dims{24, 5}, [&](std::int64_t i) {
    const float v = nonzero(rng, 0.3f);
    const std::int64_t channel = column_of(i) / 4;
    return channel == 1 || channel == 4 ? dead : v;
  });
  b.floats("fc1.bias", {5}, [&](auto) { return nonzero(rng, 0.1f); });
  b.floats("fc2.weight", {3, 5}, [&](auto) { return nonzero(rng, 0.3f); });
  b.floats("fc2.bias", {3}, [&](auto) { return nonzero(rng, 0.1f); });
  auto* fc1 = b.node("Gemm", "fc1", {"flat", "fc1.weight", "fc1.bias"}, {"f1"});
  if (o.fc1_trans_b) Builder::ints(fc1, "transB", {1});
  b.node("Relu", "relu_fc1", {"f1"}, {"r1"});
  Builder::ints(b.node("Gemm", "fc2", {"r1", "fc2.weight", "fc2.bias"}, {"logits"}), "transB", {1});
}

}  // namespace

std::string make_dead_unit_model(const DeadUnitModelOptions& o) {
  TestRng rng(o.seed);
  Builder b;
  b.input("input", {1, 1, 14, 14});
  conv_layers(b, o, rng);
  flatten(b, o, rng);
  fc_layers(b, o, rng);
  b.output("logits", {1, 3});
  if (o.pool2_value_info) b.shape("pool2", {1, 6, o.pool2_side, o.pool2_side});
  if (o.pool2_graph_output) b.output("pool2", {1, 6, 2, 2});
  if (o.pool2_second_reader) {
    b.node("Identity", "peek", {"pool2"}, {"peeked"});
    b.output("peeked", {1, 6, 2, 2});
  }
  if (o.conv2_weight_output) b.output("conv2.weight", {6, o.conv2_grouped ? 2 : 4, 3, 3});
  if (o.conv2_weight_shared) {
    b.node("Identity", "copy", {"conv2.weight"}, {"copied"});
    b.output("copied", {6, o.conv2_grouped ? 2 : 4, 3, 3});
  }
  return b.bytes();
}

std::string make_matmul_chain_model(std::uint64_t seed, bool half) {
  TestRng rng(seed);
  Builder b;
  if (half) b.use_half();
  b.input("input", {2, 8});
  b.floats("w1", {8, 6}, [&](std::int64_t i) {
    const float v = nonzero(rng, 0.3f);
    return i % 6 == 5 ? 0.0f : v;
  });
  b.floats("w2", {6, 4}, [&](std::int64_t i) {
    const float v = nonzero(rng, 0.3f);
    return i / 4 == 2 ? 0.0f : v;
  });
  b.node("MatMul", "mm1", {"input", "w1"}, {"h"});
  b.node("Relu", "relu", {"h"}, {"hr"});
  b.node("MatMul", "mm2", {"hr", "w2"}, {"out"});
  b.output("out", {2, 4});
  return b.bytes();
}

}  // namespace dcz::test
