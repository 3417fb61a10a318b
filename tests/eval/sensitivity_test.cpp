// Sensitivity analysis: the recipe respects its budget when applied independently, the sweep's
// points are the accuracies of the pruned models, and the result does not depend on threads.
#include <cmath>

#include "dcz/onnx_model.h"
#include "dcz/prune.h"
#include "dcz/sensitivity.h"
#include "eval/test_files.h"

namespace dcz {
namespace {

namespace fs = std::filesystem;

struct MnistCase {
  OnnxModel model;
  Dataset dataset;
  SensitivityOptions options;
};

// mnist_cnn (../shared) on the first 600 MNIST test images; nullopt when ../shared is absent.
std::optional<MnistCase> mnist_case(SensitivityStage stage) {
  fs::path model = test::shared_dir() / "models/mnist_cnn.onnx";
  fs::path data = test::shared_dir() / "data/mnist";
  if (!fs::exists(model)) return std::nullopt;
  auto m = OnnxModel::load(model);
  EXPECT_TRUE(m.is_ok()) << m.status().to_string();
  DatasetLoadOptions load;
  load.limit = 600;
  auto d = load_dataset({DatasetSpec::Kind::kIdx, data / "t10k-images-idx3-ubyte.gz", data / "t10k-labels-idx1-ubyte.gz"},
                        load);
  EXPECT_TRUE(d.is_ok()) << d.status().to_string();
  if (!m.is_ok() || !d.is_ok()) return std::nullopt;
  SensitivityOptions o;
  o.stage = stage;
  o.settings = stage == SensitivityStage::kPrune ? std::vector<double>{0.5, 0.8, 0.95} : std::vector<double>{4, 2, 1};
  o.max_drop = 0.5;
  o.eval.preprocess = {1.0 / 255, {0.5}, {0.5}};
  o.eval.threads = 2;
  return MnistCase{std::move(*m), std::move(*d), o};
}

std::uint64_t correct_of(const OnnxModel& model, const Dataset& dataset, const EvalOptions& eval) {
  auto bytes = model.serialize();
  EXPECT_TRUE(bytes.is_ok());
  auto report = evaluate_models({EvalModel{"variant", *bytes}}, dataset, eval);
  EXPECT_TRUE(report.is_ok()) << report.status().to_string();
  return report.is_ok() ? report->models[0].top1_correct : 0;
}

void expect_recipe_within_budget(SensitivityStage stage) {
  auto c = mnist_case(stage);
  if (!c) GTEST_SKIP() << "no ../shared/models/mnist_cnn.onnx";
  auto report = analyze_sensitivity(c->model, c->dataset, c->options);
  ASSERT_TRUE(report.is_ok()) << report.status().to_string();
  ASSERT_EQ(report->layers.size(), 4u);
  // The sweep reached settings that break the model, so the budget is really exercised.
  bool some_point_over_budget = false;
  for (const auto& l : report->layers) {
    for (const auto& p : l.points) some_point_over_budget |= p.correct + 3 < report->baseline_correct;
  }
  EXPECT_TRUE(some_point_over_budget);
  EXPECT_FALSE(report->recipe.layers.empty());

  // Apply the written recipe to a fresh copy, as dcz-prune / dcz-quantize --recipe would.
  auto parsed = parse_recipe(write_recipe(report->recipe), "recipe");
  ASSERT_TRUE(parsed.is_ok()) << parsed.status().to_string();
  auto fresh = OnnxModel::load(test::shared_dir() / "models/mnist_cnn.onnx");
  ASSERT_TRUE(fresh.is_ok());
  ASSERT_TRUE(apply_recipe(*fresh, stage, *parsed, {}, c->options.kmeans).is_ok());
  std::uint64_t correct = correct_of(*fresh, c->dataset, c->options.eval);
  EXPECT_EQ(correct, report->combined_correct);
  const std::uint64_t allowed = 3;  // floor(0.5 % of 600)
  EXPECT_LE(report->baseline_correct, correct + allowed);
  // The model the recipe describes really changed.
  EXPECT_NE(fresh->first_difference(c->model), "");
}

TEST(Sensitivity, PruneRecipeRespectsBudgetWhenApplied) { expect_recipe_within_budget(SensitivityStage::kPrune); }

TEST(Sensitivity, QuantizeRecipeRespectsBudgetWhenApplied) {
  expect_recipe_within_budget(SensitivityStage::kQuantize);
}

TEST(Sensitivity, SweepPointIsTheAccuracyOfThePrunedModel) {
  auto c = mnist_case(SensitivityStage::kPrune);
  if (!c) GTEST_SKIP() << "no ../shared/models/mnist_cnn.onnx";
  auto report = analyze_sensitivity(c->model, c->dataset, c->options);
  ASSERT_TRUE(report.is_ok()) << report.status().to_string();
  // conv1 at 95 %: prune it alone with prune_model and evaluate independently.
  auto fresh = OnnxModel::load(test::shared_dir() / "models/mnist_cnn.onnx");
  ASSERT_TRUE(fresh.is_ok());
  WeightSelection only_conv1;
  only_conv1.include = {"conv1.weight"};
  auto selected = select_weights(*fresh, only_conv1);
  ASSERT_TRUE(selected.is_ok()) << selected.status().to_string();
  PrunePolicy policy;
  policy.value = 0.95;
  auto pruned = prune_model(*fresh, *selected, policy);
  ASSERT_TRUE(pruned.is_ok()) << pruned.status().to_string();
  std::uint64_t correct = correct_of(*fresh, c->dataset, c->options.eval);
  EXPECT_EQ(report->layers[0].name, "conv1.weight");
  EXPECT_EQ(report->layers[0].points[2].correct, correct);
  // Removing 95 % of the first conv layer without retraining costs far more than the budget.
  EXPECT_LT(correct + 60, report->baseline_correct);
}

TEST(Sensitivity, ReportDoesNotDependOnThreadCount) {
  auto c = mnist_case(SensitivityStage::kPrune);
  if (!c) GTEST_SKIP() << "no ../shared/models/mnist_cnn.onnx";
  c->options.settings = {0.6, 0.9};
  c->options.eval.threads = 1;
  auto one = analyze_sensitivity(c->model, c->dataset, c->options);
  c->options.eval.threads = 3;
  auto three = analyze_sensitivity(c->model, c->dataset, c->options);
  ASSERT_TRUE(one.is_ok() && three.is_ok());
  EXPECT_EQ(format_sensitivity_json(*one), format_sensitivity_json(*three));
  EXPECT_EQ(sensitivity_svg(*one), sensitivity_svg(*three));
  std::string svg = sensitivity_svg(*one);
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_NE(svg.find("conv1.weight"), std::string::npos);
}

TEST(Sensitivity, RejectsSettingsOutOfRange) {
  auto model = OnnxModel::load(test::eval_data("tiny_mlp.onnx"));
  ASSERT_TRUE(model.is_ok()) << model.status().to_string();
  Dataset d;
  d.sample_shape = {1, 2, 2};
  d.pixels = {1, 2, 3, 4};
  d.labels = {2};
  SensitivityOptions o;
  o.settings = {1.0};
  auto r = analyze_sensitivity(*model, d, o);
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
  o.stage = SensitivityStage::kQuantize;
  o.settings = {0.5};
  EXPECT_EQ(analyze_sensitivity(*model, d, o).status().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace dcz
