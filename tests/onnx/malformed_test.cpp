// Malformed input: every case gives its specific ErrorCode, none crashes.
#include "onnx/test_util.h"

namespace dcz::test {
namespace {

std::string serialized(const onnx::ModelProto& p) {
  std::string s;
  EXPECT_TRUE(p.SerializeToString(&s));
  return s;
}

// A valid one-initializer model, for mutation by each case.
onnx::ModelProto base_model() {
  onnx::ModelProto p;
  EXPECT_TRUE(p.ParseFromString(make_mlp_model({4, 3}, 3)));
  return p;
}

onnx::TensorProto* weight(onnx::ModelProto& p) {
  return p.mutable_graph()->mutable_initializer(0);  // fc0.weight, float [3, 4], raw
}

ErrorCode parse_code(const std::string& bytes) {
  auto m = OnnxModel::parse(as_span(bytes), {}, "bad.onnx");
  if (!m.is_ok()) {
    EXPECT_NE(m.status().message().find("bad.onnx"), std::string::npos) << m.status().message();
  }
  return m.status().code();
}

TEST(Malformed, TruncatedInsideTheGraphAtEveryLength) {
  onnx::ModelProto p = base_model();
  const std::string full = serialized(p);
  // Bytes written after field 7 (graph): everything with a larger field number.
  onnx::ModelProto tail;
  *tail.mutable_opset_import() = p.opset_import();
  const std::size_t after = serialized(tail).size();
  ASSERT_LT(after, full.size());
  for (std::size_t len = 0; len + after < full.size(); ++len) {
    SCOPED_TRACE(len);
    // Either a header without a graph or a graph cut short: both are bad_onnx.
    EXPECT_EQ(parse_code(full.substr(0, len)), ErrorCode::kBadOnnx);
  }
}

TEST(Malformed, EveryTruncationOfEverySyntheticModelIsHandled) {
  for (const auto& name : synthetic_model_names()) {
    SCOPED_TRACE(name);
    const std::string full = synthetic_model(name);
    for (std::size_t len = 0; len < full.size(); ++len) {
      auto m = OnnxModel::parse(as_span(full.substr(0, len)), {}, "cut");
      if (!m.is_ok()) {
        EXPECT_EQ(m.status().code(), ErrorCode::kBadOnnx) << len << ": " << m.status().message();
        continue;
      }
      // A cut at a field boundary after the graph is a valid (smaller) model.
      EXPECT_TRUE(m->serialize().is_ok()) << len;
    }
  }
}

TEST(Malformed, NestingDeeperThanProtobufAllowsIsBadOnnx) {
  onnx::GraphProto g;
  for (int depth = 0; depth < 300; ++depth) {
    onnx::GraphProto outer;
    auto* n = outer.add_node();
    n->set_op_type("If");
    n->set_name("if" + std::to_string(depth));
    auto* a = n->add_attribute();
    a->set_name("then_branch");
    a->set_type(onnx::AttributeProto::GRAPH);
    *a->mutable_g() = std::move(g);
    g = std::move(outer);
  }
  onnx::ModelProto p;
  p.set_ir_version(8);
  *p.mutable_graph() = std::move(g);
  EXPECT_EQ(parse_code(serialized(p)), ErrorCode::kBadOnnx);
}

TEST(Malformed, ExternalStringTensor) {
  onnx::ModelProto p;
  ASSERT_TRUE(p.ParseFromString(make_external_reference_model("w.bin", 0, 16)));
  p.mutable_graph()->mutable_initializer(0)->set_data_type(onnx::TensorProto::STRING);
  auto m = OnnxModel::parse(as_span(serialized(p)), "/tmp", "str.onnx");
  EXPECT_EQ(m.status().code(), ErrorCode::kBadExternalData);
}

TEST(Malformed, ExternalTensorWithRawData) {
  onnx::ModelProto p;
  ASSERT_TRUE(p.ParseFromString(make_external_reference_model("w.bin", 0, 16)));
  p.mutable_graph()->mutable_initializer(0)->set_raw_data(std::string(16, '\0'));
  auto m = OnnxModel::parse(as_span(serialized(p)), "/tmp", "raw.onnx");
  EXPECT_EQ(m.status().code(), ErrorCode::kBadOnnx);
}

TEST(Malformed, RandomBytes) {
  TestRng rng(12345);
  for (int round = 0; round < 300; ++round) {
    std::string bytes(1 + rng.next_u64() % 2048, '\0');
    for (auto& c : bytes) c = static_cast<char>(rng.next_u64());
    auto m = OnnxModel::parse(as_span(bytes), {}, "random");
    ASSERT_FALSE(m.is_ok()) << "round " << round;
    const ErrorCode c = m.status().code();
    EXPECT_TRUE(c == ErrorCode::kBadOnnx || c == ErrorCode::kUnsupported ||
                c == ErrorCode::kBadExternalData)
        << m.status().to_string();
  }
}

TEST(Malformed, BitFlipsNeverCrash) {
  const std::string good = make_constant_and_subgraph_model();
  TestRng rng(99);
  int accepted = 0;
  for (int round = 0; round < 2000; ++round) {
    std::string bytes = good;
    const std::size_t flips = 1 + rng.next_u64() % 4;
    for (std::size_t f = 0; f < flips; ++f) {
      bytes[rng.next_u64() % bytes.size()] ^= static_cast<char>(1u << (rng.next_u64() % 8));
    }
    auto m = OnnxModel::parse(as_span(bytes), {}, "flipped");
    if (m.is_ok()) {
      // Whatever was accepted must write back and reload to an equal model.
      ++accepted;
      auto out = m->serialize();
      ASSERT_TRUE(out.is_ok()) << out.status().to_string();
      auto again = OnnxModel::parse(as_span(*out), {}, "again");
      ASSERT_TRUE(again.is_ok()) << again.status().to_string();
      EXPECT_EQ(m->first_difference(*again), "");
    }
  }
  RecordProperty("accepted", accepted);
}

TEST(Malformed, RawDataSizeMismatch) {
  onnx::ModelProto p = base_model();
  weight(p)->mutable_raw_data()->pop_back();
  EXPECT_EQ(parse_code(serialized(p)), ErrorCode::kBadOnnx);
}

TEST(Malformed, TypedCountMismatch) {
  onnx::ModelProto p = base_model();
  weight(p)->clear_raw_data();
  for (int i = 0; i < 11; ++i) weight(p)->add_float_data(1.0f);
  EXPECT_EQ(parse_code(serialized(p)), ErrorCode::kBadOnnx);
}

TEST(Malformed, BothRawAndTyped) {
  onnx::ModelProto p = base_model();
  weight(p)->add_float_data(1.0f);
  EXPECT_EQ(parse_code(serialized(p)), ErrorCode::kBadOnnx);
}

TEST(Malformed, WrongTypedFieldForDtype) {
  onnx::ModelProto p = base_model();
  weight(p)->clear_raw_data();
  for (int i = 0; i < 12; ++i) weight(p)->add_int64_data(1);
  EXPECT_EQ(parse_code(serialized(p)), ErrorCode::kBadOnnx);
}

TEST(Malformed, TypedValueOutOfRange) {
  struct Case {
    int type;
    std::int64_t value;
  };
  for (Case c : {Case{onnx::TensorProto::INT8, 300}, Case{onnx::TensorProto::INT8, -129},
                 Case{onnx::TensorProto::UINT8, -1}, Case{onnx::TensorProto::UINT16, 65536},
                 Case{onnx::TensorProto::INT16, 40000}, Case{onnx::TensorProto::BOOL, 2},
                 Case{onnx::TensorProto::FLOAT16, -1}, Case{onnx::TensorProto::BFLOAT16, 70000},
                 Case{onnx::TensorProto::UINT32, std::int64_t{1} << 32}}) {
    SCOPED_TRACE(c.type);
    onnx::ModelProto p = base_model();
    auto* t = weight(p);
    t->clear_raw_data();
    t->clear_dims();
    t->add_dims(1);
    t->set_data_type(c.type);
    if (c.type == onnx::TensorProto::UINT32) {
      t->add_uint64_data(static_cast<std::uint64_t>(c.value));
    } else {
      t->add_int32_data(static_cast<std::int32_t>(c.value));
    }
    auto m = OnnxModel::parse(as_span(serialized(p)), {}, "range.onnx");
    ASSERT_FALSE(m.is_ok());
    EXPECT_EQ(m.status().code(), ErrorCode::kBadOnnx);
    EXPECT_NE(m.status().message().find("fc0.weight"), std::string::npos) << m.status().message();
  }
}

TEST(Malformed, NegativeDims) {
  onnx::ModelProto p = base_model();
  weight(p)->set_dims(0, -3);
  EXPECT_EQ(parse_code(serialized(p)), ErrorCode::kBadOnnx);
}

TEST(Malformed, DimsProductOverflows) {
  onnx::ModelProto p = base_model();
  weight(p)->set_dims(0, std::int64_t{1} << 40);
  weight(p)->set_dims(1, std::int64_t{1} << 40);
  EXPECT_EQ(parse_code(serialized(p)), ErrorCode::kBadOnnx);
}

TEST(Malformed, HugeDimsWithLittleData) {
  for (bool typed : {false, true}) {
    onnx::ModelProto p = base_model();
    weight(p)->set_dims(0, std::int64_t{1} << 30);
    weight(p)->set_dims(1, std::int64_t{1} << 28);
    if (typed) {
      weight(p)->clear_raw_data();
      weight(p)->add_float_data(0.0f);
    }
    EXPECT_EQ(parse_code(serialized(p)), ErrorCode::kBadOnnx);
  }
}

TEST(Malformed, NoDataAtAllForNonEmptyTensor) {
  onnx::ModelProto p = base_model();
  weight(p)->clear_raw_data();
  EXPECT_EQ(parse_code(serialized(p)), ErrorCode::kBadOnnx);
}

TEST(Malformed, UndefinedAndUnknownDataType) {
  onnx::ModelProto p = base_model();
  weight(p)->set_data_type(0);
  EXPECT_EQ(parse_code(serialized(p)), ErrorCode::kBadOnnx);
  weight(p)->set_data_type(17);  // float8 types are newer than onnx 1.12
  EXPECT_EQ(parse_code(serialized(p)), ErrorCode::kUnsupported);
  weight(p)->set_data_type(-5);
  EXPECT_EQ(parse_code(serialized(p)), ErrorCode::kUnsupported);
}

TEST(Malformed, SegmentIsUnsupported) {
  onnx::ModelProto p = base_model();
  weight(p)->mutable_segment()->set_begin(0);
  weight(p)->mutable_segment()->set_end(12);
  EXPECT_EQ(parse_code(serialized(p)), ErrorCode::kUnsupported);
}

TEST(Malformed, StringInRawData) {
  onnx::ModelProto p = base_model();
  weight(p)->set_data_type(onnx::TensorProto::STRING);
  EXPECT_EQ(parse_code(serialized(p)), ErrorCode::kBadOnnx);
}

TEST(Malformed, StringCountMismatch) {
  onnx::ModelProto p = base_model();
  auto* t = weight(p);
  t->clear_raw_data();
  t->set_data_type(onnx::TensorProto::STRING);
  t->add_string_data("only one");
  EXPECT_EQ(parse_code(serialized(p)), ErrorCode::kBadOnnx);
}

TEST(Malformed, ExternalEntriesWithoutExternalLocation) {
  onnx::ModelProto p = base_model();
  auto* e = weight(p)->add_external_data();
  e->set_key("location");
  e->set_value("w.bin");
  EXPECT_EQ(parse_code(serialized(p)), ErrorCode::kBadOnnx);
}

TEST(Malformed, NoGraph) {
  onnx::ModelProto p;
  p.set_ir_version(8);
  EXPECT_EQ(parse_code(serialized(p)), ErrorCode::kBadOnnx);
  EXPECT_EQ(parse_code(""), ErrorCode::kBadOnnx);
}

TEST(Malformed, MissingFileIsIo) {
  auto m = OnnxModel::load("/nonexistent/dir/model.onnx");
  EXPECT_EQ(m.status().code(), ErrorCode::kIo);
}

TEST(Malformed, BadSparseValuesSize) {
  onnx::ModelProto p;
  ASSERT_TRUE(p.ParseFromString(make_sparse_initializer_model()));
  p.mutable_graph()->mutable_sparse_initializer(0)->mutable_indices()->mutable_raw_data()->append(
      "x");
  EXPECT_EQ(parse_code(serialized(p)), ErrorCode::kBadOnnx);
}

TEST(Malformed, BadTensorInsideSubgraph) {
  onnx::ModelProto p;
  ASSERT_TRUE(p.ParseFromString(make_constant_and_subgraph_model()));
  // loop0's body initializer body_w.
  for (auto& n : *p.mutable_graph()->mutable_node()) {
    if (n.name() != "loop0") continue;
    n.mutable_attribute(0)->mutable_g()->mutable_initializer(0)->mutable_raw_data()->append("zz");
  }
  auto m = OnnxModel::parse(as_span(serialized(p)), {}, "sub.onnx");
  ASSERT_FALSE(m.is_ok());
  EXPECT_EQ(m.status().code(), ErrorCode::kBadOnnx);
  EXPECT_NE(m.status().message().find("body_w"), std::string::npos) << m.status().message();
  EXPECT_NE(m.status().message().find("loop0/body"), std::string::npos) << m.status().message();
}

}  // namespace
}  // namespace dcz::test
