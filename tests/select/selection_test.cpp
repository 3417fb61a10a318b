#include "dcz/selection.h"

#include <gtest/gtest.h>

#include "dcz/onnx_model.h"

namespace dcz {
namespace {

TensorInfo tensor(std::string name, std::vector<std::int64_t> dims, std::vector<TensorUse> uses,
                  DType dtype = DType::kFloat32) {
  TensorInfo t;
  t.name = std::move(name);
  t.dims = std::move(dims);
  t.uses = std::move(uses);
  t.dtype = dtype;
  return t;
}

// A small CNN + MLP + LSTM: weights, biases, BN parameters, a shape constant.
std::vector<TensorInfo> sample_tensors() {
  std::vector<TensorInfo> t;
  t.push_back(tensor("conv1.weight", {8, 1, 3, 3}, {{"Conv", "conv1", 1}}));              // 0
  t.push_back(tensor("conv1.bias", {8}, {{"Conv", "conv1", 2}}));                          // 1
  t.push_back(tensor("bn1.scale", {8}, {{"BatchNormalization", "bn1", 1}}));              // 2
  t.push_back(tensor("shape", {2}, {{"Reshape", "flatten", 1}}, DType::kInt64));           // 3
  t.push_back(tensor("fc1.weight", {10, 72}, {{"Gemm", "fc1", 1}}));                       // 4
  t.push_back(tensor("fc1.bias", {10}, {{"Gemm", "fc1", 2}}));                             // 5
  t.push_back(tensor("proj", {10, 4}, {{"MatMul", "proj_mm", 1}}, DType::kFloat16));       // 6
  t.push_back(tensor("lstm.W", {1, 16, 4}, {{"LSTM", "lstm", 1}}, DType::kBFloat16));      // 7
  t.push_back(tensor("lstm.R", {1, 16, 4}, {{"LSTM", "lstm", 2}}, DType::kFloat64));       // 8
  t.push_back(tensor("lstm.B", {1, 32}, {{"LSTM", "lstm", 3}}));                           // 9
  t.push_back(tensor("qweight", {4, 4}, {{"MatMul", "qmm", 1}}, DType::kInt8));            // 10
  t.push_back(tensor("add_const", {4, 4}, {{"Add", "add", 1}}));                           // 11
  TensorInfo sub = tensor("body_w", {4, 4}, {{"MatMul", "body_mm", 0}});                   // 12
  sub.graph_path = "loop/body";
  sub.site = TensorSite::kNodeAttribute;
  t.push_back(sub);
  t.push_back(tensor("unused", {4, 4}, {}));                                               // 13
  return t;
}

std::vector<std::size_t> indices(const std::vector<SelectedWeight>& s) {
  std::vector<std::size_t> out;
  for (const auto& w : s) out.push_back(w.tensor_index);
  return out;
}

TEST(Selection, DefaultTakesFloatWeightsOfWeightOpsOnly) {
  const auto tensors = sample_tensors();
  auto r = select_weights(std::span<const TensorInfo>(tensors), WeightSelection{});
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(indices(*r), (std::vector<std::size_t>{0, 4, 6, 7, 8, 12}));
  EXPECT_EQ((*r)[0].kind, SelectedWeight::LayerKind::kConv);
  EXPECT_EQ((*r)[0].op_type, "Conv");
  EXPECT_EQ((*r)[1].kind, SelectedWeight::LayerKind::kFullyConnected);
  EXPECT_EQ((*r)[3].kind, SelectedWeight::LayerKind::kRecurrent);
  EXPECT_EQ((*r)[5].name, "loop/body/body_w");
}

TEST(Selection, IncludeMatchesTensorNodeAndQualifiedNames) {
  const auto tensors = sample_tensors();
  WeightSelection s;
  s.include = {"fc*", "conv1", "loop/*"};  // tensor glob, node name, qualified name
  auto r = select_weights(std::span<const TensorInfo>(tensors), s);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(indices(*r), (std::vector<std::size_t>{0, 4, 12}));
}

TEST(Selection, ExcludeOpTypesAndMinElements) {
  const auto tensors = sample_tensors();
  WeightSelection s;
  s.exclude = {"lstm.?"};
  s.op_types = {"Conv", "MatMul", "LSTM"};
  s.min_elements = 40;
  auto r = select_weights(std::span<const TensorInfo>(tensors), s);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  // fc1 is not a Conv/MatMul/LSTM weight, lstm.W/R are excluded, body_w and qweight are small.
  EXPECT_EQ(indices(*r), (std::vector<std::size_t>{0, 6}));
}

TEST(Selection, MinElementsIsInclusive) {
  const auto tensors = sample_tensors();
  WeightSelection s;
  s.include = {"proj"};
  s.min_elements = 40;
  auto r = select_weights(std::span<const TensorInfo>(tensors), s);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(indices(*r), (std::vector<std::size_t>{6}));
  s.min_elements = 41;
  EXPECT_EQ(select_weights(std::span<const TensorInfo>(tensors), s).status().code(),
            ErrorCode::kNothingToDo);
}

TEST(Selection, PatternMatchingNothingIsAnError) {
  const auto tensors = sample_tensors();
  for (auto field : {&WeightSelection::include, &WeightSelection::exclude}) {
    WeightSelection s;
    (s.*field) = {"fc9*"};
    auto r = select_weights(std::span<const TensorInfo>(tensors), s);
    EXPECT_EQ(r.status().code(), ErrorCode::kNothingToDo);
    EXPECT_NE(r.status().message().find("fc9*"), std::string::npos);
  }
  // A bias is not a weight, so naming it matches nothing.
  WeightSelection s;
  s.include = {"conv1.bias"};
  EXPECT_EQ(select_weights(std::span<const TensorInfo>(tensors), s).status().code(),
            ErrorCode::kNothingToDo);
}

TEST(Selection, OpTypeErrors) {
  const auto tensors = sample_tensors();
  WeightSelection s;
  s.op_types = {"Add"};
  EXPECT_EQ(select_weights(std::span<const TensorInfo>(tensors), s).status().code(),
            ErrorCode::kInvalidArgument);
  s.op_types = {"GRU"};
  EXPECT_EQ(select_weights(std::span<const TensorInfo>(tensors), s).status().code(),
            ErrorCode::kNothingToDo);
}

TEST(Selection, ExplicitNonFloatWeightIsAnErrorNamingIt) {
  const auto tensors = sample_tensors();
  WeightSelection s;
  s.include = {"q*"};
  auto r = select_weights(std::span<const TensorInfo>(tensors), s);
  EXPECT_EQ(r.status().code(), ErrorCode::kUnsupported);
  EXPECT_NE(r.status().message().find("qweight"), std::string::npos);
  EXPECT_NE(r.status().message().find("int8"), std::string::npos);
}

TEST(Selection, NothingPrunableIsAnError) {
  std::vector<TensorInfo> tensors{tensor("b", {8}, {{"Conv", "c", 2}})};
  EXPECT_EQ(select_weights(std::span<const TensorInfo>(tensors), WeightSelection{}).status().code(),
            ErrorCode::kNothingToDo);
  EXPECT_EQ(select_weights(std::span<const TensorInfo>(), WeightSelection{}).status().code(),
            ErrorCode::kNothingToDo);
}

TEST(Selection, EmptyPatternIsInvalid) {
  const auto tensors = sample_tensors();
  WeightSelection s;
  s.exclude = {""};
  EXPECT_EQ(select_weights(std::span<const TensorInfo>(tensors), s).status().code(),
            ErrorCode::kInvalidArgument);
}

TEST(Selection, SharedWeightTakesTheFirstAllowedWeightUse) {
  std::vector<TensorInfo> tensors{
      tensor("w", {4, 4}, {{"Add", "a", 0}, {"MatMul", "m", 1}, {"Gemm", "g", 1}})};
  WeightSelection s;
  s.op_types = {"Gemm"};
  auto r = select_weights(std::span<const TensorInfo>(tensors), s);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ((*r)[0].op_type, "Gemm");
  r = select_weights(std::span<const TensorInfo>(tensors), WeightSelection{});
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ((*r)[0].op_type, "MatMul");
}

}  // namespace
}  // namespace dcz
