// quantize_model over synthetic and real ONNX models: per-layer bit widths, the codebook bound
// on every selected weight, untouched other tensors, checker-valid output, determinism, errors.
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "dcz/onnx_model.h"
#include "dcz/quantize.h"
#include "quantize/float_codec.h"
#include "quantize/model_test_util.h"
#include "support/onnx_synthetic.h"

namespace dcz {
namespace {

OnnxModel parse(const std::string& bytes) { return test::parse_model(bytes); }
using test::distinct_nonzero;
using test::floats;
using test::tensor_index;

test::ConvModelOptions big_conv() {
  test::ConvModelOptions o;
  o.in_channels = 16;
  o.out_channels = 32;  // conv1.weight: 4608 values, fc.weight: 320
  return o;
}

TEST(QuantizeModel, PaperDefaultsAreEightBitsConvFiveBitsFc) {
  OnnxModel m = parse(test::make_conv_model(big_conv()));
  const OnnxModel original = parse(test::make_conv_model(big_conv()));
  auto r = quantize_model(m, {});
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  ASSERT_EQ(r->layers.size(), 2u);
  for (const LayerQuantizeReport& l : r->layers) {
    const unsigned expected = l.name == "conv1.weight" ? 8u : 5u;
    EXPECT_EQ(l.bits, expected) << l.name;
    EXPECT_EQ(l.index_bits, expected) << l.name;  // 8 / 5 relative-index bits as well
    const auto after = floats(m, l.name);
    EXPECT_LE(distinct_nonzero(after), std::size_t{1} << expected) << l.name;
    EXPECT_EQ(distinct_nonzero(after), l.stats.codebook_size) << l.name;
    EXPECT_FALSE(l.stats.unchanged);
    EXPECT_GT(l.stats.sqnr_db(), 20.0) << l.name;
  }
  // Biases and batch-norm parameters are not selected and keep their bytes.
  for (const char* name : {"conv1.bias", "fc.bias", "bn1.scale", "bn1.mean"}) {
    EXPECT_EQ(floats(m, name), floats(original, name)) << name;
  }
  EXPECT_TRUE(m.check().is_ok()) << m.check().to_string();
  EXPECT_GT(r->paper_pq_estimate_bytes, 0u);
  EXPECT_LT(r->paper_pq_estimate_bytes, r->model_bytes);
}

TEST(QuantizeModel, OutputPassesTheCheckerAfterSaveAndLoad) {
  OnnxModel m = parse(test::make_mlp_model({64, 48, 10}, 3));
  ASSERT_TRUE(quantize_model(m, {}).is_ok());
  auto bytes = m.serialize();
  ASSERT_TRUE(bytes.is_ok());
  OnnxModel back = parse(*bytes);
  EXPECT_TRUE(back.check().is_ok());
  EXPECT_EQ(back.first_difference(m), "");
  EXPECT_LE(distinct_nonzero(floats(back, "fc0.weight")), 32u);
}

TEST(QuantizeModel, ZerosStayZeroAndNoWeightBecomesZero) {
  OnnxModel m = parse(test::make_mlp_model({100, 50, 10}, 5));
  const std::size_t w = tensor_index(m, "fc0.weight");
  auto bytes = m.mutable_tensor_bytes(w);
  for (std::size_t i = 0; i < bytes.size() / 4; i += 3) std::memset(bytes.data() + 4 * i, 0, 4);
  const auto before = floats(m, "fc0.weight");
  QuantizeOptions o;
  o.bits = 2;
  ASSERT_TRUE(quantize_model(m, o).is_ok());
  const auto after = floats(m, "fc0.weight");
  for (std::size_t i = 0; i < before.size(); ++i) {
    EXPECT_EQ(before[i] == 0.0f, after[i] == 0.0f) << i;
  }
  EXPECT_LE(distinct_nonzero(after), 4u);
}

TEST(QuantizeModel, BitsOptionAndRecipeChooseWidths) {
  OnnxModel m = parse(test::make_mlp_model({64, 48, 32, 10}, 1));
  QuantizeOptions o;
  auto recipe = parse_recipe(R"({"dcz_recipe": 1, "defaults": {"fc_bits": 3},
                                 "layers": {"fc1.weight": {"bits": 6}}})",
                             "recipe.json");
  ASSERT_TRUE(recipe.is_ok()) << recipe.status().to_string();
  o.recipe = *recipe;
  auto r = quantize_model(m, o);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  for (const auto& l : r->layers) EXPECT_EQ(l.bits, l.name == "fc1.weight" ? 6u : 3u) << l.name;

  OnnxModel m2 = parse(test::make_mlp_model({64, 48, 32, 10}, 1));
  o.bits = 2;  // overrides the recipe
  r = quantize_model(m2, o);
  ASSERT_TRUE(r.is_ok());
  for (const auto& l : r->layers) EXPECT_EQ(l.bits, 2u) << l.name;
}

TEST(QuantizeModel, RecipeNamingAnUnselectedLayerIsAnError) {
  OnnxModel m = parse(test::make_mlp_model({8, 8, 4}, 1));
  QuantizeOptions o;
  auto recipe =
      parse_recipe(R"({"dcz_recipe": 1, "layers": {"nope.weight": {"bits": 4}}})", "r.json");
  ASSERT_TRUE(recipe.is_ok());
  o.recipe = *recipe;
  EXPECT_EQ(quantize_model(m, o).status().code(), ErrorCode::kInvalidArgument);
}

TEST(QuantizeModel, BitWidthsOutsideOneToSixteenAreRejected) {
  for (const unsigned bad : {0u, 17u}) {
    OnnxModel m = parse(test::make_mlp_model({16, 8, 4}, 2));
    const OnnxModel original = parse(test::make_mlp_model({16, 8, 4}, 2));
    QuantizeOptions a;
    a.bits = bad;
    EXPECT_EQ(quantize_model(m, a).status().code(), ErrorCode::kInvalidArgument);
    QuantizeOptions b;
    b.conv_bits = bad;
    EXPECT_EQ(quantize_model(m, b).status().code(), ErrorCode::kInvalidArgument);
    QuantizeOptions c;
    c.fc_bits = bad;
    EXPECT_EQ(quantize_model(m, c).status().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(m.first_difference(original), "");
  }
}

TEST(QuantizeModel, NonFiniteWeightIsReportedByName) {
  OnnxModel m = parse(test::make_mlp_model({16, 8, 4}, 2));
  auto bytes = m.mutable_tensor_bytes(tensor_index(m, "fc1.weight"));
  const float nan = std::nanf("");
  std::memcpy(bytes.data() + 4 * 5, &nan, 4);
  auto r = quantize_model(m, {});
  ASSERT_EQ(r.status().code(), ErrorCode::kUnsupported);
  EXPECT_NE(r.status().message().find("fc1.weight"), std::string::npos) << r.status().message();
}

// An MLP whose first Gemm weight is stored as int32 (same byte count as float32).
std::string mlp_with_int32_weight() {
  onnx::ModelProto proto;
  EXPECT_TRUE(proto.ParseFromString(test::make_mlp_model({8, 6, 4}, 1)));
  for (auto& t : *proto.mutable_graph()->mutable_initializer()) {
    if (t.name() == "fc0.weight") t.set_data_type(onnx::TensorProto::INT32);
  }
  return proto.SerializeAsString();
}

TEST(QuantizeModel, ExplicitlySelectedNonFloatTensorIsAnError) {
  OnnxModel m = parse(mlp_with_int32_weight());
  const OnnxModel original = parse(mlp_with_int32_weight());
  QuantizeOptions o;
  o.selection.include = {"fc0.weight"};
  const auto r = quantize_model(m, o);
  ASSERT_EQ(r.status().code(), ErrorCode::kUnsupported);
  EXPECT_NE(r.status().message().find("fc0.weight"), std::string::npos) << r.status().message();
  EXPECT_EQ(m.first_difference(original), "");
  // Not named explicitly, the int32 weight is simply not a candidate.
  auto all = quantize_model(m, {});
  ASSERT_TRUE(all.is_ok()) << all.status().to_string();
  ASSERT_EQ(all->layers.size(), 1u);
  EXPECT_EQ(all->layers[0].name, "fc1.weight");
}

TEST(QuantizeModel, QuantizedModelPassesThroughUnchanged) {
  OnnxModel m = parse(test::make_conv_model(big_conv()));
  ASSERT_TRUE(quantize_model(m, {}).is_ok());
  auto once = m.serialize();
  ASSERT_TRUE(once.is_ok());
  auto r = quantize_model(m, {});
  ASSERT_TRUE(r.is_ok());
  for (const auto& l : r->layers) EXPECT_TRUE(l.stats.unchanged) << l.name;
  EXPECT_EQ(*m.serialize(), *once);
}

TEST(QuantizeModel, OutputDoesNotDependOnThreadsForEveryMethodAndInit) {
  for (const auto method : {KMeansMethod::kLloyd, KMeansMethod::kOptimal}) {
    for (const auto init : {KMeansInit::kLinear, KMeansInit::kDensity, KMeansInit::kRandom,
                            KMeansInit::kKMeansPlusPlus}) {
      QuantizeOptions o;
      o.kmeans.method = method;
      o.kmeans.init = init;
      o.kmeans.seed = 99;
      OnnxModel a = parse(test::make_mlp_model({120, 80, 40, 10}, 8));
      OnnxModel b = parse(test::make_mlp_model({120, 80, 40, 10}, 8));
      o.kmeans.threads = 1;
      ASSERT_TRUE(quantize_model(a, o).is_ok());
      o.kmeans.threads = 3;
      ASSERT_TRUE(quantize_model(b, o).is_ok());
      EXPECT_EQ(*a.serialize(), *b.serialize())
          << kmeans_method_name(method) << "/" << kmeans_init_name(init);
    }
  }
}

TEST(QuantizeModel, ReportJsonHasLayersTotalsAndEstimate) {
  OnnxModel m = parse(test::make_conv_model(big_conv()));
  auto r = quantize_model(m, {});
  ASSERT_TRUE(r.is_ok());
  const auto j = nlohmann::json::parse(quantize_report_json(*r));
  ASSERT_EQ(j["layers"].size(), 2u);
  EXPECT_EQ(j["layers"][0]["bits"], r->layers[0].bits);
  EXPECT_EQ(j["layers"][0]["codebook_size"], r->layers[0].stats.codebook_size);
  EXPECT_EQ(j["totals"]["weights_clustered"], r->nonzeros);
  EXPECT_EQ(j["size"]["paper_pq_bytes_estimate"], r->paper_pq_estimate_bytes);
  EXPECT_NE(j["size"]["note"].get<std::string>().find("estimate"), std::string::npos);
  const std::string text = format_quantize_report(*r);
  EXPECT_NE(text.find("conv1.weight"), std::string::npos);
  EXPECT_NE(text.find("estimate"), std::string::npos);
}

// Real tensors: the exact method is never worse than Lloyd, layer by layer.
TEST(QuantizeModel, OptimalNeverWorseThanLloydOnRealModels) {
  bool any = false;
  for (const char* file : {"mnist_cnn.onnx", "cifar10_resnet20.onnx"}) {
    const auto path = std::filesystem::path(DCZ_SHARED_DIR) / "models" / file;
    if (!std::filesystem::exists(path)) continue;
    any = true;
    auto lloyd_model = OnnxModel::load(path);
    auto optimal_model = OnnxModel::load(path);
    ASSERT_TRUE(lloyd_model.is_ok() && optimal_model.is_ok());
    QuantizeOptions o;
    o.bits = 4;
    auto lloyd = quantize_model(*lloyd_model, o);
    o.kmeans.method = KMeansMethod::kOptimal;
    auto optimal = quantize_model(*optimal_model, o);
    ASSERT_TRUE(lloyd.is_ok() && optimal.is_ok()) << file;
    ASSERT_EQ(lloyd->layers.size(), optimal->layers.size());
    for (std::size_t l = 0; l < lloyd->layers.size(); ++l) {
      // Both errors are measured after rounding to float32, hence the small slack.
      EXPECT_LE(optimal->layers[l].stats.sse, lloyd->layers[l].stats.sse * (1 + 1e-6))
          << file << " " << lloyd->layers[l].name;
    }
    EXPECT_TRUE(optimal_model->check().is_ok());
  }
  if (!any) GTEST_SKIP() << "no models in " << DCZ_SHARED_DIR;
}

}  // namespace
}  // namespace dcz
