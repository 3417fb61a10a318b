// skeleton → parse_skeleton → fill bytes → equals the original.
#include "onnx/test_util.h"

namespace dcz::test {
namespace {

// Rebuilds a model from its skeleton and the original's tensor bytes, the way a decoder does:
// numeric tensors through allocate_tensor, strings through set_tensor_bytes.
OnnxModel rebuild(const OnnxModel& original) {
  auto skeleton = original.serialize_skeleton();
  EXPECT_TRUE(skeleton.is_ok()) << skeleton.status().to_string();
  auto r = OnnxModel::parse_skeleton(as_span(*skeleton), "skeleton");
  EXPECT_TRUE(r.is_ok()) << r.status().to_string();
  OnnxModel m = std::move(r).value();
  EXPECT_EQ(m.tensor_count(), original.tensor_count());
  for (std::size_t i = 0; i < m.tensor_count(); ++i) {
    const TensorInfo& a = original.tensor(i);
    const TensorInfo& b = m.tensor(i);
    EXPECT_EQ(a.name, b.name);
    EXPECT_EQ(a.dtype, b.dtype);
    EXPECT_EQ(a.dims, b.dims);
    EXPECT_EQ(a.graph_path, b.graph_path);
    const auto src = original.tensor_bytes(i);
    if (a.dtype == DType::kString) {
      EXPECT_TRUE(m.set_tensor_bytes(i, src).is_ok());
    } else {
      auto dst = m.allocate_tensor(i, src.size());
      EXPECT_TRUE(dst.is_ok()) << dst.status().to_string();
      if (dst) std::copy(src.begin(), src.end(), dst->begin());
    }
    m.set_typed_storage(i, a.typed_storage);
  }
  return m;
}

class SkeletonRoundTrip : public ::testing::TestWithParam<std::string> {};

TEST_P(SkeletonRoundTrip, FilledSkeletonEqualsOriginal) {
  const std::string input = synthetic_model(GetParam());
  OnnxModel original = parse_or_die(input);
  OnnxModel rebuilt = rebuild(original);
  EXPECT_EQ(original.first_difference(rebuilt), "");
  auto out = rebuilt.serialize();
  ASSERT_TRUE(out.is_ok()) << out.status().to_string();
  EXPECT_EQ(*out, canonical(input));
}

TEST_P(SkeletonRoundTrip, SkeletonHoldsNoTensorData) {
  OnnxModel m = parse_or_die(synthetic_model(GetParam()));
  auto skeleton = m.serialize_skeleton();
  ASSERT_TRUE(skeleton.is_ok());
  auto s = OnnxModel::parse_skeleton(as_span(*skeleton), "skeleton");
  ASSERT_TRUE(s.is_ok());
  for (std::size_t i = 0; i < s->tensor_count(); ++i) EXPECT_TRUE(s->tensor_bytes(i).empty());
  // The model itself is unchanged by taking its skeleton.
  OnnxModel again = parse_or_die(synthetic_model(GetParam()));
  EXPECT_EQ(m.first_difference(again), "");
}

INSTANTIATE_TEST_SUITE_P(Models, SkeletonRoundTrip, ::testing::ValuesIn(synthetic_model_names()));

TEST(Skeleton, SameForRawAndTypedSources) {
  // The same float values stored once in raw_data and once in float_data.
  auto build = [](bool typed) {
    onnx::ModelProto p;
    p.set_ir_version(8);
    p.add_opset_import()->set_version(13);
    auto* t = p.mutable_graph()->add_initializer();
    t->set_name("w");
    t->set_data_type(onnx::TensorProto::FLOAT);
    t->add_dims(2);
    const float v[2] = {1.0f, -2.0f};
    if (typed) {
      t->add_float_data(v[0]);
      t->add_float_data(v[1]);
    } else {
      t->set_raw_data(std::string(reinterpret_cast<const char*>(v), sizeof v));
    }
    std::string s;
    EXPECT_TRUE(p.SerializeToString(&s));
    return s;
  };
  auto a = parse_or_die(build(false)).serialize_skeleton();
  auto b = parse_or_die(build(true)).serialize_skeleton();
  ASSERT_TRUE(a.is_ok() && b.is_ok());
  EXPECT_EQ(*a, *b);
}

TEST(Skeleton, ExplicitDefaultDataLocationSurvives) {
  onnx::ModelProto p;
  ASSERT_TRUE(p.ParseFromString(make_mlp_model({4, 3}, 1)));
  p.mutable_graph()->mutable_initializer(0)->set_data_location(onnx::TensorProto::DEFAULT);
  std::string input;
  ASSERT_TRUE(p.SerializeToString(&input));
  OnnxModel original = parse_or_die(input);
  OnnxModel rebuilt = rebuild(original);
  EXPECT_EQ(original.first_difference(rebuilt), "");
  auto out = rebuilt.serialize();
  ASSERT_TRUE(out.is_ok());
  EXPECT_EQ(*out, canonical(input));
}

TEST(Skeleton, RejectsExternalLocation) {
  const std::string bytes = make_external_reference_model("w.bin", 0, 16);
  auto s = OnnxModel::parse_skeleton(as_span(bytes), "skeleton");
  EXPECT_EQ(s.status().code(), ErrorCode::kBadOnnx);
}

TEST(Skeleton, UnfilledTensorsCannotBeSerialized) {
  OnnxModel m = parse_or_die(make_mlp_model({4, 3}, 1));
  auto skeleton = m.serialize_skeleton();
  ASSERT_TRUE(skeleton.is_ok());
  auto s = OnnxModel::parse_skeleton(as_span(*skeleton), "skeleton");
  ASSERT_TRUE(s.is_ok());
  EXPECT_EQ(s->serialize().status().code(), ErrorCode::kInvalidArgument);
}

TEST(Skeleton, AllocateChecksSize) {
  OnnxModel m = parse_or_die(make_all_dtypes_model());
  auto skeleton = m.serialize_skeleton();
  ASSERT_TRUE(skeleton.is_ok());
  auto s = OnnxModel::parse_skeleton(as_span(*skeleton), "skeleton");
  ASSERT_TRUE(s.is_ok());
  const auto f = find_tensor(*s, "float32_raw");
  EXPECT_EQ(s->allocate_tensor(f, 47).status().code(), ErrorCode::kBadSize);
  EXPECT_TRUE(s->allocate_tensor(f, 48).is_ok());
  const auto str = find_tensor(*s, "string_typed");
  EXPECT_EQ(s->allocate_tensor(str, 4).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(s->allocate_tensor(9999, 4).status().code(), ErrorCode::kInvalidArgument);
}

TEST(Skeleton, RejectsTensorsWithData) {
  // A full model is not a valid skeleton: its tensors carry data.
  const std::string full = make_mlp_model({4, 3}, 1);
  auto s = OnnxModel::parse_skeleton(as_span(full), "not-a-skeleton");
  ASSERT_FALSE(s.is_ok());
  EXPECT_EQ(s.status().code(), ErrorCode::kBadOnnx);
  EXPECT_NE(s.status().message().find("not-a-skeleton"), std::string::npos);
}

TEST(Skeleton, HugeDimsAreRejectedNotAllocated) {
  onnx::ModelProto p;
  p.set_ir_version(8);
  auto* t = p.mutable_graph()->add_initializer();
  t->set_name("huge");
  t->set_data_type(onnx::TensorProto::FLOAT);
  t->add_dims(std::int64_t{1} << 40);
  t->add_dims(std::int64_t{1} << 30);
  std::string bytes;
  ASSERT_TRUE(p.SerializeToString(&bytes));
  auto s = OnnxModel::parse_skeleton(as_span(bytes), "skeleton");
  ASSERT_FALSE(s.is_ok());
  EXPECT_EQ(s.status().code(), ErrorCode::kBadOnnx);
}

TEST(RealModels, SkeletonRoundTrip) {
  const auto models = real_models();
  if (models.empty()) GTEST_SKIP() << "no real models";
  for (const auto& path : models) {
    SCOPED_TRACE(path.string());
    auto a = OnnxModel::load(path);
    ASSERT_TRUE(a.is_ok()) << a.status().to_string();
    OnnxModel b = rebuild(*a);
    EXPECT_EQ(a->first_difference(b), "");
  }
}

}  // namespace
}  // namespace dcz::test
