// dcz-prune's command-line behaviour: exit codes, outputs only on success, reproducible recipes.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "dcz/onnx_model.h"
#include "support/onnx_synthetic.h"
#include "support/tool_runner.h"

namespace {

namespace fs = std::filesystem;

class PruneTool : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("dcz_prune_tool_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    std::ofstream(dir_ / "mlp.onnx", std::ios::binary) << dcz::test::make_mlp_model({64, 32, 10}, 3);
    std::ofstream(dir_ / "cnn.onnx", std::ios::binary) << dcz::test::make_conv_model({});
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Runs dcz-prune with `args` in the test folder; returns its exit code.
  int run(const std::string& args) {
    return dcz::testing::run_tool("dcz-prune", args, dir_, {.work_dir = dir_}).exit_code;
  }
  std::string read(const std::string& name) { return dcz::testing::slurp(dir_ / name); }
  bool exists(const std::string& name) { return fs::exists(dir_ / name); }

  fs::path dir_;
};

namespace test = dcz::test;

TEST_F(PruneTool, PrunesReportsAndWritesAReproducibleRecipe) {
  ASSERT_EQ(run("mlp.onnx -o out.onnx --global-sparsity 0.8 --normalize --write-recipe r.json "
                "--json report.json"), 0) << read("stderr.txt");
  EXPECT_NE(read("stderr.txt").find("fc0.weight"), std::string::npos);
  EXPECT_NE(read("stderr.txt").find("estimate"), std::string::npos);
  const auto report = nlohmann::json::parse(read("report.json"));
  EXPECT_EQ(report["policy"], "global_sparsity");
  EXPECT_EQ(report["totals"]["weights"], 64 * 32 + 32 * 10);
  EXPECT_EQ(report["totals"]["nonzero_after"], 2368 - 1894);  // round(0.8 · 2368) removed
  ASSERT_EQ(run("mlp.onnx -o again.onnx --recipe r.json -q"), 0) << read("stderr.txt");
  EXPECT_EQ(read("stderr.txt"), "");
  EXPECT_EQ(read("out.onnx"), read("again.onnx"));
  auto a = dcz::OnnxModel::load(dir_ / "out.onnx");
  ASSERT_TRUE(a.is_ok());
  EXPECT_TRUE(a->check().is_ok());
}

TEST_F(PruneTool, JsonToStdout) {
  ASSERT_EQ(run("mlp.onnx -o out.onnx --quality 1 --json - -q"), 0) << read("stderr.txt");
  const auto report = nlohmann::json::parse(read("stdout.txt"));
  EXPECT_EQ(report["layers"].size(), 2u);
  EXPECT_EQ(report["layers"][0]["target"]["kind"], "quality");
}

TEST_F(PruneTool, SelectionFlags) {
  ASSERT_EQ(run("cnn.onnx -o out.onnx --sparsity 0.5 --op Conv --json r.json -q"), 0)
      << read("stderr.txt");
  auto report = nlohmann::json::parse(read("r.json"));
  ASSERT_EQ(report["layers"].size(), 1u);
  EXPECT_EQ(report["layers"][0]["name"], "conv1.weight");
  ASSERT_EQ(run("cnn.onnx -o out2.onnx --sparsity 0.5 --exclude 'conv*' --json r.json -q"), 0);
  report = nlohmann::json::parse(read("r.json"));
  ASSERT_EQ(report["layers"].size(), 1u);
  EXPECT_EQ(report["layers"][0]["name"], "fc.weight");
}

struct BadRun {
  const char* args;
  int exit_code;
  const char* message;
};

TEST_F(PruneTool, BadInputFailsWithItsExitCodeAndNoOutput) {
  std::ofstream(dir_ / "missing_layer.json") << R"({"dcz_recipe": 1, "layers": {"fc7.weight": {"sparsity": 0.5}}})";
  std::ofstream(dir_ / "malformed.json") << R"({"dcz_recipe": 1, "defaults": {"sparsity": "high"}})";
  std::ofstream(dir_ / "garbage.onnx") << "not a model";
  const BadRun cases[] = {
      {"mlp.onnx -o out.onnx --sparsity 1", 1, "outside [0, 1)"},
      {"mlp.onnx -o out.onnx --global-sparsity -0.5", 1, "outside [0, 1)"},
      {"mlp.onnx -o out.onnx", 1, "exactly one policy"},
      {"mlp.onnx -o out.onnx --sparsity 0.5 --quality 1", 1, "exactly one policy"},
      {"mlp.onnx -o out.onnx --sparsity 0.5 --normalize", 1, "--normalize"},
      {"mlp.onnx -o out.onnx --recipe missing_layer.json", 1, "fc7.weight"},
      {"mlp.onnx -o out.onnx --recipe malformed.json", 1, "defaults.sparsity: \"high\""},
      {"mlp.onnx -o out.onnx --recipe nosuch.json", 3, "nosuch.json"},
      {"mlp.onnx -o out.onnx --sparsity 0.5 --include 'conv*'", 4, "conv*"},
      {"mlp.onnx -o out.onnx --sparsity 0.5 --op LSTM", 4, "LSTM"},
      {"mlp.onnx -o out.onnx --sparsity 0.5 --min-elements 100000", 4, "no prunable weight"},
      {"garbage.onnx -o out.onnx --sparsity 0.5", 2, "garbage.onnx"},
      {"mlp.onnx -o mlp.onnx -f --sparsity 0.5", 1, "input file"},
  };
  for (const BadRun& c : cases) {
    const std::string args = std::string(c.args) + " --write-recipe r.json --json j.json";
    EXPECT_EQ(run(args), c.exit_code) << c.args << "\n" << read("stderr.txt");
    const std::string err = read("stderr.txt");
    EXPECT_EQ(err.rfind("dcz-prune: error: ", 0), 0u) << err;
    EXPECT_NE(err.find(c.message), std::string::npos) << c.args << "\n" << err;
    EXPECT_FALSE(exists("out.onnx")) << c.args;
    EXPECT_FALSE(exists("r.json")) << c.args;
    EXPECT_FALSE(exists("j.json")) << c.args;
  }
}

TEST_F(PruneTool, OnlyOneOutputGoesToStdout) {
  EXPECT_EQ(run("mlp.onnx -o - --sparsity 0.5 --json -"), 1);
  EXPECT_NE(read("stderr.txt").find("stdout"), std::string::npos) << read("stderr.txt");
  EXPECT_EQ(run("mlp.onnx -o out.onnx --sparsity 0.5 --json - --write-recipe -"), 1);
  EXPECT_FALSE(exists("out.onnx"));
  EXPECT_EQ(read("stdout.txt"), "");
  ASSERT_EQ(run("mlp.onnx -o out.onnx --sparsity 0.5 --write-recipe - -q"), 0);
  EXPECT_NE(read("stdout.txt").find("\"dcz_recipe\": 1"), std::string::npos) << read("stdout.txt");
}

TEST_F(PruneTool, ExistingOutputNeedsForce) {
  std::ofstream(dir_ / "out.onnx") << "old";
  EXPECT_EQ(run("mlp.onnx -o out.onnx --sparsity 0.5"), 1);
  EXPECT_EQ(read("out.onnx"), "old");
  EXPECT_EQ(run("mlp.onnx -o out.onnx --sparsity 0.5 -f -q"), 0);
  EXPECT_NE(read("out.onnx"), "old");
}

TEST_F(PruneTool, HelpGoesToStdoutWithExitZero) {
  EXPECT_EQ(run("--help"), 0);
  EXPECT_NE(read("stdout.txt").find("--global-sparsity"), std::string::npos);
  EXPECT_NE(read("stdout.txt").find("Exit codes"), std::string::npos);
}

}  // namespace
