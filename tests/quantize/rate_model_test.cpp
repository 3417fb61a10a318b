// rate_quantize_model over synthetic ONNX models: layers and biases found from the graph, biases
// quantized or kept, sensitivity matched by name, checker-valid output, determinism, errors.
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>
#include <set>

#include "dcz/onnx_model.h"
#include "dcz/rate_quantize.h"
#include "quantize/model_test_util.h"
#include "support/onnx_synthetic.h"

namespace dcz {
namespace {

OnnxModel parse(const std::string& bytes) { return test::parse_model(bytes); }
using test::distinct_nonzero;
using test::floats;
using test::tensor_index;

RateQuantizeOptions options(double lambda) {
  RateQuantizeOptions o;
  o.lambda = lambda;
  return o;
}

TEST(RateQuantizeModel, DescribesGemmAndConvLayersWithTheirInputsAndBiases) {
  const OnnxModel m = parse(test::make_conv_model());
  auto layers = describe_weight_layers(m, {});
  ASSERT_TRUE(layers.is_ok()) << layers.status().to_string();
  ASSERT_EQ(layers->size(), 2u);
  const WeightLayer& conv = (*layers)[0];
  EXPECT_EQ(conv.weight.name, "conv1.weight");
  EXPECT_EQ(conv.input, "input");
  EXPECT_EQ(conv.input_axis, 1u);
  EXPECT_EQ(conv.groups, 1u);
  ASSERT_TRUE(conv.has_bias);
  EXPECT_EQ(m.tensor(conv.bias_tensor).name, "conv1.bias");
  const WeightLayer& fc = (*layers)[1];
  EXPECT_EQ(fc.weight.name, "fc.weight");
  EXPECT_FALSE(fc.input.empty());
  EXPECT_EQ(fc.input_axis, 1u);  // transB = 1
  ASSERT_TRUE(fc.has_bias);
  EXPECT_EQ(m.tensor(fc.bias_tensor).name, "fc.bias");
}

TEST(RateQuantizeModel, QuantizesWeightsAndBiasesAndPassesTheChecker) {
  OnnxModel m = parse(test::make_mlp_model({128, 64, 10}, 3));
  const OnnxModel original = parse(test::make_mlp_model({128, 64, 10}, 3));
  auto r = rate_quantize_model(m, options(1e-4));
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  ASSERT_EQ(r->layers.size(), 4u);  // fc0.weight, fc0.bias, fc1.weight, fc1.bias
  for (const RateLayerReport& l : r->layers) {
    EXPECT_EQ(l.is_bias, l.name.ends_with(".bias")) << l.name;
    EXPECT_EQ(distinct_nonzero(floats(m, l.name)), l.stats.levels_used) << l.name;
    EXPECT_LT(l.stats.levels_used, distinct_nonzero(floats(original, l.name))) << l.name;
  }
  EXPECT_GT(r->estimated_bits, 0.0);
  EXPECT_LT(r->estimated_model_bytes, static_cast<double>(r->model_bytes));
  EXPECT_TRUE(m.check().is_ok()) << m.check().to_string();
  auto bytes = m.serialize();
  ASSERT_TRUE(bytes.is_ok());
  EXPECT_EQ(parse(*bytes).first_difference(m), "");
  const auto json = nlohmann::json::parse(format_rate_report_json(*r));
  EXPECT_EQ(json["layers"].size(), 4u);
  EXPECT_EQ(json["method"], "rate");
  EXPECT_NE(format_rate_report_text(*r).find("fc0.weight"), std::string::npos);
}

TEST(RateQuantizeModel, KeepBiasesLeavesThemUnchanged) {
  OnnxModel m = parse(test::make_conv_model());
  const OnnxModel original = parse(test::make_conv_model());
  RateQuantizeOptions o = options(1e-4);
  o.biases = false;
  auto r = rate_quantize_model(m, o);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(r->layers.size(), 2u);
  for (const char* name : {"conv1.bias", "fc.bias", "bn1.scale", "bn1.mean"}) {
    EXPECT_EQ(floats(m, name), floats(original, name)) << name;
  }
}

TEST(RateQuantizeModel, SensitivityIsMatchedByNameAndChangesTheResult) {
  OnnxModel plain = parse(test::make_mlp_model({64, 32, 10}, 4));
  OnnxModel weighted = parse(test::make_mlp_model({64, 32, 10}, 4));
  SensitivityStats stats;
  WeightSensitivity s;
  s.name = "fc0.weight";
  s.input_energy.assign(64, 1.0f);
  for (std::size_t j = 0; j < 8; ++j) s.input_energy[j] = 100.0f;
  s.layer_gain = 3.0;
  stats.weights.push_back(s);
  RateQuantizeOptions o = options(1e-4);
  ASSERT_TRUE(rate_quantize_model(plain, o).is_ok());
  o.sensitivity = &stats;
  auto r = rate_quantize_model(weighted, o);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_TRUE(r->weighted);
  EXPECT_EQ(r->layers[0].gain, 3.0);
  EXPECT_EQ(r->layers[2].gain, 1.0);  // fc1.weight: no entry
  EXPECT_NE(floats(plain, "fc0.weight"), floats(weighted, "fc0.weight"));
  EXPECT_EQ(floats(plain, "fc1.weight"), floats(weighted, "fc1.weight"));
}

TEST(RateQuantizeModel, OutputDoesNotDependOnThreads) {
  std::string first;
  for (const unsigned threads : {1u, 2u, 5u}) {
    OnnxModel m = parse(test::make_conv_model());
    RateQuantizeOptions o = options(3e-4);
    o.threads = threads;
    ASSERT_TRUE(rate_quantize_model(m, o).is_ok());
    auto bytes = m.serialize();
    ASSERT_TRUE(bytes.is_ok());
    if (first.empty()) first = *bytes;
    EXPECT_EQ(*bytes, first) << threads;
  }
}

TEST(RateQuantizeModel, BadLambdaAndNonFiniteWeightsAreErrors) {
  for (const double lambda : {0.0, -1e-3, std::nan(""), double{INFINITY}}) {
    OnnxModel m = parse(test::make_mlp_model({16, 8, 4}, 2));
    const OnnxModel original = parse(test::make_mlp_model({16, 8, 4}, 2));
    auto r = rate_quantize_model(m, options(lambda));
    ASSERT_EQ(r.status().code(), ErrorCode::kInvalidArgument) << lambda;
    EXPECT_EQ(m.first_difference(original), "");
  }
  OnnxModel m = parse(test::make_mlp_model({16, 8, 4}, 2));
  auto bytes = m.mutable_tensor_bytes(tensor_index(m, "fc1.weight"));
  const float inf = INFINITY;
  std::memcpy(bytes.data() + 4 * 3, &inf, 4);
  auto r = rate_quantize_model(m, options(1e-4));
  ASSERT_EQ(r.status().code(), ErrorCode::kUnsupported);
  EXPECT_NE(r.status().message().find("fc1.weight"), std::string::npos) << r.status().message();
}

TEST(RateQuantizeModel, ExplicitlySelectedNonFloatTensorIsAnError) {
  onnx::ModelProto proto;
  ASSERT_TRUE(proto.ParseFromString(test::make_mlp_model({8, 6, 4}, 1)));
  for (auto& t : *proto.mutable_graph()->mutable_initializer()) {
    if (t.name() == "fc0.weight") t.set_data_type(onnx::TensorProto::INT32);
  }
  OnnxModel m = parse(proto.SerializeAsString());
  RateQuantizeOptions o = options(1e-4);
  o.selection.include = {"fc0.weight"};
  auto r = rate_quantize_model(m, o);
  ASSERT_EQ(r.status().code(), ErrorCode::kUnsupported);
  EXPECT_NE(r.status().message().find("fc0.weight"), std::string::npos) << r.status().message();
}

TEST(RateQuantizeModel, RefreshSeesTheEarlierLayersQuantized) {
  OnnxModel m = parse(test::make_mlp_model({64, 32, 10}, 6));
  const std::size_t original_levels = distinct_nonzero(floats(m, "fc0.weight"));
  SensitivityStats stats;
  for (const char* name : {"fc0.weight", "fc1.weight"}) {
    WeightSensitivity s;
    s.name = name;
    stats.weights.push_back(s);
  }
  std::vector<std::pair<std::string, std::size_t>> calls;  // layer, fc0's distinct values then
  RateQuantizeOptions o = options(1e-4);
  o.sensitivity = &stats;
  o.refresh = [&](const OnnxModel& model, const WeightLayer& layer, WeightSensitivity& s) {
    calls.emplace_back(layer.weight.name, distinct_nonzero(floats(model, "fc0.weight")));
    s.layer_gain = 2.0;  // what the refresh measures is what the layer uses
    return Status::ok();
  };
  auto r = rate_quantize_model(m, o);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0], std::make_pair(std::string("fc0.weight"), original_levels));
  EXPECT_EQ(calls[1].first, "fc1.weight");
  EXPECT_LT(calls[1].second, original_levels);
  EXPECT_EQ(r->layers[0].gain, 2.0);
  o.refresh = [](const OnnxModel&, const WeightLayer&, WeightSensitivity&) {
    return make_error(ErrorCode::kEngineFailed, "refresh failed");
  };
  OnnxModel again = parse(test::make_mlp_model({64, 32, 10}, 6));
  EXPECT_EQ(rate_quantize_model(again, o).status().code(), ErrorCode::kEngineFailed);
}

}  // namespace
}  // namespace dcz
