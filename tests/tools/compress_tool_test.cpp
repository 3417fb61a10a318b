// dcz-compress: the three stages in one run, the per-stage table, the JSON, and the paper's
// LeNet-300-100 keep ratios reproduced from the bundled recipe.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support/tool_runner.h"

namespace dcz {
namespace {

namespace fs = std::filesystem;
using testing::run_tool;

class CompressTool : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("dcz_compress_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(CompressTool, PaperRecipeOnLeNet300100GivesThePaperKeepRatios) {
  const fs::path model = DCZ_SOURCE_DIR "/samples/lenet300100.onnx";
  if (!fs::exists(model)) GTEST_SKIP() << "sample model not built";
  const fs::path out = dir_ / "l.dcz", json = dir_ / "l.json";
  auto r = run_tool("dcz-compress", model.string() + " --recipe " DCZ_SOURCE_DIR
                    "/samples/lenet300100.paper.recipe.json --no-dead-units -o " + out.string() + " --json " + json.string(), dir_);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("Per-stage accounting"), std::string::npos) << r.err;
  const auto j = nlohmann::json::parse(testing::slurp(json));
  std::map<std::string, double> kept;
  for (const auto& t : j["file"]["tensors"]) {
    if (t.contains("stages")) kept[t["name"]] = t["stages"]["kept_percent"].get<double>();
  }
  ASSERT_EQ(kept.size(), 3u);
  EXPECT_NEAR(kept["fc1.weight"], 8.0, 0.01);
  EXPECT_NEAR(kept["fc2.weight"], 9.0, 0.01);
  EXPECT_NEAR(kept["fc3.weight"], 26.0, 0.01);
  // The paper's 5-bit fully connected codebooks.
  for (const auto& t : j["file"]["tensors"]) {
    if (t.contains("stages")) EXPECT_LE(t["stages"]["codebook_size"].get<int>(), 32) << t["name"];
  }
  EXPECT_GT(j["file"]["original_bytes"].get<double>() / j["file"]["file_bytes"].get<double>(), 20.0);
  // The file decodes to a valid ONNX model.
  auto d = run_tool("dcz-decode", out.string() + " --check -o " + (dir_ / "l.onnx").string(), dir_);
  EXPECT_EQ(d.exit_code, 0) << d.err;
}

TEST_F(CompressTool, BadPolicyIsUsageErrorAndWritesNothing) {
  const fs::path model = DCZ_SOURCE_DIR "/tests/golden/valid/mlp_pruned_shared.onnx";
  auto r = run_tool("dcz-compress", model.string() + " --sparsity 0.5 --quality 1 -o " + (dir_ / "x.dcz").string(), dir_);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  auto s = run_tool("dcz-compress", model.string() + " --sparsity 1.5 -o " + (dir_ / "x.dcz").string(), dir_);
  EXPECT_EQ(s.exit_code, 1) << s.err;
  EXPECT_FALSE(fs::exists(dir_ / "x.dcz"));
}

TEST_F(CompressTool, DefaultsPruneNinetyPercentAndRoundTrip) {
  const fs::path model = DCZ_SOURCE_DIR "/tests/golden/valid/conv_pruned_shared.onnx";
  const fs::path out = dir_ / "c.dcz";
  auto r = run_tool("dcz-compress", model.string() + " --no-quantize -o " + out.string() + " --json -", dir_);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_TRUE(j["quantize"].is_null());
  ASSERT_FALSE(j["prune"].is_null());
  auto d = run_tool("dcz-decode", out.string() + " -o " + (dir_ / "c.onnx").string(), dir_);
  EXPECT_EQ(d.exit_code, 0) << d.err;
}

}  // namespace
}  // namespace dcz
