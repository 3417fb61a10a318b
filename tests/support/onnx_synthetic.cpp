#include "support/onnx_synthetic.h"

#include <onnx/onnx_pb.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <stdexcept>

namespace dcz::test {

double TestRng::uniform() {
  return static_cast<double>(next_u64() >> 11) * 0x1.0p-53;
}

double TestRng::normal() {
  // Box–Muller; 1 - u keeps the logarithm's argument in (0, 1].
  const double u1 = 1.0 - uniform();
  const double u2 = uniform();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
}

namespace {

using onnx::TensorProto;

onnx::ModelProto new_model() {
  onnx::ModelProto m;
  m.set_ir_version(8);
  m.set_producer_name("dcz-test");
  m.set_producer_version("1");
  m.set_doc_string("synthetic model for dcz tests");
  auto* opset = m.add_opset_import();
  opset->set_domain("");
  opset->set_version(13);
  return m;
}

std::string to_bytes(const onnx::ModelProto& m) {
  std::string s;
  if (!m.SerializeToString(&s)) throw std::runtime_error("cannot serialize a synthetic model");
  return s;
}

void add_value_info(google::protobuf::RepeatedPtrField<onnx::ValueInfoProto>* list,
                    const std::string& name, int elem_type, const std::vector<std::int64_t>& dims,
                    const std::string& batch_param = "") {
  auto* v = list->Add();
  v->set_name(name);
  auto* tt = v->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(elem_type);
  auto* shape = tt->mutable_shape();
  if (!batch_param.empty()) shape->add_dim()->set_dim_param(batch_param);
  for (auto d : dims) shape->add_dim()->set_dim_value(d);
}

onnx::NodeProto* add_node(onnx::GraphProto* g, const std::string& op, const std::string& name,
                          const std::vector<std::string>& inputs,
                          const std::vector<std::string>& outputs) {
  auto* n = g->add_node();
  n->set_op_type(op);
  n->set_name(name);
  for (const auto& i : inputs) n->add_input(i);
  for (const auto& o : outputs) n->add_output(o);
  return n;
}

void fill_float_tensor(TensorProto* t, const std::string& name,
                       const std::vector<std::int64_t>& dims, const std::vector<float>& values) {
  t->set_name(name);
  t->set_data_type(TensorProto::FLOAT);
  for (auto d : dims) t->add_dims(d);
  t->set_raw_data(std::string(reinterpret_cast<const char*>(values.data()), values.size() * 4));
}

std::vector<float> normal_values(TestRng& rng, std::size_t n, float stddev) {
  std::vector<float> v(n);
  for (auto& x : v) x = rng.normal_float(stddev);
  return v;
}

// A Constant node producing `t` under output name `output`.
onnx::NodeProto* add_constant(onnx::GraphProto* g, const std::string& node_name,
                              const std::string& output, const std::vector<std::int64_t>& dims,
                              const std::vector<float>& values) {
  auto* n = add_node(g, "Constant", node_name, {}, {output});
  auto* a = n->add_attribute();
  a->set_name("value");
  a->set_type(onnx::AttributeProto::TENSOR);
  fill_float_tensor(a->mutable_t(), "", dims, values);
  return n;
}

// ---- all dtypes ----

struct DTypeCase {
  const char* name;
  int onnx_type;
  std::size_t elem_bytes;       // bytes of one stored value (complex: of one component)
  std::size_t values_per_elem;  // 2 for complex
  std::vector<std::uint64_t> bits;
};

std::vector<DTypeCase> dtype_cases() {
  const std::vector<std::uint64_t> f32 = {0x00000000, 0x80000000, 0x00000001, 0x007fffff,
                                          0x7f800000, 0xff800000, 0x7fc12345, 0x7f800001,
                                          0xffc00000, 0x3f800000, 0xc0490fdb, 0x7f7fffff};
  const std::vector<std::uint64_t> f64 = {0, 0x8000000000000000, 1, 0x000fffffffffffff,
                                          0x7ff0000000000000, 0xfff0000000000000,
                                          0x7ff8000000012345, 0x7ff0000000000001,
                                          0x3ff0000000000000, 0xbfd5555555555555};
  return {
      {"float32", TensorProto::FLOAT, 4, 1, f32},
      {"float16", TensorProto::FLOAT16, 2, 1,
       {0x0000, 0x8000, 0x0001, 0x03ff, 0x7c00, 0xfc00, 0x7e01, 0x7c01, 0x3c00, 0xfbff}},
      {"bfloat16", TensorProto::BFLOAT16, 2, 1,
       {0x0000, 0x8000, 0x0001, 0x7f80, 0xff80, 0x7fc1, 0x7f81, 0x3f80, 0xc049}},
      {"float64", TensorProto::DOUBLE, 8, 1, f64},
      {"int8", TensorProto::INT8, 1, 1, {0x80, 0x7f, 0xff, 0x00, 0x01, 0xfe}},
      {"uint8", TensorProto::UINT8, 1, 1, {0x00, 0xff, 0x80, 0x01, 0x7f}},
      {"int16", TensorProto::INT16, 2, 1, {0x8000, 0x7fff, 0xffff, 0x0000, 0x1234}},
      {"uint16", TensorProto::UINT16, 2, 1, {0x0000, 0xffff, 0x8000, 0x1234}},
      {"int32", TensorProto::INT32, 4, 1, {0x80000000, 0x7fffffff, 0xffffffff, 0, 12345}},
      {"uint32", TensorProto::UINT32, 4, 1, {0, 0xffffffff, 0x80000000, 7}},
      {"int64", TensorProto::INT64, 8, 1,
       {0x8000000000000000, 0x7fffffffffffffff, 0xffffffffffffffff, 0, 42}},
      {"uint64", TensorProto::UINT64, 8, 1, {0, 0xffffffffffffffff, 0x8000000000000000, 9}},
      {"bool", TensorProto::BOOL, 1, 1, {0, 1, 1, 0, 1}},
      {"complex64", TensorProto::COMPLEX64, 4, 2, f32},
      {"complex128", TensorProto::COMPLEX128, 8, 2, f64},
  };
}

std::int64_t sign_extend(std::uint64_t bits, std::size_t bytes) {
  const unsigned shift = static_cast<unsigned>(64 - 8 * bytes);
  return static_cast<std::int64_t>(bits << shift) >> shift;
}

void fill_raw(TensorProto* t, const DTypeCase& c) {
  std::string raw;
  for (auto b : c.bits) raw.append(reinterpret_cast<const char*>(&b), c.elem_bytes);  // LE host
  t->set_raw_data(raw);
}

// The typed field each dtype uses (onnx.proto, TensorProto), filled independently of the
// library's own conversion code.
void fill_typed(TensorProto* t, const DTypeCase& c) {
  for (auto b : c.bits) {
    switch (c.onnx_type) {
      case TensorProto::FLOAT: case TensorProto::COMPLEX64: {
        const auto u = static_cast<std::uint32_t>(b);
        float f;
        std::memcpy(&f, &u, 4);
        t->add_float_data(f);
        break;
      }
      case TensorProto::DOUBLE: case TensorProto::COMPLEX128: {
        double d;
        std::memcpy(&d, &b, 8);
        t->add_double_data(d);
        break;
      }
      case TensorProto::INT8: case TensorProto::INT16: case TensorProto::INT32:
        t->add_int32_data(static_cast<std::int32_t>(sign_extend(b, c.elem_bytes)));
        break;
      case TensorProto::INT64: t->add_int64_data(static_cast<std::int64_t>(b)); break;
      case TensorProto::UINT32: case TensorProto::UINT64: t->add_uint64_data(b); break;
      default: t->add_int32_data(static_cast<std::int32_t>(b)); break;  // zero-extended
    }
  }
}

void add_dtype_initializers(onnx::GraphProto* g, const DTypeCase& c) {
  const auto elems = static_cast<std::int64_t>(c.bits.size() / c.values_per_elem);
  for (bool typed : {false, true}) {
    auto* t = g->add_initializer();
    t->set_name(std::string(c.name) + (typed ? "_typed" : "_raw"));
    t->set_data_type(c.onnx_type);
    t->add_dims(elems);
    if (typed) {
      fill_typed(t, c);
    } else {
      fill_raw(t, c);
    }
  }
}

}  // namespace

std::string make_all_dtypes_model() {
  auto m = new_model();
  auto* g = m.mutable_graph();
  g->set_name("all_dtypes");
  for (const auto& c : dtype_cases()) add_dtype_initializers(g, c);

  auto* s = g->add_initializer();
  s->set_name("string_typed");
  s->set_data_type(TensorProto::STRING);
  s->add_dims(2);
  s->add_dims(2);
  s->add_string_data("");
  s->add_string_data("hello");
  s->add_string_data(std::string("\0bin\xff", 5));
  s->add_string_data(std::string(300, 'z'));

  auto* scalar = g->add_initializer();
  fill_float_tensor(scalar, "scalar_float_raw", {}, {-2.5f});
  auto* empty_raw = g->add_initializer();
  fill_float_tensor(empty_raw, "empty_float_raw", {3, 0}, {});
  auto* empty_typed = g->add_initializer();
  empty_typed->set_name("empty_int64_typed");
  empty_typed->set_data_type(TensorProto::INT64);
  empty_typed->add_dims(0);

  add_value_info(g->mutable_input(), "x", TensorProto::FLOAT, {1});
  add_value_info(g->mutable_output(), "y", TensorProto::FLOAT, {1});
  add_node(g, "Identity", "identity", {"x"}, {"y"});
  return to_bytes(m);
}

// ---- Constant nodes and subgraphs ----

namespace {

onnx::GraphProto make_then_branch() {
  onnx::GraphProto g;
  g.set_name("then_graph");
  add_constant(&g, "then_const", "then_c", {2}, {10.0f, 20.0f});
  add_node(&g, "Add", "then_add", {"y", "then_c"}, {"then_out"});
  add_value_info(g.mutable_output(), "then_out", TensorProto::FLOAT, {2});
  return g;
}

onnx::GraphProto make_else_branch() {
  onnx::GraphProto g;
  g.set_name("else_graph");
  fill_float_tensor(g.add_initializer(), "else_w", {2}, {0.5f, -0.5f});
  add_node(&g, "Mul", "else_mul", {"y", "else_w"}, {"else_out"});
  add_value_info(g.mutable_output(), "else_out", TensorProto::FLOAT, {2});
  return g;
}

onnx::GraphProto make_loop_body() {
  onnx::GraphProto g;
  g.set_name("loop_body");
  add_value_info(g.mutable_input(), "iter", TensorProto::INT64, {});
  add_value_info(g.mutable_input(), "cond_in", TensorProto::BOOL, {});
  add_value_info(g.mutable_input(), "carried", TensorProto::FLOAT, {2});
  fill_float_tensor(g.add_initializer(), "body_w", {2}, {1.0f, 2.0f});
  add_node(&g, "Identity", "body_cond", {"cond_in"}, {"cond_out"});
  add_node(&g, "Add", "body_add", {"carried", "body_w"}, {"body_sum"});
  // const_a comes from the enclosing graph: an outer-scope use.
  add_node(&g, "Mul", "body_mul", {"body_sum", "const_a"}, {"carried_out"});
  add_value_info(g.mutable_output(), "cond_out", TensorProto::BOOL, {});
  add_value_info(g.mutable_output(), "carried_out", TensorProto::FLOAT, {2});
  return g;
}

void add_scale_function(onnx::ModelProto& m) {
  auto* f = m.add_functions();
  f->set_name("Scale2");
  f->set_domain("dcz.test");
  f->add_input("X");
  f->add_output("Y");
  auto* op = f->add_opset_import();
  op->set_domain("");
  op->set_version(13);
  auto* c = f->add_node();
  c->set_op_type("Constant");
  c->set_name("scale_const");
  c->add_output("two");
  auto* a = c->add_attribute();
  a->set_name("value");
  a->set_type(onnx::AttributeProto::TENSOR);
  fill_float_tensor(a->mutable_t(), "", {}, {2.0f});
  auto* mul = f->add_node();
  mul->set_op_type("Mul");
  mul->set_name("scale_mul");
  mul->add_input("X");
  mul->add_input("two");
  mul->add_output("Y");
  auto* dom = m.add_opset_import();
  dom->set_domain("dcz.test");
  dom->set_version(1);
}

}  // namespace

std::string make_constant_and_subgraph_model() {
  auto m = new_model();
  auto* g = m.mutable_graph();
  g->set_name("constants_and_subgraphs");
  add_value_info(g->mutable_input(), "x", TensorProto::FLOAT, {2});
  add_value_info(g->mutable_input(), "cond", TensorProto::BOOL, {});
  add_constant(g, "const_node_a", "const_a", {2}, {1.5f, -0.0f});
  add_node(g, "Add", "add_a", {"x", "const_a"}, {"y"});

  auto* if_node = add_node(g, "If", "if0", {"cond"}, {"if_out"});
  auto* then_attr = if_node->add_attribute();
  then_attr->set_name("then_branch");
  then_attr->set_type(onnx::AttributeProto::GRAPH);
  *then_attr->mutable_g() = make_then_branch();
  auto* else_attr = if_node->add_attribute();
  else_attr->set_name("else_branch");
  else_attr->set_type(onnx::AttributeProto::GRAPH);
  *else_attr->mutable_g() = make_else_branch();

  auto* trip = add_node(g, "Constant", "trip_const", {}, {"trip"});
  auto* trip_attr = trip->add_attribute();
  trip_attr->set_name("value");
  trip_attr->set_type(onnx::AttributeProto::TENSOR);
  trip_attr->mutable_t()->set_data_type(TensorProto::INT64);
  trip_attr->mutable_t()->add_int64_data(3);  // typed storage in an attribute

  auto* loop = add_node(g, "Loop", "loop0", {"trip", "", "if_out"}, {"loop_out"});
  auto* body_attr = loop->add_attribute();
  body_attr->set_name("body");
  body_attr->set_type(onnx::AttributeProto::GRAPH);
  *body_attr->mutable_g() = make_loop_body();

  add_scale_function(m);
  auto* call = add_node(g, "Scale2", "scale_call", {"loop_out"}, {"out"});
  call->set_domain("dcz.test");
  add_value_info(g->mutable_output(), "out", TensorProto::FLOAT, {2});
  return to_bytes(m);
}

// ---- sparse initializers ----

std::string make_sparse_initializer_model() {
  auto m = new_model();
  auto* g = m.mutable_graph();
  g->set_name("sparse");
  add_value_info(g->mutable_input(), "x", TensorProto::FLOAT, {2, 4});

  auto* s1 = g->add_sparse_initializer();
  s1->add_dims(2);
  s1->add_dims(4);
  fill_float_tensor(s1->mutable_values(), "sp_raw", {3}, {1.0f, -2.0f, 3.5f});
  auto* i1 = s1->mutable_indices();
  i1->set_data_type(TensorProto::INT64);
  i1->add_dims(3);
  const std::int64_t idx1[] = {0, 5, 7};
  i1->set_raw_data(std::string(reinterpret_cast<const char*>(idx1), sizeof idx1));

  auto* s2 = g->add_sparse_initializer();
  s2->add_dims(2);
  s2->add_dims(4);
  auto* v2 = s2->mutable_values();
  v2->set_name("sp_typed");
  v2->set_data_type(TensorProto::FLOAT);
  v2->add_dims(2);
  v2->add_float_data(0.25f);
  v2->add_float_data(-0.0f);
  auto* i2 = s2->mutable_indices();
  i2->set_data_type(TensorProto::INT64);
  i2->add_dims(2);
  i2->add_int64_data(1);
  i2->add_int64_data(6);

  add_node(g, "Add", "add_sparse_raw", {"x", "sp_raw"}, {"a"});
  add_node(g, "Add", "add_sparse_typed", {"a", "sp_typed"}, {"y"});
  add_value_info(g->mutable_output(), "y", TensorProto::FLOAT, {2, 4});
  return to_bytes(m);
}

// ---- external data ----

namespace {

void set_external(TensorProto* t, const std::string& location, std::uint64_t offset,
                  std::optional<std::uint64_t> length) {
  t->clear_raw_data();
  t->set_data_location(TensorProto::EXTERNAL);
  auto add = [&](const std::string& k, const std::string& v) {
    auto* e = t->add_external_data();
    e->set_key(k);
    e->set_value(v);
  };
  add("location", location);
  add("offset", std::to_string(offset));
  if (length) add("length", std::to_string(*length));
}

}  // namespace

std::string make_external_reference_model(const std::string& location, std::uint64_t offset,
                                          std::optional<std::uint64_t> length) {
  auto m = new_model();
  auto* g = m.mutable_graph();
  g->set_name("external_ref");
  add_value_info(g->mutable_input(), "x", TensorProto::FLOAT, {4});
  auto* w = g->add_initializer();
  fill_float_tensor(w, "w", {4}, {});
  set_external(w, location, offset, length);
  add_node(g, "Add", "add_w", {"x", "w"}, {"y"});
  add_value_info(g->mutable_output(), "y", TensorProto::FLOAT, {4});
  return to_bytes(m);
}

std::vector<float> external_model_w1() {
  std::vector<float> v(32);
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = 0.125f * static_cast<float>(i) - 1.0f;
  return v;
}

std::vector<float> external_model_w2() {
  return {-0.0f, 1.0f, -1.0f, 0.5f, 1e-40f, 3.0f, -7.25f, 100.0f};
}

std::filesystem::path write_external_data_model(const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  const auto w1 = external_model_w1();
  const auto w2 = external_model_w2();
  std::string data(192 + w2.size() * 4, '\0');
  std::memcpy(data.data(), w1.data(), w1.size() * 4);
  std::memcpy(data.data() + 192, w2.data(), w2.size() * 4);
  std::ofstream(dir / "weights.bin", std::ios::binary).write(data.data(),
                                                            static_cast<std::streamsize>(data.size()));

  auto m = new_model();
  auto* g = m.mutable_graph();
  g->set_name("external");
  add_value_info(g->mutable_input(), "x", TensorProto::FLOAT, {4}, "N");
  auto* t1 = g->add_initializer();
  fill_float_tensor(t1, "w1", {4, 8}, {});
  set_external(t1, "weights.bin", 0, w1.size() * 4);
  auto* t2 = g->add_initializer();
  fill_float_tensor(t2, "w2", {8}, {});
  set_external(t2, "weights.bin", 192, std::nullopt);  // to the end of the file
  fill_float_tensor(g->add_initializer(), "bias", {8}, std::vector<float>(8, 0.25f));
  add_node(g, "MatMul", "matmul", {"x", "w1"}, {"h"});
  add_node(g, "Add", "add_w2", {"h", "w2"}, {"h2"});
  add_node(g, "Add", "add_bias", {"h2", "bias"}, {"y"});
  add_value_info(g->mutable_output(), "y", TensorProto::FLOAT, {8}, "N");
  const auto path = dir / "model.onnx";
  const std::string bytes = to_bytes(m);
  std::ofstream(path, std::ios::binary).write(bytes.data(),
                                              static_cast<std::streamsize>(bytes.size()));
  return path;
}

// ---- MLP and CNN ----

std::string make_mlp_model(const std::vector<int>& sizes, std::uint64_t seed) {
  if (sizes.size() < 2) throw std::invalid_argument("make_mlp_model needs at least two sizes");
  TestRng rng(seed);
  auto m = new_model();
  auto* g = m.mutable_graph();
  g->set_name("mlp");
  add_value_info(g->mutable_input(), "input", TensorProto::FLOAT, {sizes.front()}, "N");
  std::string x = "input";
  for (std::size_t i = 0; i + 1 < sizes.size(); ++i) {
    const std::string p = "fc" + std::to_string(i);
    const int in = sizes[i], out = sizes[i + 1];
    const auto stddev = static_cast<float>(1.0 / std::sqrt(static_cast<double>(in)));
    fill_float_tensor(g->add_initializer(), p + ".weight", {out, in},
                      normal_values(rng, static_cast<std::size_t>(in) * out, stddev));
    fill_float_tensor(g->add_initializer(), p + ".bias", {out},
                      normal_values(rng, static_cast<std::size_t>(out), 0.1f));
    const bool last = i + 2 == sizes.size();
    const std::string y = last ? "output" : p + ".out";
    auto* gemm = add_node(g, "Gemm", p, {x, p + ".weight", p + ".bias"}, {y});
    auto* trans = gemm->add_attribute();
    trans->set_name("transB");
    trans->set_type(onnx::AttributeProto::INT);
    trans->set_i(1);
    x = y;
    if (!last) {
      add_node(g, "Relu", p + ".relu", {y}, {p + ".act"});
      x = p + ".act";
    }
  }
  add_value_info(g->mutable_output(), "output", TensorProto::FLOAT, {sizes.back()}, "N");
  return to_bytes(m);
}

std::string make_conv_model(const ConvModelOptions& o) {
  TestRng rng(o.seed);
  auto m = new_model();
  auto* g = m.mutable_graph();
  g->set_name("cnn");
  add_value_info(g->mutable_input(), "input", TensorProto::FLOAT,
                 {o.in_channels, o.image_size, o.image_size}, "N");
  const auto k = static_cast<std::size_t>(o.kernel);
  const auto oc = static_cast<std::size_t>(o.out_channels);
  const std::size_t fan_in = static_cast<std::size_t>(o.in_channels) * k * k;
  fill_float_tensor(g->add_initializer(), "conv1.weight",
                    {o.out_channels, o.in_channels, o.kernel, o.kernel},
                    normal_values(rng, oc * fan_in,
                                  static_cast<float>(1.0 / std::sqrt(static_cast<double>(fan_in)))));
  fill_float_tensor(g->add_initializer(), "conv1.bias", {o.out_channels},
                    normal_values(rng, oc, 0.1f));
  std::vector<float> scale(oc), var(oc);
  for (std::size_t c = 0; c < oc; ++c) {
    scale[c] = 1.0f + 0.1f * static_cast<float>(rng.normal());
    var[c] = 0.5f + static_cast<float>(rng.uniform());
  }
  fill_float_tensor(g->add_initializer(), "bn1.scale", {o.out_channels}, scale);
  fill_float_tensor(g->add_initializer(), "bn1.bias", {o.out_channels},
                    normal_values(rng, oc, 0.1f));
  fill_float_tensor(g->add_initializer(), "bn1.mean", {o.out_channels},
                    normal_values(rng, oc, 0.1f));
  fill_float_tensor(g->add_initializer(), "bn1.var", {o.out_channels}, var);
  fill_float_tensor(g->add_initializer(), "fc.weight", {o.classes, o.out_channels},
                    normal_values(rng, static_cast<std::size_t>(o.classes) * oc,
                                  static_cast<float>(1.0 / std::sqrt(static_cast<double>(oc)))));
  fill_float_tensor(g->add_initializer(), "fc.bias", {o.classes},
                    normal_values(rng, static_cast<std::size_t>(o.classes), 0.1f));

  auto* conv = add_node(g, "Conv", "conv1", {"input", "conv1.weight", "conv1.bias"}, {"c1"});
  auto* pads = conv->add_attribute();
  pads->set_name("pads");
  pads->set_type(onnx::AttributeProto::INTS);
  for (int i = 0; i < 4; ++i) pads->add_ints(o.kernel / 2);
  add_node(g, "BatchNormalization", "bn1", {"c1", "bn1.scale", "bn1.bias", "bn1.mean", "bn1.var"},
           {"b1"});
  add_node(g, "Relu", "relu1", {"b1"}, {"r1"});
  add_node(g, "GlobalAveragePool", "gap", {"r1"}, {"p1"});
  add_node(g, "Flatten", "flatten", {"p1"}, {"f1"});
  auto* gemm = add_node(g, "Gemm", "fc", {"f1", "fc.weight", "fc.bias"}, {"output"});
  auto* trans = gemm->add_attribute();
  trans->set_name("transB");
  trans->set_type(onnx::AttributeProto::INT);
  trans->set_i(1);
  add_value_info(g->mutable_output(), "output", TensorProto::FLOAT, {o.classes}, "N");
  return to_bytes(m);
}

}  // namespace dcz::test
