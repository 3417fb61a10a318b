#include "dcz/prune.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <map>

#include <nlohmann/json.hpp>

#include "dcz/onnx_model.h"
#include "prune/kernels.h"
#include "prune/prune_fixtures.h"
#include "support/onnx_synthetic.h"

namespace dcz {
namespace {

using Kind = PrunePolicy::Kind;

OnnxModel parse(const std::string& bytes) {
  auto m = OnnxModel::parse(test::as_span(bytes), {}, "test model");
  EXPECT_TRUE(m.is_ok()) << m.status().to_string();
  return std::move(m).value();
}

std::vector<SelectedWeight> select_all(const OnnxModel& m, WeightSelection s = {}) {
  auto r = select_weights(m, s);
  EXPECT_TRUE(r.is_ok()) << r.status().to_string();
  return r.is_ok() ? *r : std::vector<SelectedWeight>{};
}

PruneReport prune_ok(OnnxModel& m, const std::vector<SelectedWeight>& sel, const PrunePolicy& p) {
  auto r = prune_model(m, sel, p);
  EXPECT_TRUE(r.is_ok()) << r.status().to_string();
  return r.is_ok() ? *r : PruneReport{};
}

PrunePolicy policy(Kind kind, double value, unsigned threads = 0) {
  PrunePolicy p;
  p.kind = kind;
  p.value = value;
  p.threads = threads;
  return p;
}

std::uint64_t zeros_of(const OnnxModel& m, std::size_t i) {
  return m.tensor(i).element_count() - prune::count_nonzero(m.tensor_bytes(i), m.tensor(i).dtype);
}

const std::string& mlp_bytes() {
  static const std::string bytes = test::make_mlp_model({784, 300, 100, 10}, 5);
  return bytes;
}

TEST(PruneModel, SparsityRemovesRoundPNInEveryLayer) {
  for (double p : {0.0, 0.3, 0.9, 0.995}) {
    OnnxModel m = parse(mlp_bytes());
    const auto sel = select_all(m);
    ASSERT_EQ(sel.size(), 3u);
    const PruneReport r = prune_ok(m, sel, policy(Kind::kSparsity, p));
    for (std::size_t l = 0; l < sel.size(); ++l) {
      const std::uint64_t n = m.tensor(sel[l].tensor_index).element_count();
      EXPECT_EQ(zeros_of(m, sel[l].tensor_index), prune::removal_count(p, n)) << sel[l].name << " p=" << p;
      EXPECT_EQ(r.layers[l].nonzero_before, n);
      EXPECT_EQ(r.layers[l].nonzero_after, n - prune::removal_count(p, n));
    }
  }
}

TEST(PruneModel, QualityRemovesExactlyTheWeightsAtOrBelowSTimesStd) {
  const double s = 0.7;
  OnnxModel original = parse(mlp_bytes());
  OnnxModel m = parse(mlp_bytes());
  const auto sel = select_all(m);
  const PruneReport r = prune_ok(m, sel, policy(Kind::kQuality, s));
  for (std::size_t l = 0; l < sel.size(); ++l) {
    const auto i = sel[l].tensor_index;
    const auto before = original.tensor_bytes(i);
    std::vector<float> w(before.size() / 4);
    std::memcpy(w.data(), before.data(), before.size());
    double mean = 0, var = 0;
    for (float x : w) mean += x;
    mean /= static_cast<double>(w.size());
    for (float x : w) var += (x - mean) * (x - mean);
    const double threshold = s * std::sqrt(var / static_cast<double>(w.size()));
    EXPECT_NEAR(r.layers[l].threshold, threshold, 1e-12 * threshold);
    std::uint64_t expected = 0;
    for (float x : w) expected += std::fabs(x) <= r.layers[l].threshold;
    EXPECT_EQ(zeros_of(m, i), expected) << sel[l].name;
    EXPECT_GT(expected, 0u);
  }
}

TEST(PruneModel, GlobalSparsityRemovesRoundPNOverAllLayers) {
  for (bool normalize : {false, true}) {
    OnnxModel m = parse(mlp_bytes());
    const auto sel = select_all(m);
    PrunePolicy p = policy(Kind::kGlobalSparsity, 0.9);
    p.normalize = normalize;
    const PruneReport r = prune_ok(m, sel, p);
    std::uint64_t zeros = 0, total = 0;
    for (const auto& w : sel) {
      zeros += zeros_of(m, w.tensor_index);
      total += m.tensor(w.tensor_index).element_count();
    }
    EXPECT_EQ(zeros, prune::removal_count(0.9, total));
    EXPECT_EQ(r.weights - r.nonzero_after, zeros);
    if (normalize) {
      // Same distribution shape in every layer: each loses about the global fraction.
      for (const auto& l : r.layers) EXPECT_NEAR(l.sparsity(), 0.9, 0.04) << l.name;
    } else {
      // Plain magnitudes: the small last layer (init std 1/sqrt(100)) keeps more than the big
      // first one (1/sqrt(784)).
      EXPECT_LT(r.layers[2].sparsity(), r.layers[0].sparsity() - 0.2);
    }
  }
}

TEST(PruneModel, ResultDoesNotDependOnThreadCount) {
  for (Kind kind : {Kind::kSparsity, Kind::kQuality, Kind::kGlobalSparsity}) {
    std::string first;
    for (unsigned threads : {1u, 2u, 7u}) {
      OnnxModel m = parse(mlp_bytes());
      prune_ok(m, select_all(m), policy(kind, 0.8, threads));
      auto bytes = m.serialize();
      ASSERT_TRUE(bytes.is_ok());
      if (first.empty()) first = *bytes;
      EXPECT_EQ(*bytes, first) << "threads=" << threads;
    }
  }
}

TEST(PruneModel, BiasesAndBatchNormAreUntouched) {
  test::ConvModelOptions o;
  o.out_channels = 16;
  OnnxModel original = parse(test::make_conv_model(o));
  OnnxModel m = parse(test::make_conv_model(o));
  const auto sel = select_all(m);
  ASSERT_EQ(sel.size(), 2u);
  EXPECT_EQ(sel[0].name, "conv1.weight");
  EXPECT_EQ(sel[0].kind, SelectedWeight::LayerKind::kConv);
  EXPECT_EQ(sel[1].name, "fc.weight");
  prune_ok(m, sel, policy(Kind::kSparsity, 0.6));
  for (std::size_t i = 0; i < m.tensor_count(); ++i) {
    const bool selected = i == sel[0].tensor_index || i == sel[1].tensor_index;
    const auto a = original.tensor_bytes(i), b = m.tensor_bytes(i);
    const bool same = std::equal(a.begin(), a.end(), b.begin(), b.end());
    EXPECT_EQ(same, !selected) << m.tensor(i).name;
  }
}

TEST(PruneModel, AlreadyZeroWeightsStayZero) {
  OnnxModel m = parse(mlp_bytes());
  const auto sel = select_all(m);
  prune_ok(m, sel, policy(Kind::kSparsity, 0.5));
  OnnxModel once = parse(*m.serialize());
  // A lower sparsity keeps the whole earlier mask; a higher one extends it.
  for (double p : {0.2, 0.8}) {
    OnnxModel again = parse(*once.serialize());
    const PruneReport r = prune_ok(again, sel, policy(Kind::kSparsity, p));
    for (std::size_t l = 0; l < sel.size(); ++l) {
      const auto i = sel[l].tensor_index;
      const auto a = once.tensor_bytes(i), b = again.tensor_bytes(i);
      for (std::size_t e = 0; e < a.size(); e += 4) {
        if (std::memcmp(a.data() + e, "\0\0\0\0", 4) == 0) {
          ASSERT_EQ(std::memcmp(b.data() + e, "\0\0\0\0", 4), 0) << sel[l].name << " element " << e / 4;
        }
      }
      const std::uint64_t n = r.layers[l].weights;
      EXPECT_EQ(zeros_of(again, i), std::max(prune::removal_count(0.5, n), prune::removal_count(p, n)));
    }
  }
}

TEST(PruneModel, WeightsInConstantsSubgraphsAndEveryFloatTypeArePruned) {
  OnnxModel m = parse(test::make_mixed_weights_model(9));
  const auto sel = select_all(m);
  std::map<std::string, DType> names;
  for (const auto& w : sel) names[w.name] = m.tensor(w.tensor_index).dtype;
  const std::map<std::string, DType> expected{
      {"w16", DType::kFloat16},         {"w_bf16", DType::kBFloat16},
      {"w64", DType::kFloat64},         {"lstm.W", DType::kFloat32},
      {"lstm.R", DType::kFloat32},      {"wc_out", DType::kFloat32},
      {"branch/then_branch/then_w", DType::kFloat32},
      {"branch/else_branch/else_w", DType::kFloat32}};
  EXPECT_EQ(names, expected);
  for (const auto& w : sel) {
    const bool recurrent = w.kind == SelectedWeight::LayerKind::kRecurrent;
    EXPECT_EQ(recurrent, w.name.starts_with("lstm")) << w.name;
  }
  for (Kind kind : {Kind::kSparsity, Kind::kGlobalSparsity}) {
    OnnxModel pruned = parse(test::make_mixed_weights_model(9));
    const PruneReport r = prune_ok(pruned, sel, policy(kind, 0.75));
    std::uint64_t zeros = 0, total = 0;
    for (std::size_t l = 0; l < sel.size(); ++l) {
      const auto i = sel[l].tensor_index;
      const std::uint64_t n = pruned.tensor(i).element_count();
      EXPECT_EQ(r.layers[l].nonzero_after, n - zeros_of(pruned, i));
      if (kind == Kind::kSparsity) {
        EXPECT_EQ(zeros_of(pruned, i), prune::removal_count(0.75, n)) << sel[l].name;
      }
      zeros += zeros_of(pruned, i);
      total += n;
    }
    if (kind == Kind::kGlobalSparsity) {
      EXPECT_EQ(zeros, prune::removal_count(0.75, total));
    }
    EXPECT_TRUE(pruned.check().is_ok()) << pruned.check().to_string();
    const auto dir = std::filesystem::temp_directory_path() / ("dcz_prune_test_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    OnnxSaveOptions save;
    save.check = true;
    EXPECT_TRUE(pruned.save(dir / "pruned.onnx", save).is_ok());
    std::filesystem::remove_all(dir);
  }
}

TEST(PruneModel, AppliedRecipeReproducesTheModel) {
  PrunePolicy global = policy(Kind::kGlobalSparsity, 0.85);
  global.normalize = true;
  for (const PrunePolicy& p : {policy(Kind::kSparsity, 0.6), policy(Kind::kQuality, 1.1), global}) {
    for (const std::string& bytes : {mlp_bytes(), test::make_mixed_weights_model(4)}) {
      OnnxModel a = parse(bytes);
      const auto sel = select_all(a);
      const PruneReport ra = prune_ok(a, sel, p);
      const std::string text = write_recipe(applied_recipe(ra, p));
      auto recipe = parse_recipe(text, "applied.json");
      ASSERT_TRUE(recipe.is_ok()) << recipe.status().to_string();
      PrunePolicy from_recipe;
      from_recipe.kind = Kind::kRecipe;
      from_recipe.recipe = *recipe;
      OnnxModel b = parse(bytes);
      const PruneReport rb = prune_ok(b, sel, from_recipe);
      EXPECT_EQ(a.first_difference(b), "") << ra.policy_description;
      EXPECT_EQ(ra.nonzero_after, rb.nonzero_after);
    }
  }
}

TEST(PruneModel, RecipeTargetsPerLayerAndDefaults) {
  OnnxModel m = parse(mlp_bytes());
  const auto sel = select_all(m);
  auto recipe = parse_recipe(R"({"dcz_recipe": 1, "defaults": {"sparsity": 0.5},
                                 "layers": {"fc0.weight": {"sparsity": 0.9}, "fc2.weight": {"quality": 0.0}}})",
                             "r.json");
  ASSERT_TRUE(recipe.is_ok()) << recipe.status().to_string();
  PrunePolicy p;
  p.kind = Kind::kRecipe;
  p.recipe = *recipe;
  const PruneReport r = prune_ok(m, sel, p);
  EXPECT_EQ(r.layers[0].nonzero_after, 235200 - prune::removal_count(0.9, 235200));
  EXPECT_EQ(r.layers[1].nonzero_after, 30000 - prune::removal_count(0.5, 30000));
  EXPECT_EQ(r.layers[2].nonzero_after, 1000u);  // quality 0 removes only exact zeros
}

TEST(PruneModel, BadRequestsFailAndChangeNothing) {
  OnnxModel original = parse(mlp_bytes());
  OnnxModel m = parse(mlp_bytes());
  const auto sel = select_all(m);
  auto expect_error = [&](const PrunePolicy& p, ErrorCode code, const char* mention) {
    auto r = prune_model(m, sel, p);
    ASSERT_FALSE(r.is_ok());
    EXPECT_EQ(r.status().code(), code) << r.status().to_string();
    EXPECT_NE(r.status().message().find(mention), std::string::npos) << r.status().message();
    EXPECT_EQ(original.first_difference(m), "");
  };
  expect_error(policy(Kind::kSparsity, 1.0), ErrorCode::kInvalidArgument, "outside [0, 1)");
  expect_error(policy(Kind::kGlobalSparsity, -0.1), ErrorCode::kInvalidArgument, "outside");
  expect_error(policy(Kind::kSparsity, std::nan("")), ErrorCode::kInvalidArgument, "sparsity");
  expect_error(policy(Kind::kQuality, -1), ErrorCode::kInvalidArgument, "quality");
  PrunePolicy p;
  p.kind = Kind::kRecipe;
  p.recipe = *parse_recipe(R"({"dcz_recipe": 1, "layers": {"fc9.weight": {"sparsity": 0.5}}})", "r");
  expect_error(p, ErrorCode::kInvalidArgument, "fc9.weight");
  p.recipe = *parse_recipe(R"({"dcz_recipe": 1, "layers": {"fc1.weight": {"bits": 4}}})", "r");
  expect_error(p, ErrorCode::kNothingToDo, "no selected layer");
  auto r = prune_model(m, {}, policy(Kind::kSparsity, 0.5));
  EXPECT_EQ(r.status().code(), ErrorCode::kNothingToDo);
}

TEST(PruneModel, HandMadeSelectionsAreCheckedBeforeAnyChange) {
  const std::string bytes = test::make_mixed_weights_model(2);
  OnnxModel original = parse(bytes);
  OnnxModel m = parse(bytes);
  auto sel = select_all(m);
  std::size_t cond = m.tensor_count();
  for (std::size_t i = 0; i < m.tensor_count(); ++i) {
    if (m.tensor(i).name == "cond") cond = i;
  }
  ASSERT_LT(cond, m.tensor_count());
  auto with = [&](SelectedWeight extra) {
    auto s = sel;
    s.push_back(std::move(extra));
    return prune_model(m, s, policy(Kind::kSparsity, 0.5)).status();
  };
  const Status non_float = with({cond, "cond", "MatMul", SelectedWeight::LayerKind::kFullyConnected});
  EXPECT_EQ(non_float.code(), ErrorCode::kUnsupported);
  EXPECT_NE(non_float.message().find("'cond' has type bool"), std::string::npos) << non_float.message();
  EXPECT_EQ(with(sel[0]).code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(with({m.tensor_count(), "x", "MatMul", SelectedWeight::LayerKind::kFullyConnected}).code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(original.first_difference(m), "");
}

TEST(PruneModel, ReportTextAndJsonAgree) {
  OnnxModel m = parse(mlp_bytes());
  const PruneReport r = prune_ok(m, select_all(m), policy(Kind::kSparsity, 0.9));
  const std::string text = format_prune_report(r);
  for (const char* s : {"fc0.weight", "fc1.weight", "fc2.weight", "Gemm", "300x784", "90.00%",
                        "total", "estimate"}) {
    EXPECT_NE(text.find(s), std::string::npos) << s << "\n" << text;
  }
  const auto j = nlohmann::json::parse(prune_report_json(r));
  ASSERT_EQ(j["layers"].size(), 3u);
  EXPECT_EQ(j["layers"][0]["name"], "fc0.weight");
  EXPECT_EQ(j["layers"][0]["node"], "fc0");
  EXPECT_EQ(r.layers[1].node, "fc1");
  EXPECT_EQ(j["layers"][0]["nonzero_after"], r.layers[0].nonzero_after);
  EXPECT_EQ(j["totals"]["weights"], 266200u);
  // Estimate: fc layers, 5-bit indices; a nonzero or filler entry costs 32 + 5 bits.
  EXPECT_EQ(r.layers[0].sparse_bytes_estimate, (r.layers[0].sparse_entries * 37 + 7) / 8);
  EXPECT_GE(r.layers[0].sparse_entries, r.layers[0].nonzero_after);
  EXPECT_EQ(r.weights_dense_bytes, 266200u * 4);
  EXPECT_LT(r.model_bytes_estimate, r.model_dense_bytes);
  EXPECT_EQ(r.model_dense_bytes - r.model_bytes_estimate,
            r.weights_dense_bytes - r.weights_sparse_bytes_estimate);
}

// The paper's keep ratios (Han et al. 2016, tables 1 and 2) on the trained samples, through a
// recipe built here and through the recipe file shipped beside the sample.
struct PaperSample {
  const char* model;
  const char* recipe_file;
  std::map<std::string, double> keep;  // by node name
  double total_keep;
};

void check_paper_ratios(const PaperSample& sample) {
  const std::filesystem::path dir = std::filesystem::path(DCZ_SOURCE_DIR) / "samples";
  if (!std::filesystem::exists(dir / sample.model)) GTEST_SKIP() << sample.model << " not trained yet";
  auto loaded = OnnxModel::load(dir / sample.model);
  ASSERT_TRUE(loaded.is_ok()) << loaded.status().to_string();
  const OnnxModel original = std::move(loaded).value();
  const auto sel = select_all(original);
  ASSERT_EQ(sel.size(), sample.keep.size());
  Recipe built;
  std::vector<double> expected_keep;
  for (const auto& w : sel) {
    const auto& uses = original.tensor(w.tensor_index).uses;
    ASSERT_FALSE(uses.empty());
    ASSERT_TRUE(sample.keep.count(uses[0].node_name)) << uses[0].node_name;
    const double keep = sample.keep.at(uses[0].node_name);
    built.layers[w.name].target = {PruneTarget::Kind::kSparsity, 1.0 - keep};
    expected_keep.push_back(keep);
  }
  std::vector<Recipe> recipes{*parse_recipe(write_recipe(built), "built")};
  if (std::filesystem::exists(dir / sample.recipe_file)) {
    auto shipped = load_recipe(dir / sample.recipe_file);
    ASSERT_TRUE(shipped.is_ok()) << shipped.status().to_string();
    recipes.push_back(*shipped);
  }
  for (const Recipe& recipe : recipes) {
    OnnxModel m = parse(*original.serialize());
    PrunePolicy p;
    p.kind = Kind::kRecipe;
    p.recipe = recipe;
    const PruneReport r = prune_ok(m, sel, p);
    for (std::size_t l = 0; l < sel.size(); ++l) {
      const double kept = static_cast<double>(r.layers[l].nonzero_after) / r.layers[l].weights;
      EXPECT_NEAR(kept, expected_keep[l], 0.5 / r.layers[l].weights) << r.layers[l].name;
    }
    EXPECT_NEAR(static_cast<double>(r.nonzero_after) / r.weights, sample.total_keep, 0.005);
    EXPECT_TRUE(m.check().is_ok());
  }
}

TEST(PruneModel, LeNet300100PaperRatiosViaRecipe) {
  // Table 1: fc1 8 %, fc2 9 %, fc3 26 %; 8 % overall (12x).
  check_paper_ratios({"lenet300100.onnx", "lenet300100.paper.recipe.json",
                      {{"fc1", 0.08}, {"fc2", 0.09}, {"fc3", 0.26}}, 0.08});
}

TEST(PruneModel, LeNet5PaperRatiosViaRecipe) {
  // Table 2: conv1 66 %, conv2 12 %, fc1 8 %, fc2 19 %; 8 % overall (12x).
  check_paper_ratios({"lenet5.onnx", "lenet5.paper.recipe.json",
                      {{"conv1", 0.66}, {"conv2", 0.12}, {"fc1", 0.08}, {"fc2", 0.19}}, 0.08});
}

}  // namespace
}  // namespace dcz
