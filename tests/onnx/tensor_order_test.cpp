// Tensor order (format/SPEC.md) and the uses lists.
#include "onnx/test_util.h"

namespace dcz::test {
namespace {

struct Listed {
  std::string name;
  std::string graph_path;
  TensorSite site;
  bool operator==(const Listed&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Listed& l) {
  return os << "{" << l.name << ", '" << l.graph_path << "', " << static_cast<int>(l.site) << "}";
}

std::vector<Listed> listing(const OnnxModel& m) {
  std::vector<Listed> out;
  for (std::size_t i = 0; i < m.tensor_count(); ++i) {
    out.push_back({m.tensor(i).name, m.tensor(i).graph_path, m.tensor(i).site});
  }
  return out;
}

std::vector<std::string> uses_of(const OnnxModel& m, const std::string& name) {
  std::vector<std::string> out;
  for (const auto& u : m.tensor(find_tensor(m, name)).uses) {
    out.push_back(u.op_type + ":" + u.node_name + ":" + std::to_string(u.input_index));
  }
  return out;
}

// ---- a model exercising every rule of the order ----

onnx::TensorProto float_tensor(const std::string& name, float v) {
  onnx::TensorProto t;
  t.set_name(name);
  t.set_data_type(onnx::TensorProto::FLOAT);
  t.add_dims(1);
  t.add_float_data(v);
  return t;
}

onnx::SparseTensorProto sparse(const std::string& name) {
  onnx::SparseTensorProto s;
  s.add_dims(4);
  *s.mutable_values() = float_tensor(name, 1.0f);
  auto* i = s.mutable_indices();
  i->set_data_type(onnx::TensorProto::INT64);
  i->add_dims(1);
  i->add_int64_data(2);
  return s;
}

onnx::GraphProto graph_with_initializer(const std::string& init) {
  onnx::GraphProto g;
  *g.add_initializer() = float_tensor(init, 2.0f);
  return g;
}

onnx::AttributeProto* attr(onnx::NodeProto* n, const std::string& name,
                           onnx::AttributeProto::AttributeType type) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(type);
  return a;
}

std::string every_rule_model() {
  onnx::ModelProto m;
  m.set_ir_version(8);
  auto* g = m.mutable_graph();
  *g->add_initializer() = float_tensor("a", 0.0f);
  *g->add_sparse_initializer() = sparse("s");
  auto* n = g->add_node();
  n->set_op_type("Custom");
  n->set_domain("x");
  n->set_name("n1");
  *attr(n, "t", onnx::AttributeProto::TENSOR)->mutable_t() = float_tensor("ignored", 1.0f);
  auto* ts = attr(n, "ts", onnx::AttributeProto::TENSORS);
  *ts->add_tensors() = float_tensor("", 1.0f);
  *ts->add_tensors() = float_tensor("", 2.0f);
  *attr(n, "sp", onnx::AttributeProto::SPARSE_TENSOR)->mutable_sparse_tensor() = sparse("");
  *attr(n, "sps", onnx::AttributeProto::SPARSE_TENSORS)->add_sparse_tensors() = sparse("");
  *attr(n, "g", onnx::AttributeProto::GRAPH)->mutable_g() = graph_with_initializer("g_init");
  auto* gs = attr(n, "gs", onnx::AttributeProto::GRAPHS);
  *gs->add_graphs() = graph_with_initializer("gs0_init");
  onnx::GraphProto gs1 = graph_with_initializer("gs1_init");
  auto* inner = gs1.add_node();
  inner->set_op_type("Custom");
  inner->set_domain("x");
  inner->set_name("inner");
  *attr(inner, "body", onnx::AttributeProto::GRAPH)->mutable_g() = graph_with_initializer("deep");
  *gs->add_graphs() = gs1;
  auto* ti = m.add_training_info();
  *ti->mutable_initialization() = graph_with_initializer("ti_init");
  *ti->mutable_algorithm() = graph_with_initializer("ti_algo");
  auto* f = m.add_functions();
  f->set_name("F");
  auto* c = f->add_node();
  c->set_op_type("Constant");
  c->set_name("fconst");
  c->add_output("f_out");
  *attr(c, "value", onnx::AttributeProto::TENSOR)->mutable_t() = float_tensor("", 3.0f);
  std::string s;
  EXPECT_TRUE(m.SerializeToString(&s));
  return s;
}

TEST(TensorOrder, FollowsTheSpecRules) {
  OnnxModel m = parse_or_die(every_rule_model());
  using S = TensorSite;
  const std::vector<Listed> expected = {
      {"a", "", S::kInitializer},
      {"s", "", S::kSparseValues},
      {"s/indices", "", S::kSparseIndices},
      {"n1/t", "", S::kNodeAttribute},
      {"n1/ts[0]", "", S::kNodeAttribute},
      {"n1/ts[1]", "", S::kNodeAttribute},
      {"n1/sp", "", S::kNodeAttribute},
      {"n1/sp/indices", "", S::kNodeAttribute},
      {"n1/sps[0]", "", S::kNodeAttribute},
      {"n1/sps[0]/indices", "", S::kNodeAttribute},
      {"g_init", "n1/g", S::kInitializer},
      {"gs0_init", "n1/gs[0]", S::kInitializer},
      {"gs1_init", "n1/gs[1]", S::kInitializer},
      {"deep", "n1/gs[1]/inner/body", S::kInitializer},
      {"ti_init", "training_info[0]/initialization", S::kInitializer},
      {"ti_algo", "training_info[0]/algorithm", S::kInitializer},
      {"f_out", "function:F", S::kNodeAttribute},
  };
  EXPECT_EQ(listing(m), expected);
}

TEST(TensorOrder, ConstantsAndSubgraphs) {
  OnnxModel m = parse_or_die(make_constant_and_subgraph_model());
  using S = TensorSite;
  const std::vector<Listed> expected = {
      {"const_a", "", S::kNodeAttribute},
      {"then_c", "if0/then_branch", S::kNodeAttribute},
      {"else_w", "if0/else_branch", S::kInitializer},
      {"trip", "", S::kNodeAttribute},
      {"body_w", "loop0/body", S::kInitializer},
      {"two", "function:Scale2", S::kNodeAttribute},
  };
  EXPECT_EQ(listing(m), expected);
  EXPECT_TRUE(m.tensor(find_tensor(m, "trip")).typed_storage);
  EXPECT_FALSE(m.tensor(find_tensor(m, "const_a")).typed_storage);
}

TEST(TensorOrder, SparseInitializers) {
  OnnxModel m = parse_or_die(make_sparse_initializer_model());
  using S = TensorSite;
  const std::vector<Listed> expected = {
      {"sp_raw", "", S::kSparseValues},
      {"sp_raw/indices", "", S::kSparseIndices},
      {"sp_typed", "", S::kSparseValues},
      {"sp_typed/indices", "", S::kSparseIndices},
  };
  EXPECT_EQ(listing(m), expected);
  EXPECT_EQ(m.tensor(1).dtype, DType::kInt64);
  EXPECT_TRUE(m.tensor(3).typed_storage);
  EXPECT_EQ(uses_of(m, "sp_raw"), (std::vector<std::string>{"Add:add_sparse_raw:1"}));
  EXPECT_TRUE(uses_of(m, "sp_raw/indices").empty());
}

TEST(Uses, ConvAndGemmWeights) {
  OnnxModel m = parse_or_die(make_conv_model());
  EXPECT_EQ(uses_of(m, "conv1.weight"), (std::vector<std::string>{"Conv:conv1:1"}));
  EXPECT_EQ(uses_of(m, "conv1.bias"), (std::vector<std::string>{"Conv:conv1:2"}));
  EXPECT_EQ(uses_of(m, "bn1.var"), (std::vector<std::string>{"BatchNormalization:bn1:4"}));
  EXPECT_EQ(uses_of(m, "fc.weight"), (std::vector<std::string>{"Gemm:fc:1"}));
  EXPECT_EQ(uses_of(m, "fc.bias"), (std::vector<std::string>{"Gemm:fc:2"}));
}

TEST(Uses, MlpWeights) {
  OnnxModel m = parse_or_die(make_mlp_model({8, 6, 4, 2}, 5));
  ASSERT_EQ(m.tensor_count(), 6u);
  EXPECT_EQ(uses_of(m, "fc2.weight"), (std::vector<std::string>{"Gemm:fc2:1"}));
  EXPECT_EQ(m.tensor(find_tensor(m, "fc1.weight")).dims, (std::vector<std::int64_t>{4, 6}));
}

TEST(Uses, ConstantConsumersIncludingOuterScopeUses) {
  OnnxModel m = parse_or_die(make_constant_and_subgraph_model());
  // const_a feeds add_a in the main graph and body_mul inside the Loop body (outer scope).
  EXPECT_EQ(uses_of(m, "const_a"),
            (std::vector<std::string>{"Add:add_a:1", "Mul:body_mul:1"}));
  EXPECT_EQ(uses_of(m, "then_c"), (std::vector<std::string>{"Add:then_add:1"}));
  EXPECT_EQ(uses_of(m, "else_w"), (std::vector<std::string>{"Mul:else_mul:1"}));
  EXPECT_EQ(uses_of(m, "trip"), (std::vector<std::string>{"Loop:loop0:0"}));
  EXPECT_EQ(uses_of(m, "body_w"), (std::vector<std::string>{"Add:body_add:1"}));
  EXPECT_EQ(uses_of(m, "two"), (std::vector<std::string>{"Mul:scale_mul:1"}));
}

TEST(Uses, SubgraphNamesShadowOuterNames) {
  onnx::ModelProto p;
  ASSERT_TRUE(p.ParseFromString(make_constant_and_subgraph_model()));
  // Give the Loop body its own "const_a": body_mul now reads the inner one.
  for (auto& n : *p.mutable_graph()->mutable_node()) {
    if (n.name() != "loop0") continue;
    auto* init = n.mutable_attribute(0)->mutable_g()->add_initializer();
    init->set_name("const_a");
    init->set_data_type(onnx::TensorProto::FLOAT);
    init->add_dims(2);
    init->add_float_data(1.0f);
    init->add_float_data(2.0f);
  }
  std::string bytes;
  ASSERT_TRUE(p.SerializeToString(&bytes));
  OnnxModel m = parse_or_die(bytes);
  EXPECT_EQ(uses_of(m, "const_a"), (std::vector<std::string>{"Add:add_a:1"}));
}

TEST(Uses, RealModelsHaveConsumedWeights) {
  const auto models = real_models();
  if (models.empty()) GTEST_SKIP() << "no real models";
  for (const auto& path : models) {
    SCOPED_TRACE(path.string());
    auto m = OnnxModel::load(path);
    ASSERT_TRUE(m.is_ok()) << m.status().to_string();
    std::size_t conv_or_gemm = 0;
    for (std::size_t i = 0; i < m->tensor_count(); ++i) {
      for (const auto& u : m->tensor(i).uses) {
        if (u.op_type == "Conv" || u.op_type == "Gemm" || u.op_type == "MatMul") ++conv_or_gemm;
      }
    }
    EXPECT_GT(conv_or_gemm, 0u);
  }
}

}  // namespace
}  // namespace dcz::test
