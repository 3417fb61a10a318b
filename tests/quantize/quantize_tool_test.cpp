// dcz-quantize as a user runs it: exit codes, messages, files left (or not) behind, --json,
// determinism across thread counts.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "dcz/onnx_model.h"
#include "support/onnx_synthetic.h"
#include "support/tool_runner.h"

namespace dcz {
namespace {

namespace fs = std::filesystem;

using ToolRun = testing::ToolResult;
using testing::slurp;

class QuantizeTool : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("dcz_quantize_tool_" + std::to_string(getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    test::ConvModelOptions o;
    o.in_channels = 8;
    o.out_channels = 40;
    write(dir_ / "model.onnx", test::make_conv_model(o));
  }
  void TearDown() override { fs::remove_all(dir_); }

  static void write(const fs::path& p, const std::string& bytes) {
    std::ofstream(p, std::ios::binary) << bytes;
  }

  ToolRun run(const std::string& args) const {
    return testing::run_tool("dcz-quantize", args, dir_, {.work_dir = dir_});
  }

  fs::path dir_;
};

TEST_F(QuantizeTool, HelpGoesToStdoutWithExitZero) {
  const ToolRun r = run("--help");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("--conv-bits"), std::string::npos);
  EXPECT_NE(r.out.find("--include"), std::string::npos);  // the shared selection flags
}

TEST_F(QuantizeTool, MisuseIsExitOne) {
  EXPECT_EQ(run("").exit_code, 1);
  EXPECT_EQ(run("model.onnx -o q.onnx --bits 4 --conv-bits 6").exit_code, 1);
  EXPECT_EQ(run("model.onnx -o q.onnx --method fastest").exit_code, 1);
  const ToolRun r = run("model.onnx -o q.onnx --bits 17");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("dcz-quantize: error:"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir_ / "q.onnx"));
}

TEST_F(QuantizeTool, WritesACheckedModelAndAJsonReport) {
  const ToolRun r = run("model.onnx -o q.onnx --json report.json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("conv1.weight"), std::string::npos);
  auto m = OnnxModel::load(dir_ / "q.onnx");
  ASSERT_TRUE(m.is_ok()) << m.status().to_string();
  EXPECT_TRUE(m->check().is_ok());
  const auto j = nlohmann::json::parse(slurp(dir_ / "report.json"));
  ASSERT_EQ(j["layers"].size(), 2u);
  EXPECT_EQ(j["layers"][0]["name"], "conv1.weight");
  EXPECT_EQ(j["layers"][0]["bits"], 8);
  EXPECT_EQ(j["layers"][1]["bits"], 5);
  EXPECT_LE(j["layers"][1]["codebook_size"].get<int>(), 32);
}

TEST_F(QuantizeTool, DefaultOutputNameAndNoOverwriteWithoutForce) {
  ASSERT_EQ(run("model.onnx -q").exit_code, 0);
  EXPECT_TRUE(fs::exists(dir_ / "model.quantized.onnx"));
  EXPECT_EQ(run("model.onnx -q").exit_code, 1);
  EXPECT_EQ(run("model.onnx -q -f").exit_code, 0);
  EXPECT_EQ(run("model.onnx -o model.onnx -f -q").exit_code, 1);  // never over its input
}

TEST_F(QuantizeTool, NonFiniteWeightFailsByNameAndWritesNothing) {
  auto m = OnnxModel::load(dir_ / "model.onnx");
  ASSERT_TRUE(m.is_ok());
  for (std::size_t i = 0; i < m->tensor_count(); ++i) {
    if (m->tensor(i).name != "fc.weight") continue;
    const float inf = INFINITY;
    std::memcpy(m->mutable_tensor_bytes(i).data() + 8, &inf, 4);
  }
  ASSERT_TRUE(m->save(dir_ / "bad.onnx").is_ok());
  const ToolRun r = run("bad.onnx -o q.onnx");
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_NE(r.err.find("fc.weight"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir_ / "q.onnx"));
}

TEST_F(QuantizeTool, SameBytesForAnyThreadCount) {
  for (const char* method : {"lloyd", "optimal"}) {
    const std::string m = std::string(" --method ") + method + " --init kmeans++ --seed 7 -q -f";
    ASSERT_EQ(run("model.onnx -o a.onnx --threads 1" + m).exit_code, 0);
    ASSERT_EQ(run("model.onnx -o b.onnx --threads 2" + m).exit_code, 0);
    EXPECT_EQ(slurp(dir_ / "a.onnx"), slurp(dir_ / "b.onnx")) << method;
  }
}

TEST_F(QuantizeTool, StdinToStdout) {
  const ToolRun r = run("- -o - -q < model.onnx");  // the model arrives in stdout.txt
  EXPECT_EQ(r.exit_code, 0) << r.err;
  auto m = OnnxModel::load(dir_ / "stdout.txt");
  ASSERT_TRUE(m.is_ok()) << m.status().to_string();
  EXPECT_TRUE(m->check().is_ok());
  ASSERT_EQ(run("model.onnx -o file.onnx -q").exit_code, 0);
  EXPECT_EQ(r.out, slurp(dir_ / "file.onnx"));
}

}  // namespace
}  // namespace dcz
