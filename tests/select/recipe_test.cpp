#include "dcz/recipe.h"

#include <gtest/gtest.h>

#include <random>

namespace dcz {
namespace {

using Kind = PruneTarget::Kind;
using LayerKind = SelectedWeight::LayerKind;

Recipe parse_ok(std::string_view text) {
  auto r = parse_recipe(text, "r.json");
  EXPECT_TRUE(r.is_ok()) << r.status().to_string();
  return r.is_ok() ? *r : Recipe{};
}

TEST(Recipe, ParsesEveryField) {
  const Recipe r = parse_ok(R"({"dcz_recipe": 1,
    "defaults": {"quality": 1.5, "bits": 4, "conv_bits": 8, "fc_bits": 5},
    "layers": {"fc1": {"sparsity": 0.92, "bits": 6}, "conv1": {"quality": 0.5}, "fc3": {"bits": 3}}})");
  EXPECT_EQ(r.defaults.target, (PruneTarget{Kind::kQuality, 1.5}));
  EXPECT_EQ(r.defaults.bits, 4);
  EXPECT_EQ(r.defaults.conv_bits, 8);
  EXPECT_EQ(r.defaults.fc_bits, 5);
  ASSERT_EQ(r.layers.size(), 3u);
  EXPECT_EQ(r.layers.at("fc1").target, (PruneTarget{Kind::kSparsity, 0.92}));
  EXPECT_EQ(r.layers.at("fc1").bits, 6);
  EXPECT_EQ(r.layers.at("conv1").target, (PruneTarget{Kind::kQuality, 0.5}));
  EXPECT_EQ(r.layers.at("fc3").target.kind, Kind::kNone);
}

TEST(Recipe, LookupFallsBackToDefaults) {
  const Recipe r = parse_ok(R"({"dcz_recipe": 1, "defaults": {"sparsity": 0.5, "bits": 4, "conv_bits": 8},
    "layers": {"fc1": {"sparsity": 0.9, "bits": 6}, "fc3": {"bits": 3}}})");
  EXPECT_EQ(recipe_prune_target(r, "fc1"), (PruneTarget{Kind::kSparsity, 0.9}));
  EXPECT_EQ(recipe_prune_target(r, "fc3"), (PruneTarget{Kind::kSparsity, 0.5}));
  EXPECT_EQ(recipe_prune_target(r, "other"), (PruneTarget{Kind::kSparsity, 0.5}));
  EXPECT_EQ(recipe_bits(r, "fc1", LayerKind::kConv), 6);
  EXPECT_EQ(recipe_bits(r, "fc3", LayerKind::kFullyConnected), 3);
  EXPECT_EQ(recipe_bits(r, "c", LayerKind::kConv), 8);
  EXPECT_EQ(recipe_bits(r, "f", LayerKind::kFullyConnected), 4);   // no fc_bits: "bits"
  const Recipe empty = parse_ok(R"({"dcz_recipe": 1})");
  EXPECT_EQ(recipe_prune_target(empty, "x").kind, Kind::kNone);
  EXPECT_EQ(recipe_bits(empty, "x", LayerKind::kRecurrent), std::nullopt);
}

TEST(Recipe, WriteIsSortedAndRoundTrips) {
  Recipe r;
  r.defaults.target = {Kind::kQuality, 0.7};
  r.defaults.fc_bits = 5;
  r.layers["z.weight"] = {{Kind::kSparsity, 0.1 + 0.2}, std::nullopt};  // not a short decimal
  r.layers["a.weight"] = {{Kind::kQuality, 2.0}, 7};
  r.layers["m.weight"] = {{Kind::kNone, 0.0}, 2};
  const std::string text = write_recipe(r);
  EXPECT_LT(text.find("a.weight"), text.find("m.weight"));
  EXPECT_LT(text.find("m.weight"), text.find("z.weight"));
  EXPECT_LT(text.find("\"defaults\""), text.find("\"layers\""));
  EXPECT_EQ(text.back(), '\n');
  const Recipe back = parse_ok(text);
  EXPECT_EQ(back, r);
  EXPECT_EQ(write_recipe(back), text);
}

struct BadRecipe {
  const char* json;
  ErrorCode code;
  const char* must_mention;
};

TEST(Recipe, RejectsMalformedInputNamingKeyAndValue) {
  const BadRecipe cases[] = {
      {"", ErrorCode::kInvalidArgument, "byte"},
      {"{\"dcz_recipe\": 1,", ErrorCode::kInvalidArgument, "byte"},
      {"[1]", ErrorCode::kInvalidArgument, "recipe"},
      {"{}", ErrorCode::kInvalidArgument, "dcz_recipe"},
      {R"({"dcz_recipe": "1"})", ErrorCode::kInvalidArgument, "\"1\""},
      {R"({"dcz_recipe": 2})", ErrorCode::kUnsupported, "2"},
      {R"({"dcz_recipe": 1, "extra": 0})", ErrorCode::kInvalidArgument, "extra"},
      {R"({"dcz_recipe": 1, "dcz_recipe": 1})", ErrorCode::kInvalidArgument, "duplicate"},
      {R"({"dcz_recipe": 1, "defaults": {"sparsity": 1.0}})", ErrorCode::kInvalidArgument,
       "defaults.sparsity: 1.0"},
      {R"({"dcz_recipe": 1, "defaults": {"sparsity": -0.1}})", ErrorCode::kInvalidArgument, "-0.1"},
      {R"({"dcz_recipe": 1, "defaults": {"sparsity": "0.5"}})", ErrorCode::kInvalidArgument, "\"0.5\""},
      {R"({"dcz_recipe": 1, "defaults": {"sparsity": true}})", ErrorCode::kInvalidArgument, "true"},
      {R"({"dcz_recipe": 1, "defaults": {"quality": -1}})", ErrorCode::kInvalidArgument, "quality"},
      {R"({"dcz_recipe": 1, "defaults": {"quality": 1, "sparsity": 0.5}})",
       ErrorCode::kInvalidArgument, "both"},
      {R"({"dcz_recipe": 1, "defaults": {"bits": 0}})", ErrorCode::kInvalidArgument, "defaults.bits"},
      {R"({"dcz_recipe": 1, "defaults": {"conv_bits": 17}})", ErrorCode::kInvalidArgument, "17"},
      {R"({"dcz_recipe": 1, "defaults": {"fc_bits": 4.5}})", ErrorCode::kInvalidArgument, "4.5"},
      {R"({"dcz_recipe": 1, "defaults": 3})", ErrorCode::kInvalidArgument, "defaults"},
      {R"({"dcz_recipe": 1, "layers": []})", ErrorCode::kInvalidArgument, "layers"},
      {R"({"dcz_recipe": 1, "layers": {"fc1": 0.5}})", ErrorCode::kInvalidArgument, "layers.fc1"},
      {R"({"dcz_recipe": 1, "layers": {"fc1": {}}})", ErrorCode::kInvalidArgument, "layers.fc1"},
      {R"({"dcz_recipe": 1, "layers": {"fc1": {"sparsty": 0.5}}})", ErrorCode::kInvalidArgument,
       "sparsty"},
      {R"({"dcz_recipe": 1, "layers": {"fc1": {"sparsity": 0.5}, "fc1": {"sparsity": 0.6}}})",
       ErrorCode::kInvalidArgument, "duplicate key \"fc1\""},
      {R"({"dcz_recipe": 1, "layers": {"fc1": {"sparsity": 1e400}}})", ErrorCode::kInvalidArgument,
       "1e400"},
  };
  for (const BadRecipe& c : cases) {
    auto r = parse_recipe(c.json, "r.json");
    ASSERT_FALSE(r.is_ok()) << c.json;
    EXPECT_EQ(r.status().code(), c.code) << c.json << " → " << r.status().to_string();
    EXPECT_NE(r.status().message().find(c.must_mention), std::string::npos)
        << c.json << " → " << r.status().message();
    EXPECT_EQ(r.status().message().rfind("r.json: ", 0), 0u) << r.status().message();
  }
}

TEST(Recipe, CheckLayersNamesTheMissingOne) {
  const Recipe r = parse_ok(R"({"dcz_recipe": 1, "layers": {"fc1": {"sparsity": 0.5}, "fc4": {"bits": 2}}})");
  std::vector<SelectedWeight> sel{{0, "fc1", "Gemm", LayerKind::kFullyConnected},
                                  {1, "fc2", "Gemm", LayerKind::kFullyConnected}};
  const Status s = check_recipe_layers(r, sel);
  EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(s.message().find("fc4"), std::string::npos);
  sel.push_back({2, "fc4", "Gemm", LayerKind::kFullyConnected});
  EXPECT_TRUE(check_recipe_layers(r, sel).is_ok());
}

}  // namespace
}  // namespace dcz

namespace dcz {
namespace {

// Mutated recipes (flipped, dropped, inserted and truncated bytes) never crash the parser: each
// either parses, and then writes back to an equal recipe, or fails with a usage error code.
TEST(Recipe, MutatedInputNeverCrashes) {
  const std::string valid = R"({"dcz_recipe": 1, "defaults": {"sparsity": 0.5, "bits": 4, "conv_bits": 8,
    "fc_bits": 5}, "layers": {"fc1.weight": {"sparsity": 0.92, "bits": 6}, "c/w": {"quality": 1.5}}})";
  std::mt19937_64 rng(12345);
  const char alphabet[] = "{}[]\",:0123456789.eE+-tfnulrs \\abcdqy";
  int parsed = 0;
  for (int iteration = 0; iteration < 20000; ++iteration) {
    std::string text = valid;
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits && !text.empty(); ++e) {
      const std::size_t pos = rng() % text.size();
      switch (rng() % 4) {
        case 0: text[pos] = alphabet[rng() % (sizeof alphabet - 1)]; break;
        case 1: text.erase(pos, 1 + rng() % 8); break;
        case 2: text.insert(pos, 1, alphabet[rng() % (sizeof alphabet - 1)]); break;
        case 3: text.resize(pos); break;
      }
    }
    auto r = parse_recipe(text, "m.json");
    if (r.is_ok()) {
      ++parsed;
      auto again = parse_recipe(write_recipe(*r), "w.json");
      ASSERT_TRUE(again.is_ok()) << text;
      EXPECT_EQ(*again, *r) << text;
    } else {
      const ErrorCode c = r.status().code();
      ASSERT_TRUE(c == ErrorCode::kInvalidArgument || c == ErrorCode::kUnsupported)
          << text << " → " << r.status().to_string();
    }
  }
  EXPECT_GT(parsed, 100);  // the mutations also reach the semantic checks, not only JSON syntax
}

}  // namespace
}  // namespace dcz
