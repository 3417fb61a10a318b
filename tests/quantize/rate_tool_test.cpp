// dcz-quantize --method rate as a user runs it: the model and JSON written, bad λ and option
// mixes as usage errors (exit 1) that write nothing, non-finite weights (exit 4), determinism.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "dcz/onnx_model.h"
#include "support/onnx_synthetic.h"
#include "support/tool_runner.h"

namespace dcz {
namespace {

namespace fs = std::filesystem;

class RateQuantizeTool : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("dcz_rate_tool_" + std::to_string(getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    test::ConvModelOptions o;
    o.in_channels = 8;
    o.out_channels = 40;
    std::ofstream(dir_ / "model.onnx", std::ios::binary) << test::make_conv_model(o);
  }
  void TearDown() override { fs::remove_all(dir_); }

  testing::ToolResult run(const std::string& args) const {
    return testing::run_tool("dcz-quantize", args, dir_, {.work_dir = dir_});
  }

  fs::path dir_;
};

TEST_F(RateQuantizeTool, WritesACheckedModelAndAJsonReport) {
  const auto r = run("model.onnx -o q.onnx --method rate --lambda 1e-4 --json report.json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("rate-aware quantization"), std::string::npos) << r.err;
  auto m = OnnxModel::load(dir_ / "q.onnx");
  ASSERT_TRUE(m.is_ok()) << m.status().to_string();
  EXPECT_TRUE(m->check().is_ok());
  const auto j = nlohmann::json::parse(testing::slurp(dir_ / "report.json"));
  EXPECT_EQ(j["method"], "rate");
  EXPECT_EQ(j["lambda"], 1e-4);
  EXPECT_EQ(j["layers"].size(), 4u);  // conv1 and fc weights, each with its bias
}

TEST_F(RateQuantizeTool, KeepBiasesQuantizesOnlyTheWeights) {
  const auto r = run("model.onnx -o q.onnx --method rate --lambda 1e-4 --keep-biases --json -");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["layers"].size(), 2u);
}

TEST_F(RateQuantizeTool, BadLambdaOrOptionMixIsAUsageErrorAndWritesNothing) {
  for (const char* args :
       {"--method rate --lambda 0", "--method rate --lambda -1", "--method rate --lambda nan",
        "--method rate --lambda inf", "--method rate", "--lambda 1e-4",
        "--method rate --lambda 1e-4 --bits 4", "--method rate --lambda 1e-4 --recipe r.json",
        "--calibration 10", "--method rate --lambda 1e-4 --calibration 0",
        "--method rate --lambda 1e-4 --sequential"}) {
    const auto r = run(std::string("model.onnx -o q.onnx ") + args);
    EXPECT_EQ(r.exit_code, 1) << args << ": " << r.err;
    EXPECT_FALSE(fs::exists(dir_ / "q.onnx")) << args;
  }
}

TEST_F(RateQuantizeTool, NonFiniteWeightFailsByNameAndWritesNothing) {
  auto m = OnnxModel::load(dir_ / "model.onnx");
  ASSERT_TRUE(m.is_ok());
  for (std::size_t i = 0; i < m->tensor_count(); ++i) {
    if (m->tensor(i).name != "fc.weight") continue;
    const float nan = std::nanf("");
    std::memcpy(m->mutable_tensor_bytes(i).data() + 8, &nan, 4);
  }
  ASSERT_TRUE(m->save(dir_ / "bad.onnx").is_ok());
  const auto r = run("bad.onnx -o q.onnx --method rate --lambda 1e-4");
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_NE(r.err.find("fc.weight"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir_ / "q.onnx"));
}

TEST_F(RateQuantizeTool, SameBytesForAnyThreadCount) {
  ASSERT_EQ(run("model.onnx -o a.onnx --method rate --lambda 3e-4 --threads 1 -q").exit_code, 0);
  ASSERT_EQ(run("model.onnx -o b.onnx --method rate --lambda 3e-4 --threads 2 -q").exit_code, 0);
  EXPECT_EQ(testing::slurp(dir_ / "a.onnx"), testing::slurp(dir_ / "b.onnx"));
}

}  // namespace
}  // namespace dcz
